import { performance } from 'node:perf_hooks';
import { runAuto } from './auto/autoStrategy';
import { CallPool } from './callPool';
import { callCost, CostMeter, DEFAULT_ESTIMATED_OUTPUT_TOKENS } from './costMeter';
import { DEFAULTS } from './defaults';
import { guaranteeOf } from './guarantee';
import { countItems, forEachItem, type ItemSource } from './itemSource';
import { decidePaperPlan, profilePaper, referencePlan } from './paperStrategy';
import { gateHolds, needsJudge } from './plans/planOutcome';
import { escalation, firstCalls, judgedGate, keptModel, planId, type PlanSpec } from './plans/planSpec';
import { SeededPermutation } from './random';
import type { JudgeSummary, ModelSummary, Plan, ProgressEvent, ReferenceOnlyBasis, RunReport } from './report';
import type { JudgedAs, ModelState, ProfiledItem, ProfilingStage, RunContext } from './runContext';
import { confidenceBound, type ConfidenceBound } from './stats/confidenceBound';
import {
  boundOf,
  intervalBound,
  type BoundKind,
  type Completion,
  type GuaranteeBound,
  type Interval,
  type Judge,
  type JudgeVerdict,
  type LlmClient,
  type ModelSpec,
  type Phase,
  type PromptTokens,
  type SeedOrigin,
  type Strategy,
  type Target,
} from './types';

export interface RunOptions<T> {
  readonly items: ItemSource<T>;
  /** Every model the run may use, the reference included. */
  readonly models: readonly ModelSpec[];
  /** Id of the reference model. */
  readonly reference: string;
  /** Ids of the cheaper candidates (default: every model but the reference). */
  readonly candidates?: readonly string[];
  readonly client: LlmClient<T>;
  readonly target: Target;
  /** Default `auto`. */
  readonly strategy?: Strategy;
  /**
   * The bound of the paper's strategies; default `anytime`: the guarantee
   * holds however often profiling looks. `auto` ignores it: it certifies with
   * exact hypergeometric bounds, looked at only at sizes fixed in advance.
   */
  readonly bound?: BoundKind;
  /** Each item's prompt tokens as counted by the caller: the reference alone is then priced item by item (else at its mean cost per call). */
  readonly promptTokens?: PromptTokens;
  /** Seed of the random order (default 0), and where it came from (default `config`: chosen by the caller). */
  readonly seed?: number;
  readonly seedOrigin?: SeedOrigin;
  readonly signal?: AbortSignal;
  /** Profiled items between two checks of the bounds (default 10, as in the paper). */
  readonly checkEvery?: number;
  /** Profiled items before early termination is considered (default 100, as in the paper). */
  readonly minSample?: number;
  /** Confidence levels per model in the mix program (default 5, as in the paper). */
  readonly mixLevels?: number;
  /** Calls in flight at once (default 1). */
  readonly concurrency?: number;
  /**
   * `auto`: the pilot's size, the items on which plans are compared (default:
   * 20, growing in stages with the certification planned, to at most a tenth
   * of the file).
   */
  readonly pilotItems?: number;
  /** Profiled items held in memory by the first reading pass (default 1,000; each further pass doubles it, up to 65,536). */
  readonly profileWindow?: number;
  /** Whether a candidate's output counts as agreeing with the reference's (default: exact match); with a judge, the check before any judge call. */
  readonly compare?: (candidateOutput: string, referenceOutput: string) => boolean;
  /**
   * A judge model that decides agreement where `compare` finds none: asked
   * on profiled items only, where both outputs are in hand, and by the gates
   * it decides (`auto`'s judged gates) on the items they answer. Its calls are
   * metered apart (the report's `judge`), and the guarantee says agreement is
   * as the judge decides.
   */
  readonly judge?: Judge<T>;
  /**
   * Told each profiled item once every answer and verdict on it is in, in
   * the random order: the evidence the run's decisions rest on (a job keeps
   * it, so that the report's claims can be checked again).
   */
  readonly onProfiled?: (profiled: ProfiledItem & { readonly item: T }) => void;
  /**
   * Stop cleanly once this many USD have been paid in this run (calls served
   * from a cache cost nothing): no new call starts, calls in flight finish.
   */
  readonly maxSpend?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Receives each item's final output as soon as it is known (profiled items
   * first, the rest in input order). When absent, outputs are collected and
   * returned in input order.
   */
  readonly onOutput?: (output: ItemOutput<T>) => void;
  /**
   * Answers the items after profiling in bulk before they are processed (a
   * provider's batch engine): the engine asks for every call the plan will
   * make, then processes the items as usual, each call answered from what
   * was fetched.
   */
  readonly bulk?: BulkAnswers<T>;
}

/** One call the application phase will make. */
export interface PlannedCall<T> {
  /** Position of the item in the input. */
  readonly index: number;
  readonly item: T;
  readonly model: ModelSpec;
}

/** A source of answers fetched in bulk, ahead of the calls that read them. */
export interface BulkAnswers<T> {
  /** The answer already held for this call, without calling anything. */
  peek(model: ModelSpec, item: T): Completion | undefined;
  /**
   * Obtains the answers to these calls, streamed in input order (a call may
   * repeat when two items render the same request), so that `peek` and the
   * client then have them.
   */
  fetch(calls: AsyncIterable<PlannedCall<T>>, signal: AbortSignal): Promise<void>;
}

export interface ItemOutput<T> {
  /** Position of the item in the input. */
  readonly index: number;
  readonly item: T;
  /** Id of the model whose output this is. */
  readonly model: string;
  readonly completion: Completion;
  /** The plan entry (its index in the report's `plan.entries`) whose block of items holds this one; absent for profiled items. */
  readonly entry?: number;
}

export interface RunResult<T> {
  readonly report: RunReport;
  /** Every item's output in input order, unless `onOutput` was given. */
  readonly outputs?: ReadonlyArray<ItemOutput<T>>;
}

/**
 * The run stopped because it reached `maxSpend`. It carries the numbers; what
 * people read is src/text's `describeStop`.
 */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  constructor(
    readonly limit: number,
    readonly paid: number,
  ) {
    super(`maxSpend reached: paid ${paid} USD of at most ${limit}`);
  }
}

const exactMatch = (a: string, b: string): boolean => a === b;

/** Most items one profiling pass holds in memory. */
const MAX_PROFILE_WINDOW = 65_536;

/**
 * Runs SMART over the items: profiles the candidates against the reference on
 * a seeded random sample, decides which model (or mix of models) can process
 * the rest while meeting the target with the confidence asked, and processes it.
 */
export async function runSmart<T>(options: RunOptions<T>): Promise<RunResult<T>> {
  const run = new SmartRun(options);
  return run.execute();
}

class SmartRun<T> implements RunContext {
  readonly strategy: Strategy;
  readonly boundKind: GuaranteeBound;
  /** The rule of the candidates' intervals (and of the paper's strategies' decisions). */
  readonly bound: ConfidenceBound;
  readonly checkEvery: number;
  readonly minSample: number;
  readonly mixLevels: number;
  readonly pilotItems: number | undefined;
  readonly target: Target;
  readonly certificationAlpha: number;
  /** The error budget kept for auditing the judge (0 without one). */
  private readonly auditAlpha: number;
  readonly same: (a: string, b: string) => boolean;
  readonly models: ModelState[];
  readonly reference: ModelState;
  readonly candidates: ModelState[];
  readonly meter: CostMeter;
  total = 0;
  profiled = 0;
  private readonly seed: number;
  /** The judge's slot in the cost meter (after the models'), and what it decided. */
  private readonly judgeIndex: number;
  private readonly judged = { comparisons: 0, calls: 0, gateCalls: 0, unreadable: [] as Array<{ index: number; model: string }> };
  /** Judged gates' verdicts fetched ahead of a bulk round (batch mode), by item position: the application phase reads them instead of asking again. */
  private readonly gateVerdicts = new Map<number, boolean>();
  private readonly controller = new AbortController();
  private readonly pool: CallPool;
  private readonly collected: Array<ItemOutput<T>> | undefined;
  private permutation = new SeededPermutation(0, 0);
  private itemsDone = 0;
  /** Counted prompt tokens of the items done, and of those the reference answered (and how many). */
  private doneTokens = 0;
  /** Counted prompt tokens of the profiled items. */
  private profiledTokens = 0;
  private readonly referenceAnswered = { items: 0, tokens: 0 };
  private phase: Phase = 'profiling';
  private plan: Plan | undefined;
  /** Items of each plan entry done so far. */
  private planDone: number[] = [];
  /** The items of the random order held in memory for profiling: ranks windowStart.. */
  private window: Array<{ index: number; item: T }> = [];
  private windowStart = 0;
  private windowSize: number;

  constructor(private readonly options: RunOptions<T>) {
    this.strategy = options.strategy ?? DEFAULTS.strategy;
    this.boundKind = boundOf(this.strategy, options.bound ?? DEFAULTS.bound);
    this.bound = confidenceBound(intervalBound(this.boundKind));
    this.seed = options.seed ?? DEFAULTS.seed;
    this.checkEvery = options.checkEvery ?? DEFAULTS.checkEvery;
    this.minSample = options.minSample ?? DEFAULTS.minSample;
    this.mixLevels = options.mixLevels ?? DEFAULTS.mixLevels;
    this.pilotItems = options.pilotItems;
    this.target = options.target;
    this.same = options.compare ?? exactMatch;
    validateTarget(options.target);
    // `auto` claims counts a person can audit: with a judge, a share of the budget waits for the audit.
    this.auditAlpha = options.judge && options.judge.auditItems > 0 && this.strategy === 'auto' ? (1 - options.target.confidence) * DEFAULTS.auditShare : 0;
    this.certificationAlpha = 1 - options.target.confidence - this.auditAlpha;
    if (!(Number.isInteger(this.checkEvery) && this.checkEvery >= 1)) throw new RangeError(`checkEvery must be a positive integer, got ${this.checkEvery}`);
    if (!(Number.isInteger(this.minSample) && this.minSample >= 0)) throw new RangeError(`minSample must be a non-negative integer, got ${this.minSample}`);
    if (this.pilotItems !== undefined && !(Number.isInteger(this.pilotItems) && this.pilotItems >= 1))
      throw new RangeError(`pilotItems must be a positive integer, got ${this.pilotItems}`);
    this.windowSize = Math.max(this.checkEvery, options.profileWindow ?? 1000);

    const used = selectModels(options);
    this.models = used.map((spec, index) => ({
      spec,
      index,
      isReference: spec.id === options.reference,
      status: spec.id === options.reference ? 'satisfied' : 'unknown',
      agreements: 0,
      n: 0,
      itemsProduced: 0,
    }));
    this.reference = this.models.find((m) => m.isReference)!;
    this.candidates = this.models.filter((m) => !m.isReference);
    this.judgeIndex = used.length;
    this.meter = new CostMeter(options.judge ? [...used, options.judge.model] : used);
    this.pool = new CallPool(options.concurrency ?? 1, (error) => this.controller.abort(error));
    this.collected = options.onOutput ? undefined : [];
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) this.controller.abort(outer.reason);
      else outer.addEventListener('abort', () => this.controller.abort(outer.reason), { once: true });
    }
  }

  async execute(): Promise<RunResult<T>> {
    try {
      return await this.phases();
    } catch (error) {
      // Let calls in flight end (answered, failed or aborted) before the
      // caller closes what they write to, such as a response cache.
      await this.pool.settle();
      // Calls that ended meanwhile were paid: the last progress says so, as a resumed run's cache will.
      try {
        this.emitProgress();
      } catch {
        // A listener's failure must not hide why the run stopped.
      }
      throw error;
    }
  }

  private async phases(): Promise<RunResult<T>> {
    const started = new Date();
    const t0 = performance.now();
    this.total = await countItems(this.options.items);
    this.throwIfAborted();
    this.permutation = new SeededPermutation(this.total, this.seed);

    this.plan = await this.decide();
    // Profiling is over: its window of items (up to 65,536) is not needed while the rest is processed.
    this.window = [];
    const t1 = performance.now();
    this.phase = 'applying';
    this.emitProgress();
    if (this.options.bulk) await this.fetchInBulk(this.options.bulk, this.plan);
    await this.apply(this.plan);
    const t2 = performance.now();
    this.phase = 'done';
    this.emitProgress();

    const report = this.buildReport(started, t1 - t0, t2 - t1, t2 - t0);
    const outputs = this.collected?.sort((a, b) => a.index - b.index);
    return outputs ? { report, outputs } : { report };
  }

  /** Profiles as the strategy says, and returns its plan for the rest. */
  private async decide(): Promise<Plan> {
    switch (this.strategy) {
      case 'naive':
        return referencePlan(this, 'naive');
      case 'auto':
        return runAuto(this);
      case 'exhaustive':
      case 'efficient':
      case 'modelmix':
        await profilePaper(this);
        return decidePaperPlan(this);
    }
  }

  // ---- profiling (RunContext) --------------------------------------------

  async profileNext(
    count: number,
    runOn: readonly ModelState[],
    stage: ProfilingStage = 'profiling',
    gates: readonly PlanSpec[] = [],
  ): Promise<ProfiledItem[]> {
    const end = Math.min(this.profiled + count, this.total);
    if (end <= this.profiled) return [];
    const batch = await this.ranks(this.profiled, end);
    const callOn = [this.reference, ...runOn];
    const answers = batch.map(() => new Map<string, Completion>());
    for (let b = 0; b < batch.length; b++) {
      for (const model of callOn) {
        this.throwIfAborted();
        const wait = this.call(model, batch[b], (c) => {
          answers[b].set(model.spec.id, c);
        });
        if (wait) await wait;
      }
    }
    await this.pool.drain();
    this.throwIfAborted();
    const referenceId = this.reference.spec.id;
    const agrees = batch.map(() => new Map<string, boolean>([[referenceId, true]]));
    const judged = batch.map(() => new Map<string, JudgedAs>());
    for (let b = 0; b < batch.length; b++) {
      const referenceAnswer = answers[b].get(referenceId)!;
      for (const model of runOn) {
        this.throwIfAborted();
        const wait = this.agreement(batch[b], model, answers[b].get(model.spec.id)!, referenceAnswer, (v, as) => {
          agrees[b].set(model.spec.id, v);
          if (as) judged[b].set(model.spec.id, as);
        });
        if (wait) await wait;
      }
    }
    const gated = await this.judgeGatesOf(batch, answers, gates);
    const profiled = batch.map((b, i): ProfiledItem => ({ index: b.index, stage, answers: answers[i], agrees: agrees[i], judged: judged[i], gates: gated[i] }));
    for (let b = 0; b < batch.length; b++) {
      for (const model of runOn) {
        model.n++;
        if (agrees[b].get(model.spec.id)!) model.agreements++;
      }
      this.options.onProfiled?.({ ...profiled[b], item: batch[b].item });
      this.emitOutput(batch[b].index, batch[b].item, this.reference, answers[b].get(referenceId)!);
    }
    this.profiled = end;
    for (const at of batch) this.profiledTokens += this.countedTokensOf(at.index);
    return profiled;
  }

  /**
   * Whether a candidate's output on a profiled item agrees with the
   * reference's (see `compare`). `done` gets the verdict; a promise is
   * returned only when the pool is full.
   */
  private agreement(
    at: { index: number; item: T },
    model: ModelState,
    candidate: Completion,
    reference: Completion,
    done: (agrees: boolean, judged?: JudgedAs) => void,
  ): void | Promise<void> {
    this.judged.comparisons++;
    return this.compare(at, model.spec.id, { first: reference.text, second: candidate.text, asked: 'calls' }, 'run', (c) => done(c.agrees, c.judged));
  }

  /**
   * The judge's verdicts on the judged gates' pairs of a profiled batch,
   * asked where the rule finds the pair's outputs different: per item, by
   * the gate's plan id.
   */
  private async judgeGatesOf(
    batch: ReadonlyArray<{ index: number; item: T }>,
    answers: ReadonlyArray<ReadonlyMap<string, Completion>>,
    gates: readonly PlanSpec[],
  ): Promise<Array<Map<string, JudgedAs>>> {
    const verdicts = batch.map(() => new Map<string, JudgedAs>());
    for (let b = 0; b < batch.length; b++) {
      const answerOf = (id: string): Completion => answers[b].get(id)!;
      for (const gate of gates) {
        if (!judgedGate(gate) || !firstCalls(gate).every((m) => answers[b].has(m))) continue;
        this.throwIfAborted();
        const [kept, other] = firstCalls(gate);
        const pair = { first: answerOf(kept).text, second: answerOf(other).text, asked: 'gateCalls' } as const;
        const wait = this.compare(batch[b], planId(gate), pair, 'run', (c) => {
          if (c.judged) verdicts[b].set(planId(gate), c.judged);
        });
        if (wait) await wait;
      }
    }
    await this.pool.drain();
    this.throwIfAborted();
    return verdicts;
  }

  /**
   * The one way two outputs on an item are compared, for a candidate's
   * agreement and for a judged gate alike: the run's rule first (free and
   * synchronous, and "the same" is final), then, for a pair the rule finds
   * different, the judge where the run has one. The judge is asynchronous
   * (through the call pool: `run` waits for a slot, `later` queues from a
   * callback), cached (its client answers a verdict already paid for from
   * the cache) and costed (its calls metered to the judge; an unreadable
   * verdict listed under `who`, the model or gate it was about, and counted
   * as disagreement). Without a judge, outputs the rule finds different
   * disagree. `done` may be called before this returns.
   */
  private compare(
    at: { index: number; item: T },
    who: string,
    pair: { readonly first: string; readonly second: string; readonly asked: 'calls' | 'gateCalls' },
    queue: 'run' | 'later',
    done: (compared: { agrees: boolean; judged?: JudgedAs }) => void,
  ): void | Promise<void> {
    const judge = this.options.judge;
    if (!judge || this.same(pair.second, pair.first)) {
      done({ agrees: this.same(pair.second, pair.first) });
      return;
    }
    this.checkBudget();
    this.judged[pair.asked]++;
    const ask = (): JudgeVerdict | Promise<JudgeVerdict> => judge.client.judge(at.item, pair.first, pair.second, this.controller.signal);
    const heard = (v: JudgeVerdict): void => {
      for (const call of v.calls) this.meter.record(this.judgeIndex, call);
      if (v.unreadable) this.judged.unreadable.push({ index: at.index, model: who });
      const judged: JudgedAs = v.unreadable ? 'unreadable' : v.agrees ? 'yes' : 'no';
      done({ agrees: judged === 'yes', judged });
    };
    if (queue === 'later') return this.pool.later(ask, heard);
    return this.pool.run(ask, heard);
  }

  judgeCallCost(): number | undefined {
    if (!this.options.judge) return undefined;
    const verdicts = this.judged.calls + this.judged.gateCalls;
    return verdicts === 0 ? this.meter.costPerItem(this.judgeIndex) : this.meter.usageOf(this.judgeIndex).cost / verdicts;
  }

  costPerItem(model: ModelState): number {
    return this.meter.costPerItemAt(model.index, this.restTokens());
  }

  applyCostPerItem(model: ModelState): number {
    return this.meter.applyCostPerItemAt(model.index, this.restTokens());
  }

  restTokens(): number | undefined {
    const counts = this.options.promptTokens;
    const rest = this.total - this.profiled;
    if (!counts || rest <= 0) return undefined;
    return (counts.total - this.profiledTokens) / rest;
  }

  countedTokensOf(index: number): number {
    return this.options.promptTokens?.of(index) ?? 0;
  }

  profileCostPerItem(model: ModelState): number {
    const own = this.costPerItem(model);
    const perVerdict = this.judgeCallCost();
    if (perVerdict === undefined || model.isReference) return own;
    // Before any comparison, every one is taken to need the judge.
    const needed = this.judged.comparisons === 0 ? 1 : this.judged.calls / this.judged.comparisons;
    return own + perVerdict * needed;
  }

  /**
   * The items of ranks [from, to) in the random order. Each reading pass holds
   * the next window of the order; the window doubles with each pass (up to a
   * cap), so profiling n items reads the input about log2(n / 1000) times.
   */
  private async ranks(from: number, to: number): Promise<Array<{ index: number; item: T }>> {
    if (from < this.windowStart || to > this.windowStart + this.window.length) {
      this.windowStart = from;
      this.window = await this.readRanks(from, Math.min(from + Math.max(this.windowSize, to - from), this.total));
      this.windowSize = Math.min(2 * this.windowSize, MAX_PROFILE_WINDOW);
    }
    return this.window.slice(from - this.windowStart, to - this.windowStart);
  }

  /** Reads the items whose ranks in the random order fall in [from, to), in rank order. */
  private async readRanks(from: number, to: number): Promise<Array<{ index: number; item: T }>> {
    const slots = new Array<{ index: number; item: T }>(to - from);
    await forEachItem(this.options.items.open(), (item, index) => {
      const rank = this.permutation.rankOf(index);
      if (rank >= from && rank < to) slots[rank - from] = { index, item };
    });
    this.throwIfAborted();
    return slots;
  }

  modelById(id: string): ModelState {
    const model = this.models.find((m) => m.spec.id === id);
    if (!model) throw new Error(`the plan names an unknown model "${id}"`);
    return model;
  }

  // ---- application ------------------------------------------------------

  /** Processes every item not profiled, in input order, with the plan its rank is assigned to. */
  private async apply(plan: Plan): Promise<void> {
    const rest = this.total - this.profiled;
    if (rest === 0) return;
    // Ranks profiled..N-1 are split into consecutive blocks, one per entry; since
    // ranks are a random order, each plan gets a random subset of the items.
    const blockEnds = this.blockEnds(plan);
    this.planDone = plan.entries.map(() => 0);
    const progressEvery = Math.max(1, Math.floor(rest / 200));
    const signal = this.controller.signal;

    await forEachItem(this.options.items.open(), (item, index) => {
      if (signal.aborted) this.throwIfAborted();
      const rank = this.permutation.rankOf(index);
      if (rank < this.profiled) return;
      const block = blockOf(rank, blockEnds);
      return this.applyPlan(plan.entries[block].plan, { index, item }, (model, c) => {
        this.planDone[block]++;
        this.emitOutput(index, item, model, c, block);
        if (this.itemsDone % progressEvery === 0) this.emitProgress();
      });
    });
    await this.pool.drain();
    this.throwIfAborted();
  }

  /**
   * Hands the application phase's calls to a bulk source, in rounds: first
   * every call a plan makes first, then, once those answers are in, the
   * escalations of the gates that did not hold. Ends when a round finds
   * nothing missing (two rounds for gated plans, one otherwise). Before
   * each round, judged gates whose pairs are answered get their verdicts
   * (online: a judge's call is small), so the round knows their escalations.
   */
  private async fetchInBulk(bulk: BulkAnswers<T>, plan: Plan): Promise<void> {
    const judged = plan.entries.some((e) => e.items > 0 && judgedGate(e.plan));
    for (;;) {
      if (judged) await this.judgeGatesInBulk(bulk, plan);
      let missing = 0;
      const calls = this.missingCalls(bulk, plan, () => missing++);
      await bulk.fetch(calls, this.controller.signal);
      this.throwIfAborted();
      if (missing === 0) return;
    }
  }

  /** The application phase's calls whose answers the bulk source does not hold yet, in input order, read as they are yielded. */
  private async *missingCalls(bulk: BulkAnswers<T>, plan: Plan, onMissing: () => void): AsyncGenerator<PlannedCall<T>> {
    const blockEnds = this.blockEnds(plan);
    let index = 0;
    for await (const item of this.options.items.open()) {
      const rank = this.permutation.rankOf(index++);
      if (rank < this.profiled) continue;
      const spec = plan.entries[blockOf(rank, blockEnds)].plan;
      const first = firstCalls(spec).map((id) => this.modelById(id).spec);
      const answers = new Map(first.map((m) => [m.id, bulk.peek(m, item)]));
      for (const model of first) {
        if (answers.get(model.id) !== undefined) continue;
        onMissing();
        yield { index: index - 1, item, model };
      }
      if ([...answers.values()].some((a) => a === undefined)) continue;
      const answerOf = (id: string): Completion => answers.get(id)!;
      const said = this.gateVerdicts.get(index - 1);
      if ((needsJudge(spec, answerOf, this.same) && said === undefined) || gateHolds(spec, answerOf, this.same, said)) continue;
      const escalate = this.modelById(escalation(spec)!).spec;
      if (bulk.peek(escalate, item) !== undefined) continue;
      onMissing();
      yield { index: index - 1, item, model: escalate };
    }
  }

  /** Asks the judge on every judged gate whose pair the bulk source has answered and whose verdict is not in hand yet (`gateVerdicts`). */
  private async judgeGatesInBulk(bulk: BulkAnswers<T>, plan: Plan): Promise<void> {
    const blockEnds = this.blockEnds(plan);
    await forEachItem(this.options.items.open(), (item, index) => {
      const rank = this.permutation.rankOf(index);
      if (rank < this.profiled || this.gateVerdicts.has(index)) return;
      const spec = plan.entries[blockOf(rank, blockEnds)].plan;
      if (!judgedGate(spec)) return;
      const [kept, other] = firstCalls(spec).map((id) => bulk.peek(this.modelById(id).spec, item));
      if (kept === undefined || other === undefined || this.same(other.text, kept.text)) return;
      this.throwIfAborted();
      const pair = { first: kept.text, second: other.text, asked: 'gateCalls' } as const;
      return this.compare({ index, item }, planId(spec), pair, 'run', (c) => this.gateVerdicts.set(index, c.agrees));
    });
    await this.pool.drain();
    this.throwIfAborted();
  }

  /** Where each plan entry's block of ranks ends: ranks profiled..N-1 in consecutive blocks, one per entry. */
  private blockEnds(plan: Plan): number[] {
    const ends: number[] = [];
    let end = this.profiled;
    for (const e of plan.entries) ends.push((end += e.items));
    return ends;
  }

  /**
   * Runs one plan on one item: its first calls, then, if its gate does not
   * hold (for a judged gate, by the judge's verdict: fetched ahead in batch
   * mode, asked now otherwise), the escalation. `done` gets the output kept
   * and its model. Returns a promise only when the call pool is full.
   */
  private applyPlan(plan: PlanSpec, at: { index: number; item: T }, done: (model: ModelState, completion: Completion) => void): void | Promise<void> {
    if (plan.kind === 'single') {
      const model = this.modelById(plan.model);
      return this.call(model, at, (c) => done(model, c));
    }
    const first = firstCalls(plan).map((id) => this.modelById(id));
    const answers = new Map<string, Completion>();
    const answerOf = (id: string): Completion => answers.get(id)!;
    const settle = (holds: boolean): void => {
      if (holds) {
        const kept = keptModel(plan);
        done(this.modelById(kept), answerOf(kept));
        return;
      }
      const escalate = this.modelById(escalation(plan)!);
      this.callLater(escalate, at, (c) => done(escalate, c));
    };
    const decide = (): void => {
      const fetched = this.gateVerdicts.get(at.index);
      if (!judgedGate(plan) || fetched !== undefined) {
        settle(gateHolds(plan, answerOf, this.same, fetched));
        return;
      }
      const [kept, other] = firstCalls(plan);
      const pair = { first: answerOf(kept).text, second: answerOf(other).text, asked: 'gateCalls' } as const;
      void this.compare(at, planId(plan), pair, 'later', (c) => settle(c.agrees));
    };
    let next = 0;
    const start = (): void | Promise<void> => {
      while (next < first.length) {
        const model = first[next++];
        const wait = this.call(model, at, (c) => {
          answers.set(model.spec.id, c);
          if (answers.size === first.length) decide();
        });
        if (wait) return wait.then(start);
      }
    };
    return start();
  }

  // ---- shared plumbing --------------------------------------------------

  /** Calls a model on an item through the pool; returns a promise only when the caller must wait for a slot. */
  private call(model: ModelState, at: { index: number; item: T }, done: (c: Completion) => void): void | Promise<void> {
    this.checkBudget();
    return this.pool.run(() => this.complete(model, at.item), this.recorded(model, at.index, done));
  }

  /** As `call`, from a callback: queued until a slot is free instead of making anyone wait. */
  private callLater(model: ModelState, at: { index: number; item: T }, done: (c: Completion) => void): void {
    this.checkBudget();
    this.pool.later(() => this.complete(model, at.item), this.recorded(model, at.index, done));
  }

  private complete(model: ModelState, item: T): Completion | Promise<Completion> {
    return this.options.client.complete(model.spec, item, this.controller.signal);
  }

  /** Counts a completion's cost (with its item's counted prompt tokens, when given), then hands it on. */
  private recorded(model: ModelState, index: number, done: (c: Completion) => void): (c: Completion) => void {
    return (completion) => {
      this.meter.record(model.index, completion, this.options.promptTokens ? this.countedTokensOf(index) : undefined);
      done(completion);
    };
  }

  private checkBudget(): void {
    const limit = this.options.maxSpend;
    if (limit !== undefined && this.meter.paidCost >= limit) throw new BudgetExceededError(limit, this.meter.paidCost);
  }

  private emitOutput(index: number, item: T, model: ModelState, completion: Completion, entry?: number): void {
    this.itemsDone++;
    const tokens = this.options.promptTokens?.of(index) ?? 0;
    this.doneTokens += tokens;
    // The reference answered an item exactly when its output is the one kept.
    if (model.isReference) {
      this.referenceAnswered.items++;
      this.referenceAnswered.tokens += tokens;
    }
    model.itemsProduced++;
    const output: ItemOutput<T> =
      entry === undefined ? { index, item, model: model.spec.id, completion } : { index, item, model: model.spec.id, completion, entry };
    if (this.collected) this.collected.push(output);
    else this.options.onOutput!(output);
  }

  private throwIfAborted(): void {
    const signal = this.controller.signal;
    if (signal.aborted) throw signal.reason ?? new Error('The run was cancelled.');
  }

  private summaries(): ModelSummary[] {
    return this.models.map((m) => {
      const u = this.meter.usageOf(m.index);
      const interval: Interval | undefined = m.isReference
        ? { lower: 1, upper: 1 }
        : m.n > 0
          ? this.bound.interval(m.agreements, m.n, this.target.confidence)
          : undefined;
      return {
        id: m.spec.id,
        role: m.isReference ? 'reference' : 'candidate',
        status: m.status,
        ...(m.ruledOutBy ? { ruledOutBy: m.ruledOutBy } : {}),
        agreements: m.isReference ? this.profiled : m.agreements,
        n: m.isReference ? this.profiled : m.n,
        ...(interval ? { interval } : {}),
        calls: u.calls,
        cachedCalls: u.cachedCalls,
        batchCalls: u.batchCalls,
        inputTokens: u.inputTokens,
        outputTokens: u.outputTokens,
        cost: u.cost,
        paidCost: u.paidCost,
        batchCost: u.batchCost,
        costPerItem: this.meter.costPerItem(m.index),
        itemsProduced: m.itemsProduced,
      };
    });
  }

  /** The judge's part of the report, when there is a judge. */
  private judgeSummary(): { judge?: JudgeSummary } {
    const judge = this.options.judge;
    if (!judge) return {};
    const u = this.meter.usageOf(this.judgeIndex);
    return {
      judge: {
        model: judge.model.id,
        question: judge.question,
        comparisons: this.judged.comparisons,
        judged: this.judged.calls,
        gateVerdicts: this.judged.gateCalls,
        unreadable: [...this.judged.unreadable],
        calls: u.calls,
        cachedCalls: u.cachedCalls,
        inputTokens: u.inputTokens,
        outputTokens: u.outputTokens,
        cost: u.cost,
        paidCost: u.paidCost,
      },
    };
  }

  /** What the rest is expected to cost: the plan's remaining items, or the reference while profiling. */
  private projectedRestCost(): number {
    if (this.phase === 'done') return 0;
    if (!this.plan) return this.referenceAlone(this.total, this.options.promptTokens?.total ?? 0) - this.referenceAlone(this.itemsDone, this.doneTokens);
    let cost = 0;
    this.plan.entries.forEach((e, i) => {
      cost += (e.items - (this.planDone[i] ?? 0)) * e.costPerItem;
    });
    return cost;
  }

  emitProgress(): void {
    const listener = this.options.onProgress;
    if (!listener) return;
    const projectedTotalCost = this.meter.totalCost + this.projectedRestCost();
    const referenceOnly = this.referenceAlone(this.total, this.options.promptTokens?.total ?? 0);
    listener({
      phase: this.phase,
      itemsDone: this.itemsDone,
      itemsTotal: this.total,
      profiledItems: this.profiled,
      models: this.summaries(),
      ...this.judgeSummary(),
      costSoFar: this.meter.totalCost,
      referenceOnlySoFar: this.referenceAlone(this.itemsDone, this.doneTokens),
      projectedTotalCost,
      projectedSavings: projectedTotalCost > 0 ? referenceOnly / projectedTotalCost : 1,
      ...(this.plan ? { plan: this.plan } : {}),
    });
  }

  /**
   * The reference alone, at list price, on `items` items whose counted prompt
   * tokens sum to `tokens`, among them every item it answered: what it was
   * charged on those, and each other item priced from its own prompt tokens
   * (scaled to the reference's own count) and the reference's mean output.
   * Without counted tokens, its mean cost per call on every item.
   */
  private referenceAlone(items: number, tokens: number): number {
    const ref = this.reference.index;
    if (!this.options.promptTokens) return this.meter.costPerItem(ref) * items;
    const basis = this.perItemBasis();
    const others = items - this.referenceAnswered.items;
    const otherTokens = tokens - this.referenceAnswered.tokens;
    return this.meter.listCostOf(ref) + callCost(this.reference.spec, otherTokens * basis.inputRatio, others * basis.outputTokens);
  }

  /** The reference's reported input tokens over the counted ones on the items it answered (1 before any), and its mean output tokens per call (estimated before any). */
  private perItemBasis(): { inputRatio: number; outputTokens: number } {
    const u = this.meter.usageOf(this.reference.index);
    const spec = this.reference.spec;
    return {
      inputRatio: this.referenceAnswered.tokens > 0 && u.calls > 0 ? u.inputTokens / this.referenceAnswered.tokens : 1,
      outputTokens: u.calls > 0 ? u.outputTokens / u.calls : (spec.estimatedOutputTokens ?? DEFAULT_ESTIMATED_OUTPUT_TOKENS),
    };
  }

  private referenceOnlyBasis(): ReferenceOnlyBasis {
    const answered = this.referenceAnswered.items;
    return this.options.promptTokens ? { kind: 'per-item', answered, ...this.perItemBasis() } : { kind: 'mean', answered };
  }

  private buildReport(started: Date, profilingMs: number, applyingMs: number, totalMs: number): RunReport {
    const plan = this.plan!;
    const referenceOnlyCost = this.referenceAlone(this.total, this.options.promptTokens?.total ?? 0);
    const totalCost = this.meter.totalCost;
    return {
      strategy: this.strategy,
      bound: this.boundKind,
      seed: this.seed,
      seedOrigin: this.options.seedOrigin ?? 'config',
      ...(this.auditAlpha > 0 ? { auditAlpha: this.auditAlpha, auditItems: this.options.judge!.auditItems } : {}),
      target: this.target,
      checkEvery: this.checkEvery,
      minSample: this.minSample,
      items: this.total,
      profiledItems: this.profiled,
      reference: this.reference.spec.id,
      models: this.summaries(),
      ...this.judgeSummary(),
      plan,
      totalCost,
      paidCost: this.meter.paidCost,
      referenceOnlyCost,
      referenceOnly: this.referenceOnlyBasis(),
      savings: totalCost > 0 ? referenceOnlyCost / totalCost : 1,
      guarantee: guaranteeOf(plan, this.target, this.boundKind, this.reference.spec.id, this.strategy, this.options.judge),
      timings: { startedAt: started.toISOString(), profilingMs, applyingMs, totalMs },
    };
  }
}

/** The plan entry whose block holds this rank. */
function blockOf(rank: number, blockEnds: readonly number[]): number {
  let block = 0;
  while (rank >= blockEnds[block]) block++;
  return block;
}

/** The reference and the candidates, checked: ids unique, the reference among them and not a candidate. */
function selectModels<T>(options: RunOptions<T>): ModelSpec[] {
  const ids = new Set<string>();
  for (const m of options.models) {
    if (ids.has(m.id)) throw new Error(`model "${m.id}" is listed twice`);
    ids.add(m.id);
  }
  const candidateIds = options.candidates ?? options.models.map((m) => m.id).filter((id) => id !== options.reference);
  if (!ids.has(options.reference)) throw new Error(`reference model "${options.reference}" is not among the models`);
  for (const id of candidateIds) {
    if (!ids.has(id)) throw new Error(`candidate model "${id}" is not among the models`);
    if (id === options.reference) throw new Error(`the reference model "${id}" cannot also be a candidate`);
  }
  return options.models.filter((m) => m.id === options.reference || candidateIds.includes(m.id));
}

function validateTarget(target: Target): void {
  if (!(target.accuracy > 0 && target.accuracy < 1)) throw new RangeError(`accuracy must be in (0, 1), got ${target.accuracy}`);
  if (!(target.confidence > 0 && target.confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${target.confidence}`);
}
