import * as assert from 'node:assert/strict';
import { anytimeInterval, logMixtureMartingale } from '../../../src/core/stats/anytimeBound';
import { clopperPearson } from '../../../src/core/stats/clopperPearson';
import { confidenceBound } from '../../../src/core/stats/confidenceBound';
import { mulberry32 } from '../../../src/core/random';
import type { BoundKind } from '../../../src/core/types';

describe('clopperPearson', () => {
  // (agreements, n, confidence) -> (lower, upper), computed with scipy.
  const cases: Array<[number, number, number, number, number]> = [
    [0, 10, 0.95, 0, 0.3084971078],
    [10, 10, 0.95, 0.6915028922, 1],
    [7, 10, 0.95, 0.3475471499, 0.9332604888],
    [96, 100, 0.95, 0.9007428433, 0.988995506],
    [960, 1000, 0.95, 0.9459273032, 0.9712723747],
    [26, 30, 0.95, 0.6927816497, 0.9624465037],
    [95, 100, 0.99, 0.8648553175, 0.9890596664],
    [480, 500, 0.9, 0.9424044379, 0.9733361469],
  ];
  for (const [s, n, c, lower, upper] of cases) {
    it(`(${s}, ${n}, ${c}) -> (${lower}, ${upper})`, () => {
      const ci = clopperPearson(s, n, c);
      assert.ok(Math.abs(ci.lower - lower) < 1e-7, `lower ${ci.lower}`);
      assert.ok(Math.abs(ci.upper - upper) < 1e-7, `upper ${ci.upper}`);
    });
  }

  it('gives [0, 1] before any item and rejects impossible counts', () => {
    assert.deepEqual(clopperPearson(0, 0, 0.95), { lower: 0, upper: 1 });
    assert.throws(() => clopperPearson(11, 10, 0.95), RangeError);
    assert.throws(() => clopperPearson(-1, 10, 0.95), RangeError);
    assert.throws(() => clopperPearson(1.5, 10, 0.95), RangeError);
    assert.throws(() => clopperPearson(5, 10, 1), RangeError);
  });
});

describe('anytimeInterval', () => {
  it('holds its coverage however often it is checked', () => {
    // 1,000 sequences of 2,000 Bernoulli(0.95) draws, checked after every
    // draw: the share that ever excludes 0.95 must stay below alpha / 2 =
    // 0.025 (plus sampling slack). A rate is outside the interval exactly when
    // the martingale there reaches ln(2 / alpha); that test is cheaper than
    // computing the interval, and checked against it below.
    const random = mulberry32(2024);
    const threshold = Math.log(2 / 0.05);
    let violated = 0;
    const sequences = 1000;
    for (let r = 0; r < sequences; r++) {
      let s = 0;
      for (let n = 1; n <= 2000; n++) {
        if (random() < 0.95) s++;
        if (logMixtureMartingale(s, n, 0.95) >= threshold) {
          const ci = anytimeInterval(s, n, 0.95);
          assert.ok(ci.lower > 0.95 || ci.upper < 0.95, 'the interval and the martingale disagree');
          violated++;
          break;
        }
      }
    }
    assert.ok(violated / sequences < 0.035, `violated in ${violated} of ${sequences}`);
  });

  it('contains s/n, shrinks with n and is wider than Clopper-Pearson', () => {
    for (const [s, n] of [[9, 10], [96, 100], [960, 1000], [9600, 10000], [50, 100], [3, 100]]) {
      const a = anytimeInterval(s, n, 0.95);
      const cp = clopperPearson(s, n, 0.95);
      assert.ok(a.lower <= s / n && s / n <= a.upper);
      assert.ok(a.lower <= cp.lower + 1e-12 && a.upper >= cp.upper - 1e-12, `(${s}, ${n}): ${JSON.stringify(a)} vs ${JSON.stringify(cp)}`);
    }
    const widths = [100, 1000, 10000].map((n) => {
      const ci = anytimeInterval(0.96 * n, n, 0.95);
      return ci.upper - ci.lower;
    });
    assert.ok(widths[0] > widths[1] && widths[1] > widths[2], String(widths));
  });

  it('handles the edges', () => {
    assert.deepEqual(anytimeInterval(0, 0, 0.95), { lower: 0, upper: 1 });
    assert.equal(anytimeInterval(0, 50, 0.95).lower, 0);
    assert.equal(anytimeInterval(50, 50, 0.95).upper, 1);
    assert.ok(anytimeInterval(50, 50, 0.95).lower > 0.8);
  });
});

describe('confidenceBound.minAgreements', () => {
  for (const kind of ['clopper-pearson', 'anytime'] as BoundKind[]) {
    it(`${kind}: equals a linear scan over s`, () => {
      const bound = confidenceBound(kind);
      for (const n of [1, 5, 10, 37, 100, 250, 1000]) {
        for (const target of [0.5, 0.8, 0.9, 0.95, 0.98, 0.999]) {
          for (const confidence of [0.9, 0.95, 0.99]) {
            let expected = n + 1;
            for (let s = 0; s <= n; s++) {
              if (bound.interval(s, n, confidence).lower >= target) {
                expected = s;
                break;
              }
            }
            const got = bound.minAgreements(n, target, confidence);
            // Interval ends come from a quantile or a bisection: allow the scan
            // and the direct test to differ exactly at a tie within 1e-9.
            if (got !== expected) {
              const s = Math.min(got, expected);
              assert.ok(Math.abs(bound.interval(s, n, confidence).lower - target) < 1e-9, `${kind} n=${n} t=${target} c=${confidence}: ${got} vs ${expected}`);
            }
          }
        }
      }
    });
  }

  for (const kind of ['clopper-pearson', 'anytime'] as BoundKind[]) {
    it(`${kind}: maxBelow equals a linear scan over s`, () => {
      const bound = confidenceBound(kind);
      for (const n of [1, 5, 10, 37, 100, 250, 1000]) {
        for (const target of [0.5, 0.8, 0.9, 0.95, 0.98]) {
          for (const confidence of [0.9, 0.95, 0.99]) {
            let expected = -1;
            for (let s = 0; s <= n; s++) if (bound.interval(s, n, confidence).upper < target) expected = s;
            const got = bound.maxBelow(n, target, confidence);
            if (got !== expected) {
              const s = Math.max(got, expected);
              assert.ok(Math.abs(bound.interval(s, n, confidence).upper - target) < 1e-9, `${kind} n=${n} t=${target} c=${confidence}: ${got} vs ${expected}`);
            }
          }
        }
      }
    });
  }

  it('says n + 1 when the target is out of reach', () => {
    assert.equal(confidenceBound('clopper-pearson').minAgreements(10, 0.99, 0.95), 11);
    assert.equal(confidenceBound('anytime').minAgreements(30, 0.95, 0.95), 31);
  });
});
