import * as assert from 'node:assert/strict';
import { ANYTIME_PRIOR, anytimeInterval, logMixtureMartingale } from '../../../../src/core/stats/anytimeBound';
import { clopperPearson } from '../../../../src/core/stats/clopperPearson';
import { confidenceBound } from '../../../../src/core/stats/confidenceBound';
import { mulberry32 } from '../../../../src/core/random';

describe('anytimeInterval', () => {
  it('keeps its coverage when checked after every item (and Clopper-Pearson does not)', () => {
    // 2,000 sequences of 2,000 Bernoulli(0.95) outcomes, checked after every
    // outcome. The anytime interval may exclude 0.95 at some point in at most
    // alpha / 2 = 2.5% of sequences (Ville); Clopper-Pearson, checked as often,
    // excludes it far more often, which shows the simulation can tell.
    //
    // The martingale is updated in its sequential form, the product of the
    // mixture's predictive probabilities over p or 1 - p:
    //   M_n / M_{n-1} = ((a + s) / (a + b + n - 1)) / p  after an agreement,
    //                   ((b + n - 1 - s) / (a + b + n - 1)) / (1 - p)  after a disagreement,
    // which checks the closed form below, and the interval at every crossing.
    const { a, b } = ANYTIME_PRIOR;
    const rate = 0.95;
    const confidence = 0.95;
    const threshold = Math.log(2 / (1 - confidence));
    const cp = confidenceBound('clopper-pearson');
    const random = mulberry32(7);
    const sequences = 2000;
    let anytimeMisses = 0;
    let clopperPearsonMisses = 0;
    for (let r = 0; r < sequences; r++) {
      let s = 0;
      let logM = 0;
      let anytimeMissed = false;
      let clopperPearsonMissed = false;
      for (let n = 1; n <= 2000; n++) {
        const agreed = random() < rate;
        logM += agreed ? Math.log((a + s) / (a + b + n - 1) / rate) : Math.log((b + n - 1 - s) / (a + b + n - 1) / (1 - rate));
        if (agreed) s++;
        if (n % 400 === 0) assert.ok(Math.abs(logM - logMixtureMartingale(s, n, rate)) < 1e-8, `ln M at (${s}, ${n})`);
        if (!anytimeMissed && logM >= threshold) {
          anytimeMissed = true;
          const ci = anytimeInterval(s, n, confidence);
          assert.ok(ci.lower > rate || ci.upper < rate, `(${s}, ${n}): M crossed but ${JSON.stringify(ci)} holds ${rate}`);
        }
        if (!clopperPearsonMissed) {
          clopperPearsonMissed = s >= cp.minAgreements(n, rate, confidence) || s <= cp.maxBelow(n, rate, confidence);
        }
      }
      if (anytimeMissed) anytimeMisses++;
      if (clopperPearsonMissed) clopperPearsonMisses++;
    }
    assert.ok(anytimeMisses / sequences <= 0.025 + 0.01, `anytime missed in ${anytimeMisses} of ${sequences}`);
    assert.ok(clopperPearsonMisses / sequences > 0.2, `Clopper-Pearson missed in only ${clopperPearsonMisses} of ${sequences}`);
  });

  it('contains s / n and holds the rate while the martingale stays below 2 / alpha', () => {
    for (const [s, n] of [
      [0, 5],
      [5, 5],
      [3, 10],
      [96, 100],
      [960, 1000],
      [50, 100],
      [129000, 130000],
    ]) {
      for (const confidence of [0.9, 0.95, 0.99]) {
        const ci = anytimeInterval(s, n, confidence);
        assert.ok(ci.lower <= s / n && s / n <= ci.upper, `(${s}, ${n}, ${confidence}): ${JSON.stringify(ci)}`);
        // Just inside each end the martingale is below the threshold, at the end (the excluded side) above.
        const threshold = Math.log(2 / (1 - confidence));
        if (ci.lower > 0) {
          assert.ok(logMixtureMartingale(s, n, ci.lower) >= threshold);
          assert.ok(logMixtureMartingale(s, n, ci.lower + 1e-9) < threshold);
        }
        if (ci.upper < 1) {
          assert.ok(logMixtureMartingale(s, n, ci.upper) >= threshold);
          assert.ok(logMixtureMartingale(s, n, ci.upper - 1e-9) < threshold);
        }
      }
    }
  });

  it('shrinks as n grows', () => {
    for (const rate of [0.8, 0.96, 0.99]) {
      let previous = Infinity;
      for (const n of [100, 300, 1000, 3000, 10000, 30000, 100000]) {
        const ci = anytimeInterval(Math.round(rate * n), n, 0.95);
        const width = ci.upper - ci.lower;
        assert.ok(width < previous, `rate ${rate}, n ${n}: width ${width} after ${previous}`);
        previous = width;
      }
    }
  });

  it('is wider than Clopper-Pearson everywhere', () => {
    // Valid for every n at once, it must pay for that with width, even where
    // the prior (leaning towards high agreement) helps most: all of a few items agreeing.
    for (const confidence of [0.9, 0.95, 0.99]) {
      for (let n = 1; n <= 120; n++) {
        for (let s = 0; s <= n; s++) {
          const any = anytimeInterval(s, n, confidence);
          const cp = clopperPearson(s, n, confidence);
          const label = `(${s}, ${n}, ${confidence}): ${JSON.stringify(any)} vs ${JSON.stringify(cp)}`;
          assert.ok(any.upper >= cp.upper, label);
          assert.ok(any.lower <= cp.lower, label);
        }
      }
    }
    for (const [s, n] of [
      [960, 1000],
      [4850, 5000],
      [20000, 20000],
      [124000, 130000],
    ]) {
      const any = anytimeInterval(s, n, 0.95);
      const cp = clopperPearson(s, n, 0.95);
      assert.ok(any.lower < cp.lower && any.upper >= cp.upper, `(${s}, ${n}): ${JSON.stringify(any)} vs ${JSON.stringify(cp)}`);
    }
  });

  it('has the width the prior was chosen for at (960, 1000, 0.95)', () => {
    const ci = anytimeInterval(960, 1000, 0.95);
    assert.ok(Math.abs(ci.lower - 0.9349) < 1e-4 && Math.abs(ci.upper - 0.9778) < 1e-4, JSON.stringify(ci));
  });

  it('handles the edges and rejects impossible arguments', () => {
    assert.deepEqual(anytimeInterval(0, 0, 0.95), { lower: 0, upper: 1 });
    assert.equal(anytimeInterval(0, 50, 0.95).lower, 0);
    assert.equal(anytimeInterval(50, 50, 0.95).upper, 1);
    assert.ok(anytimeInterval(50, 50, 0.95).lower > 0.8);
    assert.throws(() => anytimeInterval(11, 10, 0.95), RangeError);
    assert.throws(() => anytimeInterval(1, 10, 1), RangeError);
  });
});
