import * as assert from 'node:assert/strict';
import { largestRemainder } from '../../../../src/core/mix/largestRemainder';
import { mulberry32 } from '../../../../src/core/random';

describe('largestRemainder', () => {
  it('gives exact shares exactly', () => {
    assert.deepEqual(largestRemainder(10, [0.5, 0.5]), [5, 5]);
    assert.deepEqual(largestRemainder(10, [0.1, 0.2, 0.7]), [1, 2, 7]);
    assert.deepEqual(largestRemainder(1000, [0.25, 0.125, 0.625]), [250, 125, 625]);
    assert.deepEqual(largestRemainder(6, [2, 1, 3]), [2, 1, 3]); // normalised by their sum
  });

  it('hands the leftover items to the largest remainders, ties to the lower index', () => {
    assert.deepEqual(largestRemainder(7, [0.15, 0.85]), [1, 6]); // quotas 1.05, 5.95
    assert.deepEqual(largestRemainder(10, [0.34, 0.33, 0.33]), [4, 3, 3]); // 3.4, 3.3, 3.3
    assert.deepEqual(largestRemainder(10, [0.33, 0.33, 0.34]), [3, 3, 4]);
    assert.deepEqual(largestRemainder(10, [1 / 3, 1 / 3, 1 / 3]), [4, 3, 3]);
    assert.deepEqual(largestRemainder(2, [1, 1, 1, 1]), [1, 1, 0, 0]);
    // Hamilton, not rounding each quota: 0.4, 0.4, 0.2 of 1 -> the first only.
    assert.deepEqual(largestRemainder(1, [0.4, 0.4, 0.2]), [1, 0, 0]);
  });

  it('gives zero shares nothing, and tiny shares at most one item', () => {
    assert.deepEqual(largestRemainder(5, [0, 1]), [0, 5]);
    assert.deepEqual(largestRemainder(5, [0, 1, 0]), [0, 5, 0]);
    assert.deepEqual(largestRemainder(0, [0.3, 0.7]), [0, 0]);
    assert.deepEqual(largestRemainder(0, [0, 0]), [0, 0]);
    assert.deepEqual(largestRemainder(0, []), []);
    assert.deepEqual(largestRemainder(100, [1e-12, 1 - 1e-12]), [0, 100]);
    assert.deepEqual(largestRemainder(3, [1e-9, 1e-9, 1]), [0, 0, 3]);
    assert.deepEqual(largestRemainder(2, [0.3, 0.3, 1e-9]), [1, 1, 0]);
    // A quota below 1 gets its item when its remainder is the largest.
    assert.deepEqual(largestRemainder(10, [0.6, 0.301, 0.099]), [6, 3, 1]); // 6, 3.01, 0.99
    assert.deepEqual(largestRemainder(3, [0.45, 0.45, 0.1]), [2, 1, 0]); // 1.35, 1.35, 0.3
  });

  it('is monotone in the shares: a larger share never gets fewer items', () => {
    assert.deepEqual(largestRemainder(10, [0.05, 0.95]), [1, 9]);
    assert.deepEqual(largestRemainder(10, [0.06, 0.94]), [1, 9]);
    assert.deepEqual(largestRemainder(10, [0.04, 0.96]), [0, 10]);
    const random = mulberry32(3);
    for (let t = 0; t < 300; t++) {
      const shares = Array.from({ length: 2 + Math.floor(random() * 5) }, () => random());
      const counts = largestRemainder(Math.floor(random() * 50), shares);
      shares.forEach((s, i) =>
        shares.forEach((r, j) => {
          if (s > r) assert.ok(counts[i] >= counts[j], `share ${s} got ${counts[i]}, share ${r} got ${counts[j]}`);
        }),
      );
    }
  });

  it('always sums to the total, within one of each quota (random shares)', () => {
    const random = mulberry32(5);
    for (let t = 0; t < 1000; t++) {
      const shares = Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
        const u = random();
        return u < 0.2 ? 0 : u < 0.3 ? random() * 1e-9 : random();
      });
      if (!shares.some((s) => s > 0)) shares[0] = 1;
      const total = Math.floor(random() * (random() < 0.5 ? 20 : 1e7));
      const counts = largestRemainder(total, shares);
      const sum = shares.reduce((a, b) => a + b, 0);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        total,
      );
      counts.forEach((c, i) => {
        const quota = (total * shares[i]) / sum;
        assert.ok(Number.isInteger(c) && c >= Math.floor(quota) && c <= Math.ceil(quota), `${c} items for quota ${quota}`);
        if (shares[i] === 0) assert.equal(c, 0);
      });
    }
  });

  it('rejects bad input', () => {
    assert.throws(() => largestRemainder(-1, [1]), RangeError);
    assert.throws(() => largestRemainder(2.5, [1]), RangeError);
    assert.throws(() => largestRemainder(5, [0, 0]), RangeError);
    assert.throws(() => largestRemainder(5, []), RangeError);
    assert.throws(() => largestRemainder(5, [-1, 2]), RangeError);
    assert.throws(() => largestRemainder(5, [NaN, 1]), RangeError);
    assert.throws(() => largestRemainder(5, [Infinity, 1]), RangeError);
  });
});
