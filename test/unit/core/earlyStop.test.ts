import * as assert from 'node:assert/strict';
import { decideEarlyStop, expectedCostAfter, type EarlyStopInput } from '../../../src/core/earlyStop';
import { confidenceBound } from '../../../src/core/stats/confidenceBound';
import { probabilitySatisfiedAfter } from '../../../src/core/stats/satisfyProbability';

const bound = confidenceBound('clopper-pearson');

/** 1,000 items left; the reference at $1 an item, the satisfied model it would fall back on too; one cheap candidate, undecided but promising. */
function input(applyFactor: number): EarlyStopInput {
  return {
    remaining: 1000,
    referenceCostPerItem: 1,
    satisfiedCostPerItem: 1 * applyFactor,
    candidates: [{ agreements: 92, n: 100, costPerItem: 0.1, applyCostPerItem: 0.1 * applyFactor }],
    bound,
    accuracy: 0.9,
    confidence: 0.95,
  };
}

describe('the early-termination rule', () => {
  it('pays list prices for profiling and the discounted prices for the items after it', () => {
    for (const factor of [1, 0.5]) {
      const p = probabilitySatisfiedAfter(bound, 92, 100, 40, 0.9, 0.95);
      const expected = 40 * (1 + 0.1) + (1000 - 40) * (p * 0.1 * factor + (1 - p) * 1 * factor);
      assert.ok(Math.abs(expectedCostAfter(input(factor), 40) - expected) < 1e-9, `factor ${factor}`);
    }
  });

  it('stops when profiling more costs more than it can save on the rest, and a discount on the rest makes that sooner', () => {
    const online = decideEarlyStop(input(1));
    assert.equal(online.stop, false, 'at list prices another round of profiling pays');
    assert.equal(online.stopCost, 1000);
    const batch = decideEarlyStop(input(0.05));
    assert.equal(batch.stop, true, 'when the rest costs a twentieth, profiling at list price does not pay');
    assert.equal(batch.stopCost, 50);
  });
});
