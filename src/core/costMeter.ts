import type { Completion, ModelSpec } from './types';

/**
 * Token counts assumed for one item before a model's first call, when the
 * caller gave no estimate: only the ratio of the two prices then matters, to
 * order models before anything is measured.
 */
export const DEFAULT_ESTIMATED_INPUT_TOKENS = 500;
export const DEFAULT_ESTIMATED_OUTPUT_TOKENS = 50;

/** USD for a call with these token counts at the model's prices (per million tokens). */
export function callCost(model: ModelSpec, inputTokens: number, outputTokens: number): number {
  return (inputTokens * model.inputPer1M + outputTokens * model.outputPer1M) / 1e6;
}

/** What one model has cost so far. */
export interface ModelUsage {
  calls: number;
  /** Calls answered from a cache: they cost nothing now. */
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** Cost of all calls as charged (list price times their price factor), cached or not: what the job costs. */
  cost: number;
  /** Cost of the calls paid in this run (not served from a cache). */
  paidCost: number;
  /** Of the calls paid in this run, those a batch engine answered (a `priceFactor` given), and their cost. */
  batchCalls: number;
  batchCost: number;
}

/**
 * Accumulates calls, tokens and cost per model, and estimates each model's
 * cost per item from its own calls so far (from its prices and a token
 * estimate before its first call).
 */
export class CostMeter {
  private readonly usage: ModelUsage[];
  /** Per model, what its calls would cost at list price: the basis of per-item estimates, whatever discount applied. */
  private readonly listCost: number[];
  private total = 0;
  private paid = 0;

  constructor(private readonly models: readonly ModelSpec[]) {
    this.usage = models.map(() => ({ calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, cost: 0, paidCost: 0, batchCalls: 0, batchCost: 0 }));
    this.listCost = models.map(() => 0);
  }

  record(modelIndex: number, completion: Completion): void {
    const u = this.usage[modelIndex];
    const list = callCost(this.models[modelIndex], completion.inputTokens, completion.outputTokens);
    const cost = list * (completion.priceFactor ?? 1);
    this.listCost[modelIndex] += list;
    u.calls++;
    u.inputTokens += completion.inputTokens;
    u.outputTokens += completion.outputTokens;
    u.cost += cost;
    this.total += cost;
    if (completion.cached) {
      u.cachedCalls++;
    } else {
      u.paidCost += cost;
      this.paid += cost;
      if (completion.priceFactor !== undefined) {
        u.batchCalls++;
        u.batchCost += cost;
      }
    }
  }

  /** Measured mean list price per call; before its first call, an estimate (other models' measured tokens, else the spec's). */
  costPerItem(modelIndex: number): number {
    const u = this.usage[modelIndex];
    if (u.calls > 0) return this.listCost[modelIndex] / u.calls;
    // Every model gets the same prompt: once any model has answered, its
    // measured tokens per call are a better guess than the estimate.
    const measured = this.usage.reduce((m, x) => ({ calls: m.calls + x.calls, input: m.input + x.inputTokens, output: m.output + x.outputTokens }), { calls: 0, input: 0, output: 0 });
    const model = this.models[modelIndex];
    if (measured.calls > 0) return callCost(model, measured.input / measured.calls, measured.output / measured.calls);
    return callCost(
      model,
      model.estimatedInputTokens ?? DEFAULT_ESTIMATED_INPUT_TOKENS,
      model.estimatedOutputTokens ?? DEFAULT_ESTIMATED_OUTPUT_TOKENS,
    );
  }

  /** What a call on an item after profiling is expected to cost: the list price times the model's `applyPriceFactor`. */
  applyCostPerItem(modelIndex: number): number {
    return this.costPerItem(modelIndex) * (this.models[modelIndex].applyPriceFactor ?? 1);
  }

  /** What a model's calls so far would cost at list price, whatever discount applied. */
  listCostOf(modelIndex: number): number {
    return this.listCost[modelIndex];
  }

  usageOf(modelIndex: number): Readonly<ModelUsage> {
    return this.usage[modelIndex];
  }

  get totalCost(): number {
    return this.total;
  }

  get paidCost(): number {
    return this.paid;
  }
}
