import type { CostPreview } from '../core/report';
import { usd } from './money';
import { count, items, plural } from './numbers';

/**
 * The cost preview shown before any paid call, one sentence a line: what was
 * measured, the reference alone, and the range profiling can cost.
 */
export function describePreview(preview: CostPreview, reference: string): string[] {
  return [
    `${items(preview.items)}, about ${count(preview.meanInputTokens)} input tokens per call (measured on ${plural(preview.sampledItems, 'prompt')}); ` +
      `${plural(preview.outputTokens, 'output token')} assumed (${preview.outputTokensWhy}).`,
    `${reference} alone on every item: ${usd(preview.referenceOnlyCost)}.`,
    `Profiling costs at least ${usd(preview.minimumProfilingCost)} (the minimum sample) and at most ${usd(preview.worstCaseProfilingCost)} (every model on every item).`,
  ];
}
