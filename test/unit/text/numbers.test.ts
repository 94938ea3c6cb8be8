import * as assert from 'node:assert/strict';
import { count, exactPercent, fixed, interval, items, level, percent, percentAtLeast, plural, seconds, tokens } from '../../../src/text/numbers';
import { expectEach } from './expectEach';

describe('count, plural and items', () => {
  it('puts thousands separators in counts and rounds to whole numbers', () => {
    expectEach(count, [
      [0, '0'],
      [12345, '12,345'],
      [-12345, '-12,345'],
      [73.6, '74'],
      [1e15, '1,000,000,000,000,000'],
      [Number.NaN, '–'],
      [Number.POSITIVE_INFINITY, '–'],
    ]);
  });

  it('says one item, and items otherwise', () => {
    expectEach(items, [
      [1, '1 item'],
      [0, '0 items'],
      [2, '2 items'],
      [2400, '2,400 items'],
    ]);
    assert.equal(plural(1, 'invalid line'), '1 invalid line');
    assert.equal(plural(3, 'invalid line'), '3 invalid lines');
    assert.equal(plural(1, 'item was', 'items were'), '1 item was');
    assert.equal(plural(5, 'item was', 'items were'), '5 items were');
  });
});

describe('tokens', () => {
  it('counts tokens in full below a million, in millions from there', () => {
    expectEach(tokens, [
      [0, '0'],
      [19425, '19,425'],
      [999_999, '999,999'],
      [1_000_000, '1.0M'],
      [12_345_678, '12.3M'],
      [2.5e12, '2,500,000.0M'],
      [Number.NaN, '–'],
    ]);
  });
});

describe('percent and level', () => {
  it('shows shares without float noise or trailing zeros', () => {
    assert.equal(0.57 * 100, 56.99999999999999, 'the noise there is to avoid');
    expectEach(percent, [
      [0.57, '57%'],
      [0.962, '96.2%'],
      [0.96, '96%'],
      [1, '100%'],
      [0, '0%'],
      [0.9625, '96.3%'],
      [0.99996, '100%'],
    ]);
  });

  it('rounds to the digits asked for', () => {
    assert.equal(percent(0.0551, 0), '6%');
    assert.equal(percent(0.12345, 2), '12.35%');
  });

  it('shows tiny and negative shares, never "-0%"', () => {
    expectEach(percent, [
      [0.00004, '0%'],
      [-0.00004, '0%'],
      [-0, '0%'],
      [-0.05, '-5%'],
    ]);
  });

  it('puts thousands separators in huge percentages, and no figure for NaN or infinities', () => {
    expectEach(percent, [
      [123.45, '12,345%'],
      [Number.NaN, '–'],
      [Number.NEGATIVE_INFINITY, '–'],
    ]);
  });

  it('shows target and confidence levels with up to two decimals', () => {
    expectEach(level, [
      [0.95, '95%'],
      [0.975, '97.5%'],
      [0.9995, '99.95%'],
      [0.57, '57%'],
    ]);
  });
});

describe('interval, fixed and seconds', () => {
  it('shows an interval as its two ends, each rounded outwards', () => {
    assert.equal(interval({ lower: 0.931, upper: 0.98 }), '93.1%–98%');
    assert.equal(interval({ lower: 0, upper: 1 }), '0%–100%');
    assert.equal(interval({ lower: 0.94158, upper: 0.98931 }), '94.1%–99%');
  });

  it('rounds a lower bound down, so that "at least" stays true', () => {
    expectEach(percentAtLeast, [
      [2320 / 2400, '96.6%'],
      [2279 / 2400, '94.9%'],
      [0.57, '57%'],
      [1, '100%'],
      [Number.NaN, '–'],
    ]);
  });

  it("shows a gate's threshold with every digit it has, where rounding would move it", () => {
    expectEach(exactPercent, [
      [0.99732, '99.732%'],
      [0.99999999, '99.999999%'],
      [0.9, '90%'],
      [0, '0%'],
      [Number.NaN, '–'],
    ]);
  });

  it('shows exactly the decimals asked for', () => {
    assert.equal(fixed(2.7, 2), '2.70');
    assert.equal(fixed(1.005, 2), '1.01');
    assert.equal(fixed(1234.56, 1), '1,234.6');
    assert.equal(fixed(Number.NaN, 1), '–');
  });

  it('shows durations in seconds', () => {
    expectEach(seconds, [
      [183_000, '183.0 s'],
      [0, '0.0 s'],
      [Number.POSITIVE_INFINITY, '–'],
    ]);
    assert.equal(seconds(1234, 2), '1.23 s');
  });
});
