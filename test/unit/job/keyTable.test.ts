import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KeyTable } from '../../../src/job/keyTable';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('KeyTable', () => {
  it('maps request keys to numbers, a key set again keeping one entry', () => {
    const table = new KeyTable();
    table.set(digest('a'), 0);
    table.set(digest('b'), 7);
    table.set(digest('a'), 3);
    assert.equal(table.size, 2);
    assert.deepEqual([table.get(digest('a')), table.get(digest('b')), table.get(digest('c'))], [3, 7, undefined]);
    assert.deepEqual([table.has(digest('b')), table.has(digest('c'))], [true, false]);
  });

  it('adds a key only when it is not there, saying whether it did', () => {
    const table = new KeyTable();
    assert.equal(table.add(digest('a'), 4), true);
    assert.equal(table.add(digest('a'), 5), false);
    assert.deepEqual([table.get(digest('a')), table.size], [4, 1]);
  });

  it('keeps every key as it grows far past its first slots', () => {
    const table = new KeyTable();
    for (let i = 0; i < 20_000; i++) table.set(digest(String(i)), i);
    assert.equal(table.size, 20_000);
    for (let i = 0; i < 20_000; i++) assert.equal(table.get(digest(String(i))), i);
    assert.equal(table.get(digest('20000')), undefined);
  });

  it('tells apart keys that share a slot and differ only at the end of their first 128 bits', () => {
    const table = new KeyTable();
    const base = '0123456789abcdef0123456789abcde';
    const keys = ['0', '1', '2', '3'].map((last) => `${base}${last}${'f'.repeat(32)}`);
    keys.forEach((key, i) => table.set(key, i));
    assert.deepEqual(
      keys.map((key) => table.get(key)),
      [0, 1, 2, 3],
    );
    // Beyond the first 128 bits, keys are taken for one (see the file comment).
    assert.equal(table.get(`${base}0${'0'.repeat(32)}`), 0);
  });

  it('takes keys that are not digests in lowercase hex too, by their hash', () => {
    const table = new KeyTable();
    table.set('k1', 1);
    table.set('K1', 2);
    const upper = digest('a').toUpperCase();
    table.set(upper, 3);
    table.set(digest('a'), 4);
    assert.deepEqual([table.get('k1'), table.get('K1'), table.get('k2'), table.get(upper), table.get(digest('a'))], [1, 2, undefined, 3, 4]);
  });

  it('refuses values it cannot hold', () => {
    const table = new KeyTable();
    assert.throws(() => table.set('k', -1), RangeError);
    assert.throws(() => table.set('k', 0xffffffff), RangeError);
    assert.throws(() => table.set('k', 1.5), RangeError);
    assert.equal(table.size, 0);
  });
});
