import * as assert from 'node:assert/strict';
import { clopperPearson, clopperPearsonLowerReaches } from '../../../../src/core/stats/clopperPearson';

describe('clopperPearson', () => {
  // (agreements, n, confidence) -> (lower, upper), from scipy 1.17:
  // binomtest(s, n).proportion_ci(confidence_level=c, method='exact').
  const cases: Array<[number, number, number, number, number]> = [
    [0, 10, 0.95, 0, 0.3084971078],
    [10, 10, 0.95, 0.6915028922, 1],
    [7, 10, 0.95, 0.3475471499, 0.9332604888],
    [96, 100, 0.95, 0.9007428433, 0.988995506],
    [960, 1000, 0.95, 0.9459273032, 0.9712723747],
    [26, 30, 0.95, 0.6927816497, 0.9624465037],
    [95, 100, 0.99, 0.8648553175, 0.9890596664],
    [480, 500, 0.9, 0.9424044379, 0.9733361469],
    // Edges and the sample sizes the early-termination rule reaches.
    [1, 1, 0.95, 0.025, 1],
    [5, 5, 0.95, 0.4781762499, 1],
    [0, 200, 0.9, 0, 0.0148670392],
    [124800, 130000, 0.95, 0.9589206176, 0.9610588019],
    [129999, 130000, 0.95, 0.999957142, 0.9999998052],
    [1, 130000, 0.99, 0.0000000386, 0.0000571534],
    [65000, 130000, 0.95, 0.4972781982, 0.5027218018],
    [12000, 13000, 0.9, 0.919123759, 0.9268892455],
  ];
  for (const [s, n, c, lower, upper] of cases) {
    it(`(${s}, ${n}, ${c}) -> [${lower}, ${upper}] within 1e-7`, () => {
      const ci = clopperPearson(s, n, c);
      assert.ok(Math.abs(ci.lower - lower) <= 1e-7, `lower ${ci.lower}, scipy ${lower}`);
      assert.ok(Math.abs(ci.upper - upper) <= 1e-7, `upper ${ci.upper}, scipy ${upper}`);
    });
  }

  it('gives [0, 1] before any item', () => {
    assert.deepEqual(clopperPearson(0, 0, 0.95), { lower: 0, upper: 1 });
  });

  it('rejects impossible arguments with a RangeError naming them', () => {
    assert.throws(() => clopperPearson(11, 10, 0.95), /agreements/);
    assert.throws(() => clopperPearson(-1, 10, 0.95), /agreements/);
    assert.throws(() => clopperPearson(1.5, 10, 0.95), /agreements/);
    assert.throws(() => clopperPearson(1, 10.5, 0.95), /n must/);
    assert.throws(() => clopperPearson(0, -1, 0.95), /n must/);
    assert.throws(() => clopperPearson(5, 10, 1), /confidence/);
    assert.throws(() => clopperPearson(5, 10, 0), /confidence/);
    assert.throws(() => clopperPearson(5, 10, NaN), /confidence/);
    assert.throws(() => clopperPearson(11, 10, 0.95), RangeError);
  });
});

describe('clopperPearson threshold tests', () => {
  it('are exact at s = n with a target near 1', () => {
    // L(n, n) = (alpha / 2)^(1/n): with n = 130,000 and alpha = 0.05 that is 0.99997162.
    const lower = Math.pow(0.025, 1 / 130000);
    assert.equal(clopperPearsonLowerReaches(130000, 130000, lower - 1e-9, 0.95), true);
    assert.equal(clopperPearsonLowerReaches(130000, 130000, lower + 1e-9, 0.95), false);
    assert.equal(clopperPearsonLowerReaches(129999, 130000, lower - 1e-9, 0.95), false);
  });
});
