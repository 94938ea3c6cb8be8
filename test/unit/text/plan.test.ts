import * as assert from 'node:assert/strict';
import { describePlan, planEntryDetail, planShares, planUse, usedEntries } from '../../../src/text/plan';
import { REPORT } from '../../support/runFixtures';

const MIX = REPORT.plan;

describe('plan words', () => {
  it('says what the plan is and which items it covers', () => {
    assert.equal(describePlan(MIX, 'gpt-4o', 390), "A mix of models for the 2,010 items left after profiling (the 390 profiled items keep gpt-4o's output).");
    assert.equal(describePlan({ ...MIX, kind: 'single' }, 'gpt-4o', 1), "One model for the 2,010 items left after profiling (the 1 profiled item keeps gpt-4o's output).");
    assert.equal(describePlan({ ...MIX, kind: 'naive' }, 'gpt-4o', 0), 'The reference alone for all 2,010 items.');
  });

  it('says when profiling covered every item', () => {
    const empty = { ...MIX, entries: MIX.entries.map((e) => ({ ...e, items: 0 })) };
    assert.equal(describePlan(empty, 'gpt-4o', 2400), "All 2,400 items were profiled, so every output is gpt-4o's.");
    assert.equal(describePlan(empty, 'gpt-4o', 1), "All 1 item was profiled, so every output is gpt-4o's.");
    assert.equal(planShares(empty), '');
  });

  it('lists the shares of the models used, leaving out unused ones', () => {
    assert.deepEqual(usedEntries(MIX).map((e) => e.id), ['gpt-4o-mini', 'gpt-4.1-nano', 'gpt-4o']);
    assert.equal(planShares(MIX), 'gpt-4o-mini 34.7% (698 items), gpt-4.1-nano 28.4% (570 items), gpt-4o 36.9% (742 items)');
  });

  it('says what each entry rests on and how much of the rest it takes', () => {
    assert.equal(planEntryDetail(MIX.entries[0], 'gpt-4o'), 'agreement at least 95.5% (holds with 97.5% confidence)');
    assert.equal(planEntryDetail(MIX.entries[2], 'gpt-4o'), 'the reference itself');
    assert.equal(planUse(MIX.entries[1]), 'used on 28.4% of the rest');
  });
});
