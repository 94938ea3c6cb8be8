/**
 * Sampling without replacement from a fixed, finite set of items: how many
 * of a file's items a plan agrees on, bounded from how many it agreed on in
 * a uniformly random sample of them (ARCHITECTURE.md, "The guarantee").
 *
 * X ~ Hypergeometric(N, K, n) counts the successes in n draws without
 * replacement from N items of which K are successes:
 *
 *   P(X = k) = C(K, k) C(N - K, n - k) / C(N, n),   max(0, n - N + K) <= k <= min(n, K).
 *
 * jStat has this distribution, but its cdf walks every k from 0 (a million
 * steps for a sample of a million items, at each of the thousands of bounds
 * a run's planner asks for). Here one probability is computed in logs (with
 * jStat's log-gamma), and a tail is summed outward from its start by the
 * ratio of neighbouring probabilities: the pmf is log-concave, so past the
 * mode the terms shrink ever faster and a tail takes a few standard
 * deviations' worth of terms. The tests check it against jStat's cdf.
 */
import { jStat } from 'jstat';
import { BoundedCache } from '../boundedCache';
import { firstTrue } from './firstTrue';

/**
 * Floating-point error allowance on a tail probability. The log-gamma
 * function is accurate to about 2e-10 and a log-probability is a sum of nine
 * of them of up to 1.4e7 each (a file of a million items), so a tail is off
 * by a relative 1e-8 at most: every bound below asks its tail to be within
 * this margin on the safe side of its level, so that rounding never makes it
 * claim more than the exact bound does.
 */
const TAIL_SLACK = 1 - 1e-6;

/** What a tail's sum may leave out, relative to the sum: far inside TAIL_SLACK. */
const NEGLIGIBLE = 1e-12;

export class Hypergeometric {
  /** The least and the greatest value X can take. */
  readonly min: number;
  readonly max: number;
  private readonly mode: number;
  private readonly logDenominator: number;

  constructor(
    readonly population: number,
    readonly successes: number,
    readonly draws: number,
  ) {
    if (!Number.isInteger(population) || population < 0) throw new RangeError(`population must be a non-negative integer, got ${population}`);
    if (!Number.isInteger(successes) || successes < 0 || successes > population)
      throw new RangeError(`successes must be an integer in [0, ${population}], got ${successes}`);
    if (!Number.isInteger(draws) || draws < 0 || draws > population) throw new RangeError(`draws must be an integer in [0, ${population}], got ${draws}`);
    this.min = Math.max(0, draws - population + successes);
    this.max = Math.min(draws, successes);
    this.mode = Math.min(this.max, Math.max(this.min, Math.floor(((draws + 1) * (successes + 1)) / (population + 2))));
    this.logDenominator = jStat.combinationln(population, draws);
  }

  get mean(): number {
    return this.population === 0 ? 0 : (this.draws * this.successes) / this.population;
  }

  get sd(): number {
    const { population: N, successes: K, draws: n } = this;
    return N <= 1 ? 0 : Math.sqrt((n * (K / N) * (1 - K / N) * (N - n)) / (N - 1));
  }

  /** ln P(X = k); -Infinity outside the support. */
  logPmf(k: number): number {
    if (k < this.min || k > this.max) return -Infinity;
    const { population: N, successes: K, draws: n } = this;
    return jStat.combinationln(K, k) + jStat.combinationln(N - K, n - k) - this.logDenominator;
  }

  /** P(X <= k). */
  cdf(k: number): number {
    if (k < this.min) return 0;
    if (k >= this.max) return 1;
    return k < this.mode ? this.tailFrom(k, -1) : 1 - this.tailFrom(k + 1, 1);
  }

  /** P(X >= k). */
  upperTail(k: number): number {
    if (k <= this.min) return 1;
    if (k > this.max) return 0;
    return k > this.mode ? this.tailFrom(k, 1) : 1 - this.tailFrom(k - 1, -1);
  }

  /**
   * The sum of P(X = j) from j = k outward (up to max for step 1, down to
   * min for step -1), for k on the far side of the mode, where the terms only
   * shrink. Since the ratio of neighbouring terms r_j = P(j + step) / P(j)
   * falls outward (log-concavity), what is left after a term t is at most
   * t r / (1 - r) with the last ratio r: the sum stops when that is
   * negligible.
   */
  private tailFrom(k: number, step: 1 | -1): number {
    let term = Math.exp(this.logPmf(k));
    let sum = term;
    const end = step > 0 ? this.max : this.min;
    for (let j = k; j !== end && term > 0; j += step) {
      const ratio = step > 0 ? this.ratioUp(j) : 1 / this.ratioUp(j - 1);
      term *= ratio;
      sum += term;
      if (ratio < 1 && (term * ratio) / (1 - ratio) <= sum * NEGLIGIBLE) break;
    }
    return sum;
  }

  /** P(X = j + 1) / P(X = j), for min <= j < max. */
  private ratioUp(j: number): number {
    const { population: N, successes: K, draws: n } = this;
    return ((K - j) * (n - j)) / ((j + 1) * (N - K - n + j + 1));
  }
}

const quantiles = new BoundedCache<number, number>(256);

/** z with P(Z > z) = alpha for a standard normal Z: where the searches below start (a run uses a few levels). */
function upperNormalQuantile(alpha: number): number {
  return quantiles.get(alpha, () => jStat.normal.inv(1 - alpha, 0, 1));
}

function checkLevel(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

/**
 * The exact one-sided lower confidence bound on K, the number of successes
 * among `population` items, from `observed` successes in a uniformly random
 * sample of `draws` of them taken without replacement: the least K with
 * P(X >= observed | K) > alpha, X ~ Hypergeometric(population, K, draws).
 *
 * For every K, P(bound > K) <= alpha: P(X >= x | K) grows with K, so the
 * bound exceeds K exactly when P(X >= x | K) <= alpha, which happens for x
 * in an upper tail of X's distribution of probability at most alpha. This is
 * the finite-population analogue of Clopper-Pearson's bound (Buonaccorsi,
 * The American Statistician 1987; Wang, JASA 2015), and tighter than it when
 * the sample is a large share of the items.
 */
export function hypergeometricLowerBound(observed: number, draws: number, population: number, alpha: number): number {
  return lowerBounds.get(`${observed}:${draws}:${population}:${alpha}`, () => findLowerBound(observed, draws, population, alpha));
}

const lowerBounds = new BoundedCache<string, number>(65_536);

function findLowerBound(observed: number, draws: number, population: number, alpha: number): number {
  checkLevel(alpha);
  if (!Number.isInteger(draws) || draws < 0 || draws > population) throw new RangeError(`draws must be an integer in [0, ${population}], got ${draws}`);
  if (!Number.isInteger(observed) || observed < 0 || observed > draws) throw new RangeError(`observed must be an integer in [0, ${draws}], got ${observed}`);
  // K ranges over observed .. population - (draws - observed): the items seen fix that much.
  const least = observed;
  const span = population - draws;
  const p = draws === 0 ? 0 : observed / draws;
  const se = draws === 0 ? 0 : Math.sqrt((p * (1 - p) * (population - draws)) / (draws * Math.max(1, population - 1)));
  const guess = population * (p - upperNormalQuantile(alpha) * se) - least;
  const exceeds = (s: number): boolean => new Hypergeometric(population, least + s, draws).upperTail(observed) > alpha * TAIL_SLACK;
  return least + firstTrue(exceeds, span, guess);
}

/**
 * Whether P(X <= k) <= alpha, X ~ Hypergeometric(population, successes,
 * draws): a sample of `draws` items catches at most k of `successes` marked
 * ones that rarely (the rounding allowance on the safe side).
 */
export function lowerTailWithin(k: number, successes: number, draws: number, population: number, alpha: number): boolean {
  checkLevel(alpha);
  return new Hypergeometric(population, successes, draws).cdf(k) <= alpha * TAIL_SLACK;
}

/**
 * A lower bound on the successes in a uniformly random block of `block` of
 * `population` items, when those items hold at least `successes` successes:
 * the largest y with P(Y < y) <= alpha, Y ~ Hypergeometric(population,
 * successes, block). More successes among the items only make Y larger (in
 * distribution), so the block falls below the bound with probability at most
 * alpha. With alpha 0 it is the worst case, every failure in the block.
 */
export function blockLowerBound(successes: number, population: number, block: number, alpha: number): number {
  return blockBounds.get(`${successes}:${population}:${block}:${alpha}`, () => findBlockBound(successes, population, block, alpha));
}

const blockBounds = new BoundedCache<string, number>(65_536);

function findBlockBound(successes: number, population: number, block: number, alpha: number): number {
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`alpha must be in [0, 1), got ${alpha}`);
  const y = new Hypergeometric(population, successes, block);
  if (alpha === 0 || y.min === y.max) return y.min;
  // The largest y with P(Y <= y - 1) <= alpha is the least y' with P(Y <= y') > alpha.
  const above = (s: number): boolean => y.cdf(y.min + s) > alpha * TAIL_SLACK;
  return y.min + firstTrue(above, y.max - y.min, blockLowerBoundGuess(successes, population, block, alpha) - y.min);
}

/** Whether blockLowerBound(successes, population, block, alpha) >= count, with one tail instead of a search. */
export function blockMayReach(successes: number, population: number, block: number, count: number, alpha: number): boolean {
  const y = new Hypergeometric(population, successes, block);
  if (count <= y.min) return true;
  if (alpha === 0) return false;
  return y.cdf(count - 1) <= alpha * TAIL_SLACK;
}

/**
 * blockLowerBound by the normal approximation, mean - z sd, never below the
 * worst case: where its exact search starts, and where a search over block
 * sizes does.
 */
export function blockLowerBoundGuess(successes: number, population: number, block: number, alpha: number): number {
  const worst = Math.max(0, block - (population - successes));
  if (alpha === 0 || population <= 1) return worst;
  const p = successes / population;
  const sd = Math.sqrt((block * p * (1 - p) * (population - block)) / (population - 1));
  return Math.max(worst, block * p - upperNormalQuantile(alpha) * sd);
}
