import type { CostMeter } from './costMeter';
import type { PlanSpec } from './plans/planSpec';
import type { ConfidenceBound } from './stats/confidenceBound';
import type { Completion, GuaranteeBound, ModelSpec, ModelStatus, Strategy, Target } from './types';

/** A model's state while the run goes on. */
export interface ModelState {
  readonly spec: ModelSpec;
  readonly index: number;
  readonly isReference: boolean;
  status: ModelStatus;
  /** Why an invalid model was ruled out. */
  ruledOutBy?: 'bound' | 'cost';
  /** Profiled items on which its own answer agreed with the reference's, out of `n`. */
  agreements: number;
  n: number;
  itemsProduced: number;
}

/** Why an item was profiled: `auto`'s pilot or certification, or the paper's strategies' profiling. */
export type ProfilingStage = 'pilot' | 'certification' | 'profiling';

/** One profiled item: every model run on it answered. */
export interface ProfiledItem {
  /** Position of the item in the input. */
  readonly index: number;
  readonly stage: ProfilingStage;
  readonly answers: ReadonlyMap<string, Completion>;
  /** Per model that answered: whether its output agrees with the reference's (by the comparison rule, or the judge); the reference's always does. */
  readonly agrees: ReadonlyMap<string, boolean>;
  /** The judge's verdicts, for the models whose agreement the judge decided. */
  readonly judged: ReadonlyMap<string, JudgedAs>;
  /** The judge's verdicts on judged gates' pairs (by plan id), where it was asked: the rule found the two outputs different. */
  readonly gates: ReadonlyMap<string, JudgedAs>;
}

/** What the judge said of a candidate's output: yes, no, or nothing that could be read (counted as no). */
export type JudgedAs = 'yes' | 'no' | 'unreadable';

/**
 * What a strategy sees of the run: the settings, the models and their costs,
 * and one operation, profiling the next items of the random order. A
 * strategy decides which models to profile and when to stop, and returns the
 * plan for the rest; the engine does the reading, the calls, the outputs and
 * the report.
 */
export interface RunContext {
  readonly strategy: Strategy;
  readonly boundKind: GuaranteeBound;
  readonly bound: ConfidenceBound;
  readonly target: Target;
  /**
   * The error budget `auto`'s certification may spend: 1 - the confidence
   * asked, less the share kept for a person's audit of the judge when a judge
   * decides agreement (`auditAlpha`).
   */
  readonly certificationAlpha: number;
  readonly total: number;
  readonly checkEvery: number;
  readonly minSample: number;
  readonly mixLevels: number;
  readonly pilotItems: number | undefined;
  readonly models: readonly ModelState[];
  readonly reference: ModelState;
  readonly candidates: readonly ModelState[];
  readonly meter: CostMeter;
  /**
   * Whether two outputs give the same answer by the run's comparison rule,
   * without a call: what gates compare candidates' outputs by (with a judge,
   * the check before any judge call).
   */
  readonly same: (a: string, b: string) => boolean;
  /**
   * What one call of the model is expected to cost, at list price, on an
   * item not yet profiled: priced from the rest's mean counted prompt tokens
   * when the caller counted them (`CostMeter.costPerItemAt`), else its mean
   * per call. What every decision about the rest weighs.
   */
  costPerItem(model: ModelState): number;
  /** `costPerItem` times the model's `applyPriceFactor`: a call on the rest after profiling. */
  applyCostPerItem(model: ModelState): number;
  /** The mean counted prompt tokens of the items not yet profiled; undefined without counts or once none is left. */
  restTokens(): number | undefined;
  /** The counted prompt tokens of the item at this position (0 without counts). */
  countedTokensOf(index: number): number;
  /**
   * What profiling one item costs a candidate, at list price: its call, and
   * with a judge a verdict's cost times the share of comparisons that needed
   * one so far (all of them before the first).
   */
  profileCostPerItem(model: ModelState): number;
  /** What one verdict of the judge costs, at list price (measured, or estimated before its first call); undefined without a judge. */
  judgeCallCost(): number | undefined;
  /** Items profiled so far: they carry the reference's output. */
  readonly profiled: number;
  /**
   * Profiles the next `count` items of the random order (fewer at the end of
   * the file): the reference and `runOn` answer each one, the item keeps the
   * reference's output, and each model's own agreement count is updated.
   * The judge is asked on each of `gates` (judged gates over models in
   * `runOn`) where the rule finds its pair's outputs different.
   */
  profileNext(count: number, runOn: readonly ModelState[], stage?: ProfilingStage, gates?: readonly PlanSpec[]): Promise<ProfiledItem[]>;
  emitProgress(): void;
  modelById(id: string): ModelState;
}
