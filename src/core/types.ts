/**
 * Shared vocabulary of the engine. Everything here is plain data so that the
 * CLI, the extension host, the panel and the benchmark can pass it around
 * (and serialise it) without depending on how the engine works.
 */

/**
 * How Smart decides which models process the items (ARCHITECTURE.md, "How a
 * run decides"): `auto` chooses among single models, random mixes and gated
 * plans and certifies its choice on fresh items; the other four are the SMART
 * paper's, kept so that its experiment can be reproduced.
 */
export type Strategy = 'auto' | 'naive' | 'exhaustive' | 'efficient' | 'modelmix';
export const STRATEGIES = ['auto', 'naive', 'exhaustive', 'efficient', 'modelmix'] as const satisfies readonly Strategy[];

/**
 * Which confidence bound decides `satisfied` / `invalid`.
 * - `clopper-pearson`: the paper's rule, an exact interval valid for one look.
 * - `anytime`: a confidence sequence that stays valid however often it is checked.
 */
export type BoundKind = 'clopper-pearson' | 'anytime';
export const BOUND_KINDS = ['clopper-pearson', 'anytime'] as const satisfies readonly BoundKind[];

/**
 * The bound a run's guarantee rests on: `hypergeometric` for `auto`, exact
 * bounds for sampling without replacement from the file, looked at only at
 * sizes fixed in advance; the configured one for the paper's strategies.
 */
export type GuaranteeBound = BoundKind | 'hypergeometric';

export function boundOf(strategy: Strategy, configured: BoundKind): GuaranteeBound {
  return strategy === 'auto' ? 'hypergeometric' : configured;
}

/**
 * The bound of the intervals shown on each candidate's agreement rate: the
 * guarantee's for the paper's strategies; Clopper-Pearson's exact interval
 * for `auto`, whose intervals describe profiling and play no part in its
 * guarantee.
 */
export function intervalBound(bound: GuaranteeBound): BoundKind {
  return bound === 'hypergeometric' ? 'clopper-pearson' : bound;
}

/**
 * Where a run's seed came from: set in the config (or on the command line),
 * drawn at random the first time its file was run, or kept from that draw.
 */
export type SeedOrigin = 'config' | 'drawn' | 'kept';

/** A candidate's standing while profiling. The reference is `satisfied` from the start. */
export type ModelStatus = 'unknown' | 'invalid' | 'satisfied';

export type Phase = 'profiling' | 'applying' | 'done';

/** A model as the engine sees it: an id and its prices. */
export interface ModelSpec {
  readonly id: string;
  /** USD per million input tokens. */
  readonly inputPer1M: number;
  /** USD per million output tokens. */
  readonly outputPer1M: number;
  /**
   * Token estimate for one item, used for this model's cost per item until its
   * first call reports real token counts (e.g. from a tokenizer).
   */
  readonly estimatedInputTokens?: number;
  readonly estimatedOutputTokens?: number;
  /**
   * Share of the list price the items after profiling will be charged when
   * this model answers them (a batch engine's discount, such as 0.5); 1 by
   * default. Decisions weigh the rest at this price, profiling at full price.
   */
  readonly applyPriceFactor?: number;
}

/**
 * Each item's prompt tokens as the caller counts them (a tokenizer over the
 * rendered prompt), by the item's position: the reference alone is priced
 * from them, item by item, not from a mean.
 */
export interface PromptTokens {
  /** Over every item. */
  readonly total: number;
  of(index: number): number;
}

/** What one call returns. */
export interface Completion {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** True when served from a cache: counted, but cost nothing. */
  readonly cached?: boolean;
  /**
   * Set when a batch engine answered: the share of the list price charged (its
   * discount, such as 0.5). Absent for online calls, charged in full.
   */
  readonly priceFactor?: number;
  /** The probability the model gave its own answer (from token log-probabilities), when the endpoint reports it. */
  readonly confidence?: number;
}

/**
 * The one thing the engine needs from the outside world. A client may answer
 * synchronously (the simulator does, to stay allocation-free) or with a promise
 * (real endpoints).
 */
export interface LlmClient<T> {
  complete(model: ModelSpec, item: T, signal: AbortSignal): Completion | Promise<Completion>;
}

/**
 * What a judge is asked of a candidate's output beside the reference's:
 * whether it says the same (`equivalent`), or whether it would do as well for
 * the task (`asGood`).
 */
export type JudgeQuestion = 'equivalent' | 'asGood';
export const JUDGE_QUESTIONS = ['equivalent', 'asGood'] as const satisfies readonly JudgeQuestion[];

/** A judge's verdict on one candidate output, and the calls it took. */
export interface JudgeVerdict {
  readonly agrees: boolean;
  /** No yes or no could be read from the judge, even asked again: counted as disagreement. */
  readonly unreadable?: boolean;
  /** Every call made for this verdict (a second when the first answer could not be read), for the cost. */
  readonly calls: readonly Completion[];
}

/** Asks a judge model whether a candidate's output agrees with the reference's on an item. */
export interface JudgeClient<T> {
  judge(item: T, referenceOutput: string, candidateOutput: string, signal: AbortSignal): JudgeVerdict | Promise<JudgeVerdict>;
}

/** A run's judge: the model (for its prices and name), what it is asked, and how to ask it. */
export interface Judge<T> {
  readonly model: ModelSpec;
  readonly question: JudgeQuestion;
  /** Items per plan a person will label to audit the judge (`auto`); 0 for no audit. */
  readonly auditItems: number;
  readonly client: JudgeClient<T>;
}

/** A closed interval on [0, 1]. */
export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** The target: agree with the reference on >= accuracy of items, with probability >= confidence. */
export interface Target {
  /** 1 - delta, in (0, 1). */
  readonly accuracy: number;
  /** gamma, in (0, 1). */
  readonly confidence: number;
}
