import { callCost } from '../core/costMeter';
import { leastProfiling } from '../core/leastProfiling';
import { JUDGED_POOL } from '../core/plans/planFamily';
import type { AnswerRule } from '../io/answerExtraction';
import type { BatchPreview, CostPreview, OutputEstimate } from '../core/report';
import type { ModelSpec, Strategy } from '../core/types';
import type { CachedAnswers } from './cachedAnswers';
import type { PromptTokenCounts } from './promptLengths';
import { countTokens } from './tokenCount';

/** Output tokens per answer assumed when nothing measures or bounds them. */
export const DEFAULT_OUTPUT_TOKENS = 50;
/**
 * Tokens added to the longest label: a model asked for a label often wraps it
 * in a full stop, quotes or a line break, a token or two each time.
 */
export const LABEL_MARGIN_TOKENS = 2;

/**
 * The output tokens per answer assumed, and how: the longest label plus a
 * margin when labels bound the answers, `maxTokens` when it bounds them
 * more tightly or alone, else a default. It depends on the config alone, not
 * on the cache: the engine orders models by it before their first answers,
 * and a rerun must make the calls the first run made.
 */
export function assumedOutputTokens(answer: AnswerRule, maxTokens: number | undefined): { tokens: number; estimate: OutputEstimate } {
  if (answer.kind === 'label') {
    const counted = answer.labels.map((label) => ({ label, tokens: countTokens(label) }));
    const longest = counted.reduce((a, b) => (b.tokens > a.tokens ? b : a));
    const tokens = longest.tokens + LABEL_MARGIN_TOKENS;
    if (maxTokens === undefined || tokens <= maxTokens)
      return { tokens, estimate: { kind: 'label', label: longest.label, labelTokens: longest.tokens, margin: LABEL_MARGIN_TOKENS } };
  }
  if (maxTokens !== undefined) return { tokens: maxTokens, estimate: { kind: 'maxTokens' } };
  return { tokens: DEFAULT_OUTPUT_TOKENS, estimate: { kind: 'default' } };
}

const NOTHING_CACHED: CachedAnswers = { perModel: new Map(), itemsCovered: 0 };

/** The default judge prompt's own words, in tokens, and a verdict's: estimates until the judge's first call reports its own. */
const JUDGE_PROMPT_TOKENS = 120;
const JUDGE_ANSWER_TOKENS = 2;

/** Tokens of one judge call: the task, two outputs and the judge prompt's words in; a word out. */
export function judgeCallTokens(meanInputTokens: number, outputTokens: number): { input: number; output: number } {
  return { input: meanInputTokens + 2 * outputTokens + JUDGE_PROMPT_TOKENS, output: JUDGE_ANSWER_TOKENS };
}

/**
 * Estimates what a run will cost before any paid call: each item's prompt
 * tokens (`promptLengths.ts`: its own length, at the tokens per character of
 * the first prompts), output tokens as {@link assumedOutputTokens} says,
 * times each model's prices. A model's calls on items whose answer the cache
 * holds cost nothing and are left out (the reference alone on every item
 * stays at list price too, the figure the report compares the run with).
 * The bounds stay bounds whichever items the cache or the sample holds: the
 * least prices the shortest prompts, the most leaves out the shortest one for
 * each cached answer.
 */
export function previewCost(input: {
  readonly prompts: PromptTokenCounts;
  readonly reference: ModelSpec;
  readonly candidates: readonly ModelSpec[];
  readonly answer: AnswerRule;
  readonly maxTokens?: number;
  readonly strategy: Strategy;
  readonly checkEvery: number;
  readonly cached?: CachedAnswers;
  /** The run played on the cache alone to its end. */
  readonly fullyCached?: boolean;
  /** The judge, when the answer rule has one. */
  readonly judge?: ModelSpec;
  /** Online or batch, when the run or its reference can take batches. */
  readonly batch?: BatchPreview;
}): CostPreview {
  const { prompts, reference, candidates } = input;
  const items = prompts.items;
  const cached = input.cached ?? NOTHING_CACHED;
  const meanInputTokens = items === 0 ? 0 : prompts.total / items;
  const output = assumedOutputTokens(input.answer, input.maxTokens);
  const perItem = (m: ModelSpec): number => callCost(m, meanInputTokens, output.tokens);
  const held = (m: ModelSpec): number => cached.perModel.get(m.id) ?? 0;
  /** A model on every item, less `left out` items of `tokens` prompt tokens in all. */
  const onAll = (m: ModelSpec, leftOut: number, tokens: number): number => callCost(m, prompts.total - tokens, (items - leftOut) * output.tokens);
  const start = leastProfiling(input.strategy, {
    items,
    checkEvery: input.checkEvery,
    referenceCost: perItem(reference),
    candidates: candidates.map((m) => ({ id: m.id, cost: perItem(m) })),
  });
  const starting = start.items === 0 ? [] : [reference, ...candidates.filter((m) => start.candidates.includes(m.id))];
  // At least: the cached answers may all fall in the first items, and those may be the shortest.
  const least = (m: ModelSpec): number => {
    const k = Math.max(0, start.items - held(m));
    return callCost(m, prompts.shortest(k), k * output.tokens);
  };
  const models = [reference, ...candidates];
  const sum = (of: (m: ModelSpec) => number): number => models.reduce((total, m) => total + of(m), 0);
  const referenceAlone = onAll(reference, 0, 0);
  return {
    items,
    sampledItems: prompts.sampled,
    meanInputTokens,
    outputTokens: output.tokens,
    outputEstimate: output.estimate,
    referenceOnlyCost: referenceAlone,
    referenceOnlyUncached: items === 0 ? 0 : (referenceAlone * Math.max(0, items - held(reference))) / items,
    cached: { reference: held(reference), calls: sum(held) },
    leastProfiling: { cost: starting.reduce((total, m) => total + least(m), 0), items: start.items, candidates: start.candidates.length },
    // At most: each cached answer leaves out at least the shortest prompt.
    worstCaseProfilingCost: sum((m) => onAll(m, Math.min(items, held(m)), Math.min(items, held(m)) * prompts.least)),
    fullyCached: input.fullyCached === true,
    ...(input.judge ? { judge: judgePreview(input.judge, meanInputTokens, output.tokens, candidates.length, items) } : {}),
    ...(input.batch ? { batch: input.batch } : {}),
  };
}

/**
 * What judging may cost: nothing where outputs are the same in wording, at
 * most a call for every candidate's output on every item, and one for the
 * pair of each gate the judge may decide (planFamily's pairs of the cheapest
 * JUDGED_POOL candidates) on every item.
 */
function judgePreview(judge: ModelSpec, meanInputTokens: number, outputTokens: number, candidates: number, items: number): NonNullable<CostPreview['judge']> {
  const tokens = judgeCallTokens(meanInputTokens, outputTokens);
  const perCall = callCost(judge, tokens.input, tokens.output);
  const pooled = Math.min(candidates, JUDGED_POOL);
  const gates = (pooled * (pooled - 1)) / 2;
  return { model: judge.id, perCall, atMost: perCall * (candidates + gates) * items, gates };
}
