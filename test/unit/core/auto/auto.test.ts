import * as assert from 'node:assert/strict';
import { jStat } from 'jstat';
import { expectedCost, lookSizes, LOOK_SHARES, planCertification, SEQUENCE_LOOK_SHARES, type PlanningInput } from '../../../../src/core/auto/certificationPlan';
import { runSmart, type RunOptions } from '../../../../src/core/engine';
import { indexSource } from '../../../../src/core/itemSource';
import { solveCertifiedMix } from '../../../../src/core/mix/certifiedMix';
import { clopperPearsonLower } from '../../../../src/core/stats/clopperPearson';
import { blockLowerBound, hypergeometricLowerBound } from '../../../../src/core/stats/hypergeometric';
import type { Completion, ModelSpec } from '../../../../src/core/types';
import { AGREEING_OUTPUT, SimulatedClient, type SimulatedModel } from '../../../../bench/simulatedClient';
import { heldBulk } from '../../../support/heldBulk';

const REF: SimulatedModel & ModelSpec = { id: 'ref', rate: 1, inputTokens: 100, outputTokens: 10, inputPer1M: 10, outputPer1M: 30 };
const model = (id: string, rate: number, pricePer1M: number): SimulatedModel & ModelSpec => ({
  id,
  rate,
  inputTokens: 100,
  outputTokens: 10,
  inputPer1M: pricePer1M,
  outputPer1M: pricePer1M,
});

function options(models: Array<SimulatedModel & ModelSpec>, items: number, accuracy: number, overrides: Partial<RunOptions<number>> = {}): RunOptions<number> {
  return {
    items: indexSource(items),
    models,
    reference: 'ref',
    client: new SimulatedClient(models, 11),
    target: { accuracy, confidence: 0.95 },
    seed: 5,
    ...overrides,
  };
}

const agreement = (outputs: ReadonlyArray<{ completion: Completion }>): number =>
  outputs.filter((o) => o.completion.text === AGREEING_OUTPUT).length / outputs.length;

describe('clopperPearsonLower', () => {
  it('matches scipy (beta.ppf(alpha, s, n - s + 1)) and the closed form at s = n', () => {
    const cases: Array<[number, number, number, number]> = [
      [90, 100, 0.05, 0.8362823767241852],
      [960, 1000, 0.025, 0.9459273031806316],
      [1918, 1948, 0.0175, 0.9775659932703781],
      [1, 10, 0.05, 0.005116196891823701],
      [10, 10, 0.05, 0.7411344491069477],
    ];
    for (const [s, n, alpha, expected] of cases) assert.ok(Math.abs(clopperPearsonLower(s, n, alpha) - expected) < 1e-9, `${s}/${n} at ${alpha}`);
    assert.equal(clopperPearsonLower(0, 10, 0.05), 0);
    assert.throws(() => clopperPearsonLower(3, 2, 0.05), RangeError);
    assert.throws(() => clopperPearsonLower(1, 2, 0), RangeError);
  });
});

describe('solveCertifiedMix', () => {
  const problem = { referenceId: 'ref', referenceCostPerItem: 20, items: 10_000, requiredAgreeing: 9500 };

  it('gives a plan certified below the count the largest block whose exact bound keeps the count, and the reference the rest', () => {
    const plan = { id: 'cheap', costPerItem: 1, agreeing: 8800, blockAlpha: 0.01 };
    const split = solveCertifiedMix({ ...problem, plans: [plan] });
    assert.deepEqual(
      split.blocks.map((b) => b.id),
      ['cheap', 'ref'],
    );
    const [block, reference] = split.blocks;
    assert.equal(block.items + reference.items, 10_000);
    assert.equal(block.agreeing, blockLowerBound(8800, 10_000, block.items, 0.01));
    assert.ok(block.agreeing + reference.items >= 9500, 'the count is kept');
    assert.ok(blockLowerBound(8800, 10_000, block.items + 1, 0.01) + reference.items - 1 < 9500, 'and one more item would break it');
    // The relaxation (a rate of 88% on any block) would give it 4,166 items; the block's own bound costs some.
    assert.ok(block.items < 4166 && block.items > 3800, `${block.items} items`);
    assert.equal(split.cost, block.items * 1 + reference.items * 20);
  });

  it('lets a plan certified above the count answer every item, bounded by its count alone', () => {
    const split = solveCertifiedMix({ ...problem, plans: [{ id: 'good', costPerItem: 1, agreeing: 9600, blockAlpha: 0.01 }] });
    assert.deepEqual(split.blocks, [
      { id: 'good', items: 10_000, agreeing: 9600 },
      { id: 'ref', items: 0, agreeing: 0 },
    ]);
  });

  it('mixes two plans where that is cheaper, each block bounded exactly, and leaves out a plan certified on fewer than half the items', () => {
    const plans = [
      { id: 'cheap', costPerItem: 1, agreeing: 8000, blockAlpha: 0.01 },
      { id: 'gate', costPerItem: 3, agreeing: 9800, blockAlpha: 0.01 },
      { id: 'useless', costPerItem: 0.1, agreeing: 4999, blockAlpha: 0.01 },
    ];
    const split = solveCertifiedMix({ ...problem, plans });
    assert.ok(
      split.blocks.some((b) => b.id === 'cheap' && b.items > 0) && split.blocks.some((b) => b.id === 'gate' && b.items > 0),
      JSON.stringify(split.blocks),
    );
    assert.ok(!split.blocks.some((b) => b.id === 'useless'));
    for (const b of split.blocks.filter((x) => x.id !== 'ref'))
      assert.equal(b.agreeing, blockLowerBound(plans.find((p) => p.id === b.id)!.agreeing, 10_000, b.items, 0.01));
    assert.ok(split.blocks.reduce((sum, b) => sum + b.agreeing, 0) >= 9500);
    assert.equal(
      split.blocks.reduce((sum, b) => sum + b.items, 0),
      10_000,
    );
  });

  it('gives every item to the reference when every item left must agree', () => {
    const split = solveCertifiedMix({ ...problem, requiredAgreeing: 10_000, plans: [{ id: 'good', costPerItem: 1, agreeing: 9990, blockAlpha: 0.01 }] });
    assert.deepEqual(split.blocks, [{ id: 'ref', items: 10_000, agreeing: 10_000 }]);
  });

  it('gives every item to the reference when no plan is certified, and nothing when nothing is left', () => {
    assert.deepEqual(solveCertifiedMix({ ...problem, plans: [] }).blocks, [{ id: 'ref', items: 10_000, agreeing: 10_000 }]);
    assert.deepEqual(solveCertifiedMix({ ...problem, items: 0, requiredAgreeing: 0, plans: [] }).blocks, [{ id: 'ref', items: 0, agreeing: 0 }]);
    assert.throws(() => solveCertifiedMix({ ...problem, requiredAgreeing: 10_001, plans: [] }), RangeError);
  });
});

describe('certification planning', () => {
  const input: PlanningInput = {
    items: 50_000,
    profiled: 200,
    accuracy: 0.95,
    referenceApplyCost: 1,
    profileCost: (m) => (m === 'ref' ? 1 : 0.02),
    reference: 'ref',
  };

  it('plans looks at fixed multiples, spending the error budget in shares that sum to it', () => {
    assert.deepEqual(lookSizes(100, 10_000), [100, 200, 400, 800]);
    assert.deepEqual(lookSizes(100, 250), [100, 200, 250]);
    assert.ok(Math.abs(LOOK_SHARES.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(Math.abs(SEQUENCE_LOOK_SHARES.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(SEQUENCE_LOOK_SHARES.length, LOOK_SHARES.length, 'a share for every look size');
  });

  it('certifies a plan that is clearly good, and nothing when no plan can pay', () => {
    const good = { id: 'good', agreements: 199, n: 200, applyCost: 0.02, members: ['good'], gateCost: 0 };
    const plan = planCertification([good], 0.05, input);
    assert.deepEqual(
      plan.plans.map((p) => p.id),
      ['good'],
    );
    assert.ok(plan.items > 0 && plan.items < 2000, `${plan.items} items`);
    assert.ok(plan.expectedCost < 0.1 * 50_000);
    const bad = { id: 'bad', agreements: 60, n: 200, applyCost: 0.02, members: ['bad'], gateCost: 0 };
    assert.equal(planCertification([bad], 0.05, input).items, 0);
  });

  it('expects a longer certification to cost more in profiling and less on the rest', () => {
    const plan = { id: 'p', agreements: 194, n: 200, applyCost: 0.02, members: ['p'], gateCost: 0 };
    const levels = { look: 0.028, block: 0.01 };
    const short = expectedCost([plan], 100, levels, input);
    const long = expectedCost([plan], 2000, levels, input);
    const none = expectedCost([plan], 0, levels, input);
    assert.ok(Math.abs(none - 49_800) < 1e-9, 'no certification: the reference on every item left');
    assert.ok(long < short, `${long} vs ${short}`);
  });
});

describe('runSmart, auto', () => {
  it('certifies a candidate that always agrees and gives it the rest', async () => {
    const { report, outputs } = await runSmart(options([REF, model('always', 1, 0.1)], 20_000, 0.95));
    assert.equal(report.strategy, 'auto');
    const c = report.plan.certification!;
    assert.ok(c.items > 0 && c.looks >= 1);
    assert.equal(c.plans[0].id, 'always');
    // Certified on a count of the items left when the certification began, less the ones it drew.
    const population = 20_000 - c.pilotItems;
    assert.equal(c.plans[0].agreeing, hypergeometricLowerBound(c.items, c.items, population, c.plans[0].alpha) - c.items);
    assert.equal(report.plan.agreeingOutputs, report.profiledItems + c.plans[0].agreeing);
    assert.equal(report.models.find((m) => m.id === 'always')!.itemsProduced, 20_000 - report.profiledItems);
    assert.ok(report.savings > 10, `savings ${report.savings}`);
    assert.ok(report.guarantee.met);
    assert.equal(agreement(outputs!), 1);
  });

  it('gates two cheap models that are each below the target: where they agree, it keeps the answer', async () => {
    // Each cheap model agrees 90% of the time, independently: they agree with each
    // other on 82% of items, and are then both right on 81%; the gate's agreement
    // is 1 - 0.01 = 0.99, above a 0.97 target neither reaches alone.
    const models = [REF, model('a', 0.9, 0.1), model('b', 0.9, 0.12)];
    const { report, outputs } = await runSmart(options(models, 50_000, 0.97));
    const used = report.plan.entries.filter((e) => e.items > 0);
    assert.ok(
      used.some((e) => e.plan.kind === 'gated'),
      `plan: ${used.map((e) => e.id).join(', ')}`,
    );
    const gate = used.find((e) => e.plan.kind === 'gated')!;
    assert.ok(gate.coverage! > 0.75 && gate.coverage! < 0.9, `coverage ${gate.coverage}`);
    assert.ok(report.plan.agreementLowerBound >= 0.97 - 1e-12);
    assert.ok(agreement(outputs!) >= 0.97);
    assert.ok(report.savings > 2, `savings ${report.savings}`);
  });

  it('keeps the reference when no candidate can come near the target', async () => {
    const { report, outputs } = await runSmart(options([REF, model('never', 0, 0.1)], 5000, 0.9));
    assert.ok(report.plan.entries.filter((e) => e.items > 0).every((e) => e.id === 'ref'));
    assert.equal(agreement(outputs!), 1);
    assert.ok(report.profiledItems < 200, `profiled ${report.profiledItems}`);
  });

  it('does not profile at all when even a perfect candidate could not repay it', async () => {
    const { report } = await runSmart(options([REF, model('cheap', 1, 0.1)], 30, 0.95));
    assert.equal(report.profiledItems, 0);
    assert.equal(report.models.find((m) => m.id === 'cheap')!.calls, 0);
  });

  it('profiles dear candidates only when the cheap ones cannot do the job', async () => {
    const models = [REF, model('cheap', 1, 0.1), model('dear', 1, 8)];
    const { report } = await runSmart(options(models, 20_000, 0.95));
    assert.equal(report.models.find((m) => m.id === 'dear')!.calls, 0);
    const fallback = await runSmart(options([REF, model('cheap', 0, 0.1), model('dear', 1, 3)], 20_000, 0.95));
    assert.ok(fallback.report.models.find((m) => m.id === 'dear')!.calls > 0);
  });

  it("gates on the answer's probability where the client reports one", async () => {
    // `sure` agrees 90% of the time, and is sure (0.99) exactly when it agrees:
    // a confidence gate keeps its answer on 90% of items and is never wrong.
    const models = [REF, model('sure', 0.9, 0.1)];
    const sim = new SimulatedClient(models, 11);
    const client = {
      complete(spec: ModelSpec, item: number): Completion {
        const c = sim.complete(spec, item);
        return spec.id === 'sure' ? { ...c, confidence: c.text === AGREEING_OUTPUT ? 0.99 : 0.6 } : c;
      },
    };
    const { report, outputs } = await runSmart({ ...options(models, 30_000, 0.97), client });
    const used = report.plan.entries.filter((e) => e.items > 0);
    assert.ok(
      used.some((e) => e.plan.kind === 'confident'),
      `plan: ${used.map((e) => e.id).join(', ')}`,
    );
    assert.ok(report.plan.certification!.plansConsidered > 1);
    assert.ok(agreement(outputs!) >= 0.97);
    assert.ok(report.savings > 2, `savings ${report.savings}`);
  });

  it("certifies one model's confidence gates in sequence, highest threshold first, each at the look's whole level, and uses the cheapest that passed (issue 20)", async () => {
    // Errors piled where `sure` is less sure: kept from 0.999 up it errs on 2.5% of
    // the file, from 0.99 on 4.5%, from 0.9 on 9%; the target allows 5%.
    const bins = [
      { confidence: 0.9999999, items: 1600, wrong: 8 },
      { confidence: 0.999, items: 1000, wrong: 92 },
      { confidence: 0.99, items: 600, wrong: 80 },
      { confidence: 0.9, items: 400, wrong: 180 },
      { confidence: 0.6, items: 400, wrong: 200 },
    ];
    const items = 4000;
    const models = [REF, { ...model('sure', 1 - 560 / items, 0.05), bins }];
    const { report, outputs } = await runSmart(options(models, items, 0.95));
    const certification = report.plan.certification!;
    const tested = certification.plans;
    assert.ok(tested.length > 1 && tested.every((p) => p.inSequence === true), tested.map((p) => p.id).join(', '));
    const thresholds = tested.map((p) => (p.plan.kind === 'confident' ? p.plan.threshold : 0));
    assert.deepEqual(
      thresholds,
      [...thresholds].sort((a, b) => b - a),
    );
    // Each at the look's whole share of the budget: no plan pays for the others.
    const alpha = 0.05 * SEQUENCE_LOOK_SHARES[certification.looks - 1];
    const left = items - report.profiledItems;
    const allowed = left - (Math.ceil(0.95 * items) - report.profiledItems);
    const population = items - certification.pilotItems;
    for (const p of tested) {
      assert.ok(Math.abs(p.alpha - alpha) < 1e-12, `${p.id}: alpha ${p.alpha}`);
      // It passes when, for every k up to its disagreements, so few of allowed + 1 + k disagreeing items are drawn only rarely.
      const disagreements = p.items - p.agreements;
      const passes = Array.from({ length: disagreements + 1 }, (_, k) => k).every((k) => jStat.hypgeom.cdf(k, population, allowed + 1 + k, p.items) <= p.alpha);
      assert.equal(p.agreeing, passes ? left - allowed : 0, p.id);
    }
    // The gate that passed is the lowest that could: the one after it fails on the certification's items.
    assert.ok(tested.at(-1)!.agreeing === 0 || tested.length === 1);
    assert.ok(
      tested.slice(0, -1).every((p) => p.agreeing > 0),
      'a plan was tested after one failed',
    );
    const used = report.plan.entries.filter((e) => e.items > 0);
    assert.equal(used.length, 1);
    const passed = tested.filter((p) => p.agreeing > 0);
    assert.ok(passed.some((p) => p.id === used[0].id));
    assert.equal(used[0].costPerItem, Math.min(...passed.map((p) => p.costPerItem)), 'the cheapest plan that passed answers the rest');
    assert.equal(used[0].items, left);
    assert.ok(agreement(outputs!) >= 0.95);
    assert.ok(report.plan.agreeingOutputs! >= Math.ceil(0.95 * items));
  });

  it('fetches the application phase in bulk, escalations in a second round', async () => {
    const models = [REF, model('a', 0.9, 0.1), model('b', 0.9, 0.12)];
    const { bulk, client, rounds, online, onProgress } = heldBulk(new SimulatedClient(models, 11));
    const { report, outputs } = await runSmart({ ...options(models, 30_000, 0.97), client, bulk, onProgress });
    assert.equal(online(), 0, 'every call of the application phase was fetched in bulk');
    assert.ok(rounds.length >= 2 && rounds.at(-1) === 0, `rounds ${rounds.join(', ')}`);
    if (report.plan.entries.some((e) => e.items > 0 && e.plan.kind === 'gated'))
      assert.ok(rounds.length === 3 && rounds[1] > 0, 'escalations came in a second round');
    assert.equal(outputs!.length, 30_000);
  });
});
