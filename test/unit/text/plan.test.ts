import * as assert from 'node:assert/strict';
import type { PlanSpec } from '../../../src/core/plans/planSpec';
import { describePlan, entryShare, modelUse, planAction, planEntryDetail, planName, planShares, usedEntries } from '../../../src/text/plan';
import { AUTO_REPORT, REPORT } from '../../support/runFixtures';

const MIX = REPORT.plan;

describe('plan words', () => {
  it('says what the plan is and which items it covers', () => {
    assert.equal(describePlan(MIX, 'gpt-4o', 390), "A mix of models for the 2,010 items left after profiling (the 390 profiled items keep gpt-4o's output).");
    const gate: PlanSpec = { kind: 'gated', members: ['gpt-4.1-nano', 'gpt-4o-mini'], escalate: 'gpt-4o' };
    const withGate = { ...MIX, entries: [{ ...MIX.entries[0], plan: gate }, ...MIX.entries.slice(1)] };
    assert.equal(
      describePlan(withGate, 'gpt-4o', 390),
      "A mix of plans for the 2,010 items left after profiling (the 390 profiled items keep gpt-4o's output).",
    );
    assert.equal(
      describePlan({ ...MIX, kind: 'single' }, 'gpt-4o', 1),
      "One plan for the 2,010 items left after profiling (the 1 profiled item keeps gpt-4o's output).",
    );
    assert.equal(describePlan({ ...MIX, kind: 'naive' }, 'gpt-4o', 0), 'The reference alone for all 2,010 items.');
  });

  it('says when profiling covered every item', () => {
    const empty = { ...MIX, entries: MIX.entries.map((e) => ({ ...e, items: 0 })) };
    assert.equal(describePlan(empty, 'gpt-4o', 2400), "All 2,400 items were profiled, so every output is gpt-4o's.");
    assert.equal(describePlan(empty, 'gpt-4o', 1), "All 1 item was profiled, so every output is gpt-4o's.");
    assert.equal(planShares(empty), '');
  });

  it('lists the shares of the models used, leaving out unused ones', () => {
    assert.deepEqual(
      usedEntries(MIX).map((e) => e.id),
      ['gpt-4o-mini', 'gpt-4.1-nano', 'gpt-4o'],
    );
    // Shares from the item counts: one item of 740 left to the reference is 0.1%, whatever share the solver gave it before rounding.
    const last = {
      ...MIX,
      entries: [
        { ...MIX.entries[0], share: 0.9996, items: 739 },
        { ...MIX.entries[2], share: 0.0004, items: 1 },
      ],
    };
    assert.equal(planShares(last), 'gpt-4o-mini 99.9% (739 items), gpt-4o 0.1% (1 item)');
    assert.equal(modelUse('gpt-4o', last, 'gpt-4o', 186), 'answers the profiled items and 0.1% of the rest');
    assert.equal(planShares(MIX), 'gpt-4o-mini 34.7% (698 items), gpt-4.1-nano 28.4% (570 items), gpt-4o 36.9% (742 items)');
  });

  it('says what each entry rests on: its bound is on the items it answers, the target is for the whole file', () => {
    assert.equal(entryShare(MIX, MIX.entries[0]), '34.7% · 698 items');
    // The paper's strategies bound a rate.
    assert.equal(
      planEntryDetail(MIX.entries[0], 'gpt-4o', 0.95),
      'expected agreement rate with gpt-4o on the 698 items it answers at least 95.5%; $0.0001 per item',
    );
    assert.equal(
      planEntryDetail({ ...MIX.entries[0], coverage: 0.925 }, 'gpt-4o', 0.95),
      'keeps the cheap answer on 92.5% of items; expected agreement rate with gpt-4o on the 698 items it answers at least 95.5%; $0.0001 per item',
    );
    assert.equal(planEntryDetail(MIX.entries[2], 'gpt-4o', 0.95), 'the reference itself');
    assert.equal(
      planEntryDetail({ ...MIX.entries[0], items: 1 }, 'gpt-4o', 0.95),
      'expected agreement rate with gpt-4o on the 1 item it answers at least 95.5%; $0.0001 per item',
    );
    // `auto` certifies a count of the outputs the entry writes.
    assert.equal(
      planEntryDetail(AUTO_REPORT.plan.entries[0], 'gpt-4o', 0.95),
      'keeps the cheap answer on 90% of items; at least 1,176 of its 1,206 outputs (97.5%) agree with gpt-4o; $0.0000365 per item',
    );
    assert.equal(
      planEntryDetail({ ...AUTO_REPORT.plan.entries[1], items: 1, agreeing: 1, lowerBound: 1 }, 'gpt-4o', 0.95),
      'at least 1 of its 1 output (100%) agrees with gpt-4o; $0.0000127 per item',
    );
  });

  it('says beside a bound under the target that the target is for the whole file', () => {
    // The case: "agreement at least 82.7%" against a 90% target.
    const weak = { ...MIX.entries[1], lowerBound: 0.827 };
    assert.equal(
      planEntryDetail(weak, 'gpt-4o', 0.9),
      'expected agreement rate with gpt-4o on the 570 items it answers at least 82.7%, below the 90% target, which is for the whole file; $0.0001 per item',
    );
    assert.equal(
      planEntryDetail(AUTO_REPORT.plan.entries[1], 'gpt-4o', 0.95),
      'at least 452 of its 502 outputs (90%) agree with gpt-4o, below the 95% target, which is for the whole file; $0.0000127 per item',
    );
  });

  it('says how much of the rest each model answers, apart from what profiling concluded', () => {
    assert.equal(modelUse('gpt-4.1-nano', MIX, 'gpt-4o', 390), 'answers 28.4% of the rest');
    assert.equal(modelUse('gpt-4.1-mini', MIX, 'gpt-4o', 390), 'not used', 'an entry with no items');
    assert.equal(modelUse('claude-3-5-haiku', MIX, 'gpt-4o', 390), 'not used');
    assert.equal(modelUse('gpt-4o', MIX, 'gpt-4o', 390), 'answers the profiled items and 36.9% of the rest');
    assert.equal(modelUse('gpt-4o', MIX, 'gpt-4o', 0), 'answers 36.9% of the items', 'nothing profiled: the rest is every item');
    const alone = { ...MIX, entries: MIX.entries.map((e) => (e.id === 'gpt-4o' ? e : { ...e, items: 0 })) };
    assert.equal(modelUse('gpt-4o', { ...alone, entries: alone.entries.map((e) => ({ ...e, items: 0 })) }, 'gpt-4o', 2400), 'answers the profiled items');
  });

  it('says which models a gate asks, and that the reference answers what gates pass on', () => {
    const plan = AUTO_REPORT.plan;
    assert.equal(modelUse('gpt-4.1-nano', plan, 'gpt-4o', 390), 'in a gate on 60% of the rest');
    assert.equal(modelUse('gemini-2.0-flash', plan, 'gpt-4o', 390), 'in a gate on 60% of the rest');
    assert.equal(modelUse('gpt-4o', plan, 'gpt-4o', 390), 'answers the profiled items, 15% of the rest and the items gates pass on');
    const both = {
      ...plan,
      entries: plan.entries.map((e) => (e.id === 'gpt-4o-mini' ? { ...e, id: 'gpt-4.1-nano', plan: { kind: 'single' as const, model: 'gpt-4.1-nano' } } : e)),
    };
    assert.equal(modelUse('gpt-4.1-nano', both, 'gpt-4o', 390), 'answers 25% of the rest; in a gate on 60% of the rest');
    const confident = {
      ...plan,
      entries: [
        { ...plan.entries[0], plan: { kind: 'confident' as const, model: 'gpt-4.1-nano', threshold: 0.9, escalate: 'gpt-4o' } },
        ...plan.entries.slice(1),
      ],
    };
    assert.equal(modelUse('gpt-4.1-nano', confident, 'gpt-4o', 390), 'in a gate on 60% of the rest');
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
