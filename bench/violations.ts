/**
 * `npm run bench:violations`: how often what a run's report claims turns out
 * false, at the cases built to make it false, each over many seeds. Every
 * case is judged by what the strategy's sentence says:
 *
 * - `auto` claims counts of this file's outputs: at least A of the N outputs
 *   agree with the reference, and per plan, at least a of the m outputs it
 *   wrote. Judged on the outputs the run wrote (simulated outputs agree with
 *   the reference's or not, so every claim can be checked): a run is wrong
 *   when the file's count, or any plan's, falls short.
 * - The paper's strategies claim an expected agreement rate (items taken as
 *   independent draws): judged by the true rates, the generator's for a file
 *   drawn afresh each run, the file's own share for a fixed file, of the
 *   plan over the whole file and of each entry.
 *
 * The promise is a share of wrong runs of at most 1 - the confidence the
 * report states (5% at 95%; less confidence, so a larger share, for the
 * paper's strategies with many candidates). `naive` is left out: all its
 * outputs are the reference's, so its claim holds by definition.
 *
 * The cases, hardest last:
 * - candidates just below a 95% target (94%): one, three, ten, and two that
 *   err on the same items with the same answer (alone and beside an
 *   independent third). A bound that is too optimistic, or a choice among
 *   many candidates the argument does not cover, turns into a plan that
 *   falls short. But here the profiled items (which carry the reference's
 *   output) already lower what the rest must reach below 94%, so a plan
 *   certified near its true rate usually passes.
 * - a candidate well below the target (88% against 95%) mixed with the
 *   reference, at 2,000 and 20,000 items: its block is about two fifths of
 *   the rest, and the count there must be bounded from a sample of items
 *   other than the block's; both the certification's luck and the block's
 *   draw can make the claim false.
 * - a 98% target and an 80% candidate, at 2,000 items: the candidate answers
 *   a small block (a hundred items or so), where a count varies most
 *   relative to its size, and the target leaves two items in a hundred of
 *   slack. The review that found the old guarantee false in 14% to 23% of
 *   runs measured it here.
 * - both again on fixed files: the file's answers drawn once, only the order
 *   random. Nothing averages over files, so a claim about this file must
 *   hold for this file (four files for the small-block case at 2,000 items).
 * - a judge that errs: outputs never match word for word, so a judge decides
 *   every agreement; it says yes on 40% of the items an 88% candidate gets
 *   wrong, or on everything an 80% candidate says. The sentence says "as the
 *   judge decides", and the claims are judged by the judge's verdicts; the
 *   outputs that truly agree (the column "outputs below target") show what
 *   the judge's errors cost a person who trusts it. A person's audit of the
 *   judge (labels from the simulation's truth) is judged on what it states;
 *   a third case, a judge that errs rarely (5% of a 99% candidate's errors)
 *   audited on 200 items, shows whether an audit can vouch for the target.
 * - gates the judge decides: two 85% candidates and nothing the same by the
 *   rule, so the judge decides every agreement and every gate (it sees two
 *   outputs wrong alike as the same), truthful or saying yes to 40% of the
 *   items where outputs differ.
 * - confidence gates certified in sequence: one candidate that says how sure
 *   it is, whose errors make the first gate that must fail miss the target
 *   by about what the profiled items make up (SURE_BINS); and the same with
 *   every item its own probability, the errors the highest of each bin
 *   (SPREAD_BINS), so the run's threshold can fall anywhere and the errors
 *   above it are as many as they can be; each on files drawn afresh (the
 *   bins' items in a new order) and on four fixed files.
 *
 * Flags: --seeds N (default 1000) --cases a,b --strategies auto,exhaustive,efficient,modelmix
 * (default all four; the paper's with their default anytime bound) --workers N.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../src/core/defaults';
import { runSmart } from '../src/core/engine';
import { indexSource } from '../src/core/itemSource';
import type { PlanSpec } from '../src/core/plans/planSpec';
import type { ProfiledItem } from '../src/core/runContext';
import { auditResult, auditSetup, pairKey } from '../src/job/audit';
import type { ProfiledOutcome } from '../src/job/evidence';
import type { RunReport } from '../src/core/report';
import { hashUnit } from '../src/core/random';
import type { Completion, Judge, ModelSpec, Strategy } from '../src/core/types';
import { count, percent } from '../src/text/numbers';
import { ratio } from '../src/text/money';
import { textTable } from '../src/text/table';
import { AGREEING_OUTPUT, SimulatedClient, simulatedPlanRate, type ConfidenceBin, type SimulatedModel } from './simulatedClient';
import { runInWorkers, serveTasks } from './workers';

type Model = SimulatedModel & ModelSpec;

const CONFIDENCE = 0.95;
const REFERENCE: Model = { id: 'ref', rate: 1, inputTokens: 100, outputTokens: 10, inputPer1M: 10, outputPer1M: 30 };

/** A candidate of the given rate costing `share` of the reference per item. */
function candidate(id: string, rate: number, share: number, errsLike?: string): Model {
  return { id, rate, inputTokens: 100, outputTokens: 10, inputPer1M: 10 * share, outputPer1M: 30 * share, ...(errsLike ? { errsLike } : {}) };
}

interface Case {
  readonly models: readonly Model[];
  readonly accuracy: number;
  readonly items: number;
  /**
   * Fixed files: the seeds that draw each file's answers once, taken in turn
   * by the runs (run seed mod their number). Absent: a file drawn afresh for
   * each run.
   */
  readonly files?: readonly number[];
  /**
   * A judge decides agreement (the outputs never match word for word), and
   * errs: it says yes on this share of the items where a candidate truly
   * disagrees (1: it agrees with everything). Claims are then about the
   * judge's verdicts, which is what the sentence says.
   */
  readonly judgeFalseAgreement?: number;
  /** With a judge: the items per plan a person labels (default DEFAULTS.auditItems). */
  readonly auditItems?: number;
  /**
   * With a judge: no two outputs are the same by the rule, so the judge
   * decides every agreement and every gate (gates it decides are then the
   * only ones that can hold; two candidates wrong alike still look the same
   * to it).
   */
  readonly neverSame?: boolean;
}

const BELOW = { accuracy: 0.95, items: 20_000 };
const MIXED = [REFERENCE, candidate('a', 0.88, 0.02)];
const SMALL_BLOCK = [REFERENCE, candidate('a', 0.8, 0.02)];
const GATE_PAIR = [REFERENCE, candidate('a', 0.85, 0.02), candidate('b', 0.85, 0.025)];

/**
 * A candidate that says how sure it is, its errors piled where it is less
 * sure, on 2,000 items at a 95% target (at most 100 disagreements): kept
 * from 0.998 up, it errs on 95 items; from 0.995, on 112, so the first gate
 * of the sequence that must fail fails by a dozen items, about what the
 * profiled items (which carry the reference's output) take off the count
 * the written outputs hold. Certified, that gate writes too few agreeing
 * outputs about half the time: only a bound too optimistic at the gate lets
 * it through.
 */
const SURE_BINS: readonly ConfidenceBin[] = [
  { confidence: 0.9999999, items: 600, wrong: 2 },
  { confidence: 0.99999, items: 300, wrong: 8 },
  { confidence: 0.9999, items: 250, wrong: 20 },
  { confidence: 0.999, items: 200, wrong: 40 },
  { confidence: 0.998, items: 100, wrong: 25 },
  { confidence: 0.995, items: 100, wrong: 17 },
  { confidence: 0.99, items: 100, wrong: 20 },
  { confidence: 0.9, items: 150, wrong: 60 },
  { confidence: 0.5, items: 200, wrong: 90 },
];
const SURE = [REFERENCE, { ...candidate('sure', 1 - 282 / 2000, 0.02), bins: SURE_BINS }];

/**
 * The same candidate, each bin's items spread up to the next bin's
 * probability, its errors the highest of them: every item its own
 * probability, so the run's threshold can fall between any two items, and
 * wherever it falls the errors above it are as many as they can be. Here the
 * sample's own disagreements, which the test counts, are the whole margin.
 */
const SPREAD_BINS: readonly ConfidenceBin[] = SURE_BINS.map((b, i) => ({ ...b, spread: (i === 0 ? 1 : SURE_BINS[i - 1].confidence) - b.confidence }));
const SPREAD = [REFERENCE, { ...candidate('sure', 1 - 282 / 2000, 0.02), bins: SPREAD_BINS }];

const CASES: Readonly<Record<string, Case>> = {
  'one-below': { ...BELOW, models: [REFERENCE, candidate('a', 0.94, 0.02)] },
  'three-below': { ...BELOW, models: [REFERENCE, candidate('a', 0.94, 0.02), candidate('b', 0.945, 0.025), candidate('c', 0.935, 0.03)] },
  'ten-below': { ...BELOW, models: [REFERENCE, ...Array.from({ length: 10 }, (_, i) => candidate(`m${i}`, 0.94 - 0.002 * (i % 5), 0.02 + 0.002 * i))] },
  'same-errors': { ...BELOW, models: [REFERENCE, candidate('a', 0.94, 0.02), candidate('twin', 0.94, 0.021, 'a')] },
  'same-errors-and-one': { ...BELOW, models: [REFERENCE, candidate('a', 0.94, 0.02), candidate('twin', 0.94, 0.021, 'a'), candidate('b', 0.94, 0.025)] },
  'mixed-88-2k': { models: MIXED, accuracy: 0.95, items: 2000 },
  'mixed-88-20k': { models: MIXED, accuracy: 0.95, items: 20_000 },
  'mixed-88-fixed-2k': { models: MIXED, accuracy: 0.95, items: 2000, files: [0x0f1e] },
  'mixed-88-fixed-20k': { models: MIXED, accuracy: 0.95, items: 20_000, files: [0x0f1e] },
  'small-block-80-98-2k': { models: SMALL_BLOCK, accuracy: 0.98, items: 2000 },
  'small-block-80-98-fixed-2k': { models: SMALL_BLOCK, accuracy: 0.98, items: 2000, files: [0x0f1e, 0x0f2e, 0x0f3e, 0x0f4e] },
  'small-block-80-98-fixed-20k': { models: SMALL_BLOCK, accuracy: 0.98, items: 20_000, files: [0x0f1e] },
  'judge-errs-88': { models: MIXED, accuracy: 0.95, items: 20_000, judgeFalseAgreement: 0.4 },
  'judge-agrees-with-all': { models: SMALL_BLOCK, accuracy: 0.95, items: 20_000, judgeFalseAgreement: 1 },
  'judge-nearly-right-200': { models: [REFERENCE, candidate('a', 0.99, 0.02)], accuracy: 0.95, items: 20_000, judgeFalseAgreement: 0.05, auditItems: 200 },
  'judge-gates-85': { models: GATE_PAIR, accuracy: 0.95, items: 20_000, judgeFalseAgreement: 0, neverSame: true },
  'judge-gates-errs-85': { models: GATE_PAIR, accuracy: 0.95, items: 20_000, judgeFalseAgreement: 0.4, neverSame: true },
  'confidence-edge-2k': { models: SURE, accuracy: 0.95, items: 2000 },
  'confidence-edge-fixed-2k': { models: SURE, accuracy: 0.95, items: 2000, files: [0x0f1e, 0x0f2e, 0x0f3e, 0x0f4e] },
  'confidence-spread-2k': { models: SPREAD, accuracy: 0.95, items: 2000 },
  'confidence-spread-fixed-2k': { models: SPREAD, accuracy: 0.95, items: 2000, files: [0x0f1e, 0x0f2e, 0x0f3e, 0x0f4e] },
};

const JUDGE_MODEL: ModelSpec = { id: 'judge', inputPer1M: 0.5, outputPer1M: 0.5 };

/**
 * Whether the simulated judge says yes to a candidate's output on an item:
 * where the candidate truly agrees, and on a seeded share of the others
 * (the same items for every candidate: the hardest to tell apart).
 */
function judgeSaysYes(c: Case, fileSeed: number, item: number, agrees: boolean): boolean {
  return agrees || hashUnit(fileSeed ^ 0x7ad9e, item) < (c.judgeFalseAgreement ?? 0);
}

/** The simulated judge, as the engine asks it: 200 tokens in, one out, a verdict from judgeSaysYes. */
function simulatedJudge(c: Case, fileSeed: number): Judge<number> {
  const call: Completion = { text: 'yes', inputTokens: 200, outputTokens: 1 };
  return {
    model: JUDGE_MODEL,
    question: 'equivalent',
    auditItems: c.auditItems ?? DEFAULTS.auditItems,
    client: { judge: (item, reference, candidate) => ({ agrees: judgeSaysYes(c, fileSeed, item, candidate === reference), calls: [call] }) },
  };
}

interface Task {
  readonly name: string;
  readonly strategy: Strategy;
  readonly seed: number;
}

interface Row extends Task {
  /** What the report's sentence is about. */
  readonly about: 'outputs' | 'rate';
  /** The claim about the whole file was false; some claim (the file's or an entry's) was. */
  readonly fileClaimFalse: boolean;
  readonly anyClaimFalse: boolean;
  /** What the claim promises: at most this share of runs wrong (1 - the stated confidence). */
  readonly promise: number;
  /** Share of the file's outputs that agree with the reference. */
  readonly realized: number;
  /**
   * With a judge and `auto`: the audit's claim, after a person (the
   * simulation's truth) labelled every pair, was false (fewer outputs truly
   * agree than it states); undefined otherwise.
   */
  readonly auditedClaimFalse?: boolean;
  /** With a judge and `auto`: the audit's count reaches the target (a judge that errs much leaves it short: the audit tells). */
  readonly auditedMet?: boolean;
  readonly belowTarget: boolean;
  readonly savings: number;
  readonly ms: number;
}

/** The seed of the file a task runs on: a fresh draw per run, or a fixed file's. */
function fileSeedOf(c: Case, task: Task): number {
  return c.files ? c.files[task.seed % c.files.length] : task.seed ^ 0x51ed;
}

async function runTask(task: Task): Promise<Row> {
  const c = CASES[task.name];
  const fileSeed = fileSeedOf(c, task);
  const client = new SimulatedClient(c.models, fileSeed);
  const perEntry = new Map<number, number>();
  // Outputs that truly agree, and those that agree as the run's sentence says (by the judge's verdicts, with a judge).
  let agreeing = 0;
  let claimed = 0;
  const outcomes: ProfiledOutcome[] = [];
  const t0 = performance.now();
  const { report } = await runSmart({
    items: indexSource(c.items),
    models: c.models,
    reference: REFERENCE.id,
    client,
    target: { accuracy: c.accuracy, confidence: CONFIDENCE },
    strategy: task.strategy,
    bound: 'anytime',
    seed: task.seed,
    ...(c.judgeFalseAgreement !== undefined
      ? { judge: simulatedJudge(c, fileSeed), compare: c.neverSame === true ? () => false : (a: string, b: string) => a === b }
      : {}),
    onOutput: (o) => {
      // The reference's output is AGREEING_OUTPUT on every item.
      const agrees = o.completion.text === AGREEING_OUTPUT;
      if (agrees) agreeing++;
      if (!judgeSaysYes(c, fileSeed, o.index, agrees)) return;
      claimed++;
      if (o.entry !== undefined) perEntry.set(o.entry, (perEntry.get(o.entry) ?? 0) + 1);
    },
    onProfiled: (p) => outcomes.push(outcomeOf(p)),
  });
  const ms = performance.now() - t0;
  const about = report.guarantee.about;
  const judged = about === 'outputs' ? judgeOutputs(report, claimed, perEntry) : judgeRates(report, c, client, fileSeed);
  const audited = auditedCount(report, outcomes);
  return {
    ...task,
    about,
    ...judged,
    ...(audited !== undefined ? { auditedClaimFalse: agreeing < audited, auditedMet: audited >= c.accuracy * c.items - 1e-9 } : {}),
    promise: 1 - report.guarantee.confidence,
    realized: agreeing / c.items,
    belowTarget: agreeing < c.accuracy * c.items - 1e-9,
    savings: report.savings,
    ms,
  };
}

/** A profiled item as the run's evidence keeps it. */
function outcomeOf(p: ProfiledItem & { readonly item: number }): ProfiledOutcome {
  return {
    index: p.index,
    line: p.index + 1,
    stage: p.stage,
    outputs: Object.fromEntries([...p.answers].map(([model, c]) => [model, c.text])),
    agrees: Object.fromEntries(p.agrees),
    ...(p.judged.size > 0 ? { judged: Object.fromEntries(p.judged) } : {}),
    ...(p.gates.size > 0 ? { gates: Object.fromEntries(p.gates) } : {}),
  };
}

/** With a judge and `auto`: the count the audit states once a person who knows the truth has labelled every pair. */
function auditedCount(report: RunReport, outcomes: readonly ProfiledOutcome[]): number | undefined {
  const setup = auditSetup(report, outcomes, { kind: 'trim' });
  if (!setup) return undefined;
  const pairs = setup.pairs.map((p) => ({ ...p, input: '' }));
  const labels = new Map(pairs.map((p) => [pairKey(p), p.candidateOutput === AGREEING_OUTPUT ? ('agree' as const) : ('disagree' as const)]));
  return auditResult(report, { ...setup, pairs }, labels).done!.agreeingOutputs;
}

/** `auto`'s claims: the file's count of agreeing outputs, and each entry's, against the outputs written. */
function judgeOutputs(report: RunReport, agreeing: number, perEntry: ReadonlyMap<number, number>): { fileClaimFalse: boolean; anyClaimFalse: boolean } {
  const fileClaimFalse = agreeing < report.plan.agreeingOutputs!;
  const entryFalse = report.plan.entries.some((e, i) => e.items > 0 && (perEntry.get(i) ?? 0) < e.agreeing!);
  return { fileClaimFalse, anyClaimFalse: fileClaimFalse || entryFalse };
}

/** The paper's claims: the plan's expected agreement rate over the file, and each entry's rate, against the true rates (with a judge, of the judge's yes). */
function judgeRates(report: RunReport, c: Case, client: SimulatedClient, fileSeed: number): { fileClaimFalse: boolean; anyClaimFalse: boolean } {
  const rate = trueRates(c, client, fileSeed);
  const used = report.plan.entries.filter((e) => e.items > 0);
  const expected = (report.profiledItems + used.reduce((sum, e) => sum + e.items * rate(e.plan), 0)) / c.items;
  const fileClaimFalse = expected < report.plan.agreementLowerBound - 1e-12;
  const entryFalse = used.some((e) => rate(e.plan) < e.lowerBound - 1e-12);
  return { fileClaimFalse, anyClaimFalse: fileClaimFalse || entryFalse };
}

/**
 * A plan's true agreement rate: the generator's for a file drawn afresh, a
 * fixed file's own share of agreeing items; with a judge, of the items the
 * judge says yes on (the generator's rate plus the judge's false yes on the
 * rest).
 */
function trueRates(c: Case, client: SimulatedClient, fileSeed: number): (plan: PlanSpec) => number {
  const lie = c.judgeFalseAgreement ?? 0;
  if (!c.files) return (plan) => simulatedPlanRate(plan, c.models) * (1 - lie) + lie;
  const shares = new Map<string, number>();
  return (plan) => {
    if (plan.kind !== 'single') throw new Error("the paper's strategies use single models only");
    let share = shares.get(plan.model);
    if (share === undefined) {
      const model = c.models.find((m) => m.id === plan.model)!;
      let agreeing = 0;
      for (let i = 0; i < c.items; i++) if (judgeSaysYes(c, fileSeed, i, client.complete(model, i).text === AGREEING_OUTPUT)) agreeing++;
      shares.set(plan.model, (share = agreeing / c.items));
    }
    return share;
  };
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

/** One line of the table: a case and a strategy over its seeds. */
function summary(name: string, strategy: Strategy, group: readonly Row[]): string[] {
  const c = CASES[name];
  const share = (of: (r: Row) => boolean): string => {
    const n = group.filter(of).length;
    return `${n} (${percent(n / group.length, 1)})`;
  };
  return [
    name,
    count(c.items),
    percent(c.accuracy),
    strategy,
    group[0].about,
    share((r) => r.fileClaimFalse),
    share((r) => r.anyClaimFalse),
    percent(Math.max(...group.map((r) => r.promise)), 1),
    share((r) => r.belowTarget),
    group.some((r) => r.auditedClaimFalse !== undefined) ? share((r) => r.auditedClaimFalse === true) : '–',
    group.some((r) => r.auditedMet !== undefined) ? share((r) => r.auditedMet === true) : '–',
    ratio(group.reduce((s, r) => s + r.savings, 0) / group.length),
  ];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seeds = Number(flag(argv, 'seeds') ?? 1000);
  const workers = Number(flag(argv, 'workers') ?? os.availableParallelism());
  const names = (flag(argv, 'cases') ?? Object.keys(CASES).join(',')).split(',');
  const strategies = (flag(argv, 'strategies') ?? 'auto,exhaustive,efficient,modelmix').split(',') as Strategy[];
  for (const name of names) if (!CASES[name]) throw new Error(`--cases: unknown case "${name}" (known: ${Object.keys(CASES).join(', ')})`);

  const tasks: Task[] = [];
  for (const name of names) for (const strategy of strategies) for (let seed = 0; seed < seeds; seed++) tasks.push({ name, strategy, seed });
  console.log(
    `What reports claim, checked at the hardest cases: ${count(tasks.length)} runs, ${seeds} seeds per case and strategy, confidence ${percent(CONFIDENCE)} asked, ${workers} worker(s).`,
  );
  const t0 = performance.now();
  const rows = await runInWorkers<Task, Row>(__filename, tasks, workers);
  const body: string[][] = [];
  for (const name of names)
    for (const strategy of strategies)
      body.push(
        summary(
          name,
          strategy,
          rows.filter((r) => r.name === name && r.strategy === strategy),
        ),
      );
  console.log(
    textTable(
      [
        'case',
        'items',
        'target',
        'strategy',
        'claim',
        'file claim false',
        'any claim false',
        'promised at most',
        'outputs below target',
        'audited claim false',
        'audit: target met',
        'mean savings',
      ],
      body,
      { rule: true, textColumns: [0, 3, 4] },
    ),
  );
  console.log(
    "claim: outputs, a count of this file's outputs that agree (judged on the outputs written); rate, an expected agreement rate (judged by the true rates).",
  );
  console.log(
    'promised at most: 1 - the confidence the reports state (the largest over the runs). outputs below target: runs whose written outputs agree on less than the target share.',
  );
  console.log(
    "audited claim false: with a judge, runs where the guarantee as a person would judge (every pair labelled by the simulation's truth) claimed more agreeing outputs than there were; promised at most 5%. audit: target met: runs whose audited count reaches the target.",
  );
  console.log(`${count(rows.length)} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
}

if (!serveTasks(runTasks)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
