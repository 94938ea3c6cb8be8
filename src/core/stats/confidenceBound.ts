import { jStat } from 'jstat';
import type { BoundKind, Interval } from '../types';
import { ANYTIME_PRIOR, anytimeInterval, anytimeLowerReaches, anytimeUpperBelow } from './anytimeBound';
import { checkCounts, clopperPearson, clopperPearsonLowerReaches, clopperPearsonUpperBelow } from './clopperPearson';
import { firstTrue } from './firstTrue';

/** A rule for bounding a candidate's agreement rate: the paper's, or one valid under repeated looks. */
export interface ConfidenceBound {
  readonly kind: BoundKind;
  interval(agreements: number, n: number, confidence: number): Interval;
  /** Least s in 0..n with interval(s, n, confidence).lower >= target; n + 1 when none does. */
  minAgreements(n: number, target: number, confidence: number): number;
  /** Largest s in 0..n with interval(s, n, confidence).upper < target; -1 when none is. */
  maxBelow(n: number, target: number, confidence: number): number;
}

/** A test on (s, n, target, confidence) that is monotone in s. */
type Test = (agreements: number, n: number, target: number, confidence: number) => boolean;

/** Approximate half-width of the interval in standard errors sqrt(t (1 - t) / n): only a starting guess. */
type HalfWidth = (n: number, confidence: number) => number;

/**
 * Thresholds on the count s, memoised per (target, confidence) in a Map keyed
 * by n: at most one entry per n. Profiling asks for them at every check and
 * the early-termination rule at n + k for k = 1, 2, 4, ..., at every check, so
 * the same n come back again and again. The last (target, confidence) is kept
 * at hand, since a run uses one.
 */
class ThresholdTable {
  private readonly byTarget = new Map<number, Map<number, Map<number, number>>>();
  private lastTarget = NaN;
  private lastConfidence = NaN;
  private last = new Map<number, number>();

  /** `find` computes the threshold on a miss. */
  constructor(private readonly find: (n: number, target: number, confidence: number) => number) {}

  get(n: number, target: number, confidence: number): number {
    const table = target === this.lastTarget && confidence === this.lastConfidence ? this.last : this.table(target, confidence);
    const known = table.get(n);
    if (known !== undefined) return known;
    checkCounts(0, n, confidence);
    if (Number.isNaN(target)) throw new RangeError('target must be a number, got NaN');
    const found = this.find(n, target, confidence);
    table.set(n, found);
    return found;
  }

  private table(target: number, confidence: number): Map<number, number> {
    let byConfidence = this.byTarget.get(target);
    if (!byConfidence) this.byTarget.set(target, (byConfidence = new Map()));
    let table = byConfidence.get(confidence);
    if (!table) byConfidence.set(confidence, (table = new Map()));
    this.lastTarget = target;
    this.lastConfidence = confidence;
    this.last = table;
    return table;
  }
}

/**
 * Builds a bound from its interval and two exact threshold tests. Both ends
 * of the interval grow with s, so the s whose lower end reaches the target
 * form a suffix of 0..n, and those whose upper end stays below it a prefix:
 * each threshold is a search over s, started from the normal approximation
 * n t +/- z sqrt(n t (1 - t)) and resolved by the exact tests.
 */
function makeBound(kind: BoundKind, interval: ConfidenceBound['interval'], lowerReaches: Test, upperBelow: Test, halfWidth: HalfWidth): ConfidenceBound {
  const spread = (n: number, target: number, confidence: number): number => halfWidth(n, confidence) * Math.sqrt(n * target * (1 - target));
  const reaching = new ThresholdTable((n, target, confidence) =>
    firstTrue((s) => lowerReaches(s, n, target, confidence), n, n * target + spread(n, target, confidence)),
  );
  const notBelow = new ThresholdTable((n, target, confidence) =>
    firstTrue((s) => !upperBelow(s, n, target, confidence), n, n * target - spread(n, target, confidence)),
  );
  return {
    kind,
    interval,
    minAgreements: (n, target, confidence) => reaching.get(n, target, confidence),
    maxBelow: (n, target, confidence) => notBelow.get(n, target, confidence) - 1,
  };
}

/** Clopper-Pearson's half-width is about the normal quantile z_(1 - alpha / 2); kept for the last confidence asked. */
const clopperPearsonHalfWidth: HalfWidth = (() => {
  let lastConfidence = NaN;
  let z = NaN;
  return (_n, confidence) => {
    if (confidence !== lastConfidence) {
      z = jStat.normal.inv((1 + confidence) / 2, 0, 1);
      lastConfidence = confidence;
    }
    return z;
  };
})();

/**
 * Robbins' normal-mixture boundary (Robbins 1970; Howard et al. 2021): with a
 * prior on the rate of variance t (1 - t) / rho, M_n(t) = 1 / alpha at
 * z^2 = (1 + rho / n) (2 ln(1 / alpha) + ln(1 + n / rho)). rho = a + b + 1
 * matches the Beta prior's variance. A guess only: the prior's mean is ignored.
 */
const anytimeHalfWidth: HalfWidth = (n, confidence) => {
  const rho = ANYTIME_PRIOR.a + ANYTIME_PRIOR.b + 1;
  return Math.sqrt((1 + rho / n) * (-2 * Math.log(1 - confidence) + Math.log1p(n / rho)));
};

const BOUNDS: Record<BoundKind, ConfidenceBound> = {
  'clopper-pearson': makeBound('clopper-pearson', clopperPearson, clopperPearsonLowerReaches, clopperPearsonUpperBelow, clopperPearsonHalfWidth),
  anytime: makeBound('anytime', anytimeInterval, anytimeLowerReaches, anytimeUpperBelow, anytimeHalfWidth),
};

/**
 * The bound of the given kind: `clopper-pearson` (`clopperPearson.ts`, the
 * paper's) or `anytime` (`anytimeBound.ts`). Instances are shared, and so are
 * their memoised thresholds.
 */
export function confidenceBound(kind: BoundKind): ConfidenceBound {
  return BOUNDS[kind];
}
