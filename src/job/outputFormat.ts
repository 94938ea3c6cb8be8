/**
 * How a run's outputs are written: in the input's format where Smart writes
 * it, else JSONL. Each item comes back as it was, with what Smart adds: in
 * JSONL an object `smart: {output, model, raw}`; in CSV and TSV the columns
 * `smart_output`, `smart_model` and `smart_raw` after the input's own (a
 * column of that name already in the input is filled in place), under a
 * header row, with the input's delimiter; in Parquet the same columns, each
 * of the type its values have. `output` is the answer as the comparison rule reads it (the
 * label, the number, the extracted field), `raw` the model's whole text.
 */
import { stringify } from 'csv-stringify/sync';
import type { ItemOutput } from '../core/engine';
import { extractAnswer, type AnswerRule } from '../io/answerExtraction';
import type { Delimiter } from '../io/delimited';
import type { InputRecord } from '../io/readingPass';
import { formatOf, type InputFormat } from '../io/records';
import { readJsonl } from '../io/jsonl';
import { ColumnTypes, writeParquetFile } from '../io/parquetFile';
import { rmSync } from 'node:fs';

/** The formats Smart writes outputs in. */
export const OUTPUT_FORMATS = ['jsonl', 'csv', 'tsv', 'parquet'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The formats a config may set: the input's (where its extension does not say it), the outputs'. */
export interface FormatChoice {
  readonly inputFormat?: InputFormat | undefined;
  readonly outputFormat?: OutputFormat | undefined;
}

/** The format of the outputs of a run on `input`: the one chosen, else the input's own where Smart writes it, else JSONL. */
export function outputFormatOf(input: string, choice: FormatChoice = {}): OutputFormat {
  if (choice.outputFormat !== undefined) return choice.outputFormat;
  const format = choice.inputFormat ?? formatOf(input);
  return format === 'csv' || format === 'tsv' || format === 'parquet' ? format : 'jsonl';
}

/** The columns Smart adds to a CSV or TSV file. */
export const SMART_COLUMNS = ['smart_output', 'smart_model', 'smart_raw'] as const;

/**
 * The text of one output in the file, without its final line break. The
 * first item's text begins with the header row, since items are formatted
 * in any order but written in input order.
 */
export function outputText(
  format: OutputFormat,
  rule: AnswerRule,
  delimiter: Delimiter = format === 'tsv' ? '\t' : ',',
): (output: ItemOutput<InputRecord>) => string {
  if (format === 'jsonl') {
    return (o) => {
      const raw = o.completion.text;
      return JSON.stringify({ ...o.item.value, smart: { output: extractAnswer(rule, raw), model: o.model, raw } });
    };
  }
  // Parquet is written from JSONL lines with Smart's columns, as a CSV row has them (see `writeParquetOutput`).
  if (format === 'parquet') return (o) => JSON.stringify({ ...o.item.value, ...smartColumns(rule, o) });
  const row = (fields: readonly unknown[]): string => stringify([fields.map(String)], { delimiter, record_delimiter: 'unix' }).replace(/\n$/, '');
  return (o) => {
    const columns = [...Object.keys(o.item.value), ...SMART_COLUMNS.filter((c) => !(c in o.item.value))];
    const values = { ...o.item.value, ...smartColumns(rule, o) };
    const text = row(columns.map((c) => values[c as keyof typeof values] ?? ''));
    return o.index === 0 ? `${row(columns)}\n${text}` : text;
  };
}

/** What Smart adds to an item as columns (CSV, TSV, Parquet). */
function smartColumns(rule: AnswerRule, o: ItemOutput<InputRecord>): Record<(typeof SMART_COLUMNS)[number], string> {
  const raw = o.completion.text;
  return { smart_output: extractAnswer(rule, raw), smart_model: o.model, smart_raw: raw };
}

/**
 * Turns a run's output, written as JSONL lines of columns, into the Parquet
 * file `target`: one pass learns the columns and their types, a second
 * writes the rows (each pass streamed); the JSONL file is removed after.
 */
export async function writeParquetOutput(lines: string, target: string, options: { overwrite?: boolean } = {}): Promise<void> {
  const types = new ColumnTypes();
  for await (const { value } of readJsonl(lines)) types.see(value);
  async function* rows(): AsyncGenerator<Record<string, unknown>> {
    for await (const { value } of readJsonl(lines)) yield value;
  }
  await writeParquetFile(target, types.columns(), rows(), options);
  rmSync(lines, { force: true });
}
