import * as assert from 'node:assert/strict';
import type { PlanSpec } from '../../../src/core/plans/planSpec';
import { describePlan, planAction, planEntryDetail, planName, planShares, planUse, usedEntries } from '../../../src/text/plan';
import { REPORT } from '../../support/runFixtures';

const MIX = REPORT.plan;

describe('plan words', () => {
  it('says what the plan is and which items it covers', () => {
    assert.equal(describePlan(MIX, 'gpt-4o', 390), "A mix of plans for the 2,010 items left after profiling (the 390 profiled items keep gpt-4o's output).");
    assert.equal(describePlan({ ...MIX, kind: 'single' }, 'gpt-4o', 1), "One plan for the 2,010 items left after profiling (the 1 profiled item keeps gpt-4o's output).");
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
    assert.equal(planEntryDetail(MIX.entries[0], 'gpt-4o'), 'agreement on its items at least 95.5%; $0.0001 per item');
    assert.equal(planEntryDetail({ ...MIX.entries[0], coverage: 0.925 }, 'gpt-4o'), 'keeps the cheap answer on 92.5% of items; agreement on its items at least 95.5%; $0.0001 per item');
    assert.equal(planEntryDetail(MIX.entries[2], 'gpt-4o'), 'the reference itself');
    assert.equal(planUse([MIX.entries[1]]), 'in the plan for 28.4% of the rest');
    assert.equal(planUse([MIX.entries[0], MIX.entries[1]]), 'in the plan for 63.1% of the rest');
  });

  it('names gates by what they ask and where they escalate, and says what they do', () => {
    const gated: PlanSpec = { kind: 'gated', members: ['nano', 'flash'], escalate: 'gpt-4o' };
    const confident: PlanSpec = { kind: 'confident', model: 'nano', threshold: 0.9, escalate: 'gpt-4o' };
    assert.equal(planName({ kind: 'single', model: 'nano' }), 'nano');
    assert.equal(planName(gated), 'nano + flash (else gpt-4o)');
    assert.equal(planName(confident), 'nano at 90% sure (else gpt-4o)');
    assert.equal(planAction(gated), "nano and flash answer each item; where they give the same answer, nano's is kept, and where they differ, gpt-4o answers.");
    assert.match(planAction({ kind: 'gated', members: ['a', 'b', 'c'], escalate: 'r' }), /^a, b and c answer each item/);
    assert.match(planAction(confident), /probability of at least 90% it is kept, otherwise gpt-4o answers/);
  });
});
