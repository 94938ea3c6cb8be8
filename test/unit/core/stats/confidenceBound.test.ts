import * as assert from 'node:assert/strict';
import { anytimeInterval, anytimeLowerReaches, anytimeUpperBelow } from '../../../../src/core/stats/anytimeBound';
import { clopperPearson, clopperPearsonLowerReaches, clopperPearsonUpperBelow } from '../../../../src/core/stats/clopperPearson';
import { confidenceBound, type ConfidenceBound } from '../../../../src/core/stats/confidenceBound';
import { BOUND_KINDS, type BoundKind, type Interval } from '../../../../src/core/types';

/** Least s with interval(s, n).lower >= target, by scanning every s; n + 1 when none. */
function scanMinAgreements(bound: ConfidenceBound, n: number, target: number, confidence: number): number {
  for (let s = 0; s <= n; s++) if (bound.interval(s, n, confidence).lower >= target) return s;
  return n + 1;
}

/** Largest s with interval(s, n).upper < target, by scanning every s; -1 when none. */
function scanMaxBelow(bound: ConfidenceBound, n: number, target: number, confidence: number): number {
  let found = -1;
  for (let s = 0; s <= n; s++) if (bound.interval(s, n, confidence).upper < target) found = s;
  return found;
}

/** Each bound's interval and its threshold tests, which answer "does the lower end reach / the upper end fall below the target" without the interval. */
const THRESHOLD_TESTS: Record<
  BoundKind,
  {
    interval: (agreements: number, n: number, confidence: number) => Interval;
    lowerReaches: (agreements: number, n: number, target: number, confidence: number) => boolean;
    upperBelow: (agreements: number, n: number, target: number, confidence: number) => boolean;
  }
> = {
  'clopper-pearson': { interval: clopperPearson, lowerReaches: clopperPearsonLowerReaches, upperBelow: clopperPearsonUpperBelow },
  anytime: { interval: anytimeInterval, lowerReaches: anytimeLowerReaches, upperBelow: anytimeUpperBelow },
};

const SIZES = [0, 1, 2, 5, 10, 37, 100, 250, 1000];
const TARGETS = [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.999, 1];
const CONFIDENCES = [0.8, 0.9, 0.95, 0.99];

for (const kind of BOUND_KINDS) {
  describe(`confidenceBound('${kind}')`, () => {
    const bound = confidenceBound(kind);

    it('has the kind it was asked for', () => {
      assert.equal(bound.kind, kind);
    });

    it('has threshold tests that say what comparing the interval ends with the target says', () => {
      const { interval, lowerReaches, upperBelow } = THRESHOLD_TESTS[kind];
      let compared = 0;
      for (const n of [1, 2, 7, 50, 333, 2000]) {
        for (let s = 0; s <= n; s += Math.max(1, Math.floor(n / 40))) {
          for (const confidence of [0.9, 0.95, 0.99]) {
            const ci = interval(s, n, confidence);
            for (const target of [0, 0.3, 0.8, 0.9, 0.95, 0.99, 0.999, 1]) {
              // Away from ties (where a quantile and a tail may round either way) the answers must agree.
              if (Math.abs(ci.lower - target) > 1e-9) {
                assert.equal(lowerReaches(s, n, target, confidence), ci.lower >= target, `lower (${s}, ${n}, ${confidence}, ${target})`);
                compared++;
              }
              if (Math.abs(ci.upper - target) > 1e-9) {
                assert.equal(upperBelow(s, n, target, confidence), ci.upper < target, `upper (${s}, ${n}, ${confidence}, ${target})`);
                compared++;
              }
            }
          }
        }
      }
      assert.ok(compared > 5000, `only ${compared} comparisons`);
    });

    it('minAgreements equals a linear scan over s with interval()', () => {
      let impossible = 0;
      for (const n of SIZES) {
        for (const target of TARGETS) {
          for (const confidence of CONFIDENCES) {
            const expected = scanMinAgreements(bound, n, target, confidence);
            const got = bound.minAgreements(n, target, confidence);
            if (expected === n + 1) impossible++;
            if (got !== expected) {
              // Only a tie may differ: an interval end within 1e-9 of the target,
              // which a quantile (or a bisection) and an exact tail may round apart.
              const s = Math.min(got, expected);
              const lower = bound.interval(s, n, confidence).lower;
              assert.ok(Math.abs(lower - target) < 1e-9, `n=${n} t=${target} c=${confidence}: ${got}, scan ${expected}`);
            }
          }
        }
      }
      assert.ok(impossible > 20, `only ${impossible} impossible cases`);
    });

    it('maxBelow equals a linear scan over s with interval()', () => {
      for (const n of SIZES) {
        for (const target of TARGETS) {
          for (const confidence of CONFIDENCES) {
            const expected = scanMaxBelow(bound, n, target, confidence);
            const got = bound.maxBelow(n, target, confidence);
            if (got !== expected) {
              const s = Math.max(got, expected);
              const upper = bound.interval(s, n, confidence).upper;
              assert.ok(Math.abs(upper - target) < 1e-9, `n=${n} t=${target} c=${confidence}: ${got}, scan ${expected}`);
            }
          }
        }
      }
    });

    it('is the least count reaching the target at the sample sizes early termination asks about', () => {
      for (const n of [4096, 13107, 65536, 130000]) {
        for (const target of [0.8, 0.9, 0.95, 0.99]) {
          const s = bound.minAgreements(n, target, 0.95);
          assert.ok(s > n * target && s <= n, `n=${n} t=${target}: ${s}`);
          assert.ok(bound.interval(s, n, 0.95).lower >= target - 1e-9, `n=${n} t=${target}: ${s} does not reach`);
          assert.ok(bound.interval(s - 1, n, 0.95).lower < target + 1e-9, `n=${n} t=${target}: ${s - 1} reaches already`);
          const below = bound.maxBelow(n, target, 0.95);
          assert.ok(bound.interval(below, n, 0.95).upper < target + 1e-9, `n=${n} t=${target}: ${below} not below`);
          assert.ok(bound.interval(below + 1, n, 0.95).upper >= target - 1e-9, `n=${n} t=${target}: ${below + 1} below too`);
        }
      }
    });

    it('says n + 1 (and -1) when no count will do', () => {
      assert.equal(bound.minAgreements(10, 0.99, 0.95), 11);
      assert.equal(bound.minAgreements(500, 1, 0.95), 501);
      assert.equal(bound.maxBelow(500, 0, 0.95), -1);
      assert.equal(bound.minAgreements(500, 0, 0.95), 0);
      assert.equal(bound.maxBelow(500, 1.5, 0.95), 500);
    });

    it('keeps thresholds for different targets and confidences apart', () => {
      const fresh = [0.91, 0.93].flatMap((target) => [0.9, 0.97].map((confidence) => scanMinAgreements(bound, 400, target, confidence)));
      for (let round = 0; round < 3; round++) {
        let i = 0;
        for (const target of [0.91, 0.93]) {
          for (const confidence of [0.9, 0.97]) assert.equal(bound.minAgreements(400, target, confidence), fresh[i++]);
        }
      }
    });

    it('rejects impossible arguments', () => {
      assert.throws(() => bound.minAgreements(-1, 0.9, 0.95), RangeError);
      assert.throws(() => bound.minAgreements(10.5, 0.9, 0.95), RangeError);
      assert.throws(() => bound.minAgreements(10, 0.9, 1), RangeError);
      assert.throws(() => bound.minAgreements(10, NaN, 0.95), RangeError);
      assert.throws(() => bound.maxBelow(10, 0.9, 0), RangeError);
    });
  });
}
