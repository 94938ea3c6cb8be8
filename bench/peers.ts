/**
 * `npm run bench:peers`: Smart's `auto` on the two datasets of BARGAIN's
 * pre-computed evaluation (Zeighami et al., SIGMOD 2026; `bench/data/bargain/`,
 * MIT licence, its notice beside the data), the job BARGAIN does with one
 * cheap model: a proxy whose answer is kept where it is confident, an
 * expensive oracle asked elsewhere. Each record has the oracle's answer and
 * the proxy's probability that the answer is 1; the proxy answers
 * `p >= 0.5`, with the probability of its own answer `max(p, 1 - p)` (as
 * BARGAIN's evaluation reads the data), which `auto` may gate on. The
 * reference (the oracle) costs 10 times the candidate per call.
 *
 * Per dataset, target (0.9, 0.95) and confidence (0.95, 0.9), over 200
 * seeds: the share of records the reference answered (profiled ones
 * included; mean and worst), the realized accuracy of the outputs against
 * the oracle, and the share of runs whose outputs fell below the target
 * (Smart's claim is about the outputs written, so this is what it is judged
 * by), beside BARGAIN's figures as measured with its own code (the table in
 * `bench/data/bargain/README.md`).
 *
 * Flags: --seeds N (default 200), --datasets court_opinion,reviews.
 * Figures, not a test: nothing here asserts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runSmart } from '../src/core/engine';
import { indexSource } from '../src/core/itemSource';
import type { Completion, LlmClient, ModelSpec } from '../src/core/types';
import { percent } from '../src/text/numbers';
import { textTable } from '../src/text/table';

const DATA_DIR = path.join(__dirname, '..', '..', 'bench', 'data', 'bargain');

/** One record: the oracle's answer and the proxy's probability that the answer is 1. */
interface BargainRecord {
  readonly label: 0 | 1;
  readonly score: number;
}

/** BARGAIN's figures as measured with its own code (bench/data/bargain/README.md): the oracle's share (mean), and runs below the target. */
const BARGAIN: Readonly<Record<string, { readonly share: number; readonly below: number }>> = {
  'court_opinion 0.9 0.05': { share: 0.442, below: 0.015 },
  'court_opinion 0.9 0.1': { share: 0.42, below: 0.035 },
  'court_opinion 0.95 0.05': { share: 0.589, below: 0 },
  'court_opinion 0.95 0.1': { share: 0.55, below: 0.01 },
  'reviews 0.9 0.05': { share: 0.654, below: 0.015 },
  'reviews 0.9 0.1': { share: 0.638, below: 0.04 },
  'reviews 0.95 0.05': { share: 0.759, below: 0.01 },
  'reviews 0.95 0.1': { share: 0.74, below: 0.04 },
};

/** The records of a dataset's CSV, by its header's `label` and `proxy_score` columns (one file has an unnamed index column first, the other not). */
function readDataset(name: string): BargainRecord[] {
  const [header, ...lines] = readFileSync(path.join(DATA_DIR, `${name}.csv`), 'utf8')
    .trim()
    .split('\n');
  const columns = header.split(',');
  const label = columns.indexOf('label');
  const score = columns.indexOf('proxy_score');
  if (label < 0 || score < 0) throw new Error(`${name}.csv has no label and proxy_score columns`);
  return lines.map((line) => {
    const cells = line.split(',');
    return { label: cells[label] === '1' ? 1 : 0, score: Number(cells[score]) };
  });
}

const ORACLE: ModelSpec = { id: 'oracle', inputPer1M: 10, outputPer1M: 10 };
const PROXY: ModelSpec = { id: 'proxy', inputPer1M: 1, outputPer1M: 1 };

/** Answers from the records, at once: the oracle's label, the proxy's thresholded score with its probability. */
function clientFor(records: readonly BargainRecord[]): LlmClient<number> {
  return {
    complete: (model, index): Completion => {
      const r = records[index];
      if (model.id === ORACLE.id) return { text: String(r.label), inputTokens: 100, outputTokens: 1 };
      const answer = r.score >= 0.5 ? 1 : 0;
      return { text: String(answer), inputTokens: 100, outputTokens: 1, confidence: Math.max(r.score, 1 - r.score) };
    },
  };
}

interface SettingResult {
  readonly meanShare: number;
  readonly worstShare: number;
  readonly meanAccuracy: number;
  readonly below: number;
}

/** `auto` over `seeds` seeds on one dataset at one target and confidence. */
async function runSetting(records: readonly BargainRecord[], accuracy: number, confidence: number, seeds: number): Promise<SettingResult> {
  const client = clientFor(records);
  let shareSum = 0;
  let worst = 0;
  let accuracySum = 0;
  let below = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { report, outputs } = await runSmart({
      items: indexSource(records.length),
      models: [ORACLE, PROXY],
      reference: ORACLE.id,
      client,
      target: { accuracy, confidence },
      strategy: 'auto',
      seed,
    });
    const share = report.models.find((m) => m.id === ORACLE.id)!.calls / records.length;
    const right = outputs!.filter((o) => o.completion.text === String(records[o.index].label)).length / records.length;
    shareSum += share;
    worst = Math.max(worst, share);
    accuracySum += right;
    if (right < accuracy) below++;
  }
  return { meanShare: shareSum / seeds, worstShare: worst, meanAccuracy: accuracySum / seeds, below: below / seeds };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '200' }, datasets: { type: 'string', default: 'court_opinion,reviews' } } });
  const seeds = Number(values.seeds);
  const started = Date.now();
  const rows: string[][] = [];
  let ahead = 0;
  let settings = 0;
  for (const name of values.datasets.split(',')) {
    const records = readDataset(name);
    for (const target of [0.9, 0.95]) {
      for (const delta of [0.05, 0.1]) {
        const smart = await runSetting(records, target, 1 - delta, seeds);
        const peer = BARGAIN[`${name} ${target} ${delta}`];
        settings++;
        if (peer !== undefined && smart.meanShare <= peer.share) ahead++;
        rows.push([
          `${name} (${records.length})`,
          String(target),
          String(delta),
          `${percent(smart.meanShare)} / ${percent(smart.worstShare)}`,
          smart.meanAccuracy.toFixed(3),
          percent(smart.below),
          peer ? `${percent(peer.share)}, ${percent(peer.below)}` : 'not measured',
        ]);
      }
    }
  }
  console.log(`bench:peers: auto on BARGAIN's datasets, ${seeds} seeds per setting, the reference at 10x the candidate per call`);
  console.log(
    textTable(
      ['dataset (records)', 'target', 'delta', 'reference share (mean / worst)', 'accuracy (mean)', 'runs below target', 'BARGAIN: share, runs below'],
      rows,
      { rule: true },
    ),
  );
  console.log(
    `Smart's mean reference share at or below BARGAIN's in ${ahead} of ${settings} settings; runs below target are judged on the outputs written. ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
}

void main();
