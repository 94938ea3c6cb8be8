import { callCost } from '../core/costMeter';
import type { AnswerRule } from '../io/answerExtraction';
import type { CostPreview } from '../core/report';
import type { ModelSpec } from '../core/types';
import { countTokens } from './tokenCount';

/** Tokens a chat request adds around its messages (role markers, priming): OpenAI's documented rule of thumb. */
export const CHAT_OVERHEAD_TOKENS = 7;
const DEFAULT_OUTPUT_TOKENS = 50;

/** The output length assumed per call, and why. */
export function assumedOutputTokens(answer: AnswerRule, maxTokens: number | undefined): { tokens: number; why: string } {
  if (answer.kind === 'label') {
    const longest = Math.max(...answer.labels.map(countTokens)) + 1;
    return { tokens: maxTokens === undefined ? longest : Math.min(longest, maxTokens), why: 'the longest label' };
  }
  if (maxTokens !== undefined) return { tokens: maxTokens, why: 'maxTokens, the most a call may return' };
  return { tokens: DEFAULT_OUTPUT_TOKENS, why: `an assumption of ${DEFAULT_OUTPUT_TOKENS} (set maxTokens to bound it)` };
}

/**
 * Estimates what a run will cost before any paid call: prompt tokens from a
 * tokenizer over a sample of rendered prompts, output tokens from the answer
 * rule, times each model's prices.
 */
export function previewCost(input: {
  readonly items: number;
  readonly samplePrompts: readonly string[];
  readonly reference: ModelSpec;
  readonly candidates: readonly ModelSpec[];
  readonly answer: AnswerRule;
  readonly maxTokens?: number;
  readonly minSample: number;
}): CostPreview {
  const { items, samplePrompts, reference, candidates } = input;
  const meanInputTokens = samplePrompts.length === 0
    ? 0
    : samplePrompts.reduce((sum, p) => sum + countTokens(p) + CHAT_OVERHEAD_TOKENS, 0) / samplePrompts.length;
  const output = assumedOutputTokens(input.answer, input.maxTokens);
  const perItem = (m: ModelSpec): number => callCost(m, meanInputTokens, output.tokens);
  const allModels = perItem(reference) + candidates.reduce((sum, m) => sum + perItem(m), 0);
  return {
    items,
    sampledItems: samplePrompts.length,
    meanInputTokens,
    outputTokens: output.tokens,
    outputTokensWhy: output.why,
    referenceOnlyCost: perItem(reference) * items,
    minimumProfilingCost: allModels * Math.min(items, input.minSample),
    worstCaseProfilingCost: allModels * items,
  };
}
