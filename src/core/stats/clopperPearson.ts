import { jStat } from 'jstat';
import type { Interval } from '../types';

/**
 * Checks the arguments of an interval: n a non-negative integer, agreements an
 * integer in [0, n], confidence in (0, 1). Throws a RangeError naming the
 * argument that is wrong.
 */
export function checkCounts(agreements: number, n: number, confidence: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(agreements) || agreements < 0 || agreements > n) {
    throw new RangeError(`agreements must be an integer in [0, n = ${n}], got ${agreements}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * The exact two-sided confidence interval for a binomial rate after s =
 * `agreements` successes in n trials (Clopper & Pearson, Biometrika 1934):
 *
 *   L = BetaInv(alpha / 2; s, n - s + 1),   U = BetaInv(1 - alpha / 2; s + 1, n - s)
 *
 * with alpha = 1 - confidence, L = 0 when s = 0 and U = 1 when s = n; n = 0
 * gives [0, 1]. At s = n the lower end has the closed form (alpha / 2)^(1/n),
 * and at s = 0 the upper end 1 - (alpha / 2)^(1/n). This is scipy's
 * `binomtest(s, n).proportion_ci(confidence, method='exact')` (jStat's
 * quantile agrees with it to about 1e-10; see the tests) and the bound the
 * SMART paper uses. It holds for one look at a fixed n: see `anytimeBound.ts`
 * for one that survives repeated looks.
 */
export function clopperPearson(agreements: number, n: number, confidence: number): Interval {
  checkCounts(agreements, n, confidence);
  if (n === 0) return { lower: 0, upper: 1 };
  const halfAlpha = (1 - confidence) / 2;
  const s = agreements;
  const lower = s === 0 ? 0 : s === n ? Math.pow(halfAlpha, 1 / n) : jStat.beta.inv(halfAlpha, s, n - s + 1);
  const upper = s === n ? 1 : s === 0 ? 1 - Math.pow(halfAlpha, 1 / n) : jStat.beta.inv(1 - halfAlpha, s + 1, n - s);
  return { lower, upper };
}

/**
 * The one-sided exact lower confidence bound for a binomial rate: the rate p
 * with P(Bin(n, p) >= s) = alpha, that is L = BetaInv(alpha; s, n - s + 1),
 * 0 when s = 0 and alpha^(1/n) when s = n (Clopper & Pearson, Biometrika
 * 1934, one tail). P(L > true rate) <= alpha when n is fixed before the
 * outcomes are seen: the `auto` strategy's certification (see
 * ARCHITECTURE.md, "The guarantee").
 */
export function clopperPearsonLower(agreements: number, n: number, alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  checkCounts(agreements, n, 0.5);
  if (agreements === 0) return 0;
  if (agreements === n) return Math.pow(alpha, 1 / n);
  return jStat.beta.inv(alpha, agreements, n - agreements + 1);
}

/**
 * Whether the Clopper-Pearson lower bound at (s, n) reaches `target`, without
 * a quantile. L is the t where P(Bin(n, t) >= s) = alpha / 2, and that tail
 * grows with t, so
 *
 *   L(s, n) >= t   <=>   P(Bin(n, t) >= s) = I_t(s, n - s + 1) <= alpha / 2
 *
 * (the binomial tail as a regularized incomplete beta: Abramowitz & Stegun
 * 26.5.24). One incomplete beta costs a fraction of a beta quantile. At s = n
 * the tail is t^n, computed in logs so that targets near 1 stay exact.
 * Arguments are not checked: this is the hot path of `minAgreements`.
 */
export function clopperPearsonLowerReaches(agreements: number, n: number, target: number, confidence: number): boolean {
  if (target <= 0) return true;
  if (agreements === 0 || target >= 1) return false;
  const halfAlpha = (1 - confidence) / 2;
  if (agreements === n) return n * Math.log(target) <= Math.log(halfAlpha);
  return jStat.ibeta(target, agreements, n - agreements + 1) <= halfAlpha;
}

/**
 * Whether the Clopper-Pearson upper bound at (s, n) stays below `target`.
 * U is the t where P(Bin(n, t) <= s) = alpha / 2, and that tail falls as t
 * grows, so
 *
 *   U(s, n) < t   <=>   P(Bin(n, t) <= s) = I_{1-t}(n - s, s + 1) < alpha / 2
 *
 * (the lower binomial tail written with 1 - t so that it is not computed as
 * 1 minus a number near 1). Arguments are not checked.
 */
export function clopperPearsonUpperBelow(agreements: number, n: number, target: number, confidence: number): boolean {
  if (target > 1) return true;
  if (agreements === n || target <= 0) return false;
  if (target === 1) return true;
  return jStat.ibeta(1 - target, n - agreements, agreements + 1) < (1 - confidence) / 2;
}
