/**
 * `npm run bench:violations`: how often the guarantee fails at the cases
 * built to break it, each over many seeds. In every case the target is 95%
 * agreement at 95% confidence and the candidates sit just below it, where a
 * bound that is too optimistic, or a choice among many candidates that the
 * argument does not cover, turns into a plan that falls short:
 *
 * - one candidate just below the target (94%);
 * - three candidates just below it;
 * - ten candidates just below it;
 * - two candidates that err on the same items with the same wrong answer
 *   (their agreement with each other says nothing: gating them is no better
 *   than either alone), with the reference dear enough that any shortcut pays;
 * - the same two with a third, independent candidate (where a gate is worth it).
 *
 * A run violates the guarantee when the plan it chose, judged by the true
 * rates of the simulation (SimulatedClient: per-item agreement drawn by a
 * seeded hash; gated plans' rates in closed form, `simulatedPlanRate`), would
 * agree with the reference on less than the target over the whole file. The
 * promise is a violation rate of at most 1 - confidence = 5%.
 *
 * Flags: --seeds N (default 1000) --items N (default 20000) --cases a,b
 * --strategies auto,modelmix (default both; modelmix with the anytime bound)
 * --workers N.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { runSmart } from '../src/core/engine';
import { indexSource } from '../src/core/itemSource';
import type { ModelSpec, Strategy } from '../src/core/types';
import { percent } from '../src/text/numbers';
import { ratio } from '../src/text/money';
import { textTable } from '../src/text/table';
import { SimulatedClient, simulatedPlanRate, type SimulatedModel } from './simulatedClient';
import { runInWorkers, serveTasks } from './workers';

type Model = SimulatedModel & ModelSpec;

const ACCURACY = 0.95;
const CONFIDENCE = 0.95;
const REFERENCE: Model = { id: 'ref', rate: 1, inputTokens: 100, outputTokens: 10, inputPer1M: 10, outputPer1M: 30 };

/** A candidate of the given rate costing `share` of the reference per item. */
function candidate(id: string, rate: number, share: number, errsLike?: string): Model {
  return { id, rate, inputTokens: 100, outputTokens: 10, inputPer1M: 10 * share, outputPer1M: 30 * share, ...(errsLike ? { errsLike } : {}) };
}

const CASES: Readonly<Record<string, readonly Model[]>> = {
  'one-below': [REFERENCE, candidate('a', 0.94, 0.02)],
  'three-below': [REFERENCE, candidate('a', 0.94, 0.02), candidate('b', 0.945, 0.025), candidate('c', 0.935, 0.03)],
  'ten-below': [REFERENCE, ...Array.from({ length: 10 }, (_, i) => candidate(`m${i}`, 0.94 - 0.002 * (i % 5), 0.02 + 0.002 * i))],
  'same-errors': [REFERENCE, candidate('a', 0.94, 0.02), candidate('twin', 0.94, 0.021, 'a')],
  'same-errors-and-one': [REFERENCE, candidate('a', 0.94, 0.02), candidate('twin', 0.94, 0.021, 'a'), candidate('b', 0.94, 0.025)],
};

interface Task {
  readonly name: string;
  readonly strategy: Strategy;
  readonly seed: number;
  readonly items: number;
}

interface Row extends Task {
  /** Agreement the chosen plan has over the whole file, by the simulation's true rates. */
  readonly expected: number;
  readonly violated: boolean;
  readonly savings: number;
  readonly ms: number;
}

async function runTask(task: Task): Promise<Row> {
  const models = CASES[task.name];
  const t0 = performance.now();
  const { report } = await runSmart({
    items: indexSource(task.items),
    models,
    reference: REFERENCE.id,
    client: new SimulatedClient(models, task.seed ^ 0x51ed),
    target: { accuracy: ACCURACY, confidence: CONFIDENCE },
    strategy: task.strategy,
    bound: 'anytime',
    seed: task.seed,
    onOutput: () => undefined,
  });
  const agreeing = report.profiledItems + report.plan.entries.reduce((sum, e) => sum + e.items * simulatedPlanRate(e.plan, models), 0);
  const expected = agreeing / task.items;
  return { ...task, expected, violated: expected < ACCURACY - 1e-12, savings: report.savings, ms: performance.now() - t0 };
}

async function runTasks(tasks: Task[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const task of tasks) rows.push(await runTask(task));
  return rows;
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seeds = Number(flag(argv, 'seeds') ?? 1000);
  const items = Number(flag(argv, 'items') ?? 20_000);
  const workers = Number(flag(argv, 'workers') ?? os.availableParallelism());
  const names = (flag(argv, 'cases') ?? Object.keys(CASES).join(',')).split(',');
  const strategies = (flag(argv, 'strategies') ?? 'auto,modelmix').split(',') as Strategy[];
  for (const name of names) if (!CASES[name]) throw new Error(`--cases: unknown case "${name}" (known: ${Object.keys(CASES).join(', ')})`);

  const tasks: Task[] = [];
  for (const name of names) for (const strategy of strategies) for (let seed = 0; seed < seeds; seed++) tasks.push({ name, strategy, seed, items });
  console.log(`Guarantee at the hardest cases: ${tasks.length} runs of ${items.toLocaleString('en-US')} items, target ${percent(ACCURACY)} at ${percent(CONFIDENCE)} confidence (violations promised at most ${percent(1 - CONFIDENCE)}), ${workers} worker(s).`);
  const t0 = performance.now();
  const rows = await runInWorkers<Task, Row>(__filename, tasks, workers);
  const body: string[][] = [];
  for (const name of names) {
    for (const strategy of strategies) {
      const group = rows.filter((r) => r.name === name && r.strategy === strategy);
      const violated = group.filter((r) => r.violated).length;
      body.push([
        name,
        strategy === 'modelmix' ? 'modelmix / anytime' : strategy,
        `${violated}/${group.length}`,
        percent(violated / group.length, 2),
        percent(Math.min(...group.map((r) => r.expected)), 2),
        ratio(group.reduce((s, r) => s + r.savings, 0) / group.length),
      ]);
    }
  }
  console.log(textTable(['case', 'strategy', 'violated', 'rate', 'worst plan agreement', 'mean savings'], body, { rule: true }));
  console.log(`${rows.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
}

if (!serveTasks(runTasks)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
