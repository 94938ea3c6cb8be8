import { jStat } from 'jstat';
import type { Interval } from '../types';
import { checkCounts } from './clopperPearson';

/**
 * Prior of the mixture: Beta(18, 2), mean 0.9 with the weight of 20 items.
 * Agreement targets are usually 0.8 to 0.99, and the mixture is tightest where
 * the prior puts its mass: at (960 of 1000, 0.95) the interval is
 * [0.9349, 0.9778], against [0.9459, 0.9713] for Clopper-Pearson, which is
 * valid for one look only. Any prior keeps the guarantee; it only moves where
 * the sequence is tight.
 */
export const MIXTURE_PRIOR = { a: 18, b: 2 } as const;

/**
 * ln M_n(p) for the beta-binomial mixture martingale (Robbins, 1970; Howard,
 * Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric, nonasymptotic
 * confidence sequences", Ann. Statist. 2021):
 *
 *   M_n(p) = B(a + s, b + n - s) / B(a, b) / (p^s (1 - p)^(n - s))
 *
 * the likelihood of the data under a Beta(a, b) mixture of rates over its
 * likelihood under rate p. Under the true p it is a nonnegative martingale
 * with mean 1.
 */
export function logMixtureMartingale(agreements: number, n: number, p: number): number {
  const { a, b } = MIXTURE_PRIOR;
  const fails = n - agreements;
  const logLikelihood = (agreements > 0 ? agreements * Math.log(p) : 0) + (fails > 0 ? fails * Math.log1p(-p) : 0);
  return jStat.betaln(a + agreements, b + fails) - jStat.betaln(a, b) - logLikelihood;
}

/**
 * An anytime-valid confidence sequence for a Bernoulli rate: the set of rates
 * p with M_n(p) < 2 / alpha, alpha = 1 - confidence. By Ville's inequality,
 * P(there is an n with M_n(p_true) >= 2 / alpha) <= alpha / 2, so the true
 * rate is inside the interval at every n at once: checking it after every item
 * and stopping at the first success keeps the guarantee, which the
 * Clopper-Pearson interval does not.
 *
 * The threshold 2 / alpha (not 1 / alpha) gives each end the error alpha / 2
 * that each end of the two-sided Clopper-Pearson interval has, so the two
 * bounds mean the same thing wherever the engine uses them (the mix's
 * confidence levels included). ln M_n is convex in p, so the set is an
 * interval around s / n; its ends are found by bisection.
 */
export function anytimeInterval(agreements: number, n: number, confidence: number): Interval {
  checkCounts(agreements, n, confidence);
  if (n === 0) return { lower: 0, upper: 1 };
  const threshold = logThreshold(confidence);
  const center = agreements / n;
  const lower = agreements === 0 ? 0 : edge(agreements, n, center, 0, threshold);
  const upper = agreements === n ? 1 : edge(agreements, n, center, 1, threshold);
  return { lower, upper };
}

/** Whether the anytime lower bound at (s, n) reaches `target`: target is excluded and below s / n. */
export function anytimeLowerReaches(agreements: number, n: number, target: number, confidence: number): boolean {
  if (target <= 0) return true;
  if (agreements / n <= target) return false;
  return logMixtureMartingale(agreements, n, target) >= logThreshold(confidence);
}

/** Whether the anytime upper bound at (s, n) stays below `target`: target is excluded and above s / n. */
export function anytimeUpperBelow(agreements: number, n: number, target: number, confidence: number): boolean {
  if (n === 0 || agreements / n >= target) return false;
  return logMixtureMartingale(agreements, n, target) >= logThreshold(confidence);
}

/** ln(2 / alpha): the level M_n must reach to exclude a rate. */
function logThreshold(confidence: number): number {
  return Math.log(2 / (1 - confidence));
}

/** Bisection between a point inside the set (`inside`) and the end of [0, 1] on one side (`end`). */
function edge(agreements: number, n: number, inside: number, end: 0 | 1, threshold: number): number {
  let outside: number = end;
  // At the very end the martingale may stay below the threshold (little data): the whole side is in.
  const nearEnd = end === 0 ? 1e-300 : 1 - 1e-16;
  if (logMixtureMartingale(agreements, n, nearEnd) < threshold) return end;
  for (let i = 0; i < 64 && Math.abs(outside - inside) > 1e-12; i++) {
    const mid = (inside + outside) / 2;
    if (logMixtureMartingale(agreements, n, mid) >= threshold) outside = mid;
    else inside = mid;
  }
  return outside;
}
