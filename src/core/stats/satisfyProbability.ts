import { jStat } from 'jstat';
import type { ConfidenceBound } from './confidenceBound';
import { gaussLegendre } from './gaussLegendre';

/**
 * Further agreements needed among k more items for the lower bound at n + k
 * to reach the target (found by binary search in `minAgreements`). More than k
 * means the target cannot be reached within those k items.
 */
export function furtherAgreementsNeeded(
  bound: ConfidenceBound,
  agreements: number,
  n: number,
  k: number,
  target: number,
  confidence: number,
): number {
  return Math.max(0, bound.minAgreements(n + k, target, confidence) - agreements);
}

/** P(Bin(k, p) >= m) = I_p(m, k - m + 1), the regularized incomplete beta. */
export function binomialTail(k: number, p: number, m: number): number {
  if (m <= 0) return 1;
  if (m > k) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return jStat.ibeta(p, m, k - m + 1);
}

/** Nodes per piece of the range (see below). */
const RULE = gaussLegendre(12);
/** The normal's shoulders, in sigmas, also cut the range: its tails and core are each smooth enough for 12 nodes. */
const SHOULDER = 2.5;
/** The normal is integrated over mu +/- 8 sigma (and [0, 1]): mass outside is below 1e-15. */
const SIGMAS = 8;
/** Half-width of the tail's step, in its own standard deviations. */
const STEP_WIDTHS = 8;

/**
 * The probability that a candidate with `agreements` of `n` is satisfied
 * after k more items (SMART's early-termination rule): the binomial tail
 * P(Bin(k, p) >= m), m = further agreements needed, averaged over the
 * uncertainty on its rate, p ~ Normal(mu = s/n, sigma^2 = mu (1 - mu) / n)
 * truncated to [0, 1] and renormalised.
 *
 * The average is a fixed Gauss-Legendre quadrature. As a function of p the
 * tail is a step at c = m / k, of width about sqrt(c (1 - c) / k): when k is
 * much larger than n it is far narrower than the normal. The range is cut at
 * c and at c +/- 8 step widths (the step's halves, where the normal hardly
 * changes, and its flanks, where the tail is nearly 0 or 1), and at the
 * normal's shoulders mu +/- 2.5 sigma, so that every piece is smooth and 12
 * nodes per piece reach 1e-6. When sigma = 0 (s = 0 or s = n) the rate is
 * taken as exactly s / n.
 */
export function probabilitySatisfiedAfter(
  bound: ConfidenceBound,
  agreements: number,
  n: number,
  k: number,
  target: number,
  confidence: number,
): number {
  const m = furtherAgreementsNeeded(bound, agreements, n, k, target, confidence);
  if (m <= 0) return 1;
  if (m > k) return 0;
  const mu = agreements / n;
  const sigma = Math.sqrt((mu * (1 - mu)) / n);
  if (!(sigma > 0)) return binomialTail(k, mu, m);
  const lo = Math.max(0, mu - SIGMAS * sigma);
  const hi = Math.min(1, mu + SIGMAS * sigma);
  const c = m / k;
  const width = STEP_WIDTHS * Math.sqrt(Math.max(c * (1 - c), 1 / k) / k);
  const cuts = [lo, hi, c - width, c, c + width, mu - SHOULDER * sigma, mu + SHOULDER * sigma]
    .map((x) => Math.min(hi, Math.max(lo, x)))
    .sort((x, y) => x - y);
  let mass = 0;
  let weighted = 0;
  for (let piece = 0; piece + 1 < cuts.length; piece++) {
    const a = cuts[piece];
    const b = cuts[piece + 1];
    if (b <= a) continue;
    const half = (b - a) / 2;
    const middle = (a + b) / 2;
    for (let i = 0; i < RULE.nodes.length; i++) {
      const p = middle + half * RULE.nodes[i];
      const z = (p - mu) / sigma;
      // The normal's constant factor cancels in weighted / mass.
      const w = RULE.weights[i] * half * Math.exp(-0.5 * z * z);
      mass += w;
      weighted += w * binomialTail(k, p, m);
    }
  }
  return mass > 0 ? weighted / mass : binomialTail(k, mu, m);
}
