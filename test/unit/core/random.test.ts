import * as assert from 'node:assert/strict';
import { SeededPermutation, hashUnit, mulberry32 } from '../../../src/core/random';

describe('SeededPermutation', () => {
  for (const size of [1, 2, 3, 4, 5, 17, 1000, 65_537]) {
    it(`is a bijection of 0..${size - 1}`, () => {
      const p = new SeededPermutation(size, 42);
      const seen = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        const r = p.rankOf(i);
        assert.ok(Number.isInteger(r) && r >= 0 && r < size, `rank ${r} out of range`);
        assert.equal(seen[r], 0, `rank ${r} given twice`);
        seen[r] = 1;
      }
    });
  }

  it('works for sizes that need the top of the 32-bit domain', () => {
    const p = new SeededPermutation(2 ** 32, 1);
    for (const i of [0, 1, 2 ** 31, 2 ** 32 - 1]) {
      const r = p.rankOf(i);
      assert.ok(r >= 0 && r < 2 ** 32);
    }
  });

  it('depends on the seed, and only on the seed', () => {
    const a = new SeededPermutation(1000, 1);
    const b = new SeededPermutation(1000, 1);
    const c = new SeededPermutation(1000, 2);
    const ranks = (p: SeededPermutation): number[] => Array.from({ length: 1000 }, (_, i) => p.rankOf(i));
    assert.deepEqual(ranks(a), ranks(b));
    assert.notDeepEqual(ranks(a), ranks(c));
  });

  it('draws the first k ranks as a uniform sample of a sorted file', () => {
    // In a file sorted by position, the items ranked first should average
    // out near the middle: the mean of 1,000 uniform draws from 0..99,999 has
    // standard deviation about 913, so 5 sd is a test that can fail.
    const size = 100_000;
    for (const seed of [0, 1, 2, 3]) {
      const p = new SeededPermutation(size, seed);
      let sum = 0;
      let k = 0;
      for (let i = 0; i < size; i++) {
        if (p.rankOf(i) < 1000) {
          sum += i;
          k++;
        }
      }
      assert.equal(k, 1000);
      assert.ok(Math.abs(sum / k - (size - 1) / 2) < 5 * 913, `seed ${seed}: mean position ${sum / k}`);
    }
  });

  it('rejects sizes it cannot handle', () => {
    assert.throws(() => new SeededPermutation(-1, 0), RangeError);
    assert.throws(() => new SeededPermutation(1.5, 0), RangeError);
  });
});

describe('seeded generators', () => {
  it('mulberry32 repeats for a seed and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });

  it('hashUnit is uniform enough for Bernoulli draws', () => {
    let below = 0;
    for (let i = 0; i < 100_000; i++) if (hashUnit(3, i, 1) < 0.94) below++;
    // Binomial(100000, 0.94) has sd about 75.
    assert.ok(Math.abs(below - 94_000) < 5 * 75, `got ${below}`);
  });
});
