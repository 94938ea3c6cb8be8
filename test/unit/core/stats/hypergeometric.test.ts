import * as assert from 'node:assert/strict';
import { jStat } from 'jstat';
import { clopperPearsonLower } from '../../../../src/core/stats/clopperPearson';
import { blockLowerBound, Hypergeometric, hypergeometricLowerBound } from '../../../../src/core/stats/hypergeometric';

/** Every (population, successes, draws) of a small population. */
function* smallCases(max: number): Generator<[number, number, number]> {
  for (let N = 0; N <= max; N++) for (let K = 0; K <= N; K++) for (let n = 0; n <= N; n++) yield [N, K, n];
}

describe('Hypergeometric', () => {
  it("matches jStat's cdf and pmf on every case of a population up to 24, and its tails add up to one", () => {
    for (const [N, K, n] of smallCases(24)) {
      const x = new Hypergeometric(N, K, n);
      for (let k = x.min - 1; k <= x.max + 1; k++) {
        const expected = k < x.min ? 0 : jStat.hypgeom.cdf(k, N, K, n);
        // jStat's log-gamma, which the pmf rests on, is good to about 2e-10.
        assert.ok(Math.abs(x.cdf(k) - expected) < 1e-9, `cdf(${k}) of (${N}, ${K}, ${n}): ${x.cdf(k)} vs ${expected}`);
        assert.ok(Math.abs(x.upperTail(k + 1) + x.cdf(k) - 1) < 1e-9);
        if (k >= x.min && k <= x.max) assert.ok(Math.abs(Math.exp(x.logPmf(k)) - jStat.hypgeom.pdf(k, N, K, n)) < 1e-9);
      }
    }
  });

  it('sums a far tail of a million items to what a sum of every term gives', () => {
    const x = new Hypergeometric(1_000_000, 950_000, 20_000);
    // 19,150 is 4.9 standard deviations above the mean of 19,000.
    let sum = 0;
    for (let k = 19_150; k <= x.max; k++) sum += Math.exp(x.logPmf(k));
    assert.ok(Math.abs(x.upperTail(19_150) - sum) / sum < 1e-9, `${x.upperTail(19_150)} vs ${sum}`);
    assert.ok(sum > 1e-7 && sum < 1e-6, `${sum}`);
  });
});

describe('hypergeometricLowerBound', () => {
  // (observed, draws, population, alpha) -> the least K with P(X >= observed | K) > alpha, from
  // scipy 1.17 (hypergeom.sf(observed - 1, population, K, draws), bisected over K).
  const cases: Array<[number, number, number, number, number]> = [
    [95, 100, 1000, 0.05, 901],
    [950, 1000, 20_000, 0.035, 18_724],
    [1900, 2000, 19_980, 0.0035, 18_705],
    [40, 40, 200, 0.05, 188],
    [0, 10, 100, 0.05, 0],
    [480, 500, 500, 0.05, 480],
    [17_000, 18_000, 1_000_000, 0.01, 940_384],
    [450_000, 500_000, 1_000_000, 0.001, 899_069],
  ];
  for (const [x, n, N, alpha, expected] of cases) {
    it(`(${x} of ${n} drawn from ${N}, alpha ${alpha}) -> ${expected}`, () => {
      assert.equal(hypergeometricLowerBound(x, n, N, alpha), expected);
    });
  }

  it('errs with probability at most alpha, whatever the number of successes (exactly, on every case of a population up to 30)', () => {
    for (const alpha of [0.05, 0.2]) {
      for (const [N, K, n] of smallCases(30)) {
        const x = new Hypergeometric(N, K, n);
        let wrong = 0;
        for (let k = x.min; k <= x.max; k++) if (hypergeometricLowerBound(k, n, N, alpha) > K) wrong += Math.exp(x.logPmf(k));
        assert.ok(wrong <= alpha + 1e-12, `(${N}, ${K}, ${n}) at ${alpha}: wrong with probability ${wrong}`);
      }
    }
  });

  it("is Clopper-Pearson's bound when the items are many times the sample, and tighter when the sample is a large share of them", () => {
    const N = 100_000_000;
    assert.ok(Math.abs(hypergeometricLowerBound(950, 1000, N, 0.05) / N - clopperPearsonLower(950, 1000, 0.05)) < 1e-4);
    // Half the items sampled: the bound's margin below 95% shrinks by about sqrt(1 - 1/2).
    assert.equal(hypergeometricLowerBound(950, 1000, 2000, 0.05), 1882);
    assert.ok(clopperPearsonLower(950, 1000, 0.05) < 0.938);
    assert.equal(hypergeometricLowerBound(950, 1000, 1000, 0.05), 950, 'a sample of every item knows the count');
  });

  it('refuses arguments that cannot be', () => {
    assert.throws(() => hypergeometricLowerBound(5, 4, 10, 0.05), RangeError);
    assert.throws(() => hypergeometricLowerBound(1, 11, 10, 0.05), RangeError);
    assert.throws(() => hypergeometricLowerBound(1, 2, 10, 0), RangeError);
  });
});

describe('blockLowerBound', () => {
  // (successes, population, block, alpha) -> the largest y with P(Y <= y - 1) <= alpha, from scipy 1.17.
  const cases: Array<[number, number, number, number, number]> = [
    [18_000, 20_000, 5000, 0.01, 4457],
    [900, 1000, 1000, 0.01, 900],
    [900, 1000, 380, 0.01, 331],
    [100, 1000, 10, 0.05, 0],
    [950_000, 1_000_000, 300_000, 0.002, 284_712],
  ];
  for (const [K, N, m, alpha, expected] of cases) {
    it(`(${K} successes among ${N}, a block of ${m}, alpha ${alpha}) -> ${expected}`, () => {
      assert.equal(blockLowerBound(K, N, m, alpha), expected);
    });
  }

  it('is the largest count a block falls below with probability at most alpha (every case of a population up to 30)', () => {
    for (const [N, K, m] of smallCases(30)) {
      const y = new Hypergeometric(N, K, m);
      const bound = blockLowerBound(K, N, m, 0.05);
      assert.ok(y.cdf(bound - 1) <= 0.05, `(${N}, ${K}, ${m})`);
      // Within the rounding margin, a tail exactly at alpha counts as above it.
      assert.ok(bound === y.max || y.cdf(bound) > 0.05 * (1 - 1e-6), `(${N}, ${K}, ${m}) could claim more`);
    }
  });

  it('at alpha 0 is the worst case: every item without a success in the block', () => {
    assert.equal(blockLowerBound(900, 1000, 380, 0), 280);
    assert.equal(blockLowerBound(900, 1000, 50, 0), 0);
  });
});
