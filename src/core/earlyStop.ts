import type { ConfidenceBound } from './stats/confidenceBound';
import { probabilitySatisfiedAfter } from './stats/satisfyProbability';

/** A candidate still being profiled, as the expected-cost rule sees it. */
export interface ProfiledCandidate {
  readonly agreements: number;
  readonly n: number;
  /** Estimated USD per profiled item (list price). */
  readonly costPerItem: number;
  /** Estimated USD per item after profiling: the list price times the model's `applyPriceFactor` (a batch engine's discount). */
  readonly applyCostPerItem: number;
}

export interface EarlyStopInput {
  /** Items left after the ones profiled so far (N - n). */
  readonly remaining: number;
  /** Reference's USD per item: paid again for every further profiled item. */
  readonly referenceCostPerItem: number;
  /** USD per item after profiling of the cheapest satisfied model: what stopping now uses. */
  readonly satisfiedCostPerItem: number;
  /** Candidates still profiled, cheapest first. */
  readonly candidates: readonly ProfiledCandidate[];
  readonly bound: ConfidenceBound;
  readonly accuracy: number;
  readonly confidence: number;
}

export interface EarlyStopDecision {
  readonly stop: boolean;
  /** Cost of stopping now: a_S * (N - n). */
  readonly stopCost: number;
  /** The k (if any) found whose expected cost beats stopping now, and that cost. */
  readonly k?: number;
  readonly expectedCost?: number;
}

/**
 * Expected cost of profiling k more items and then applying the cheapest model
 * satisfied by then (SMART, section "early termination"; ARCHITECTURE.md, "The paper's strategies"):
 *
 *   k * (c_R + sum_i c_i)
 *   + (N - n - k) * [ sum_i P(i is the cheapest satisfied) * a_i + P(none) * a_S ]
 *
 * where c are list prices per profiled item and a the prices of the items
 * after profiling (the same, or a batch engine's discount of them, which
 * makes profiling relatively dearer), and
 * walking candidates in cost order and treating them as independent,
 * P(i is the cheapest satisfied) = p_i * prod_{j cheaper than i} (1 - p_j) and
 * p_i is the chance that candidate i is satisfied after k more items.
 */
export function expectedCostAfter(input: EarlyStopInput, k: number): number {
  const { remaining, candidates, bound, accuracy, confidence } = input;
  let perItemProfiling = input.referenceCostPerItem;
  let applyPerItem = 0;
  let noneYet = 1;
  for (const c of candidates) {
    perItemProfiling += c.costPerItem;
    const p = probabilitySatisfiedAfter(bound, c.agreements, c.n, k, accuracy, confidence);
    applyPerItem += noneYet * p * c.applyCostPerItem;
    noneYet *= 1 - p;
  }
  applyPerItem += noneYet * input.satisfiedCostPerItem;
  return k * perItemProfiling + (remaining - k) * applyPerItem;
}

/**
 * Whether profiling should stop now: when no k in 1, 2, 4, ... < N - n has an
 * expected cost below stopping now. Only existence matters, so the search ends
 * at the first k that beats stopping (most checks end there after a few k).
 */
export function decideEarlyStop(input: EarlyStopInput): EarlyStopDecision {
  const stopCost = input.satisfiedCostPerItem * input.remaining;
  if (input.candidates.length === 0 || input.remaining <= 1) return { stop: true, stopCost };
  for (let k = 1; k < input.remaining; k *= 2) {
    const expectedCost = expectedCostAfter(input, k);
    if (expectedCost < stopCost) return { stop: false, stopCost, k, expectedCost };
  }
  return { stop: true, stopCost };
}
