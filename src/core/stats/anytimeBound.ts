import { jStat } from 'jstat';
import type { Interval } from '../types';
import { checkCounts } from './clopperPearson';

/**
 * Prior Beta(a, b) of the mixture martingale: Beta(18, 2), mean 0.9, mode
 * 0.94, the weight of 20 items. Any prior keeps the guarantee; it only decides
 * where the sequence is tightest, and agreement targets are usually 0.8 to
 * 0.99. At 960 agreements of 1,000 and confidence 0.95 the interval is
 * [0.9349, 0.9778] (width 0.0429), against 0.0478 with Jeffreys' Beta(1/2, 1/2)
 * and 0.0494 with the uniform prior; Clopper-Pearson, valid for one look only,
 * gives [0.9459, 0.9713] (width 0.0253). Priors piled nearer 1, such as
 * Beta(19, 1), gain little there (0.0418) and lose more at rates of 0.85
 * (0.0857 against 0.0786 at 850 of 1,000).
 */
export const ANYTIME_PRIOR: { readonly a: number; readonly b: number } = { a: 18, b: 2 };

/** ln B(a, b) of the prior, the constant denominator of the mixture. */
const LOG_PRIOR_BETA = jStat.betaln(ANYTIME_PRIOR.a, ANYTIME_PRIOR.b);

/** Bisection stops when the bracket around an end is this narrow. */
const TOLERANCE = 1e-11;

/**
 * ln of the part of M_n(p) that does not depend on p (see
 * `logMixtureMartingale`): ln B(a + s, b + n - s) - ln B(a, b).
 */
function logMarginal(agreements: number, n: number): number {
  return jStat.betaln(ANYTIME_PRIOR.a + agreements, ANYTIME_PRIOR.b + n - agreements) - LOG_PRIOR_BETA;
}

/** ln M_n(p) given its constant part: logMarginal - s ln p - (n - s) ln(1 - p), with 0 ln 0 = 0. */
function logMartingaleAt(marginal: number, agreements: number, n: number, p: number): number {
  const failures = n - agreements;
  return marginal - (agreements > 0 ? agreements * Math.log(p) : 0) - (failures > 0 ? failures * Math.log1p(-p) : 0);
}

/**
 * ln M_n(p) for the beta-binomial mixture martingale (Robbins, "Statistical
 * methods related to the law of the iterated logarithm", Ann. Math. Statist.
 * 1970; Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences", Ann. Statist. 2021):
 *
 *   M_n(p) = B(a + s, b + n - s) / B(a, b) / (p^s (1 - p)^(n - s))
 *
 * the likelihood of the first n outcomes under a Beta(a, b) mixture of rates
 * over their likelihood under rate p. Under the true rate it is a nonnegative
 * martingale with M_0 = 1. (a, b) is `ANYTIME_PRIOR`.
 */
export function logMixtureMartingale(agreements: number, n: number, p: number): number {
  return logMartingaleAt(logMarginal(agreements, n), agreements, n, p);
}

/**
 * ln(2 / alpha), alpha = 1 - confidence: the level ln M_n must reach to exclude
 * a rate. With 2 / alpha each end of the interval errs with probability at
 * most alpha / 2, like each end of the two-sided Clopper-Pearson interval, so
 * the two bounds mean the same thing wherever the engine uses a lower bound at
 * a level g: a single model's guarantee, and the mix, whose (at most two)
 * candidate bounds then fail together with probability at most
 * (1 - g1) / 2 + (1 - g2) / 2 <= 1 - gamma even though each level was chosen
 * after seeing the data.
 */
function logThreshold(confidence: number): number {
  return Math.log(2 / (1 - confidence));
}

/**
 * An anytime-valid confidence sequence for a Bernoulli rate: the rates p with
 * M_n(p) < 2 / alpha, alpha = 1 - confidence (`logMixtureMartingale`). By
 * Ville's inequality, P(there is an n with M_n(p_true) >= 2 / alpha) <= alpha / 2,
 * so the true rate lies in the interval at every n at once: checking it after
 * every item and stopping at the first success keeps the guarantee, which a
 * Clopper-Pearson interval does not.
 *
 * ln M_n is convex in p and at most 0 at p = s / n (the mixture likelihood
 * cannot beat the maximum likelihood), so the set is an interval around s / n;
 * each end is found by bisection to 1e-11 and reported on the excluded side, so
 * the interval errs wide. For s >= 1, M_n grows without bound as p -> 0, so the
 * lower end is positive; at s = 0 it is 0 (M_n(0) < 1). Likewise for the upper
 * end and 1. n = 0 gives [0, 1].
 */
export function anytimeInterval(agreements: number, n: number, confidence: number): Interval {
  checkCounts(agreements, n, confidence);
  if (n === 0) return { lower: 0, upper: 1 };
  const marginal = logMarginal(agreements, n);
  const threshold = logThreshold(confidence);
  const excluded = (p: number): boolean => logMartingaleAt(marginal, agreements, n, p) >= threshold;
  const center = agreements / n;
  const lower = agreements === 0 ? 0 : bisect(excluded, center, 0);
  const upper = agreements === n ? 1 : bisect(excluded, center, 1);
  return { lower, upper };
}

/** Bisection between a rate inside the set and an excluded one; returns the excluded end of the final bracket. */
function bisect(excluded: (p: number) => boolean, inside: number, outside: number): number {
  while (Math.abs(outside - inside) > TOLERANCE) {
    const mid = (inside + outside) / 2;
    if (excluded(mid)) outside = mid;
    else inside = mid;
  }
  return outside;
}

/**
 * Whether the anytime lower bound at (s, n) reaches `target`: the target lies
 * below s / n and is excluded, M_n(target) >= 2 / alpha. Exact on the
 * martingale, no bisection. Arguments are not checked (hot path).
 */
export function anytimeLowerReaches(agreements: number, n: number, target: number, confidence: number): boolean {
  if (target <= 0) return true;
  if (n === 0 || agreements / n <= target) return false;
  return logMixtureMartingale(agreements, n, target) >= logThreshold(confidence);
}

/**
 * Whether the anytime upper bound at (s, n) stays below `target`: the target
 * lies above s / n and is excluded, M_n(target) >= 2 / alpha. Arguments are
 * not checked (hot path).
 */
export function anytimeUpperBelow(agreements: number, n: number, target: number, confidence: number): boolean {
  if (target > 1) return true;
  if (n === 0 || agreements / n >= target) return false;
  return logMixtureMartingale(agreements, n, target) >= logThreshold(confidence);
}
