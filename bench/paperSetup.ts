import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelSpec } from '../src/core/types';

/** One model of one dataset in the paper's setup. */
export interface PaperModel extends ModelSpec {
  /** Agreement rate with gpt-4, measured on 100 items in the paper. */
  readonly rate: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface PaperDataset {
  readonly name: string;
  readonly items: number;
  readonly reference: string;
  readonly models: readonly PaperModel[];
}

export const PAPER_REFERENCE = 'gpt-4';
export const PAPER_SETUP_FILE = path.join(__dirname, '..', '..', 'bench', 'data', 'smart-paper-setup.csv');

/** Reads `bench/data/smart-paper-setup.csv` (see bench/data/README.md for its source). */
export function loadPaperSetup(file = PAPER_SETUP_FILE): PaperDataset[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const column = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column "${name}"`);
    return i;
  };
  const col = {
    dataset: column('dataset'),
    items: column('items'),
    model: column('model'),
    inPer1K: column('usd_per_1k_input_tokens'),
    outPer1K: column('usd_per_1k_output_tokens'),
    inTokens: column('input_tokens_per_item'),
    outTokens: column('output_tokens_per_item'),
    rate: column('agreement_with_reference'),
  };
  const datasets = new Map<string, { items: number; models: PaperModel[] }>();
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',');
    const num = (c: number): number => {
      const value = Number(cells[c]);
      if (!Number.isFinite(value)) throw new Error(`${file}:${i + 2}: column "${header[c]}" is not a number`);
      return value;
    };
    const name = cells[col.dataset];
    const entry = datasets.get(name) ?? { items: num(col.items), models: [] };
    const inputTokens = num(col.inTokens);
    const outputTokens = num(col.outTokens);
    entry.models.push({
      id: cells[col.model],
      inputPer1M: num(col.inPer1K) * 1000,
      outputPer1M: num(col.outPer1K) * 1000,
      estimatedInputTokens: inputTokens,
      estimatedOutputTokens: outputTokens,
      rate: num(col.rate),
      inputTokens,
      outputTokens,
    });
    datasets.set(name, entry);
  });
  return [...datasets].map(([name, d]) => ({ name, items: d.items, reference: PAPER_REFERENCE, models: d.models }));
}
