import type { BoundKind, Interval } from '../types';
import { anytimeInterval, anytimeLowerReaches } from './anytimeBound';
import { clopperPearson, clopperPearsonLowerReaches } from './clopperPearson';

/** A rule for bounding a candidate's agreement rate: the paper's, or one valid under repeated looks. */
export interface ConfidenceBound {
  readonly kind: BoundKind;
  interval(agreements: number, n: number, confidence: number): Interval;
  /** Least s in 0..n with interval(s, n, confidence).lower >= target; n + 1 when none does. */
  minAgreements(n: number, target: number, confidence: number): number;
}

type Reaches = (agreements: number, n: number, target: number, confidence: number) => boolean;

/**
 * Builds a bound whose `minAgreements` is memoised per (target, confidence)
 * and n. The early-termination rule asks for it at n + k for k = 1, 2, 4, ...
 * at every check, so the same n come back again and again; a hit costs a map
 * lookup, a miss a binary search of about log2(n) cheap tests.
 */
function makeBound(kind: BoundKind, interval: ConfidenceBound['interval'], reaches: Reaches): ConfidenceBound {
  const memo = new Map<string, Map<number, number>>();
  return {
    kind,
    interval,
    minAgreements(n, target, confidence) {
      const key = `${target}|${confidence}`;
      let byN = memo.get(key);
      if (!byN) memo.set(key, (byN = new Map()));
      const known = byN.get(n);
      if (known !== undefined) return known;
      // The lower bound grows with s, so the s that reach the target form a suffix of 0..n.
      let lo = 0;
      let hi = n + 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (mid <= n && reaches(mid, n, target, confidence)) hi = mid;
        else lo = mid + 1;
      }
      byN.set(n, lo);
      return lo;
    },
  };
}

const BOUNDS: Record<BoundKind, ConfidenceBound> = {
  'clopper-pearson': makeBound('clopper-pearson', clopperPearson, clopperPearsonLowerReaches),
  anytime: makeBound('anytime', anytimeInterval, anytimeLowerReaches),
};

export function confidenceBound(kind: BoundKind): ConfidenceBound {
  return BOUNDS[kind];
}
