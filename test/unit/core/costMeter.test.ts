import * as assert from 'node:assert/strict';
import { CostMeter, splitCallCost } from '../../../src/core/costMeter';
import type { ModelSpec } from '../../../src/core/types';

const ref: ModelSpec = { id: 'ref', inputPer1M: 2.5, outputPer1M: 10 };
const mini: ModelSpec = { id: 'mini', inputPer1M: 0.15, outputPer1M: 0.6, applyPriceFactor: 0.5 };
const judge: ModelSpec = { id: 'judge', inputPer1M: 1, outputPer1M: 4 };

describe('CostMeter', () => {
  it("splits a call's cost into its prompt's part and its output's", () => {
    assert.deepEqual(splitCallCost(ref, { inputTokens: 400_000, outputTokens: 100_000 }), { input: 1, output: 1 });
    assert.deepEqual(splitCallCost(ref, { inputTokens: 400_000, outputTokens: 100_000 }, 0.5), { input: 0.5, output: 0.5 });
  });

  it('prices a call on items of a given counted length from the tokens reported per counted token, plus the mean output (issue 16, item 1)', () => {
    const meter = new CostMeter([ref, mini, judge]);
    // Two items of 100 and 300 counted tokens; the reference reports 1.5 times the count.
    meter.record(0, { text: 'a', inputTokens: 150, outputTokens: 10 }, 100);
    meter.record(0, { text: 'a', inputTokens: 450, outputTokens: 30 }, 300);
    assert.ok(Math.abs(meter.costPerItem(0) - (300 * 2.5 + 20 * 10) / 1e6) < 1e-15, 'the mean per call');
    assert.ok(Math.abs(meter.costPerItemAt(0, 10_000) - (15_000 * 2.5 + 20 * 10) / 1e6) < 1e-15);
    assert.equal(meter.costPerItemAt(0, undefined), meter.costPerItem(0), 'without counts, the mean');
    // Before its first call, a model is priced from the ratio of the models counted so far, at its own prices and discount.
    assert.ok(Math.abs(meter.costPerItemAt(1, 10_000) - (15_000 * 0.15 + 20 * 0.6) / 1e6) < 1e-15);
    assert.ok(Math.abs(meter.applyCostPerItemAt(1, 10_000) - (0.5 * (15_000 * 0.15 + 20 * 0.6)) / 1e6) < 1e-15);
  });

  it("keeps the mean per call for a model whose calls were not all counted (a judge's verdicts)", () => {
    const meter = new CostMeter([ref, mini, judge]);
    meter.record(2, { text: 'yes', inputTokens: 200, outputTokens: 1 });
    assert.equal(meter.costPerItemAt(2, 10_000), meter.costPerItem(2));
    meter.record(0, { text: 'a', inputTokens: 150, outputTokens: 10 }, 100);
    assert.ok(Math.abs(meter.costPerItemAt(1, 1000) - (1500 * 0.15 + 10 * 0.6) / 1e6) < 1e-15, "the judge's calls are left out of the pooled ratio");
  });
});
