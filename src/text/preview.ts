import type { CostPreview } from '../core/report';
import { describeOnlineOrBatch } from './batch';
import { usd } from './money';
import { count, items, plural } from './numbers';

/**
 * The cost preview shown before any paid call, one sentence a line: what was
 * measured and assumed, the reference alone (online and in batch mode, where
 * batches can be had), what the response cache already holds, and the range
 * profiling can cost (or that nothing will be paid).
 */
export function describePreview(preview: CostPreview, reference: string): string[] {
  const cached = preview.cached.calls > 0 && !preview.fullyCached;
  return [
    `${items(preview.items)}, about ${count(preview.meanInputTokens)} input tokens per call on average (each item's own length, at the tokens per character of ${plural(preview.sampledItems, 'prompt')}); ${outputTokens(preview)}.`,
    referenceAlone(preview, reference),
    ...(preview.batch ? [describeOnlineOrBatch(preview.batch, preview.referenceOnlyCost, reference, preview.items)] : []),
    ...(cached
      ? [`The response cache already holds ${plural(preview.cached.calls, 'answer')} for these items: they cost nothing, and the figures below leave them out.`]
      : []),
    preview.fullyCached ? 'The response cache holds every answer this run needs: nothing will be paid.' : profilingLine(preview, cached),
    ...(preview.judge && !preview.fullyCached ? [judgeLine(preview.judge)] : []),
  ];
}

/**
 * What profiling costs: "Profiling, once it starts, costs at least $0.012
 * (its first 20 items, each answered by the reference and 2 candidates) and
 * at most $3.40 (every model on every item)". The least is a lower bound: the
 * strategy's first items (`leastProfiling.ts`), less what the cache may answer.
 */
function profilingLine(preview: CostPreview, cached: boolean): string {
  const least = preview.leastProfiling;
  if (least.items === 0) return 'Nothing will be profiled: no candidate is cheaper than the reference, or the strategy runs the reference on every item.';
  return (
    `Profiling, once it starts, costs at least ${usd(least.cost)} (its first ${plural(least.items, 'item')}, each answered by the reference and ${plural(least.candidates, 'candidate')}) ` +
    `and at most ${usd(preview.worstCaseProfilingCost)} (every model on every item${cached ? ' the cache has no answer for' : ''}).`
  );
}

/** What the judge may cost on top of profiling. */
function judgeLine(judge: NonNullable<CostPreview['judge']>): string {
  return (
    `The judge ${judge.model} costs about ${usd(judge.perCall)} a call: nothing where a candidate's output is the same as the reference's but for case, punctuation and spacing, ` +
    `up to about ${usd(judge.atMost)} if it judges every candidate's output${judge.gates > 0 ? ` and the pair of every gate it may decide (${judge.gates})` : ''} on every item.`
  );
}

/** The question asked before the first paid call; none when nothing will be paid. Both the command line and the editor ask it. */
export function goAheadQuestion(preview: CostPreview): string | undefined {
  return preview.fullyCached ? undefined : 'Smart: start paid calls?';
}

/** The output tokens per answer, and how they were estimated. */
function outputTokens(preview: CostPreview): string {
  const e = preview.outputEstimate;
  const tokens = plural(preview.outputTokens, 'output token');
  switch (e.kind) {
    case 'label':
      return `${tokens} per answer (the longest label, "${e.label}", is ${plural(e.labelTokens, 'token')}; ${e.margin} more for the full stop, quotes or line break a model may add)`;
    case 'maxTokens':
      return `at most ${tokens} per answer (maxTokens)`;
    case 'default':
      return `${tokens} per answer, a default guess (neither labels nor maxTokens bound the answers)`;
  }
}

/** The reference alone on every item at list price, and what of it is left to pay when the cache holds some of its answers. */
function referenceAlone(preview: CostPreview, reference: string): string {
  const whole = `${reference} alone on every item: ${usd(preview.referenceOnlyCost)}`;
  if (preview.cached.reference === 0) return `${whole}.`;
  return `${whole} (${usd(preview.referenceOnlyUncached)} to pay: the response cache holds ${count(preview.cached.reference)} of its answers).`;
}
