import * as assert from 'node:assert/strict';
import { expectedCost, lookSizes, LOOK_SHARES, planCertification, type PlanningInput } from '../../../../src/core/auto/certificationPlan';
import { runSmart, type BulkAnswers, type PlannedCall, type RunOptions } from '../../../../src/core/engine';
import { indexSource } from '../../../../src/core/itemSource';
import { solveCertifiedMix } from '../../../../src/core/mix/certifiedMix';
import { clopperPearsonLower } from '../../../../src/core/stats/clopperPearson';
import type { Completion, ModelSpec } from '../../../../src/core/types';
import { AGREEING_OUTPUT, SimulatedClient, type SimulatedModel } from '../../../../bench/simulatedClient';

const REF: SimulatedModel & ModelSpec = { id: 'ref', rate: 1, inputTokens: 100, outputTokens: 10, inputPer1M: 10, outputPer1M: 30 };
const model = (id: string, rate: number, pricePer1M: number): SimulatedModel & ModelSpec => ({ id, rate, inputTokens: 100, outputTokens: 10, inputPer1M: pricePer1M, outputPer1M: pricePer1M });

function options(models: Array<SimulatedModel & ModelSpec>, items: number, accuracy: number, overrides: Partial<RunOptions<number>> = {}): RunOptions<number> {
  return { items: indexSource(items), models, reference: 'ref', client: new SimulatedClient(models, 11), target: { accuracy, confidence: 0.95 }, seed: 5, ...overrides };
}

const agreement = (outputs: ReadonlyArray<{ completion: Completion }>): number => outputs.filter((o) => o.completion.text === AGREEING_OUTPUT).length / outputs.length;

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
  it('finds the cheapest split reaching the required agreement, checked against every pair', () => {
    const plans = [
      { id: 'cheap', costPerItem: 1, lowerBound: 0.8 },
      { id: 'gate', costPerItem: 3, lowerBound: 0.97 },
      { id: 'dear', costPerItem: 9, lowerBound: 0.99 },
    ];
    const shares = solveCertifiedMix({ plans, referenceId: 'ref', referenceCostPerItem: 20, requiredAgreement: 0.95 });
    const total = shares.reduce((s, x) => s + x.share, 0);
    assert.ok(Math.abs(total - 1) < 1e-12);
    const bound = shares.reduce((s, x) => s + x.share * x.lowerBound, 0);
    assert.ok(bound >= 0.95 - 1e-12);
    assert.deepEqual(shares.map((s) => s.id).sort(), ['cheap', 'gate']);
    assert.deepEqual(solveCertifiedMix({ plans: [], referenceId: 'ref', referenceCostPerItem: 20, requiredAgreement: 0.95 }), [{ id: 'ref', share: 1, lowerBound: 1 }]);
  });
});

describe('certification planning', () => {
  const input: PlanningInput = { items: 50_000, profiled: 200, accuracy: 0.95, referenceApplyCost: 1, profileCost: (m) => (m === 'ref' ? 1 : 0.02), reference: 'ref' };

  it('plans looks at fixed multiples, spending the error budget in shares that sum to it', () => {
    assert.deepEqual(lookSizes(100, 10_000), [100, 200, 400, 800]);
    assert.deepEqual(lookSizes(100, 250), [100, 200, 250]);
    assert.ok(Math.abs(LOOK_SHARES.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('certifies a plan that is clearly good, and nothing when no plan can pay', () => {
    const good = { id: 'good', agreements: 199, n: 200, applyCost: 0.02, members: ['good'] };
    const plan = planCertification([good], 0.05, input);
    assert.deepEqual(plan.plans.map((p) => p.id), ['good']);
    assert.ok(plan.items > 0 && plan.items < 2000, `${plan.items} items`);
    assert.ok(plan.expectedCost < 0.1 * 50_000);
    const bad = { id: 'bad', agreements: 60, n: 200, applyCost: 0.02, members: ['bad'] };
    assert.equal(planCertification([bad], 0.05, input).items, 0);
  });

  it('expects a longer certification to cost more in profiling and less on the rest', () => {
    const plan = { id: 'p', agreements: 194, n: 200, applyCost: 0.02, members: ['p'] };
    const short = expectedCost([plan], 100, 0.035, input);
    const long = expectedCost([plan], 2000, 0.035, input);
    const none = expectedCost([plan], 0, 0.035, input);
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
    assert.equal(c.plans[0].lowerBound, clopperPearsonLower(c.plans[0].items, c.plans[0].items, c.plans[0].alpha));
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
    assert.ok(used.some((e) => e.plan.kind === 'gated'), `plan: ${used.map((e) => e.id).join(', ')}`);
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

  it('gates on the answer\'s probability where the client reports one', async () => {
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
    assert.ok(used.some((e) => e.plan.kind === 'confident'), `plan: ${used.map((e) => e.id).join(', ')}`);
    assert.ok(report.plan.certification!.plansConsidered > 1);
    assert.ok(agreement(outputs!) >= 0.97);
    assert.ok(report.savings > 2, `savings ${report.savings}`);
  });

  it('fetches the application phase in bulk, escalations in a second round', async () => {
    const models = [REF, model('a', 0.9, 0.1), model('b', 0.9, 0.12)];
    const client = new SimulatedClient(models, 11);
    const held = new Map<string, Completion>();
    const key = (m: ModelSpec, item: number): string => `${m.id}:${item}`;
    const rounds: number[] = [];
    let online = 0;
    const bulk: BulkAnswers<number> = {
      peek: (m, item) => held.get(key(m, item)),
      async fetch(calls: AsyncIterable<PlannedCall<number>>) {
        let n = 0;
        for await (const call of calls) {
          held.set(key(call.model, call.item), { ...client.complete(call.model, call.item), priceFactor: 0.5 });
          n++;
        }
        rounds.push(n);
      },
    };
    let applying = false;
    const counting = { complete: (m: ModelSpec, item: number) => held.get(key(m, item)) ?? (applying && online++, client.complete(m, item)) };
    const { report, outputs } = await runSmart({
      ...options(models, 30_000, 0.97),
      client: counting,
      bulk,
      onProgress: (e) => {
        applying = e.phase === 'applying';
      },
    });
    assert.equal(online, 0, 'every call of the application phase was fetched in bulk');
    assert.ok(rounds.length >= 2 && rounds.at(-1) === 0, `rounds ${rounds.join(', ')}`);
    if (report.plan.entries.some((e) => e.items > 0 && e.plan.kind === 'gated')) assert.ok(rounds.length === 3 && rounds[1] > 0, 'escalations came in a second round');
    assert.equal(outputs!.length, 30_000);
  });
});
