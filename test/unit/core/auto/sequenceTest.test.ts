import * as assert from 'node:assert/strict';
import { jStat } from 'jstat';
import { mostDisagreementsPassing, passesInSequence, thresholdAbove, thresholdsAtTheEdge } from '../../../../src/core/auto/sequenceTest';
import { hypergeometricLowerBound } from '../../../../src/core/stats/hypergeometric';
import { mulberry32 } from '../../../../src/core/random';

describe('certification in sequence: the test and its edge', () => {
  it('lets a plan pass with as many disagreements as a sample catches that few of the allowed and k more only rarely, for every k up to it', () => {
    for (const look of [
      { items: 120, population: 900, alpha: 0.046, allowed: 100 },
      { items: 300, population: 4700, alpha: 0.0023, allowed: 240 },
      { items: 150, population: 800, alpha: 0.046, allowed: 42 },
      { items: 20, population: 5000, alpha: 0.01, allowed: 10 },
    ]) {
      const most = mostDisagreementsPassing(look);
      const rare = (k: number) => jStat.hypgeom.cdf(k, look.population, look.allowed + 1 + k, look.items) <= look.alpha;
      for (let k = 0; k <= most; k++) assert.ok(rare(k), `${JSON.stringify(look)}: ${k}`);
      assert.ok(!rare(most + 1), JSON.stringify(look));
      // At least what the bound on the disagreements alone allows: the sample's own count only helps.
      const boundAlone = (d: number) => look.population - hypergeometricLowerBound(look.items - d, look.items, look.population, look.alpha) <= look.allowed;
      let alone = -1;
      while (boundAlone(alone + 1)) alone++;
      assert.ok(most >= alone, `${most} < ${alone}`);
      assert.ok(passesInSequence({ ...look, agreements: look.items - most }) && !passesInSequence({ ...look, agreements: look.items - most - 1 }));
    }
    assert.equal(mostDisagreementsPassing({ items: 20, population: 5000, alpha: 0.01, allowed: -1 }), -1);
    assert.equal(mostDisagreementsPassing({ items: 20, population: 30, alpha: 0.01, allowed: 30 }), 20);
  });

  it('keeps its promise however the disagreements lie: a false claim in at most alpha of the samples', () => {
    // 400 items left, 80 drawn, 20 disagreements allowed; the model disagrees on
    // 40 items, piled where it is surest (the hardest case for a gate from the top).
    const population = 400;
    const look = { items: 80, population, alpha: 0.05, allowed: 20 };
    const confidence = (i: number) => 1 - i / population;
    const disagrees = (i: number) => i < 40;
    const most = mostDisagreementsPassing(look);
    const random = mulberry32(7);
    const runs = 20_000;
    let wrong = 0;
    const order = [...Array(population).keys()];
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < look.items; i++) {
        const j = i + Math.floor(random() * (population - i));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const sample = order.slice(0, look.items);
      const edge = thresholdsAtTheEdge(sample.filter(disagrees).map(confidence), most);
      if (edge.lowest === undefined) continue;
      const drawn = new Set(sample);
      const missed = order.filter((i) => !drawn.has(i) && disagrees(i) && confidence(i) >= edge.lowest!).length;
      if (missed > look.allowed) wrong++;
    }
    const rate = wrong / runs;
    assert.ok(rate <= look.alpha + 3 * Math.sqrt((look.alpha * (1 - look.alpha)) / runs), `false claims in ${rate}`);
    assert.ok(rate > 0.01, `the case is not hard: ${rate}`);
  });

  it('takes the lowest threshold above the confidence where the disagreements first exceed what passes', () => {
    const disagreeing = [0.42, 0.9995, 0.97, 0.81, 0.97];
    // Two may pass: the third highest, 0.97, is where a gate first fails.
    const edge = thresholdsAtTheEdge(disagreeing, 2);
    assert.equal(edge.failing, 0.97);
    assert.equal(edge.lowest, 0.97001);
    assert.ok(disagreeing.filter((c) => c >= edge.lowest!).length <= 2);
    assert.ok(disagreeing.filter((c) => c >= edge.failing!).length > 2);
  });

  it('lets every gate and the model alone pass when the disagreements are few enough, and none when none may be', () => {
    assert.deepEqual(thresholdsAtTheEdge([0.9, 0.5], 2), {});
    assert.deepEqual(thresholdsAtTheEdge([0.9], -1), { failing: Infinity });
  });

  it('counts an item the model did not answer against every gate, an output without a confidence against the model alone', () => {
    assert.deepEqual(thresholdsAtTheEdge([Infinity, 0.5], 0), { failing: Infinity });
    assert.deepEqual(thresholdsAtTheEdge([0.9, -Infinity], 1), { lowest: 0, failing: -Infinity });
    assert.deepEqual(thresholdsAtTheEdge([1, 0.2], 0), { failing: 1 });
  });

  it('writes the threshold as the shortest decimal just above the edge, strictly above it', () => {
    assert.equal(thresholdAbove(0.5), 0.5001);
    assert.equal(thresholdAbove(0.9), 0.9001);
    assert.equal(thresholdAbove(0.98765432), 0.98766);
    for (const edge of [0, 0.1, 0.333333333333, 0.99999999, 1 - 1e-13, 1 - 2 ** -53]) {
      const t = thresholdAbove(edge);
      assert.ok(t > edge && t - edge <= Math.max((1 - edge) / 1000, Number.EPSILON), `${edge} -> ${t}`);
    }
    assert.equal(thresholdAbove(1 - 2 ** -53), 1);
  });
});
