import { callCost } from '../src/core/costMeter';
import type { PaperDataset } from './paperSetup';

/**
 * The cheapest cost achievable if the true agreement rates were known and no
 * profiling were needed: the cheapest single model whose rate reaches the
 * target, or mix of two (an LP with one equality and one inequality has an
 * optimal vertex with at most two models), over all N items.
 */
export function oracleCost(dataset: PaperDataset, accuracy: number): number {
  const models = dataset.models.map((m) => ({ rate: m.id === dataset.reference ? 1 : m.rate, cost: callCost(m, m.inputTokens, m.outputTokens) }));
  let best = Infinity;
  for (const a of models) {
    if (a.rate >= accuracy) best = Math.min(best, a.cost);
    for (const b of models) {
      if (a.rate < accuracy && b.rate > accuracy) {
        // Share x of a and 1 - x of b with x * ra + (1 - x) * rb = accuracy.
        const x = (b.rate - accuracy) / (b.rate - a.rate);
        best = Math.min(best, x * a.cost + (1 - x) * b.cost);
      }
    }
  }
  return best * dataset.items;
}
