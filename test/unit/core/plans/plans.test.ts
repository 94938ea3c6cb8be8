import * as assert from 'node:assert/strict';
import type { CallCost } from '../../../../src/core/costMeter';
import { JUDGED_POOL, planFamily, TRIPLE_POOL } from '../../../../src/core/plans/planFamily';
import { gateHolds, gateVerdictOf, needsJudge, planOutcome } from '../../../../src/core/plans/planOutcome';
import { escalation, firstCalls, judgedGate, keptModel, planId, planModels, type PlanSpec } from '../../../../src/core/plans/planSpec';
import { PlanTally } from '../../../../src/core/plans/planTally';
import type { Completion } from '../../../../src/core/types';

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
const answer = (text: string, confidence?: number): Completion => ({
  text,
  inputTokens: 10,
  outputTokens: 1,
  ...(confidence !== undefined ? { confidence } : {}),
});
const costs: Record<string, number> = { a: 1, b: 2, c: 3, ref: 100 };
/** Each call's cost, three quarters of it for the prompt. */
const price = (m: string): CallCost => ({ input: 0.75 * costs[m], output: 0.25 * costs[m] });

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
    assert.equal(
      gateHolds(gated, (m) => answer(m === 'a' ? 'Spam' : ' spam'), same),
      true,
    );
    assert.equal(
      gateHolds(gated, (m) => answer(m === 'a' ? 'spam' : 'ham'), same),
      false,
    );
    const triple: PlanSpec = { kind: 'gated', members: ['a', 'b', 'c'], escalate: 'ref' };
    assert.equal(
      gateHolds(triple, (m) => answer(m === 'c' ? 'ham' : 'spam'), same),
      false,
    );
  });

  it('keeps a confident answer at or above its threshold, and escalates without a probability', () => {
    assert.equal(
      gateHolds(confident, () => answer('spam', 0.9), same),
      true,
    );
    assert.equal(
      gateHolds(confident, () => answer('spam', 0.89), same),
      false,
    );
    assert.equal(
      gateHolds(confident, () => answer('spam'), same),
      false,
    );
  });

  it('replays a plan on a profiled item: agreement, escalation and cost', () => {
    const answers: Record<string, Completion> = { a: answer('spam'), b: answer('spam'), ref: answer('ham') };
    const agrees = (m: string): boolean => same(answers[m].text, answers.ref.text);
    const kept = planOutcome(gated, (m) => answers[m], agrees, same, price);
    assert.deepEqual(kept, { agrees: false, escalated: false, cost: 3, inputCost: 2.25, judged: false });
    answers.b = answer('ham');
    const escalated = planOutcome(gated, (m) => answers[m], agrees, same, price);
    assert.deepEqual(escalated, { agrees: true, escalated: true, cost: 103, inputCost: 77.25, judged: false });
    // Agreement with the reference is what `agrees` says (a judge's verdict), not the text compared.
    answers.b = answer('spam');
    assert.deepEqual(
      planOutcome(
        gated,
        (m) => answers[m],
        (m) => m === 'a',
        same,
        price,
      ),
      { agrees: true, escalated: false, cost: 3, inputCost: 2.25, judged: false },
    );
  });

  it("decides a judged gate by the rule where the pair is the same, and by the judge's verdict elsewhere (none: escalate)", () => {
    const judged: PlanSpec = { kind: 'gated', members: ['a', 'b'], escalate: 'ref', judged: true };
    assert.equal(planId(judged), 'a~b>ref');
    assert.equal(judgedGate(judged), true);
    assert.equal(judgedGate(gated), false);
    const answers: Record<string, Completion> = { a: answer('Paris is the capital'), b: answer(' paris is the capital'), ref: answer('The capital is Paris.') };
    const answerOf = (m: string): Completion => answers[m];
    assert.equal(needsJudge(judged, answerOf, same), false, 'the same by the rule');
    assert.equal(gateHolds(judged, answerOf, same), true);
    assert.deepEqual(
      planOutcome(judged, answerOf, () => true, same, price, { said: undefined, cost: 0.5 }),
      { agrees: true, escalated: false, cost: 3, inputCost: 2.25, judged: false },
    );
    answers.b = answer('It is Paris.');
    assert.equal(needsJudge(judged, answerOf, same), true);
    assert.equal(needsJudge(gated, answerOf, same), false, 'a gate without the judge never asks it');
    assert.equal(gateHolds(judged, answerOf, same, true), true);
    assert.equal(gateHolds(judged, answerOf, same, false), false);
    assert.equal(gateHolds(judged, answerOf, same), false, 'no verdict, no agreement');
    assert.deepEqual(
      planOutcome(judged, answerOf, (m) => m !== 'a', same, price, { said: true, cost: 0.5 }),
      { agrees: false, escalated: false, cost: 3.5, inputCost: 2.25, judged: true },
    );
    assert.deepEqual(
      planOutcome(judged, answerOf, (m) => m !== 'a', same, price, gateVerdictOf('unreadable', 0.5)),
      { agrees: true, escalated: true, cost: 103.5, inputCost: 77.25, judged: true },
    );
    assert.deepEqual(gateVerdictOf('yes'), { said: true, cost: 0 });
    assert.deepEqual(gateVerdictOf(undefined), { said: undefined, cost: 0 });
  });

  it('tallies agreement, coverage and cost per item, its prompt part scaled to the length of the items priced (issue 16, item 1)', () => {
    const tally = new PlanTally();
    assert.equal(tally.rate, undefined);
    assert.equal(tally.costPerItemAt(100), undefined);
    // Two short items kept cheap, one long item escalated: 100 counted tokens each for the short, 1,000 for the long.
    tally.add({ agrees: true, escalated: false, cost: 3, inputCost: 2, judged: false }, 100);
    tally.add({ agrees: true, escalated: true, cost: 103, inputCost: 93, judged: false }, 1000);
    tally.add({ agrees: false, escalated: false, cost: 3, inputCost: 2, judged: false }, 100);
    assert.equal(tally.n, 3);
    assert.equal(tally.agreements, 2);
    assert.ok(Math.abs(tally.coverage! - 2 / 3) < 1e-15);
    assert.equal(tally.costPerItemAt(undefined), 109 / 3, 'without counts, the mean');
    // Output part 12/3 per item; prompt part 97 per 1,200 counted tokens.
    assert.ok(Math.abs(tally.costPerItemAt(400)! - 109 / 3) < 1e-12, "at the sample's own mean length, the mean");
    assert.ok(Math.abs(tally.costPerItemAt(4000)! - (4 + (97 / 1200) * 4000)) < 1e-12);
    const sum = tally.plus(tally);
    assert.equal(sum.n, 6);
    assert.equal(sum.escalations, 2);
    assert.ok(Math.abs(sum.costPerItemAt(4000)! - tally.costPerItemAt(4000)!) < 1e-12);
  });

  it('builds singles, every pair, triples of the cheapest, and confidence gates where reported', () => {
    const candidates = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const family = planFamily({ candidates, reference: 'ref', withConfidence: new Set(['m1']) });
    const count = (kind: string, size?: number): number =>
      family.filter((p) => p.kind === kind && (size === undefined || firstCalls(p).length === size)).length;
    assert.equal(count('single'), 8);
    assert.equal(count('gated', 2), 28);
    assert.equal(count('gated', 3), (TRIPLE_POOL * (TRIPLE_POOL - 1) * (TRIPLE_POOL - 2)) / 6);
    assert.ok(
      family.filter((p) => p.kind === 'gated' && firstCalls(p).length === 3).every((p) => firstCalls(p).every((m) => candidates.indexOf(m) < TRIPLE_POOL)),
    );
    assert.ok(count('confident') > 0);
    assert.ok(family.filter((p) => p.kind === 'confident').every((p) => firstCalls(p)[0] === 'm1'));
    // Members cheapest first: the kept answer is the cheapest member's.
    assert.ok(family.filter((p) => p.kind === 'gated').every((p) => candidates.indexOf(firstCalls(p)[0]) < candidates.indexOf(firstCalls(p)[1])));
    assert.equal(new Set(family.map(planId)).size, family.length);
    assert.equal(family.filter(judgedGate).length, 0, 'no judged gate without a judge');
    const withJudge = planFamily({ candidates, reference: 'ref', withConfidence: new Set(), judge: true });
    assert.deepEqual(withJudge.filter(judgedGate).map(planId), ['m0~m1>ref', 'm0~m2>ref', 'm1~m2>ref'], `pairs of the cheapest ${JUDGED_POOL}`);
    assert.equal(new Set(withJudge.map(planId)).size, withJudge.length);
  });
});
