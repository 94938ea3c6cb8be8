import { performance } from 'node:perf_hooks';
import { CallPool } from './callPool';
import { CostMeter } from './costMeter';
import { decideEarlyStop } from './earlyStop';
import { guaranteeOf } from './guarantee';
import { countItems, forEachItem, type ItemSource } from './itemSource';
import { largestRemainder } from './mix/largestRemainder';
import { confidenceGrid, solveMix } from './mix/mixSolver';
import { SeededPermutation } from './random';
import type { MixEntry, ModelSummary, Plan, ProgressEvent, RunReport } from './report';
import { confidenceBound, type ConfidenceBound } from './stats/confidenceBound';
import type { BoundKind, Completion, Interval, LlmClient, ModelSpec, ModelStatus, Phase, Strategy, Target } from './types';

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
  /** Default `modelmix`. */
  readonly strategy?: Strategy;
  /** Default `anytime`: the guarantee holds however often profiling looks. */
  readonly bound?: BoundKind;
  /** Seed of the random order (default 0). */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** Profiled items between two checks of the bounds (default 10, as in the paper). */
  readonly checkEvery?: number;
  /** Profiled items before early termination is considered (default 100, as in the paper). */
  readonly minSample?: number;
  /** Confidence levels per model in the mix program (default 5, as in the paper). */
  readonly mixLevels?: number;
  /** Calls in flight at once (default 1). */
  readonly concurrency?: number;
  /** Profiled items held in memory by the first reading pass (default 1,000; each further pass doubles it, up to 65,536). */
  readonly profileWindow?: number;
  /** Whether a candidate's output counts as agreeing with the reference's (default: exact match). */
  readonly compare?: (candidateOutput: string, referenceOutput: string) => boolean;
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
}

export interface ItemOutput<T> {
  /** Position of the item in the input. */
  readonly index: number;
  readonly item: T;
  /** Id of the model whose output this is. */
  readonly model: string;
  readonly completion: Completion;
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

/** A model's state while the run goes on. */
interface ModelState {
  readonly spec: ModelSpec;
  readonly index: number;
  readonly isReference: boolean;
  status: ModelStatus;
  /** Why an invalid model was ruled out. */
  ruledOutBy?: 'bound' | 'cost';
  agreements: number;
  n: number;
  itemsProduced: number;
}

const exactMatch = (a: string, b: string): boolean => a === b;

/** Most items one profiling pass holds in memory. */
const MAX_PROFILE_WINDOW = 65_536;

/**
 * Runs SMART over the items: profiles the candidates against the reference on
 * a seeded random sample, decides which model (or mix of models) can process
 * the rest while provably meeting the target, and processes it.
 */
export async function runSmart<T>(options: RunOptions<T>): Promise<RunResult<T>> {
  const run = new SmartRun(options);
  return run.execute();
}

class SmartRun<T> {
  private readonly strategy: Strategy;
  private readonly boundKind: BoundKind;
  private readonly bound: ConfidenceBound;
  private readonly seed: number;
  private readonly checkEvery: number;
  private readonly minSample: number;
  private readonly target: Target;
  private readonly compare: (a: string, b: string) => boolean;
  private readonly models: ModelState[];
  private readonly reference: ModelState;
  private readonly candidates: ModelState[];
  private readonly meter: CostMeter;
  private readonly controller = new AbortController();
  private readonly pool: CallPool;
  private readonly collected: Array<ItemOutput<T>> | undefined;
  private total = 0;
  private profiled = 0;
  private itemsDone = 0;
  private phase: Phase = 'profiling';
  private plan: Plan | undefined;
  /** Planned item counts per plan entry, and how many of each are done. */
  private planDone: number[] = [];

  constructor(private readonly options: RunOptions<T>) {
    this.strategy = options.strategy ?? 'modelmix';
    this.boundKind = options.bound ?? 'anytime';
    this.bound = confidenceBound(this.boundKind);
    this.seed = options.seed ?? 0;
    this.checkEvery = options.checkEvery ?? 10;
    this.minSample = options.minSample ?? 100;
    this.target = options.target;
    this.compare = options.compare ?? exactMatch;
    validateTarget(options.target);
    if (!(Number.isInteger(this.checkEvery) && this.checkEvery >= 1)) throw new RangeError(`checkEvery must be a positive integer, got ${this.checkEvery}`);
    if (!(Number.isInteger(this.minSample) && this.minSample >= 0)) throw new RangeError(`minSample must be a non-negative integer, got ${this.minSample}`);

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
    const used = options.models.filter((m) => m.id === options.reference || candidateIds.includes(m.id));
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
    this.meter = new CostMeter(used);
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
      throw error;
    }
  }

  private async phases(): Promise<RunResult<T>> {
    const started = new Date();
    const t0 = performance.now();
    this.total = await countItems(this.options.items);
    this.throwIfAborted();
    const permutation = new SeededPermutation(this.total, this.seed);

    if (this.strategy !== 'naive') await this.profile(permutation);
    const t1 = performance.now();
    this.plan = this.decidePlan();
    this.phase = 'applying';
    this.emitProgress();
    await this.apply(permutation);
    const t2 = performance.now();
    this.phase = 'done';
    this.emitProgress();

    const report = this.buildReport(started, t1 - t0, t2 - t1, t2 - t0);
    const outputs = this.collected?.sort((a, b) => a.index - b.index);
    return outputs ? { report, outputs } : { report };
  }

  // ---- profiling -------------------------------------------------------

  /** Models sorted by their current cost per item (measured, or estimated before any call). */
  private byCost(): ModelState[] {
    return [...this.models].sort((a, b) => this.meter.costPerItem(a.index) - this.meter.costPerItem(b.index));
  }

  /** The cheapest satisfied model (the reference is satisfied from the start). */
  private cheapestSatisfied(): ModelState {
    return this.byCost().find((m) => m.status === 'satisfied')!;
  }

  /** Candidates still worth profiling: unknown and cheaper than the cheapest satisfied model. */
  private profiledCandidates(): ModelState[] {
    const ordered = this.byCost();
    const result: ModelState[] = [];
    for (const m of ordered) {
      if (m.status === 'satisfied') break;
      if (m.status === 'unknown') result.push(m);
    }
    return result;
  }

  private async profile(permutation: SeededPermutation): Promise<void> {
    // Each reading pass holds the next `windowSize` items of the random order;
    // the window doubles with each pass (up to a cap), so profiling n items
    // reads the input about log2(n / 1000) times, not n / 1000 times.
    let windowSize = Math.max(this.checkEvery, this.options.profileWindow ?? 1000);
    let window: Array<{ index: number; item: T }> = [];
    let windowStart = 0;
    while (this.profiled < this.total) {
      const active = this.profiledCandidates();
      if (active.length === 0) break;
      const batchEnd = Math.min(this.profiled + this.checkEvery, this.total);
      if (batchEnd > windowStart + window.length) {
        windowStart = this.profiled;
        window = await this.readRanks(permutation, windowStart, Math.min(windowStart + windowSize, this.total));
        windowSize = Math.min(2 * windowSize, MAX_PROFILE_WINDOW);
      }
      await this.profileBatch(window.slice(this.profiled - windowStart, batchEnd - windowStart), active);
      this.check(active);
      this.emitProgress();
    }
  }

  /** Reads the items whose ranks in the random order fall in [from, to), in rank order. */
  private async readRanks(permutation: SeededPermutation, from: number, to: number): Promise<Array<{ index: number; item: T }>> {
    const slots = new Array<{ index: number; item: T }>(to - from);
    await forEachItem(this.options.items.open(), (item, index) => {
      const rank = permutation.rankOf(index);
      if (rank >= from && rank < to) slots[rank - from] = { index, item };
    });
    this.throwIfAborted();
    return slots;
  }

  /** Runs the reference and the active candidates on a batch, then counts agreements. */
  private async profileBatch(batch: Array<{ index: number; item: T }>, active: ModelState[]): Promise<void> {
    const runOn = [this.reference, ...active];
    const answers: Completion[][] = batch.map(() => new Array<Completion>(runOn.length));
    for (let b = 0; b < batch.length; b++) {
      for (let m = 0; m < runOn.length; m++) {
        this.throwIfAborted();
        const wait = this.call(runOn[m], batch[b].item, (c) => {
          answers[b][m] = c;
        });
        if (wait) await wait;
      }
    }
    await this.pool.drain();
    this.throwIfAborted();
    for (let b = 0; b < batch.length; b++) {
      const referenceText = answers[b][0].text;
      for (let m = 1; m < runOn.length; m++) {
        const model = runOn[m];
        model.n++;
        if (this.compare(answers[b][m].text, referenceText)) model.agreements++;
      }
      this.emitOutput(batch[b].index, batch[b].item, this.reference, answers[b][0]);
    }
    this.profiled += batch.length;
  }

  /** Updates statuses from the bounds, then applies the expected-cost rule. */
  private check(active: ModelState[]): void {
    const { accuracy, confidence } = this.target;
    for (const m of active) {
      // Memoised thresholds on the count, equivalent to comparing the interval's ends with the target.
      if (m.agreements <= this.bound.maxBelow(m.n, accuracy, confidence)) {
        m.status = 'invalid';
        m.ruledOutBy = 'bound';
      }
      else if (m.agreements >= this.bound.minAgreements(m.n, accuracy, confidence)) m.status = 'satisfied';
    }
    const stillActive = this.profiledCandidates();
    if (this.strategy === 'exhaustive' || stillActive.length === 0 || this.profiled < this.minSample) return;
    const decision = decideEarlyStop({
      remaining: this.total - this.profiled,
      referenceCostPerItem: this.meter.costPerItem(this.reference.index),
      satisfiedCostPerItem: this.meter.costPerItem(this.cheapestSatisfied().index),
      candidates: stillActive.map((m) => ({ agreements: m.agreements, n: m.n, costPerItem: this.meter.costPerItem(m.index) })),
      bound: this.bound,
      accuracy,
      confidence,
    });
    if (!decision.stop) return;
    for (const m of stillActive) {
      m.status = 'invalid';
      m.ruledOutBy = 'cost';
    }
  }

  // ---- the plan for the rest --------------------------------------------

  private decidePlan(): Plan {
    const rest = this.total - this.profiled;
    const { accuracy, confidence } = this.target;
    if (this.strategy === 'naive') {
      return { kind: 'naive', entries: [this.entry(this.reference, 1, rest, 1, 1)], agreementLowerBound: 1, confidence: 1 };
    }
    const best = this.cheapestSatisfied();
    const bestBound = best.isReference ? 1 : this.bound.interval(best.agreements, best.n, confidence).lower;
    const single: Plan = {
      kind: 'single',
      entries: [this.entry(best, 1, rest, bestBound, best.isReference ? 1 : confidence)],
      agreementLowerBound: this.overallBound(bestBound),
      confidence: best.isReference ? 1 : confidence,
    };
    if (this.strategy !== 'modelmix' || rest === 0) return single;

    const levels = confidenceGrid(confidence, this.options.mixLevels ?? 5);
    const measured = this.candidates.filter((m) => m.n > 0);
    // The profiled items carry the reference's output, so the rest needs
    // a_rest = (a * N - n) / (N - n) to bring the whole file to a.
    const requiredAgreement = (accuracy * this.total - this.profiled) / rest;
    const solution = solveMix({
      candidates: measured.map((m) => ({
        id: m.spec.id,
        costPerItem: this.meter.costPerItem(m.index),
        lowerBounds: levels.map((g) => this.bound.interval(m.agreements, m.n, g).lower),
      })),
      referenceId: this.reference.spec.id,
      referenceCostPerItem: this.meter.costPerItem(this.reference.index),
      levels,
      requiredAgreement,
      confidence,
    });
    const shares = [...solution.shares];
    if (!shares.some((s) => s.id === this.reference.spec.id)) shares.push({ id: this.reference.spec.id, share: 0, level: 1, lowerBound: 1 });
    const counts = roundCountsKeepingBound(rest, shares, requiredAgreement);
    const entries = shares.map((s, i) => this.entry(this.modelById(s.id), s.share, counts[i], s.lowerBound, s.level));
    const guaranteed = entries.reduce((sum, e) => sum + e.items * e.lowerBound, 0) / rest;
    return {
      kind: entries.filter((e) => e.items > 0).length > 1 ? 'mix' : 'single',
      entries,
      agreementLowerBound: this.overallBound(guaranteed),
      confidence: solution.confidence,
    };
  }

  private entry(model: ModelState, share: number, items: number, lowerBound: number, level: number): MixEntry {
    return { id: model.spec.id, share, items, lowerBound, level };
  }

  /** Guaranteed agreement over all N items when the rest agrees at rate >= restBound. */
  private overallBound(restBound: number): number {
    if (this.total === 0) return 1;
    return (this.profiled + (this.total - this.profiled) * restBound) / this.total;
  }

  private modelById(id: string): ModelState {
    const model = this.models.find((m) => m.spec.id === id);
    if (!model) throw new Error(`the mix solver returned an unknown model "${id}"`);
    return model;
  }

  // ---- application ------------------------------------------------------

  /** Processes every item not profiled, in input order, with the model its rank is assigned to. */
  private async apply(permutation: SeededPermutation): Promise<void> {
    const plan = this.plan!;
    const rest = this.total - this.profiled;
    if (rest === 0) return;
    // Ranks profiled..N-1 are split into consecutive blocks, one per entry; since
    // ranks are a random order, each model gets a random subset of the items.
    const models = plan.entries.map((e) => this.modelById(e.id));
    const blockEnds: number[] = [];
    let end = this.profiled;
    for (const e of plan.entries) blockEnds.push((end += e.items));
    this.planDone = plan.entries.map(() => 0);
    const progressEvery = Math.max(1, Math.floor(rest / 200));
    const signal = this.controller.signal;

    await forEachItem(this.options.items.open(), (item, index) => {
      if (signal.aborted) this.throwIfAborted();
      const rank = permutation.rankOf(index);
      if (rank < this.profiled) return;
      let block = 0;
      while (rank >= blockEnds[block]) block++;
      const model = models[block];
      return this.call(model, item, (c) => {
        this.planDone[block]++;
        this.emitOutput(index, item, model, c);
        if (this.itemsDone % progressEvery === 0) this.emitProgress();
      });
    });
    await this.pool.drain();
    this.throwIfAborted();
  }

  // ---- shared plumbing --------------------------------------------------

  private call(model: ModelState, item: T, done: (c: Completion) => void): void | Promise<void> {
    const limit = this.options.maxSpend;
    if (limit !== undefined && this.meter.paidCost >= limit) throw new BudgetExceededError(limit, this.meter.paidCost);
    return this.pool.run(
      () => this.options.client.complete(model.spec, item, this.controller.signal),
      (completion) => {
        this.meter.record(model.index, completion);
        done(completion);
      },
    );
  }

  private emitOutput(index: number, item: T, model: ModelState, completion: Completion): void {
    this.itemsDone++;
    model.itemsProduced++;
    const output = { index, item, model: model.spec.id, completion };
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
        inputTokens: u.inputTokens,
        outputTokens: u.outputTokens,
        cost: u.cost,
        costPerItem: this.meter.costPerItem(m.index),
        itemsProduced: m.itemsProduced,
      };
    });
  }

  /** What the rest is expected to cost: the plan's remaining items, or the best known model while profiling. */
  private projectedRestCost(): number {
    if (this.phase === 'done') return 0;
    if (!this.plan) return (this.total - this.profiled) * this.meter.costPerItem(this.cheapestSatisfied().index);
    let cost = 0;
    this.plan.entries.forEach((e, i) => {
      cost += (e.items - (this.planDone[i] ?? 0)) * this.meter.costPerItem(this.modelById(e.id).index);
    });
    return cost;
  }

  private emitProgress(): void {
    const listener = this.options.onProgress;
    if (!listener) return;
    const referencePerItem = this.meter.costPerItem(this.reference.index);
    const projectedTotalCost = this.meter.totalCost + this.projectedRestCost();
    listener({
      phase: this.phase,
      itemsDone: this.itemsDone,
      itemsTotal: this.total,
      profiledItems: this.profiled,
      models: this.summaries(),
      costSoFar: this.meter.totalCost,
      referenceOnlySoFar: referencePerItem * this.itemsDone,
      projectedTotalCost,
      projectedSavings: projectedTotalCost > 0 ? (referencePerItem * this.total) / projectedTotalCost : 1,
      ...(this.plan ? { plan: this.plan } : {}),
    });
  }

  private buildReport(started: Date, profilingMs: number, applyingMs: number, totalMs: number): RunReport {
    const plan = this.plan!;
    const referenceOnlyCost = this.meter.costPerItem(this.reference.index) * this.total;
    const totalCost = this.meter.totalCost;
    return {
      strategy: this.strategy,
      bound: this.boundKind,
      seed: this.seed,
      target: this.target,
      checkEvery: this.checkEvery,
      minSample: this.minSample,
      items: this.total,
      profiledItems: this.profiled,
      reference: this.reference.spec.id,
      models: this.summaries(),
      plan,
      totalCost,
      paidCost: this.meter.paidCost,
      referenceOnlyCost,
      savings: totalCost > 0 ? referenceOnlyCost / totalCost : 1,
      guarantee: guaranteeOf(plan, this.target, this.boundKind, this.reference.spec.id),
      timings: { startedAt: started.toISOString(), profilingMs, applyingMs, totalMs },
    };
  }
}

/**
 * Item counts from the mix's shares by largest remainder, then, since
 * rounding can move an item from the reference to a weaker model and leave the
 * guaranteed agreement a fraction of an item short, items move back from the
 * weakest model used to the reference (the last share) until the counts
 * themselves meet `required`.
 */
function roundCountsKeepingBound(rest: number, shares: ReadonlyArray<{ share: number; lowerBound: number }>, required: number): number[] {
  const counts = largestRemainder(rest, shares.map((s) => s.share));
  const reference = shares.length - 1;
  const bound = (): number => counts.reduce((sum, c, i) => sum + c * shares[i].lowerBound, 0);
  while (bound() < required * rest - 1e-9) {
    let weakest = -1;
    counts.forEach((c, i) => {
      if (i !== reference && c > 0 && (weakest < 0 || shares[i].lowerBound < shares[weakest].lowerBound)) weakest = i;
    });
    if (weakest < 0) break;
    counts[weakest]--;
    counts[reference]++;
  }
  return counts;
}

function validateTarget(target: Target): void {
  if (!(target.accuracy > 0 && target.accuracy < 1)) throw new RangeError(`accuracy must be in (0, 1), got ${target.accuracy}`);
  if (!(target.confidence > 0 && target.confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${target.confidence}`);
}
