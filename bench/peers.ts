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
 * Per dataset, target (0.9, 0.95) and confidence (0.95, 0.9), over 1,000
 * seeds (BARGAIN's figures are over 200; at 200, a rate of runs below
 * target near 3% reads anywhere from 1% to 5.5%): the share of records the
 * reference answered (profiled ones included; mean and worst), the realized accuracy of the outputs against
 * the oracle, and the share of runs whose outputs fell below the target
 * (Smart's claim is about the outputs written, so this is what it is judged
 * by), beside BARGAIN's figures as measured with its own code (the table in
 * `bench/data/bargain/README.md`).
 *
 * Then a small-file slice of bench:real: the recorded answers of real models
 * on the offline examples at their own size (toxicity, 750 comments;
 * policy topics, 926 acts; gpt-4o the reference, every candidate offered),
 * the same targets, confidences and figures, judged against the reference's
 * recorded answers by the example's comparison rule. BARGAIN has no figures
 * there (it takes one proxy with a score).
 *
 * Flags: --seeds N (default 1000), --datasets court_opinion,reviews,
 * --real toxicity,policy-topics (none: ""), --workers N (default: every core).
 * Figures, not a test: nothing here asserts.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runSmart } from '../src/core/engine';
import { indexSource } from '../src/core/itemSource';
import type { Completion, LlmClient, ModelSpec } from '../src/core/types';
import { percent } from '../src/text/numbers';
import { textTable } from '../src/text/table';
import { loadRealDataset, type RealDataset } from './realData';
import { runInWorkers, serveTasks } from './workers';

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

/** What one run gave: the share of items the reference answered, and the share of outputs right (as the reference answers). */
interface RunFigures {
  readonly share: number;
  readonly accuracy: number;
}

/** One run of the bench: a dataset (BARGAIN's, or a recorded example of bench:real), a target and delta, a seed. */
interface Task {
  readonly source: 'bargain' | 'real';
  readonly name: string;
  readonly target: number;
  readonly delta: number;
  readonly seed: number;
}

/** The figures of a setting's runs. */
function summarize(runs: readonly RunFigures[], accuracy: number): SettingResult {
  const mean = (f: (r: RunFigures) => number): number => runs.reduce((sum, r) => sum + f(r), 0) / runs.length;
  return {
    meanShare: mean((r) => r.share),
    worstShare: Math.max(...runs.map((r) => r.share)),
    meanAccuracy: mean((r) => r.accuracy),
    below: mean((r) => (r.accuracy < accuracy - 1e-12 ? 1 : 0)),
  };
}

/** The datasets a worker has read, each once. */
const bargainData = new Map<string, BargainRecord[]>();
const realData = new Map<string, Promise<RealDataset>>();

/** A worker's share of the tasks, one after another. */
async function runTasks(tasks: readonly Task[]): Promise<RunFigures[]> {
  const figures: RunFigures[] = [];
  for (const t of tasks) {
    if (t.source === 'bargain') {
      if (!bargainData.has(t.name)) bargainData.set(t.name, readDataset(t.name));
      figures.push(await bargainRun(bargainData.get(t.name)!, t.target, 1 - t.delta, t.seed));
    } else {
      if (!realData.has(t.name)) realData.set(t.name, loadRealDataset(t.name));
      figures.push(await realRun(await realData.get(t.name)!, t.target, 1 - t.delta, t.seed));
    }
  }
  return figures;
}

/** One run of `auto` on a BARGAIN dataset. */
async function bargainRun(records: readonly BargainRecord[], accuracy: number, confidence: number, seed: number): Promise<RunFigures> {
  const { report, outputs } = await runSmart({
    items: indexSource(records.length),
    models: [ORACLE, PROXY],
    reference: ORACLE.id,
    client: clientFor(records),
    target: { accuracy, confidence },
    strategy: 'auto',
    seed,
  });
  return {
    share: report.models.find((m) => m.id === ORACLE.id)!.calls / records.length,
    accuracy: outputs!.filter((o) => o.completion.text === String(records[o.index].label)).length / records.length,
  };
}

/** One run of `auto` on a recorded example at its own size, every candidate offered. */
async function realRun(dataset: RealDataset, accuracy: number, confidence: number, seed: number): Promise<RunFigures> {
  const reference = dataset.answers.get(dataset.reference)!;
  const { report, outputs } = await runSmart({
    items: indexSource(dataset.items),
    models: dataset.models,
    reference: dataset.reference,
    client: { complete: (model, index) => dataset.answers.get(model.id)![index] },
    compare: dataset.same,
    target: { accuracy, confidence },
    strategy: 'auto',
    seed,
  });
  return {
    share: report.models.find((m) => m.id === dataset.reference)!.calls / dataset.items,
    accuracy: outputs!.filter((o) => dataset.same(o.completion.text, reference[o.index].text)).length / dataset.items,
  };
}

/** A row of a table: the dataset, the setting, and the figures. */
function row(name: string, target: number, delta: number, smart: SettingResult, peer: string): string[] {
  return [
    name,
    String(target),
    String(delta),
    `${percent(smart.meanShare)} / ${percent(smart.worstShare)}`,
    smart.meanAccuracy.toFixed(3),
    percent(smart.below),
    peer,
  ];
}

const HEADER = ['dataset (records)', 'target', 'delta', 'reference share (mean / worst)', 'accuracy (mean)', 'runs below target'];
const TARGETS = [0.9, 0.95];
const DELTAS = [0.05, 0.1];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1000' },
      datasets: { type: 'string', default: 'court_opinion,reviews' },
      real: { type: 'string', default: 'toxicity,policy-topics' },
      workers: { type: 'string', default: String(os.availableParallelism()) },
    },
  });
  const seeds = Number(values.seeds);
  const started = Date.now();
  const settings = (source: Task['source'], names: string): Array<Omit<Task, 'seed'>> =>
    names
      .split(',')
      .filter(Boolean)
      .flatMap((name) => TARGETS.flatMap((target) => DELTAS.map((delta) => ({ source, name, target, delta }))));
  const all = [...settings('bargain', values.datasets), ...settings('real', values.real)];
  const tasks = all.flatMap((s) => Array.from({ length: seeds }, (_, i) => ({ ...s, seed: i + 1 })));
  const figures = await runInWorkers<Task, RunFigures>(__filename, tasks, Number(values.workers));
  const results = all.map((s, i) => ({ ...s, smart: summarize(figures.slice(i * seeds, (i + 1) * seeds), s.target) }));
  const sizes = new Map<string, number>();
  for (const name of values.datasets.split(',').filter(Boolean)) sizes.set(name, readDataset(name).length);
  for (const name of values.real.split(',').filter(Boolean)) sizes.set(name, (await loadRealDataset(name)).items);

  const rows: string[][] = [];
  let ahead = 0;
  const onBargain = results.filter((r) => r.source === 'bargain');
  for (const r of onBargain) {
    const peer = BARGAIN[`${r.name} ${r.target} ${r.delta}`];
    if (peer !== undefined && r.smart.meanShare <= peer.share) ahead++;
    rows.push(row(`${r.name} (${sizes.get(r.name)})`, r.target, r.delta, r.smart, peer ? `${percent(peer.share)}, ${percent(peer.below)}` : 'not measured'));
  }
  console.log(`bench:peers: auto on BARGAIN's datasets, ${seeds} seeds per setting, the reference at 10x the candidate per call`);
  console.log(textTable([...HEADER, 'BARGAIN: share, runs below'], rows, { rule: true }));
  console.log(
    `Smart's mean reference share at or below BARGAIN's in ${ahead} of ${onBargain.length} settings; runs below target are judged on the outputs written.`,
  );
  const realRows = results.filter((r) => r.source === 'real').map((r) => row(`${r.name} (${sizes.get(r.name)})`, r.target, r.delta, r.smart, '').slice(0, -1));
  if (realRows.length > 0) {
    console.log(`\nA small-file slice of bench:real: recorded answers at the examples' own size, every candidate offered, ${seeds} seeds per setting`);
    console.log(textTable(HEADER, realRows, { rule: true }));
  }
  console.log(`${((Date.now() - started) / 1000).toFixed(1)} s on ${values.workers} worker(s).`);
}

if (!serveTasks(runTasks)) void main();
