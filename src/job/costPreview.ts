import { callCost } from '../core/costMeter';
import { leastProfiling } from '../core/leastProfiling';
import { JUDGED_POOL } from '../core/plans/planFamily';
import type { AnswerRule } from '../io/answerExtraction';
import type { CostPreview, OutputEstimate } from '../core/report';
import type { ModelSpec, Strategy } from '../core/types';
import type { CachedAnswers } from './cachedAnswers';
import { countTokens } from './tokenCount';

/** Tokens a chat request adds around its messages (role markers, priming): OpenAI's documented rule of thumb. */
export const CHAT_OVERHEAD_TOKENS = 7;
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
    if (maxTokens === undefined || tokens <= maxTokens) return { tokens, estimate: { kind: 'label', label: longest.label, labelTokens: longest.tokens, margin: LABEL_MARGIN_TOKENS } };
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
 * Estimates what a run will cost before any paid call: prompt tokens from a
 * tokenizer over a sample of rendered prompts, output tokens as
 * {@link assumedOutputTokens} says, times each model's prices. A model's
 * calls on items whose answer the cache holds cost nothing and are left out
 * (the reference alone on every item stays at list price too, the figure the
 * report compares the run with).
 */
export function previewCost(input: {
  readonly items: number;
  readonly samplePrompts: readonly string[];
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
}): CostPreview {
  const { items, samplePrompts, reference, candidates } = input;
  const cached = input.cached ?? NOTHING_CACHED;
  const meanInputTokens = samplePrompts.length === 0
    ? 0
    : samplePrompts.reduce((sum, p) => sum + countTokens(p) + CHAT_OVERHEAD_TOKENS, 0) / samplePrompts.length;
  const output = assumedOutputTokens(input.answer, input.maxTokens);
  const perItem = (m: ModelSpec): number => callCost(m, meanInputTokens, output.tokens);
  const held = (m: ModelSpec): number => cached.perModel.get(m.id) ?? 0;
  const start = leastProfiling(input.strategy, { items, checkEvery: input.checkEvery, referenceCost: perItem(reference), candidates: candidates.map((m) => ({ id: m.id, cost: perItem(m) })) });
  const starting = start.items === 0 ? [] : [reference, ...candidates.filter((m) => start.candidates.includes(m.id))];
  const models = [reference, ...candidates];
  const sum = (of: (m: ModelSpec) => number): number => models.reduce((total, m) => total + of(m), 0);
  return {
    items,
    sampledItems: samplePrompts.length,
    meanInputTokens,
    outputTokens: output.tokens,
    outputEstimate: output.estimate,
    referenceOnlyCost: perItem(reference) * items,
    referenceOnlyUncached: perItem(reference) * Math.max(0, items - held(reference)),
    cached: { reference: held(reference), calls: sum(held) },
    // At least: the cached answers may all fall in the first items.
    leastProfiling: { cost: starting.reduce((total, m) => total + perItem(m) * Math.max(0, start.items - held(m)), 0), items: start.items, candidates: start.candidates.length },
    worstCaseProfilingCost: sum((m) => perItem(m) * Math.max(0, items - held(m))),
    fullyCached: input.fullyCached === true,
    ...(input.judge ? { judge: judgePreview(input.judge, meanInputTokens, output.tokens, candidates.length, items) } : {}),
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
