import type { PlanSpec } from './plans/planSpec';
import type { GuaranteeBound, Interval, JudgeQuestion, ModelStatus, Phase, SeedOrigin, Strategy, Target } from './types';

/** One model's standing, as progress events and the final report show it. */
export interface ModelSummary {
  readonly id: string;
  readonly role: 'reference' | 'candidate';
  readonly status: ModelStatus;
  /**
   * Why an `invalid` model was ruled out: its upper bound fell below the
   * target (`bound`), or profiling it further was expected to cost more than
   * it could save (`cost`, the early-termination rule).
   */
  readonly ruledOutBy?: 'bound' | 'cost';
  /** Profiled items on which it agreed with the reference, out of `n`. */
  readonly agreements: number;
  readonly n: number;
  /** Confidence interval on its agreement rate at the run's confidence (absent before any item). */
  readonly interval?: Interval;
  readonly calls: number;
  readonly cachedCalls: number;
  /** Calls a provider's batch engine answered in this run, at its discount (absent in reports written before batch mode). */
  readonly batchCalls?: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD for all its calls, cached or not, as charged: list price, times the discount for calls a batch engine answered. */
  readonly cost: number;
  /** Of `cost`, what was paid in this run (calls not served from a cache), and what the batch calls cost (both absent in reports written before batch mode). */
  readonly paidCost?: number;
  readonly batchCost?: number;
  /** Estimated (then measured) USD per item. */
  readonly costPerItem: number;
  /** Items whose final output came from this model. */
  readonly itemsProduced: number;
}

/** What a run's judge did: its calls and cost, apart from the models'. */
export interface JudgeSummary {
  /** The judge model's id, and what it was asked. */
  readonly model: string;
  readonly question: JudgeQuestion;
  /** Candidate outputs compared with the reference's on profiled items, and of those, how many the judge was asked about (the others the comparison rule found the same). */
  readonly comparisons: number;
  readonly judged: number;
  /** Verdicts on the pairs of judged gates (two cheap models' outputs), on profiled items and on the items those gates answered. */
  readonly gateVerdicts: number;
  /** Verdicts that could not be read, even asked again (counted as disagreement): the item's position in the input and the candidate. */
  readonly unreadable: ReadonlyArray<{ readonly index: number; readonly model: string }>;
  readonly calls: number;
  readonly cachedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD for all its calls, and of that what this run paid (calls not served from a cache). */
  readonly cost: number;
  readonly paidCost: number;
}

/** A plan's share of the items left after profiling. */
export interface MixEntry {
  /** The plan's id (`planId`): the model id for a single model. */
  readonly id: string;
  readonly plan: PlanSpec;
  readonly share: number;
  readonly items: number;
  /**
   * What the guarantee rests on for this entry, and the level it holds at.
   * When the plan's guarantee is about outputs (`Plan.about`): `agreeing`,
   * how many of the `items` outputs it writes are certified to agree with the
   * reference, and `lowerBound` that count's share of them. When it is about
   * a rate: `lowerBound` bounds the entry's expected agreement rate.
   */
  readonly agreeing?: number;
  readonly lowerBound: number;
  readonly level: number;
  /** Expected USD per item it answers (escalations included), at the price the rest is charged. */
  readonly costPerItem: number;
  /** For a gate: the measured share of items on which it keeps the cheap answer (the others go to the escalation model). */
  readonly coverage?: number;
}

/** A plan the `auto` strategy certified: its counts on the fresh items and the bound they gave. */
export interface CertifiedPlan {
  readonly id: string;
  readonly plan: PlanSpec;
  /** Agreements with the reference on the pilot items (used to choose it), out of `pilotItems`. */
  readonly pilotAgreements: number;
  readonly pilotItems: number;
  /** Agreements on the certification items, out of `items`. */
  readonly agreements: number;
  readonly items: number;
  /**
   * At the last look, at error `alpha`: how many of the items left after the
   * certification it is certified to agree on (an exact lower bound on a
   * count of this file's items), and that count's share of them (both 0 when
   * the certification gave up before its first look).
   */
  readonly agreeing: number;
  readonly lowerBound: number;
  readonly alpha: number;
  /** The error level at which the agreeing outputs of the block it answers are bounded. */
  readonly blockAlpha: number;
  /**
   * Certified in sequence (one model's nested plans, highest threshold
   * first, each at the look's whole level until the first that fails):
   * `agreeing` is then what the target needs of the items left when it
   * passed, 0 when it failed.
   */
  readonly inSequence?: true;
  readonly costPerItem: number;
  readonly coverage?: number;
}

/** How the `auto` strategy chose and certified its plan (absent for the paper's strategies). */
export interface Certification {
  /** Items of the pilot, where plans were compared and chosen. */
  readonly pilotItems: number;
  /** Candidates profiled on the pilot items. */
  readonly pilotModels: readonly string[];
  /** Plans compared on the pilot. */
  readonly plansConsidered: number;
  /** Fresh items planned for the certification, and those profiled (fewer when it stopped early). */
  readonly plannedItems: number;
  readonly items: number;
  /** Looks taken at the bounds (sizes fixed in advance: the planned size, then twice, four and eight times it); 0 when it gave up first. */
  readonly looks: number;
  /** Why the certification stopped short, when it did. */
  readonly stoppedEarly?: 'not-worth-it';
  readonly plans: readonly CertifiedPlan[];
}

/** The plan for the items left after profiling. */
export interface Plan {
  /** `naive`: reference only; `single`: one model or gate; `mix`: several. */
  readonly kind: 'naive' | 'single' | 'mix';
  readonly entries: readonly MixEntry[];
  /**
   * What the guarantee is about: `outputs`, a count of this file's outputs
   * that agree with the reference (`auto`, and every plan whose outputs all
   * come from the reference); `rate`, the plan's expected agreement rate,
   * items taken as independent draws (the paper's strategies).
   */
  readonly about: GuaranteeSubject;
  /** For `outputs`: how many of the file's outputs are certified to agree. */
  readonly agreeingOutputs?: number;
  /** The guaranteed agreement over all N items (a share of its outputs, or a rate), and the confidence it holds with. */
  readonly agreementLowerBound: number;
  readonly confidence: number;
  /** How the bounds were certified, for the `auto` strategy. */
  readonly certification?: Certification;
}

export interface ProgressEvent {
  readonly phase: Phase;
  readonly itemsDone: number;
  readonly itemsTotal: number;
  readonly profiledItems: number;
  readonly models: readonly ModelSummary[];
  readonly judge?: JudgeSummary;
  readonly costSoFar: number;
  /** What the reference alone would have cost for the items done so far. */
  readonly referenceOnlySoFar: number;
  /** Cost so far plus the planned (or, while profiling, the best known) cost of the rest. */
  readonly projectedTotalCost: number;
  /** Reference-only cost of the whole file divided by the projected total. */
  readonly projectedSavings: number;
  readonly plan?: Plan;
}

/** What a guarantee is about: a count of this file's outputs, or an expected rate (`Plan.about`). */
export type GuaranteeSubject = 'outputs' | 'rate';

/** The guarantee as numbers (src/text's `describeGuarantee` states it in a sentence). */
export interface Guarantee {
  readonly about: GuaranteeSubject;
  /** Agreement is as this judge decides, where the comparison rule does not find two outputs the same. */
  readonly judgedBy?: { readonly model: string; readonly question: JudgeQuestion };
  readonly accuracy: number;
  /** The confidence the argument backs (ARCHITECTURE.md, "The guarantee"): the target's, or less for the paper's strategies with many candidates. */
  readonly confidence: number;
  readonly bound: GuaranteeBound;
  /** Whether the plan's bound meets the target (false only when the input ran out first). */
  readonly met: boolean;
  /**
   * False when the bounds were used in a way their argument does not cover:
   * the paper's exact Clopper-Pearson rule, valid for one look, checked at
   * every step of profiling.
   */
  readonly proven: boolean;
}

export interface RunReport {
  readonly strategy: Strategy;
  readonly bound: GuaranteeBound;
  readonly seed: number;
  /** Where the seed came from (absent in reports written before seeds were drawn: set in the config, or 0 by default). */
  readonly seedOrigin?: SeedOrigin;
  /** With a judge (`auto`): the error budget kept for a person's audit of the judge; the guarantee as the judge decides holds at 1 - (1 - confidence) + this. */
  readonly auditAlpha?: number;
  /** With `auditAlpha`: the certification items per plan the audit draws, fixed before the run. */
  readonly auditItems?: number;
  readonly target: Target;
  readonly checkEvery: number;
  readonly minSample: number;
  readonly items: number;
  readonly profiledItems: number;
  readonly reference: string;
  readonly models: readonly ModelSummary[];
  /** The judge, when the comparison rule has one. Its cost is in `totalCost` and `paidCost`. */
  readonly judge?: JudgeSummary;
  readonly plan: Plan;
  readonly totalCost: number;
  /** Of totalCost, what this run paid (calls not served from a cache). */
  readonly paidCost: number;
  /** The reference on every item at list price (how it was reached: `referenceOnly`). */
  readonly referenceOnlyCost: number;
  readonly referenceOnly: ReferenceOnlyBasis;
  /** referenceOnlyCost / totalCost. */
  readonly savings: number;
  readonly guarantee: Guarantee;
  readonly timings: { readonly startedAt: string; readonly profilingMs: number; readonly applyingMs: number; readonly totalMs: number };
}

/**
 * How "the reference alone" was priced: what the reference was charged (list
 * price) on the `answered` items it answered, and for each other item, from
 * that item's own prompt tokens (`per-item`: counted by the job, times
 * `inputRatio`, the reference's reported input tokens over the counted ones
 * on the items it answered) and its mean output tokens (`outputTokens`); or,
 * without counted tokens, its mean cost per call on every item (`mean`).
 */
export type ReferenceOnlyBasis =
  | { readonly kind: 'per-item'; readonly answered: number; readonly inputRatio: number; readonly outputTokens: number }
  | { readonly kind: 'mean'; readonly answered: number };

/** Where one request file of the application phase stands at a provider's batch engine: not yet sent, uploaded, or its batch's status. */
export type BatchStage =
  'planned' | 'uploaded' | 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled' | 'online';

/** One batch (one request file) of a run, as progress shows it. */
export interface BatchRow {
  /** The endpoint whose batch engine runs it. */
  readonly endpoint: string;
  /** The provider's model name: one model per batch. */
  readonly model: string;
  readonly requests: number;
  /** 1 for the first submission; resubmitted leftovers count on. */
  readonly attempt: number;
  readonly stage: BatchStage;
  /** The provider's id, once the batch exists. */
  readonly batchId?: string;
  /** Unix seconds, as the provider reported it. */
  readonly createdAt?: number;
  readonly completed: number;
  readonly failed: number;
  /** Its answers were taken in. */
  readonly downloaded: boolean;
}

/** The batches of a run's application phase, over every endpoint. */
export interface BatchesProgress {
  readonly batches: readonly BatchRow[];
  /** Requests answered and taken in so far. */
  readonly answered: number;
  /** Requests the batches hold in all (first submissions). */
  readonly requests: number;
}

/**
 * How the output tokens per answer were estimated: from the longest label
 * (with a margin for what a model adds around it), bounded by `maxTokens`,
 * or a default.
 */
export type OutputEstimate =
  | { readonly kind: 'label'; readonly label: string; readonly labelTokens: number; readonly margin: number }
  | { readonly kind: 'maxTokens' }
  | { readonly kind: 'default' };

/**
 * A profiled item where a candidate disagreed with the reference, as a
 * person reads it: where it is, an excerpt of the prompt, both outputs (or
 * their excerpts), the answers the comparison rule took from them when they
 * differ from the outputs, and the judge's verdict when one decided.
 */
export interface DisagreementSample {
  /** The shard the item is in, by name, when the dataset is a folder of shards. */
  readonly file?: string;
  readonly line: number;
  readonly model: string;
  readonly input: string;
  readonly referenceOutput: string;
  readonly candidateOutput: string;
  readonly referenceAnswer?: string;
  readonly candidateAnswer?: string;
  readonly verdict?: 'no' | 'unreadable';
}

/** One pair to label: a plan's output on a certification item, which the judge said agrees with the reference's. */
export interface AuditPair {
  /** The plan (its id in the report) and the model whose output it kept. */
  readonly plan: string;
  readonly model: string;
  readonly line: number;
  /** The prompt the models saw, the reference's output and the plan's. */
  readonly input: string;
  readonly referenceOutput: string;
  readonly candidateOutput: string;
}

/** A person's label of a pair the judge said yes to: a skip counts as a disagreement. */
export type AuditLabel = 'agree' | 'disagree' | 'skip';

/** Where a person's audit of the judge stands (src/job's `auditResult`): pairs labelled of all, and once all are, the guarantee as a person would judge. */
export interface AuditResult {
  readonly labelled: number;
  readonly total: number;
  /** Once every pair is labelled: per plan, the judge's false yes found and the cap on it over the items left; and the file's count. */
  readonly done?: {
    readonly plans: ReadonlyArray<{ readonly plan: string; readonly sampled: number; readonly falseYes: number; readonly cap: number }>;
    readonly agreeingOutputs: number;
  };
}

/** What a run will cost, estimated before any paid call (src/job's `previewCost`). */
export interface CostPreview {
  readonly items: number;
  /** Items whose prompts were tokenized to estimate input tokens. */
  readonly sampledItems: number;
  readonly meanInputTokens: number;
  /** Output tokens per answer, and how that figure was reached. */
  readonly outputTokens: number;
  readonly outputEstimate: OutputEstimate;
  /** The reference model on every item, at list price (the figure the report compares the run with). */
  readonly referenceOnlyCost: number;
  /** Of `referenceOnlyCost`, the calls the response cache does not answer. */
  readonly referenceOnlyUncached: number;
  /** Answers the response cache already holds for these items: of the reference, and of every model of the run. */
  readonly cached: { readonly reference: number; readonly calls: number };
  /**
   * What profiling costs at least once it starts (`leastProfiling.ts`): its
   * first `items` with the reference and `candidates` candidates, less what
   * the cache may answer. Nothing when the strategy profiles nothing.
   */
  readonly leastProfiling: { readonly cost: number; readonly items: number; readonly candidates: number };
  /** The reference and every candidate on every item the cache does not answer: the run can never pay more. */
  readonly worstCaseProfilingCost: number;
  /** The cache answers every call the run will make (the run was played on the cache alone): nothing will be paid. */
  readonly fullyCached: boolean;
  /**
   * With a judge: what one of its calls costs (estimated), and what judging
   * every candidate's output on every item would, with the pair of each of
   * the `gates` it may decide (nothing is judged where outputs are the same
   * in wording).
   */
  readonly judge?: { readonly model: string; readonly perCall: number; readonly atMost: number; readonly gates: number };
  /** Online or batch, side by side (see {@link BatchPreview}). */
  readonly batch?: BatchPreview;
}

/**
 * Online or batch, side by side in the cost preview: present when the run is
 * in batch mode, or when its reference's endpoint takes batches (so that an
 * online run says what batch mode would cost).
 */
export interface BatchPreview {
  /** This run sends the items after profiling to the providers' batch engines. */
  readonly chosen: boolean;
  /** The reference's endpoint takes batches (else its calls stay online in batch mode too). */
  readonly referenceBatches: boolean;
  /** The share of the list price batches cost. */
  readonly discount: number;
  /** Hours a run waits for its batches before what they left goes online (`batch.maxHours`). */
  readonly maxHours: number;
  /** Present when Smart chose between online and batch itself (`--batch auto`): the rule it applied (see `DEFAULTS.batchAuto`). */
  readonly auto?: { readonly minItems: number; readonly minShare: number; readonly minSavingUsd: number };
}
