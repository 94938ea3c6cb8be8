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

/** What one call cost (or would cost), split into its prompt's part and its output's. */
export interface CallCost {
  readonly input: number;
  readonly output: number;
}

/** A completion's cost at the model's list prices times `factor` (a discount such as a batch engine's), split into its prompt's part and its output's. */
export function splitCallCost(model: ModelSpec, completion: Pick<Completion, 'inputTokens' | 'outputTokens'>, factor = 1): CallCost {
  return { input: callCost(model, completion.inputTokens, 0) * factor, output: callCost(model, 0, completion.outputTokens) * factor };
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
  /** Per model, the calls recorded with the counted prompt tokens of their item, and the sum of those counts. */
  private readonly counted: Array<{ calls: number; tokens: number }>;
  private total = 0;
  private paid = 0;

  constructor(private readonly models: readonly ModelSpec[]) {
    this.usage = models.map(() => ({ calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, cost: 0, paidCost: 0, batchCalls: 0, batchCost: 0 }));
    this.listCost = models.map(() => 0);
    this.counted = models.map(() => ({ calls: 0, tokens: 0 }));
  }

  /** Counts a call; `countedTokens` is its item's prompt tokens as the caller counts them, when it does (not for a judge's verdict). */
  record(modelIndex: number, completion: Completion, countedTokens?: number): void {
    if (countedTokens !== undefined) {
      this.counted[modelIndex].calls++;
      this.counted[modelIndex].tokens += countedTokens;
    }
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
    const measured = this.usage.reduce((m, x) => ({ calls: m.calls + x.calls, input: m.input + x.inputTokens, output: m.output + x.outputTokens }), {
      calls: 0,
      input: 0,
      output: 0,
    });
    const model = this.models[modelIndex];
    if (measured.calls > 0) return callCost(model, measured.input / measured.calls, measured.output / measured.calls);
    return callCost(model, model.estimatedInputTokens ?? DEFAULT_ESTIMATED_INPUT_TOKENS, model.estimatedOutputTokens ?? DEFAULT_ESTIMATED_OUTPUT_TOKENS);
  }

  /**
   * Expected list price of a call on an item of `tokens` counted prompt
   * tokens (the mean of the items to be priced): the input tokens the model
   * reports per counted token, times `tokens`, plus its mean output. Items
   * differ in length, so a mean per call measured on some items misprices
   * others (a long-tailed file's rest holds long items the sample missed); a
   * ratio of reported to counted tokens does not. Before the model's first
   * call, the ratio of every model whose calls were counted; without counts
   * (none given, or a call recorded without one), `costPerItem`.
   */
  costPerItemAt(modelIndex: number, tokens: number | undefined): number {
    if (tokens === undefined) return this.costPerItem(modelIndex);
    const model = this.models[modelIndex];
    const u = this.usage[modelIndex];
    const own = this.counted[modelIndex];
    if (u.calls > 0) {
      if (own.calls < u.calls || own.tokens === 0) return this.costPerItem(modelIndex);
      return callCost(model, (u.inputTokens / own.tokens) * tokens, u.outputTokens / u.calls);
    }
    const pooled = { calls: 0, tokens: 0, input: 0, output: 0 };
    this.usage.forEach((x, i) => {
      const c = this.counted[i];
      if (x.calls === 0 || c.calls < x.calls) return;
      pooled.calls += x.calls;
      pooled.tokens += c.tokens;
      pooled.input += x.inputTokens;
      pooled.output += x.outputTokens;
    });
    if (pooled.tokens === 0) return this.costPerItem(modelIndex);
    return callCost(model, (pooled.input / pooled.tokens) * tokens, pooled.output / pooled.calls);
  }

  /** What a call on an item of `tokens` counted prompt tokens after profiling is expected to cost: `costPerItemAt` times the model's `applyPriceFactor`. */
  applyCostPerItemAt(modelIndex: number, tokens: number | undefined): number {
    return this.costPerItemAt(modelIndex, tokens) * (this.models[modelIndex].applyPriceFactor ?? 1);
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
