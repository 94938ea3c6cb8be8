import * as assert from 'node:assert/strict';
import { BoundedCache } from '../../../src/core/boundedCache';

describe('BoundedCache', () => {
  it('computes a value once per key, and empties itself when full', () => {
    const cache = new BoundedCache<string, number>(2);
    let computed = 0;
    const square = (x: number) => () => (computed++, x * x);
    assert.equal(cache.get('3', square(3)), 9);
    assert.equal(cache.get('3', square(3)), 9);
    assert.equal(computed, 1);
    cache.get('4', square(4));
    cache.get('5', square(5));
    assert.equal(computed, 3);
    cache.get('3', square(3));
    assert.equal(computed, 4, 'full, it forgot what it held');
  });
});
