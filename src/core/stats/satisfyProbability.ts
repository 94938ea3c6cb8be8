import { jStat } from 'jstat';
import { checkCounts } from './clopperPearson';
import type { ConfidenceBound } from './confidenceBound';
import { gaussLegendre } from './gaussLegendre';

/**
 * Further agreements needed among k more items for the lower bound at n + k
 * to reach target: minAgreements(n + k) - s, or 0 when none are needed. More
 * than k means the target cannot be reached within those k items.
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

/** Gauss-Legendre nodes per piece of the integration range. */
const RULE = gaussLegendre(12);
/** Ranges stop this many standard deviations from a centre... */
const REACH = 8;
/** ...and are also cut this many from it, where a bell's core meets its tails. */
const SHOULDER = 2.5;
/** A probability mass below this is dropped (a bell's mass beyond 8 sigma is 1.2e-15). */
const NEGLIGIBLE = 1e-13;

/**
 * The probability that a candidate with s = `agreements` of `n` is satisfied
 * after k more items (SMART's early-termination rule, DESIGN.md section 2):
 * the binomial tail P(Bin(k, p) >= m), m = `furtherAgreementsNeeded`, averaged
 * over the uncertainty on the rate, p ~ Normal(mu = s/n, sigma^2 = mu (1 - mu) / n)
 * truncated to [0, 1] and renormalised. It is 1 when m <= 0 and 0 when m > k;
 * when sigma = 0 (s = 0 or s = n) it is the tail at p = mu.
 *
 * How it is computed. The tail is the regularized incomplete beta
 * P(Bin(k, p) >= m) = I_p(m, k - m + 1) = P(X <= p) with X ~ Beta(m, k - m + 1)
 * (Abramowitz & Stegun 26.5.24), so the average is P(X <= P) for independent
 * X and P, and by Fubini
 *
 *   E_P[ I_P(m, k - m + 1) ] = integral over x of f_X(x) * P(P >= x) dx
 *
 * where f_X is the Beta density and P(P >= x) = (Phi(beta) - Phi((x - mu) / sigma)) / Z,
 * beta = (1 - mu) / sigma, Z = Phi(beta) - Phi(-mu / sigma), is the truncated
 * normal's survival function. Both factors are closed forms (a density in
 * three elementary functions, one normal CDF), so each quadrature node is
 * cheap, where the tail itself would cost an incomplete beta per node.
 *
 * The integral is a fixed Gauss-Legendre rule, 12 nodes per piece. X is a bell
 * of width about sqrt(c (1 - c) / k) around c = m / k, the tail's step in p,
 * far narrower than the normal when k >> n; the survival function is a step
 * of width sigma at mu. The range is cut at each one's centre +/- 2.5 and
 * +/- 8 standard deviations, so that every piece is smooth on its own scale:
 * the step is captured however sharp it is. The range is X's bulk, extended
 * until the Chernoff bound on the mass left out is below 1e-13 (X can be
 * skewed near 0 or 1), and ends at mu + 8 sigma, above which the survival
 * function is below 1e-15; below mu - 8 sigma it is taken as 1. When the
 * Chernoff bound alone puts the answer within 1e-13 of 0 or 1, that is the
 * answer. Accuracy against a brute-force integral: see the tests.
 */
export function probabilitySatisfiedAfter(
  bound: ConfidenceBound,
  agreements: number,
  n: number,
  k: number,
  target: number,
  confidence: number,
): number {
  checkCounts(agreements, n, confidence);
  if (n === 0) throw new RangeError('n must be at least 1: the rate is estimated from the items seen');
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const m = furtherAgreementsNeeded(bound, agreements, n, k, target, confidence);
  if (m <= 0) return 1;
  if (m > k) return 0;
  // sigma = 0: the rate is exactly 0 (no agreement ever, m >= 1) or 1 (every item agrees, m <= k).
  if (agreements === 0) return 0;
  if (agreements === n) return 1;
  const mu = agreements / n;
  return averagedTail(k, m, mu, Math.sqrt((mu * (1 - mu)) / n));
}

/** Kullback-Leibler divergence of Bernoulli(q) from Bernoulli(p), with 0 ln 0 = 0. */
function bernoulliKl(q: number, p: number): number {
  const up = q > 0 ? q * Math.log(q / p) : 0;
  const down = q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0;
  return up + down;
}

/** Chernoff: P(Bin(k, p) >= m) <= exp(-k KL(m/k || p)) for p < m/k; 1 otherwise. */
function upperTailBound(k: number, m: number, p: number): number {
  return p < m / k ? Math.exp(-k * bernoulliKl(m / k, p)) : 1;
}

/** Chernoff: P(Bin(k, p) <= j) <= exp(-k KL(j/k || p)) for p > j/k; 1 otherwise. */
function lowerTailBound(k: number, j: number, p: number): number {
  return p > j / k ? Math.exp(-k * bernoulliKl(j / k, p)) : 1;
}

/** E[P(Bin(k, P) >= m)] for P ~ Normal(mu, sigma^2) truncated to [0, 1], sigma > 0, 1 <= m <= k. */
function averagedTail(k: number, m: number, mu: number, sigma: number): number {
  const pLow = Math.max(0, mu - REACH * sigma);
  const pHigh = Math.min(1, mu + REACH * sigma);
  // P(X <= pHigh) = P(Bin(k, pHigh) >= m) and P(X > pLow) = P(Bin(k, pLow) <= m - 1) bound the answer.
  if (upperTailBound(k, m, pHigh) < NEGLIGIBLE) return 0;
  if (lowerTailBound(k, m - 1, pLow) < NEGLIGIBLE) return 1;

  // X ~ Beta(a, b): its mean, standard deviation and the ends of its bulk.
  const a = m;
  const b = k - m + 1;
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) * (a + b) * (a + b + 1)));
  const cuts = [pLow, mu - SHOULDER * sigma, mu + SHOULDER * sigma, mean - SHOULDER * sd, mean + SHOULDER * sd];
  // P(X < x) = P(Bin(k, x) >= m), P(X > x) = P(Bin(k, x) <= m - 1): widen each end until that mass is negligible.
  let reach = REACH * sd;
  let xLow = mean - reach;
  while (xLow > 0 && upperTailBound(k, m, xLow) >= NEGLIGIBLE) {
    cuts.push(xLow);
    reach *= 2;
    xLow = mean - reach;
  }
  reach = REACH * sd;
  let xHigh = mean + reach;
  while (xHigh < pHigh && lowerTailBound(k, m - 1, xHigh) >= NEGLIGIBLE) {
    cuts.push(xHigh);
    reach *= 2;
    xHigh = mean + reach;
  }
  const lo = Math.max(0, xLow);
  const hi = Math.min(pHigh, xHigh);
  if (!(hi > lo)) return 0;

  const logNorm = -jStat.betaln(a, b);
  const beta = (1 - mu) / sigma;
  const upperCdf = jStat.normal.cdf(beta, 0, 1);
  const mass = upperCdf - jStat.normal.cdf(-mu / sigma, 0, 1);
  const points = cuts.filter((x) => x > lo && x < hi);
  points.push(lo, hi);
  points.sort((x, y) => x - y);

  let sum = 0;
  for (let piece = 0; piece + 1 < points.length; piece++) {
    const half = (points[piece + 1] - points[piece]) / 2;
    if (!(half > 0)) continue;
    const middle = points[piece] + half;
    let pieceSum = 0;
    for (let i = 0; i < RULE.nodes.length; i++) {
      const x = middle + half * RULE.nodes[i];
      const density = Math.exp(logNorm + (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x));
      const survival = x <= pLow ? 1 : (upperCdf - jStat.normal.cdf((x - mu) / sigma, 0, 1)) / mass;
      pieceSum += RULE.weights[i] * density * survival;
    }
    sum += half * pieceSum;
  }
  return Math.min(1, Math.max(0, sum));
}
