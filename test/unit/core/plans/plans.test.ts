import * as assert from 'node:assert/strict';
import { planFamily, TRIPLE_POOL } from '../../../../src/core/plans/planFamily';
import { gateHolds, planOutcome } from '../../../../src/core/plans/planOutcome';
import { escalation, firstCalls, keptModel, planId, planModels, type PlanSpec } from '../../../../src/core/plans/planSpec';
import { PlanTally } from '../../../../src/core/plans/planTally';
import type { Completion } from '../../../../src/core/types';

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
const answer = (text: string, confidence?: number): Completion => ({ text, inputTokens: 10, outputTokens: 1, ...(confidence !== undefined ? { confidence } : {}) });
const costs: Record<string, number> = { a: 1, b: 2, c: 3, ref: 100 };

describe('plans', () => {
  const gated: PlanSpec = { kind: 'gated', members: ['a', 'b'], escalate: 'ref' };
  const confident: PlanSpec = { kind: 'confident', model: 'a', threshold: 0.9, escalate: 'ref' };

  it('names plans and the models they call', () => {
    assert.equal(planId({ kind: 'single', model: 'a' }), 'a');
    assert.equal(planId(gated), 'a+b>ref');
    assert.equal(planId(confident), 'a@0.9>ref');
    assert.deepEqual(firstCalls(gated), ['a', 'b']);
    assert.equal(keptModel(gated), 'a');
    assert.equal(escalation({ kind: 'single', model: 'a' }), undefined);
    assert.deepEqual(planModels(confident), ['a', 'ref']);
  });

  it('keeps a gated answer only when every member gives it, under the comparison rule', () => {
    assert.equal(gateHolds(gated, (m) => answer(m === 'a' ? 'Spam' : ' spam'), same), true);
    assert.equal(gateHolds(gated, (m) => answer(m === 'a' ? 'spam' : 'ham'), same), false);
    const triple: PlanSpec = { kind: 'gated', members: ['a', 'b', 'c'], escalate: 'ref' };
    assert.equal(gateHolds(triple, (m) => answer(m === 'c' ? 'ham' : 'spam'), same), false);
  });

  it('keeps a confident answer at or above its threshold, and escalates without a probability', () => {
    assert.equal(gateHolds(confident, () => answer('spam', 0.9), same), true);
    assert.equal(gateHolds(confident, () => answer('spam', 0.89), same), false);
    assert.equal(gateHolds(confident, () => answer('spam'), same), false);
  });

  it('replays a plan on a profiled item: agreement, escalation and cost', () => {
    const answers: Record<string, Completion> = { a: answer('spam'), b: answer('spam'), ref: answer('ham') };
    const agrees = (m: string): boolean => same(answers[m].text, answers.ref.text);
    const kept = planOutcome(gated, (m) => answers[m], agrees, same, (m) => costs[m]);
    assert.deepEqual(kept, { agrees: false, escalated: false, cost: 3 });
    answers.b = answer('ham');
    const escalated = planOutcome(gated, (m) => answers[m], agrees, same, (m) => costs[m]);
    assert.deepEqual(escalated, { agrees: true, escalated: true, cost: 103 });
    // Agreement with the reference is what `agrees` says (a judge's verdict), not the text compared.
    answers.b = answer('spam');
    assert.deepEqual(planOutcome(gated, (m) => answers[m], (m) => m === 'a', same, (m) => costs[m]), { agrees: true, escalated: false, cost: 3 });
  });

  it('tallies agreement, coverage and mean cost', () => {
    const tally = new PlanTally();
    assert.equal(tally.rate, undefined);
    tally.add({ agrees: true, escalated: false, cost: 3 });
    tally.add({ agrees: true, escalated: true, cost: 103 });
    tally.add({ agrees: false, escalated: false, cost: 3 });
    assert.equal(tally.n, 3);
    assert.equal(tally.agreements, 2);
    assert.ok(Math.abs(tally.coverage! - 2 / 3) < 1e-15);
    assert.equal(tally.meanCost, 109 / 3);
  });

  it('builds singles, every pair, triples of the cheapest, and confidence gates where reported', () => {
    const candidates = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const family = planFamily({ candidates, reference: 'ref', withConfidence: new Set(['m1']) });
    const count = (kind: string, size?: number): number => family.filter((p) => p.kind === kind && (size === undefined || firstCalls(p).length === size)).length;
    assert.equal(count('single'), 8);
    assert.equal(count('gated', 2), 28);
    assert.equal(count('gated', 3), (TRIPLE_POOL * (TRIPLE_POOL - 1) * (TRIPLE_POOL - 2)) / 6);
    assert.ok(family.filter((p) => p.kind === 'gated' && firstCalls(p).length === 3).every((p) => firstCalls(p).every((m) => candidates.indexOf(m) < TRIPLE_POOL)));
    assert.ok(count('confident') > 0);
    assert.ok(family.filter((p) => p.kind === 'confident').every((p) => firstCalls(p)[0] === 'm1'));
    // Members cheapest first: the kept answer is the cheapest member's.
    assert.ok(family.filter((p) => p.kind === 'gated').every((p) => candidates.indexOf(firstCalls(p)[0]) < candidates.indexOf(firstCalls(p)[1])));
    assert.equal(new Set(family.map(planId)).size, family.length);
  });
});
