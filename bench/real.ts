/**
 * `npm run bench:real`: Smart on real recorded model answers. Each example
 * under examples/ (toxicity: 750 comments, 12 models; policy topics: 926
 * acts, 10 models; TextClass benchmark, CC BY 4.0) is bootstrapped to a file
 * of 50,000 items with a seeded draw (each item a distinct line of the file
 * that copies a recorded one), and Smart runs on it with every candidate at
 * each target, for several seeds. Per target it prints the savings against
 * the reference alone, the agreement with the reference's real answers, what
 * profiling cost, and the two oracles computed from the data: the best random
 * mix of single models and the best mix of plans, both knowing the true rates
 * and profiling nothing.
 *
 * Flags: --datasets toxicity,policy-topics --targets 0.8,0.85,0.9,0.95,0.98,0.99
 * --seeds N (default 5) --items N (default 50000) --strategies auto,modelmix
 * (default auto) --confidence 0.95 --pilot N (auto's pilot items; default: its own rule)
 * --json FILE.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runSmart } from '../src/core/engine';
import { indexSource } from '../src/core/itemSource';
import { STRATEGIES, type Completion, type LlmClient, type ModelSpec, type Strategy } from '../src/core/types';
import { ratio } from '../src/text/money';
import { percent } from '../src/text/numbers';
import { textTable } from '../src/text/table';
import { bootstrap, loadRealDataset, oracleCosts, type RealDataset } from './realData';

/** One run. */
interface Row {
  readonly dataset: string;
  readonly strategy: Strategy;
  readonly target: number;
  readonly seed: number;
  readonly cost: number;
  readonly referenceOnlyCost: number;
  readonly profilingCost: number;
  readonly profiledItems: number;
  /** Share of items whose output gives the reference's answer. */
  readonly agreement: number;
  readonly plan: string;
  readonly oracleMix: number;
  readonly oraclePlans: number;
  readonly ms: number;
}

/** Answers item i of the bootstrapped file with the recorded answer to the item it copies. */
function recordedClient(dataset: RealDataset, sources: Uint32Array): LlmClient<number> {
  return {
    complete(model: ModelSpec, item: number): Completion {
      return dataset.answers.get(model.id)![sources[item]];
    },
  };
}

async function runOne(
  dataset: RealDataset,
  strategy: Strategy,
  target: number,
  seed: number,
  items: number,
  confidence: number,
  pilotItems: number | undefined,
): Promise<Row> {
  const sources = bootstrap(dataset, items, seed);
  const reference = dataset.answers.get(dataset.reference)!;
  let agreeing = 0;
  let profilingCost = 0;
  const t0 = performance.now();
  const { report } = await runSmart({
    items: indexSource(items),
    models: dataset.models,
    reference: dataset.reference,
    client: recordedClient(dataset, sources),
    target: { accuracy: target, confidence },
    strategy,
    seed,
    compare: dataset.same,
    ...(pilotItems !== undefined ? { pilotItems } : {}),
    onProgress: (e) => {
      if (e.phase === 'profiling') profilingCost = e.costSoFar;
    },
    onOutput: (o) => {
      if (dataset.same(o.completion.text, reference[sources[o.index]].text)) agreeing++;
    },
  });
  const ms = performance.now() - t0;
  const oracle = oracleCosts(dataset, sources, target);
  return {
    dataset: dataset.name,
    strategy,
    target,
    seed,
    cost: report.totalCost,
    referenceOnlyCost: report.referenceOnlyCost,
    profilingCost,
    profiledItems: report.profiledItems,
    agreement: agreeing / items,
    plan: report.plan.entries
      .filter((e) => e.items > 0)
      .map((e) => `${e.id} ${percent(e.items / Math.max(1, items - report.profiledItems), 0)}`)
      .join(', '),
    oracleMix: report.referenceOnlyCost / oracle.mix,
    oraclePlans: report.referenceOnlyCost / oracle.plans,
    ms,
  };
}

function flags(argv: readonly string[]): Map<string, string> {
  const known = ['datasets', 'targets', 'seeds', 'items', 'strategies', 'confidence', 'pilot', 'json'];
  const result = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i].replace(/^--/, '');
    if (!known.includes(flag) || argv[i + 1] === undefined)
      throw new Error(`unknown flag or missing value: ${argv[i]} (known: ${known.map((k) => `--${k}`).join(', ')})`);
    result.set(flag, argv[i + 1]);
  }
  return result;
}

/** Savings as total reference-only cost over total cost (the paper's average), and the worst run. */
function summarise(rows: readonly Row[]): string[] {
  const total = rows.reduce((s, r) => s + r.cost, 0);
  const naive = rows.reduce((s, r) => s + r.referenceOnlyCost, 0);
  const worst = Math.min(...rows.map((r) => r.referenceOnlyCost / r.cost));
  const met = rows.filter((r) => r.agreement >= r.target - 1e-12).length;
  const profiling = rows.reduce((s, r) => s + r.profilingCost, 0) / total;
  const mean = (f: (r: Row) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return [
    ratio(naive / total),
    ratio(worst),
    percent(Math.min(...rows.map((r) => r.agreement)), 2),
    `${met}/${rows.length}`,
    percent(profiling, 0),
    Math.round(mean((r) => r.profiledItems)).toLocaleString('en-US'),
    ratio(mean((r) => r.oracleMix)),
    ratio(mean((r) => r.oraclePlans)),
  ];
}

async function main(): Promise<void> {
  const args = flags(process.argv.slice(2));
  const datasets = (args.get('datasets') ?? 'toxicity,policy-topics').split(',');
  const targets = (args.get('targets') ?? '0.8,0.85,0.9,0.95,0.98,0.99').split(',').map(Number);
  const seeds = Number(args.get('seeds') ?? 5);
  const items = Number(args.get('items') ?? 50_000);
  const confidence = Number(args.get('confidence') ?? 0.95);
  const strategies = (args.get('strategies') ?? 'auto').split(',') as Strategy[];
  const pilot = args.has('pilot') ? Number(args.get('pilot')) : undefined;
  for (const s of strategies) if (!STRATEGIES.includes(s)) throw new Error(`--strategies: unknown strategy "${s}"`);
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const name of datasets) {
    const dataset = await loadRealDataset(name);
    console.log(
      `\n${name}: ${dataset.items} recorded items bootstrapped to ${items.toLocaleString('en-US')}, reference ${dataset.reference}, ${dataset.models.length - 1} candidates, confidence ${confidence}, ${seeds} seed(s)`,
    );
    const body: string[][] = [];
    for (const strategy of strategies) {
      for (const target of targets) {
        const group: Row[] = [];
        for (let seed = 0; seed < seeds; seed++) group.push(await runOne(dataset, strategy, target, seed, items, confidence, pilot));
        rows.push(...group);
        body.push([`${strategy} ${percent(target, 0)}`, ...summarise(group)]);
      }
    }
    console.log(
      textTable(['strategy, target', 'savings', 'worst', 'min agreement', 'met', 'profiling', 'profiled', 'oracle mix', 'oracle plans'], body, { rule: true }),
    );
  }
  console.log(
    `\nsavings: reference-only cost / cost over all seeds; worst: the least saving run; met: runs whose agreement with the reference reached the target;`,
  );
  console.log(
    `profiling: share of the cost spent before the plan; oracles: true rates known, nothing profiled (mix: single models and the reference; plans: gated plans too).`,
  );
  console.log(`${rows.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  const json = args.get('json');
  if (json) writeFileSync(json, JSON.stringify(rows, null, 1) + '\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
