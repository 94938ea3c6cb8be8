/**
 * `npm run bench:paper`: reproduces the SMART paper's experiment (arXiv
 * 2403.13835, section 6) in simulation, through the same engine API the CLI
 * and the extension use, and measures how often each strategy's guarantee
 * fails, judged by what its report claims: `auto`'s count of the file's
 * agreeing outputs against the outputs written, the paper's strategies'
 * expected agreement rate against the true rates.
 *
 * Flags: --seeds N (seeds 0..N-1, default 10), --datasets imdb,sms_spam,ag_news,
 * --deltas 0.02,0.04 (default 0.02..0.20), --strategies naive,exhaustive,...,
 * --bounds clopper-pearson,anytime (default clopper-pearson, the paper's rule),
 * --workers N (default: the machine's cores), --json FILE, and --batch: every
 * run again with the application phase at batch prices (half the list price;
 * profiling online at list price, the strategies' decisions weighing the rest
 * at the batch price), printed beside the online figures.
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { runSmart } from '../src/core/engine';
import { indexSource } from '../src/core/itemSource';
import { AGREEING_OUTPUT, SimulatedClient, simulatedPlanRate } from './simulatedClient';
import { BOUND_KINDS, STRATEGIES, type BoundKind, type Strategy } from '../src/core/types';
import { loadPaperSetup, type PaperDataset } from './paperSetup';
import { oracleCost } from './oracle';
import { seconds } from '../src/text/numbers';
import { printBatchTables, printTables } from './paperTables';
import { runInWorkers, serveTasks } from './workers';

export interface Task {
  /** `batch`: the items after profiling are charged at {@link BATCH_DISCOUNT} of the list price. */
  readonly mode: 'online' | 'batch';
  readonly dataset: string;
  readonly delta: number;
  readonly strategy: Strategy;
  readonly bound: BoundKind;
  readonly seed: number;
}

/** One run, as written to the JSON file. */
export interface Row extends Task {
  /** USD for the whole run, and for the reference alone on every item. */
  readonly cost: number;
  readonly naiveCost: number;
  /** Final share of items whose output equals the reference's. */
  readonly agreement: number;
  /** agreement >= 1 - delta. */
  readonly met: boolean;
  /** Share of agreement expected from the true rates of the models used: what the paper's strategies' guarantee is about. */
  readonly expectedAgreement: number;
  /** The claim was false: for `auto`, fewer agreeing outputs than the report's count; for the paper's strategies, expectedAgreement < 1 - delta. */
  readonly violated: boolean;
  readonly profiledItems: number;
  readonly ms: number;
}

const CONFIDENCE = 0.95;
/** What a batch engine charges of the list price (OpenAI's and most providers' half). */
export const BATCH_DISCOUNT = 0.5;
const DEFAULT_DELTAS = [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2];

async function runTask(task: Task, dataset: PaperDataset): Promise<Row> {
  const batch = task.mode === 'batch';
  const client = new SimulatedClient(dataset.models, task.seed ^ 0x9e3779b9, batch ? BATCH_DISCOUNT : undefined);
  let agreeing = 0;
  const t0 = performance.now();
  const { report } = await runSmart({
    items: indexSource(dataset.items),
    models: batch ? dataset.models.map((m) => ({ ...m, applyPriceFactor: BATCH_DISCOUNT })) : dataset.models,
    ...(batch ? { onProgress: (e) => (client.applying = e.phase !== 'profiling') } : {}),
    reference: dataset.reference,
    client,
    target: { accuracy: 1 - task.delta, confidence: CONFIDENCE },
    strategy: task.strategy,
    bound: task.bound,
    seed: task.seed,
    onOutput: (o) => {
      if (o.completion.text === AGREEING_OUTPUT) agreeing++;
    },
  });
  const ms = performance.now() - t0;
  const expected = report.profiledItems + report.plan.entries.reduce((sum, e) => sum + e.items * simulatedPlanRate(e.plan, dataset.models), 0);
  const target = 1 - task.delta;
  const agreement = agreeing / dataset.items;
  const expectedAgreement = expected / dataset.items;
  return {
    ...task,
    cost: report.totalCost,
    naiveCost: report.referenceOnlyCost,
    agreement,
    met: agreement >= target - 1e-12,
    expectedAgreement,
    violated: report.guarantee.about === 'outputs' ? agreeing < report.plan.agreeingOutputs! : expectedAgreement < target - 1e-12,
    profiledItems: report.profiledItems,
    ms,
  };
}

async function runTasks(tasks: readonly Task[]): Promise<Row[]> {
  const datasets = new Map(loadPaperSetup().map((d) => [d.name, d]));
  const rows: Row[] = [];
  for (const task of tasks) rows.push(await runTask(task, datasets.get(task.dataset)!));
  return rows;
}

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith('--')) throw new Error(`unexpected argument "${flag}"`);
    if (flag === '--batch') {
      args.set('batch', 'true');
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    args.set(flag.slice(2), value);
    i++;
  }
  const known = ['seeds', 'datasets', 'deltas', 'strategies', 'bounds', 'workers', 'json', 'batch'];
  for (const key of args.keys()) if (!known.includes(key)) throw new Error(`unknown flag --${key} (known: ${known.map((k) => `--${k}`).join(', ')})`);
  return args;
}

function listOf<V extends string>(value: string | undefined, allowed: readonly V[], fallback: readonly V[], name: string): V[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').map((s) => s.trim());
  for (const item of items) if (!allowed.includes(item as V)) throw new Error(`--${name}: "${item}" is not one of ${allowed.join(', ')}`);
  return items as V[];
}

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const setup = loadPaperSetup();
  const datasets = listOf(
    args.get('datasets'),
    setup.map((d) => d.name),
    setup.map((d) => d.name),
    'datasets',
  );
  const strategies = listOf(args.get('strategies'), STRATEGIES, STRATEGIES, 'strategies');
  const bounds = listOf(args.get('bounds'), BOUND_KINDS, ['clopper-pearson'], 'bounds');
  const seeds = positiveInteger(args.get('seeds'), 10, 'seeds');
  const workers = positiveInteger(args.get('workers'), os.availableParallelism(), 'workers');
  const deltas =
    args
      .get('deltas')
      ?.split(',')
      .map((s) => {
        const d = Number(s);
        if (!(d > 0 && d < 1)) throw new Error(`--deltas: "${s}" is not in (0, 1)`);
        return d;
      }) ?? DEFAULT_DELTAS;

  const modes: Array<Task['mode']> = args.has('batch') ? ['online', 'batch'] : ['online'];
  const tasks: Task[] = [];
  for (const mode of modes)
    for (const dataset of datasets)
      for (const delta of deltas)
        for (const strategy of strategies)
          // naive uses no bound, and auto certifies with its own (exact bounds at looks set in advance): one run each.
          for (const bound of strategy === 'naive' || strategy === 'auto' ? [bounds[0]] : bounds)
            for (let seed = 0; seed < seeds; seed++) tasks.push({ mode, dataset, delta, strategy, bound, seed });

  console.log(
    `SMART paper reproduction: ${tasks.length} runs on ${workers} worker thread(s), ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  );
  const t0 = performance.now();
  const rows = await runInWorkers<Task, Row>(__filename, tasks, workers);
  const wallMs = performance.now() - t0;

  const shown = setup.filter((d) => datasets.includes(d.name));
  printTables(
    rows.filter((r) => r.mode === 'online'),
    shown,
    deltas,
    seeds,
    CONFIDENCE,
    oracleCost,
  );
  if (modes.includes('batch')) printBatchTables(rows, shown, deltas, seeds, BATCH_DISCOUNT);
  console.log(`\nAll ${rows.length} runs took ${seconds(wallMs)} of wall time.`);
  const json = args.get('json');
  if (json) {
    writeFileSync(json, JSON.stringify(rows, null, 1) + '\n');
    console.log(`Rows written to ${json}`);
  }
}

if (!serveTasks(runTasks)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
