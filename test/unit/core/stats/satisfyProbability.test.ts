import * as assert from 'node:assert/strict';
import { jStat } from 'jstat';
import { confidenceBound } from '../../../../src/core/stats/confidenceBound';
import { furtherAgreementsNeeded, normalCdf, probabilitySatisfiedAfter } from '../../../../src/core/stats/satisfyProbability';

/** Bernoulli KL divergence, for the Chernoff bound that lets the reference skip tails that are 0 or 1 to 1e-15. */
function kl(q: number, p: number): number {
  return (q > 0 ? q * Math.log(q / p) : 0) + (q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0);
}

/** P(Bin(k, p) >= m) = I_p(m, k - m + 1), 1 <= m <= k. */
function binomialTail(k: number, m: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (p < m / k && Math.exp(-k * kl(m / k, p)) < 1e-15) return 0;
  if (p > (m - 1) / k && Math.exp(-k * kl((m - 1) / k, p)) < 1e-15) return 1;
  return jStat.ibeta(p, m, k - m + 1);
}

/**
 * The defining average by brute force, in p rather than through the Beta
 * density: composite Simpson with 200,000 intervals over
 * [mu - 8 sigma, mu + 8 sigma] clipped to [0, 1], weights exp(-z^2 / 2),
 * renormalised.
 */
function bruteForce(s: number, n: number, k: number, m: number): number {
  const mu = s / n;
  const sigma = Math.sqrt((mu * (1 - mu)) / n);
  const lo = Math.max(0, mu - 8 * sigma);
  const hi = Math.min(1, mu + 8 * sigma);
  const intervals = 200_000;
  const h = (hi - lo) / intervals;
  let mass = 0;
  let weighted = 0;
  for (let i = 0; i <= intervals; i++) {
    const p = lo + i * h;
    const z = (p - mu) / sigma;
    const w = (i === 0 || i === intervals ? 1 : i % 2 ? 4 : 2) * Math.exp(-0.5 * z * z);
    mass += w;
    weighted += w * binomialTail(k, m, p);
  }
  return weighted / mass;
}

describe('probabilitySatisfiedAfter', () => {
  const bound = confidenceBound('clopper-pearson');

  it('matches a brute-force integral to 1e-6 for k = 1, 2, 4, ..., 65,536', () => {
    // Rates 0.85 to 0.99, n = 100 to 5,000, targets 0.8 to 0.98: for each k,
    // the (s, n, target) whose answer is neither exactly 0 nor 1. With k >> n
    // the tail is a step far narrower than the normal.
    const configs: Array<[number, number, number]> = [
      [85, 100, 0.8],
      [97, 100, 0.9],
      [450, 500, 0.85],
      [475, 500, 0.95],
      [1940, 2000, 0.95],
      [1980, 2000, 0.98],
      [4500, 5000, 0.88],
      [4850, 5000, 0.96],
    ];
    // One candidate exactly one agreement short at n + 1, so that k = 1 is not trivial.
    configs.push([bound.minAgreements(301, 0.9, 0.95) - 1, 300, 0.9]);
    let checked = 0;
    let worst = 0;
    for (let k = 1; k <= 65_536; k *= 2) {
      for (const [s, n, target] of configs) {
        const m = furtherAgreementsNeeded(bound, s, n, k, target, 0.95);
        const got = probabilitySatisfiedAfter(bound, s, n, k, target, 0.95);
        if (m <= 0 || m > k) {
          assert.equal(got, m <= 0 ? 1 : 0);
          continue;
        }
        const expected = bruteForce(s, n, k, m);
        worst = Math.max(worst, Math.abs(got - expected));
        assert.ok(Math.abs(got - expected) <= 1e-6, `s=${s} n=${n} k=${k} t=${target} m=${m}: ${got} vs ${expected}`);
        checked++;
      }
    }
    assert.ok(checked >= 60, `only ${checked} cases with an answer strictly between 0 and 1`);
    assert.ok(worst < 1e-7, `worst error ${worst}`);
  });

  it('matches the brute force with the anytime bound too', () => {
    const anytime = confidenceBound('anytime');
    for (const k of [1024, 4096, 16_384]) {
      const m = furtherAgreementsNeeded(anytime, 960, 1000, k, 0.95, 0.95);
      assert.ok(m > 0 && m <= k, `k=${k}: m=${m}`);
      const got = probabilitySatisfiedAfter(anytime, 960, 1000, k, 0.95, 0.95);
      const expected = bruteForce(960, 1000, k, m);
      assert.ok(Math.abs(got - expected) <= 1e-6, `k=${k}: ${got} vs ${expected}`);
    }
  });

  it('needs minAgreements(n + k) - s further agreements', () => {
    for (const k of [0, 1, 10, 1000]) {
      const need = bound.minAgreements(500 + k, 0.9, 0.95) - 460;
      assert.equal(furtherAgreementsNeeded(bound, 460, 500, k, 0.9, 0.95), Math.max(0, need));
    }
    // Already satisfied: nothing more is needed.
    assert.equal(furtherAgreementsNeeded(bound, 1000, 1000, 5, 0.9, 0.95), 0);
  });

  it('is 1 when already satisfied, 0 when out of reach, exact when sigma = 0', () => {
    assert.equal(probabilitySatisfiedAfter(bound, 1000, 1000, 1, 0.9, 0.95), 1);
    assert.equal(probabilitySatisfiedAfter(bound, 50, 100, 10, 0.95, 0.95), 0);
    assert.equal(probabilitySatisfiedAfter(bound, 90, 100, 0, 0.95, 0.95), 0);
    // All 100 agreed: the rate is taken as 1, so every further item agrees.
    assert.equal(probabilitySatisfiedAfter(bound, 100, 100, 100, 0.98, 0.95), 1);
    assert.equal(probabilitySatisfiedAfter(bound, 0, 100, 100, 0.5, 0.95), 0);
  });

  it('grows with k for a candidate comfortably above the target', () => {
    let previous = 0;
    for (let k = 64; k <= 65_536; k *= 2) {
      const p = probabilitySatisfiedAfter(bound, 194, 200, k, 0.95, 0.95);
      assert.ok(p >= previous - 1e-9, `k=${k}: ${p} < ${previous}`);
      previous = p;
    }
    assert.ok(previous > 0.9);
  });

  it('rejects impossible arguments', () => {
    assert.throws(() => probabilitySatisfiedAfter(bound, 0, 0, 10, 0.9, 0.95), RangeError);
    assert.throws(() => probabilitySatisfiedAfter(bound, 5, 4, 10, 0.9, 0.95), RangeError);
    assert.throws(() => probabilitySatisfiedAfter(bound, 3, 4, -1, 0.9, 0.95), RangeError);
    assert.throws(() => probabilitySatisfiedAfter(bound, 3, 4, 1.5, 0.9, 0.95), RangeError);
  });
});

describe('normalCdf', () => {
  it('agrees with jStat to 2e-10 and is exact at the ends', () => {
    let worst = 0;
    for (let z = -10; z <= 10; z += 0.000937) worst = Math.max(worst, Math.abs(normalCdf(z) - jStat.normal.cdf(z, 0, 1)));
    assert.ok(worst < 2e-10, `worst ${worst}`);
    assert.equal(normalCdf(-9), 0);
    assert.equal(normalCdf(9), 1);
    assert.equal(normalCdf(0), 0.5);
  });
});
