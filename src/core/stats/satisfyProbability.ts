import { jStat } from 'jstat';
import { checkCounts } from './clopperPearson';
import type { ConfidenceBound } from './confidenceBound';
import { gaussLegendre } from './gaussLegendre';

/**
 * Further agreements needed among k more items for the lower bound at n + k
 * to reach target: minAgreements(n + k) - s, or 0 when none are needed. More
 * than k means the target cannot be reached within those k items.
 */
export function furtherAgreementsNeeded(bound: ConfidenceBound, agreements: number, n: number, k: number, target: number, confidence: number): number {
  return Math.max(0, bound.minAgreements(n + k, target, confidence) - agreements);
}

/**
 * The probability that a candidate with s = `agreements` of `n` is satisfied
 * after k more items (SMART's early-termination rule; ARCHITECTURE.md, "The paper's strategies"):
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
 * three elementary functions, a tabulated normal CDF), so a quadrature node
 * costs tens of nanoseconds, where the tail itself would cost an incomplete
 * beta per node.
 *
 * The integral is a fixed Gauss-Legendre rule, 12 nodes per piece. X is a bell
 * of width about sqrt(c (1 - c) / k) around c = m / k, the tail's step in p,
 * far narrower than the normal when k >> n; the survival function is a step
 * of width sigma at mu. The range is cut at each one's centre +/- 2.5
 * standard deviations, so that every piece is smooth on its own scale: the
 * step is captured however sharp it is. The range is X's bulk, mean +/- 8
 * standard deviations, widened until the Chernoff bound on the mass left out
 * is below 1e-13 (X is skewed near 0 and 1), and ends at mu + 8 sigma, above
 * which the survival function is below 1e-15; below mu - 8 sigma it is taken
 * as 1. When the Chernoff bound alone puts the answer within 1e-13 of 0 or 1,
 * that is the answer. Accuracy against brute-force integrals: see the tests.
 */
export function probabilitySatisfiedAfter(bound: ConfidenceBound, agreements: number, n: number, k: number, target: number, confidence: number): number {
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

/** Gauss-Legendre nodes per piece of the integration range. */
const RULE = gaussLegendre(12);
/** Ranges reach this many standard deviations from a centre... */
const REACH = 8;
/** ...and are cut this many from it, where a bell's core meets its tails. */
const SHOULDER = 2.5;
/** A probability mass below this is dropped (a bell's mass beyond 8 sigma is 1.2e-15). */
const NEGLIGIBLE = 1e-13;

/** Cut points of the integration range, reused across calls (fewer than 60 are ever used). */
const cuts = new Float64Array(128);

/** E[P(Bin(k, P) >= m)] for P ~ Normal(mu, sigma^2) truncated to [0, 1], sigma > 0, 1 <= m <= k. */
function averagedTail(k: number, m: number, mu: number, sigma: number): number {
  const pLow = Math.max(0, mu - REACH * sigma);
  const pHigh = Math.min(1, mu + REACH * sigma);
  // P(X <= pHigh) = P(Bin(k, pHigh) >= m) and P(X > pLow) = P(Bin(k, pLow) <= m - 1) bound the answer.
  if (upperTailBound(k, m, pHigh) < NEGLIGIBLE) return 0;
  if (lowerTailBound(k, m - 1, pLow) < NEGLIGIBLE) return 1;

  // X ~ Beta(a, b): its mean and standard deviation.
  const a = m;
  const b = k - m + 1;
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) * (a + b) * (a + b + 1)));
  let count = 0;
  // P(X < x) = P(Bin(k, x) >= m), P(X > x) = P(Bin(k, x) <= m - 1): widen each end until that mass is negligible.
  let reach = REACH * sd;
  let xLow = mean - reach;
  while (xLow > 0 && upperTailBound(k, m, xLow) >= NEGLIGIBLE) {
    cuts[count++] = xLow;
    reach *= 2;
    xLow = mean - reach;
  }
  reach = REACH * sd;
  let xHigh = mean + reach;
  while (xHigh < pHigh && lowerTailBound(k, m - 1, xHigh) >= NEGLIGIBLE) {
    cuts[count++] = xHigh;
    reach *= 2;
    xHigh = mean + reach;
  }
  const lo = Math.max(0, xLow);
  const hi = Math.min(pHigh, xHigh);
  if (!(hi > lo)) return 0;
  cuts[count++] = mean - SHOULDER * sd;
  cuts[count++] = mean + SHOULDER * sd;
  cuts[count++] = pLow;
  cuts[count++] = mu - SHOULDER * sigma;
  cuts[count++] = mu + SHOULDER * sigma;
  const points = sortCutsWithin(count, lo, hi);

  const logNorm = -jStat.betaln(a, b);
  const upperCdf = normalCdf((1 - mu) / sigma);
  const mass = upperCdf - normalCdf(-mu / sigma);
  let sum = 0;
  for (let piece = 0; piece + 1 < points; piece++) {
    const half = (cuts[piece + 1] - cuts[piece]) / 2;
    const middle = cuts[piece] + half;
    let pieceSum = 0;
    for (let i = 0; i < RULE.nodes.length; i++) {
      const x = middle + half * RULE.nodes[i];
      const density = Math.exp(logNorm + (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x));
      const survival = x <= pLow ? 1 : (upperCdf - normalCdf((x - mu) / sigma)) / mass;
      pieceSum += RULE.weights[i] * density * survival;
    }
    sum += half * pieceSum;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * Keeps the first `count` cuts that lie strictly inside (lo, hi), adds lo and
 * hi, and sorts them in place (insertion sort: a few dozen numbers at most).
 * Returns how many there are; consecutive ones bound the pieces.
 */
function sortCutsWithin(count: number, lo: number, hi: number): number {
  let kept = 0;
  for (let i = 0; i < count; i++) if (cuts[i] > lo && cuts[i] < hi) cuts[kept++] = cuts[i];
  cuts[kept++] = lo;
  cuts[kept++] = hi;
  for (let i = 1; i < kept; i++) {
    const x = cuts[i];
    let j = i - 1;
    for (; j >= 0 && cuts[j] > x; j--) cuts[j + 1] = cuts[j];
    cuts[j + 1] = x;
  }
  return kept;
}

/** Kullback-Leibler divergence of Bernoulli(q) from Bernoulli(p), with 0 ln 0 = 0. */
function bernoulliKl(q: number, p: number): number {
  const up = q > 0 ? q * Math.log(q / p) : 0;
  const down = q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0;
  return up + down;
}

/** Chernoff (Hoeffding 1963, Theorem 1): P(Bin(k, p) >= m) <= exp(-k KL(m/k || p)) for p < m/k; 1 otherwise. */
function upperTailBound(k: number, m: number, p: number): number {
  return p < m / k ? Math.exp(-k * bernoulliKl(m / k, p)) : 1;
}

/** Chernoff (Hoeffding 1963, Theorem 1): P(Bin(k, p) <= j) <= exp(-k KL(j/k || p)) for p > j/k; 1 otherwise. */
function lowerTailBound(k: number, j: number, p: number): number {
  return p > j / k ? Math.exp(-k * bernoulliKl(j / k, p)) : 1;
}

/** Grid of the normal CDF table: step 1/64 on [-8.5, 8.5]; beyond it Phi is within 1e-17 of 0 or 1. */
const CDF_STEP = 1 / 64;
const CDF_EDGE = 8.5;
const CDF_INTERVALS = Math.round((2 * CDF_EDGE) / CDF_STEP);
/** Phi at the grid points, and CDF_STEP times the normal density there (Phi's slope per step). */
const CDF_VALUES = new Float64Array(CDF_INTERVALS + 1);
const CDF_SLOPES = new Float64Array(CDF_INTERVALS + 1);
for (let j = 0; j <= CDF_INTERVALS; j++) {
  const z = -CDF_EDGE + j * CDF_STEP;
  CDF_VALUES[j] = jStat.normal.cdf(z, 0, 1);
  CDF_SLOPES[j] = (CDF_STEP * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}

/**
 * The standard normal CDF Phi(z) by cubic Hermite interpolation in a table of
 * Phi and its derivative, the normal density, at steps of h = 1/64, filled
 * once from jStat. The interpolation error is at most
 * h^4 / 384 * max |Phi''''| = h^4 / 384 * 0.55, about 1e-10 (the cubic
 * Hermite remainder: de Boor, "A Practical Guide to Splines", 2001, ch. IV);
 * the tests check it against jStat. It costs a few multiplications where
 * jStat's Chebyshev series costs some thirty, and the quadrature calls it at
 * most of its nodes.
 */
export function normalCdf(z: number): number {
  if (z <= -CDF_EDGE) return 0;
  if (z >= CDF_EDGE) return 1;
  const u = (z + CDF_EDGE) / CDF_STEP;
  const j = Math.min(CDF_INTERVALS - 1, Math.floor(u));
  const t = u - j;
  const t2 = t * t;
  const t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * CDF_VALUES[j] + (t3 - 2 * t2 + t) * CDF_SLOPES[j] + (3 * t2 - 2 * t3) * CDF_VALUES[j + 1] + (t3 - t2) * CDF_SLOPES[j + 1];
}
