import { jStat } from 'jstat';
import type { Interval } from '../types';

/** Checks (agreements, n, confidence) and says which argument is wrong. */
export function checkCounts(agreements: number, n: number, confidence: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(agreements) || agreements < 0 || agreements > n) {
    throw new RangeError(`agreements must be an integer in [0, n = ${n}], got ${agreements}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * The exact (Clopper-Pearson) two-sided confidence interval for a binomial
 * rate after `agreements` successes in `n` trials (Clopper & Pearson, 1934):
 *
 *   L = BetaInv(alpha / 2; s, n - s + 1),   U = BetaInv(1 - alpha / 2; s + 1, n - s)
 *
 * with alpha = 1 - confidence, L = 0 when s = 0 and U = 1 when s = n; n = 0
 * gives [0, 1]. This is what scipy's `binomtest(...).proportion_ci(method=
 * 'exact')` returns, and the bound the SMART paper uses. It holds for one look
 * at a fixed n; see `anytimeBound.ts` for a bound that survives repeated looks.
 */
export function clopperPearson(agreements: number, n: number, confidence: number): Interval {
  checkCounts(agreements, n, confidence);
  const alpha = 1 - confidence;
  const lower = agreements === 0 ? 0 : jStat.beta.inv(alpha / 2, agreements, n - agreements + 1);
  const upper = agreements === n ? 1 : jStat.beta.inv(1 - alpha / 2, agreements + 1, n - agreements);
  return { lower, upper };
}

/**
 * Whether the Clopper-Pearson lower bound at (s, n) reaches `target`, without
 * a quantile: L(s, n) >= t exactly when P(Bin(n, t) >= s) <= alpha / 2, and
 * that tail is the regularized incomplete beta I_t(s, n - s + 1). One
 * incomplete beta is several times cheaper than a beta quantile.
 */
export function clopperPearsonLowerReaches(agreements: number, n: number, target: number, confidence: number): boolean {
  if (agreements === 0) return target <= 0;
  return jStat.ibeta(target, agreements, n - agreements + 1) <= (1 - confidence) / 2;
}

/**
 * Whether the Clopper-Pearson upper bound at (s, n) stays below `target`:
 * U(s, n) < t exactly when P(Bin(n, t) <= s) < alpha / 2, and that tail is
 * 1 - I_t(s + 1, n - s).
 */
export function clopperPearsonUpperBelow(agreements: number, n: number, target: number, confidence: number): boolean {
  if (agreements === n) return target > 1;
  return 1 - jStat.ibeta(target, agreements + 1, n - agreements) < (1 - confidence) / 2;
}
