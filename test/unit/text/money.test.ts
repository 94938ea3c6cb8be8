import * as assert from 'node:assert/strict';
import { paidNote, ratio, saved, savings, usd } from '../../../src/text/money';
import { expectEach } from './expectEach';

describe('usd', () => {
  it('shows zero as $0.00, also negative zero', () => {
    expectEach(usd, [
      [0, '$0.00'],
      [-0, '$0.00'],
    ]);
  });

  it('shows four significant digits under a dollar, trailing zeros trimmed to two decimals', () => {
    expectEach(usd, [
      [0.0123, '$0.0123'],
      [0.012345, '$0.01235'],
      [0.059, '$0.059'],
      [0.05900001, '$0.059'],
      [0.5, '$0.50'],
      [0.1, '$0.10'],
      [0.1234567, '$0.1235'],
      [0.01, '$0.01'],
      [0.9999, '$0.9999'],
    ]);
  });

  it('shows tiny amounts in full, never in exponent notation', () => {
    expectEach(usd, [
      [0.00000015, '$0.00000015'],
      [1.23456e-9, '$0.000000001235'],
    ]);
  });

  it('rounds across a dollar into cents', () => {
    expectEach(usd, [
      [0.99996, '$1.00'],
      [0.999951, '$1.00'],
      [-0.99996, '-$1.00'],
    ]);
  });

  it('shows cents with thousands separators from a dollar up, rounding the decimal value', () => {
    expectEach(usd, [
      [1, '$1.00'],
      [1234.5, '$1,234.50'],
      [1.005, '$1.01'],
      [999.996, '$1,000.00'],
      [1e12, '$1,000,000,000,000.00'],
    ]);
  });

  it('puts a minus before the dollar sign of negative amounts', () => {
    expectEach(usd, [
      [-0.25, '-$0.25'],
      [-0.012345, '-$0.01235'],
      [-1234.5, '-$1,234.50'],
    ]);
  });

  it('shows no figure for NaN and infinities', () => {
    expectEach(usd, [
      [Number.NaN, '–'],
      [Number.POSITIVE_INFINITY, '–'],
      [Number.NEGATIVE_INFINITY, '–'],
    ]);
  });
});

describe('ratio and savings', () => {
  it('writes ratios with two decimals and an ASCII x', () => {
    expectEach(ratio, [
      [2.7, '2.70x'],
      [12345.678, '12,345.68x'],
      [0, '–'],
      [Number.NaN, '–'],
    ]);
  });

  it('says cheaper from 1 up and more expensive below, by the inverse ratio', () => {
    expectEach(savings, [
      [2.7, '2.70x cheaper'],
      [1, '1.00x cheaper'],
      [1 / 1.03, '1.03x more expensive'],
      [0.5, '2.00x more expensive'],
    ]);
  });

  it('shows no figure for a ratio that cannot be one', () => {
    expectEach(savings, [
      [0, '–'],
      [-1, '–'],
      [Number.NaN, '–'],
      [Number.POSITIVE_INFINITY, '–'],
    ]);
  });
});

describe('saved and paidNote', () => {
  it('says how much less or more than the reference alone, and its share', () => {
    assert.equal(saved(0.26461, 0.504), '$0.2394 less (47.5%)');
    assert.equal(saved(0.5192, 0.504), '$0.0152 more (3%)');
    assert.equal(saved(0.504, 0.504), '$0.00 less (0%)');
    assert.equal(saved(0, 0), '$0.00 less');
  });

  it('tells paid from cached', () => {
    assert.equal(paidNote(0.26461, 0.26309), 'paid now $0.2631, $0.00152 from the cache');
    assert.equal(paidNote(0.5, 0.5), 'all paid in this run');
  });
});
