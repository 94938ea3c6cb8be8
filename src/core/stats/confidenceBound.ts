import type { BoundKind, Interval } from '../types';
import { anytimeInterval, anytimeLowerReaches, anytimeUpperBelow } from './anytimeBound';
import { clopperPearson, clopperPearsonLowerReaches, clopperPearsonUpperBelow } from './clopperPearson';

/** A rule for bounding a candidate's agreement rate: the paper's, or one valid under repeated looks. */
export interface ConfidenceBound {
  readonly kind: BoundKind;
  interval(agreements: number, n: number, confidence: number): Interval;
  /** Least s in 0..n with interval(s, n, confidence).lower >= target; n + 1 when none does. */
  minAgreements(n: number, target: number, confidence: number): number;
  /** Largest s in 0..n with interval(s, n, confidence).upper < target; -1 when none is. */
  maxBelow(n: number, target: number, confidence: number): number;
}

type Test = (agreements: number, n: number, target: number, confidence: number) => boolean;

/**
 * Memoised threshold search: for each (target, confidence) and n, the first s
 * in 0..n+1 where a test monotone in s turns true (n + 1 when it never does).
 */
function thresholdSearch(test: Test): (n: number, target: number, confidence: number) => number {
  const memo = new Map<string, Map<number, number>>();
  return (n, target, confidence) => {
    const key = `${target}|${confidence}`;
    let byN = memo.get(key);
    if (!byN) memo.set(key, (byN = new Map()));
    const known = byN.get(n);
    if (known !== undefined) return known;
    let lo = 0;
    let hi = n + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (mid <= n && test(mid, n, target, confidence)) hi = mid;
      else lo = mid + 1;
    }
    byN.set(n, lo);
    return lo;
  };
}

/**
 * Builds a bound whose thresholds are memoised per (target, confidence) and n.
 * Profiling asks for them at every check, and the early-termination rule at
 * n + k for k = 1, 2, 4, ..., so the same n come back again and again; a hit
 * costs a map lookup, a miss a binary search of about log2(n) cheap tests
 * instead of quantiles.
 */
function makeBound(kind: BoundKind, interval: ConfidenceBound['interval'], lowerReaches: Test, upperBelow: Test): ConfidenceBound {
  // The lower bound grows with s, so the s that reach the target form a suffix of 0..n;
  // the upper bound too, so the s whose upper bound stays below it form a prefix.
  const firstReaching = thresholdSearch(lowerReaches);
  const firstNotBelow = thresholdSearch((s, n, t, c) => !upperBelow(s, n, t, c));
  return {
    kind,
    interval,
    minAgreements: firstReaching,
    maxBelow: (n, target, confidence) => firstNotBelow(n, target, confidence) - 1,
  };
}

const BOUNDS: Record<BoundKind, ConfidenceBound> = {
  'clopper-pearson': makeBound('clopper-pearson', clopperPearson, clopperPearsonLowerReaches, clopperPearsonUpperBelow),
  anytime: makeBound('anytime', anytimeInterval, anytimeLowerReaches, anytimeUpperBelow),
};

export function confidenceBound(kind: BoundKind): ConfidenceBound {
  return BOUNDS[kind];
}
