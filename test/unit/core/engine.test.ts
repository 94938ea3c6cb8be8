import * as assert from 'node:assert/strict';
import { runSmart, type RunOptions } from '../../../src/core/engine';
import { arraySource, indexSource } from '../../../src/core/itemSource';
import type { ProgressEvent } from '../../../src/core/report';
import type { Completion, LlmClient, ModelSpec, Strategy } from '../../../src/core/types';
import { AGREEING_OUTPUT, SimulatedClient, type SimulatedModel } from '../../../bench/simulatedClient';

const REF: SimulatedModel & ModelSpec = { id: 'ref', rate: 1, inputTokens: 100, outputTokens: 10, inputPer1M: 10, outputPer1M: 30 };

function model(id: string, rate: number, pricePer1M: number): SimulatedModel & ModelSpec {
  return { id, rate, inputTokens: 100, outputTokens: 10, inputPer1M: pricePer1M, outputPer1M: pricePer1M };
}

function options(models: Array<SimulatedModel & ModelSpec>, items: number, overrides: Partial<RunOptions<number>> = {}): RunOptions<number> {
  return {
    items: indexSource(items),
    models,
    reference: 'ref',
    client: new SimulatedClient(models, 11),
    target: { accuracy: 0.9, confidence: 0.95 },
    seed: 5,
    ...overrides,
  };
}

/** The share of items whose output equals the reference's. */
function agreement(outputs: ReadonlyArray<{ completion: Completion }>): number {
  return outputs.filter((o) => o.completion.text === AGREEING_OUTPUT).length / outputs.length;
}

describe('runSmart', () => {
  it('naive: the reference on every item, savings 1', async () => {
    const { report, outputs } = await runSmart(options([REF, model('cheap', 1, 0.1)], 500, { strategy: 'naive' }));
    assert.equal(outputs!.length, 500);
    assert.ok(outputs!.every((o) => o.model === 'ref'));
    assert.equal(report.profiledItems, 0);
    assert.equal(report.models.find((m) => m.id === 'cheap')!.calls, 0);
    assert.equal(report.savings, 1);
    assert.ok(Math.abs(report.totalCost - (500 * (100 * 10 + 10 * 30)) / 1e6) < 1e-12);
    assert.equal(report.plan.kind, 'naive');
    assert.equal(report.guarantee.met, true, 'outputs all from the reference meet any target');
  });

  for (const strategy of ['exhaustive', 'efficient', 'modelmix'] as Strategy[]) {
    for (const bound of ['clopper-pearson', 'anytime'] as const) {
      it(`${strategy}/${bound}: a candidate that always agrees takes over after profiling`, async () => {
        const { report, outputs } = await runSmart(options([REF, model('always', 1, 0.1)], 5000, { strategy, bound }));
        const always = report.models.find((m) => m.id === 'always')!;
        assert.equal(always.status, 'satisfied');
        assert.ok(report.profiledItems < 200, `profiled ${report.profiledItems}`);
        assert.equal(always.itemsProduced, 5000 - report.profiledItems);
        assert.equal(agreement(outputs!), 1);
        assert.ok(report.savings > 5, `savings ${report.savings}`);
        assert.ok(report.guarantee.met);
        assert.ok(report.plan.agreementLowerBound >= 0.9);
      });

      it(`${strategy}/${bound}: a candidate that never agrees is ruled out at once`, async () => {
        const { report, outputs } = await runSmart(options([REF, model('never', 0, 0.1)], 2000, { strategy, bound }));
        const never = report.models.find((m) => m.id === 'never')!;
        assert.equal(never.status, 'invalid');
        assert.equal(never.agreements, 0);
        assert.ok(never.n <= 20, `profiled ${never.n} items of a model that never agrees`);
        if (strategy === 'modelmix') {
          // The mix may hand a useless model the slack the target leaves (here
          // up to 10% of items), since the reference covers the rest.
          assert.ok(never.itemsProduced <= 0.1 * 2000, `${never.itemsProduced} items`);
          assert.ok(agreement(outputs!) >= 0.9);
        } else {
          assert.equal(never.itemsProduced, 0);
          assert.equal(agreement(outputs!), 1);
        }
      });
    }
  }

  it('exhaustive: a candidate exactly at the target is never accepted on a small file', async () => {
    // True rate = target: the lower bound can only clear the target by chance;
    // with 1,500 items it stays undecided and the reference does everything.
    const { report, outputs } = await runSmart(options([REF, model('edge', 0.9, 0.1)], 1500, { strategy: 'exhaustive', bound: 'anytime' }));
    const edge = report.models.find((m) => m.id === 'edge')!;
    assert.notEqual(edge.status, 'satisfied');
    assert.equal(edge.itemsProduced, 0);
    assert.equal(agreement(outputs!), 1);
  });

  it('efficient: stops profiling a candidate exactly at the target once more profiling cannot pay', async () => {
    const { report } = await runSmart(options([REF, model('edge', 0.9, 0.1)], 20_000, { strategy: 'efficient', bound: 'clopper-pearson' }));
    const edge = report.models.find((m) => m.id === 'edge')!;
    assert.ok(report.profiledItems >= 100, 'stopped before the minimum sample');
    if (edge.status === 'invalid') assert.ok(report.profiledItems < 20_000);
    assert.ok(report.plan.agreementLowerBound >= 0.9 - 1e-12);
  });

  it('modelmix: mixes a candidate below the target with the reference', async () => {
    // 0.85 < 0.9: no single candidate qualifies, but most items can go to it
    // if the reference tops the agreement up.
    const models = [REF, model('mid', 0.85, 0.1)];
    const { report, outputs } = await runSmart(options(models, 50_000, { strategy: 'modelmix', bound: 'clopper-pearson' }));
    assert.equal(report.plan.kind, 'mix');
    // The rest needs a_rest; mixing a bound L with the reference's 1 meets it with x = (1 - a_rest) / (1 - L).
    const mid = report.plan.entries.find((e) => e.id === 'mid')!;
    const rest = 50_000 - report.profiledItems;
    const required = (0.9 * 50_000 - report.profiledItems) / rest;
    assert.ok(Math.abs(mid.share - (1 - required) / (1 - mid.lowerBound)) < 1e-9, `share ${mid.share}`);
    assert.ok(report.plan.agreementLowerBound >= 0.9 - 1e-12);
    assert.ok(report.plan.confidence >= 0.95 - 1e-12);
    assert.ok(agreement(outputs!) >= 0.9);
    assert.ok(report.savings > 1.3, `savings ${report.savings}`);
    const efficient = await runSmart(options(models, 50_000, { strategy: 'efficient', bound: 'clopper-pearson' }));
    assert.ok(report.totalCost < efficient.report.totalCost, 'the mix should beat the reference alone');
  });

  it("states for the paper's strategies only the confidence the union over their profiled candidates backs", async () => {
    const models = [REF, model('a', 0.93, 0.1), model('b', 0.93, 0.11), model('c', 0.93, 0.12), model('d', 0.93, 0.13)];
    const anytime = await runSmart(options(models, 20_000, { strategy: 'modelmix', bound: 'anytime' }));
    const profiled = anytime.report.models.filter((m) => m.role === 'candidate' && m.n > 0).length;
    assert.equal(profiled, 4);
    assert.ok(Math.abs(anytime.report.guarantee.confidence - (1 - (4 * 0.05) / 2)) < 1e-12, `${anytime.report.guarantee.confidence}`);
    assert.equal(anytime.report.guarantee.proven, true);
    const paper = await runSmart(options(models, 20_000, { strategy: 'modelmix', bound: 'clopper-pearson' }));
    assert.equal(paper.report.guarantee.proven, false, "the paper's rule checked at every step is not proven");
    const auto = await runSmart(options(models, 20_000, { strategy: 'auto' }));
    assert.equal(auto.report.guarantee.proven, true);
    assert.equal(auto.report.guarantee.confidence, 0.95);
  });

  it('prices the reference alone item by item from counted prompt tokens, scaled to what the reference reports: exact on a long-tailed file (issue 16, item 1)', async () => {
    // 3,000 items of 100 counted tokens and one of 100,000; the models report 1.25 times the count (another tokenizer) and 10 tokens out.
    const counted = (i: number): number => (i === 1234 ? 100_000 : 100);
    const promptTokens = { total: 2999 * 100 + 100_000, of: counted };
    const mini: ModelSpec = { id: 'mini', inputPer1M: 0.15, outputPer1M: 0.6 };
    const ref: ModelSpec = { id: 'ref', inputPer1M: 2.5, outputPer1M: 10 };
    const client: LlmClient<number> = {
      complete: (m, i) => ({ text: i % 50 === 7 && m.id === 'mini' ? 'B' : 'A', inputTokens: 1.25 * counted(i), outputTokens: 10 }),
    };
    const base = {
      items: indexSource(3000),
      models: [ref, mini],
      reference: 'ref',
      client,
      target: { accuracy: 0.95, confidence: 0.95 },
      onOutput: () => undefined,
    };
    const charged = (await runSmart({ ...base, strategy: 'naive' })).report.totalCost;
    for (const seed of [1, 2, 3]) {
      const { report } = await runSmart({ ...base, seed, promptTokens });
      assert.ok(Math.abs(report.referenceOnlyCost - charged) < 1e-9 * charged, `seed ${seed}: ${report.referenceOnlyCost} vs ${charged} charged`);
      assert.equal(report.referenceOnly.kind, 'per-item');
      if (report.referenceOnly.kind === 'per-item')
        assert.ok(Math.abs(report.referenceOnly.inputRatio - 1.25) < 1e-12 && report.referenceOnly.outputTokens === 10);
      // A mean per call misses the long item unless the reference happened to answer it.
      const mean = (await runSmart({ ...base, seed })).report;
      assert.equal(mean.referenceOnly.kind, 'mean');
      if (!report.models.some((m) => m.role === 'reference' && m.itemsProduced > 0 && m.inputTokens >= 125_000))
        assert.ok(mean.referenceOnlyCost < 0.9 * charged, `${mean.referenceOnlyCost} vs ${charged}`);
    }
  });

  for (const strategy of ['auto', 'efficient'] as Strategy[]) {
    it(`${strategy}: the plan prices the rest from its own lengths, not the profiled items' mean: its projection at the plan is what the rest is charged (issue 16, item 1)`, async () => {
      // 3,000 items: lengths from a Pareto tail (alpha 1.2) around 100 counted tokens, one of 100,000; the models report 1.25 times the count.
      const counted = (i: number): number => (i === 2024 ? 100_000 : Math.round(100 / Math.pow(1 - ((i * 0.618034) % 1), 1 / 1.2)));
      let total = 0;
      for (let i = 0; i < 3000; i++) total += counted(i);
      const promptTokens = { total, of: counted };
      const ref: ModelSpec = { id: 'ref', inputPer1M: 2.5, outputPer1M: 10 };
      const never: ModelSpec = { id: 'never', inputPer1M: 0.15, outputPer1M: 0.6 };
      const client: LlmClient<number> = { complete: (m, i) => ({ text: m.id === 'ref' ? 'A' : 'B', inputTokens: 1.25 * counted(i), outputTokens: 10 }) };
      const base = {
        items: indexSource(3000),
        models: [ref, never],
        reference: 'ref',
        client,
        strategy,
        target: { accuracy: 0.9, confidence: 0.95 },
        onOutput: () => undefined,
      };
      let meanMissed = 0;
      for (const seed of [1, 2, 3, 4]) {
        const projected = async (counts?: typeof promptTokens): Promise<{ atPlan: number; charged: number }> => {
          const events: ProgressEvent[] = [];
          const { report } = await runSmart({ ...base, seed, ...(counts ? { promptTokens: counts } : {}), onProgress: (e) => events.push(e) });
          return { atPlan: events.find((e) => e.plan !== undefined)!.projectedTotalCost, charged: report.totalCost };
        };
        const perItem = await projected(promptTokens);
        assert.ok(
          Math.abs(perItem.atPlan - perItem.charged) < 1e-9 * perItem.charged,
          `seed ${seed}: projected ${perItem.atPlan} at the plan, charged ${perItem.charged}`,
        );
        const mean = await projected();
        if (Math.abs(mean.atPlan - mean.charged) > 0.1 * mean.charged) meanMissed++;
      }
      assert.ok(meanMissed > 0, 'a mean per item of the profiled items would have mispriced the rest');
    });
  }

  it('says in its last progress what a cancelled run paid, calls that ended after the cancel included (issue 16, item 12)', async () => {
    const ref: ModelSpec = { id: 'ref', inputPer1M: 10, outputPer1M: 30 };
    const controller = new AbortController();
    let answered = 0;
    // Each call answers 5 ms later, whatever the signal says, as a provider does with a request already sent.
    const client: LlmClient<number> = {
      complete: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            if (++answered === 50) controller.abort(new Error('cancelled'));
            resolve({ text: 'A', inputTokens: 100, outputTokens: 10 });
          }, 5),
        ),
    };
    const events: ProgressEvent[] = [];
    await assert.rejects(
      runSmart({
        items: indexSource(2000),
        models: [ref],
        reference: 'ref',
        client,
        target: { accuracy: 0.9, confidence: 0.95 },
        strategy: 'naive',
        concurrency: 8,
        signal: controller.signal,
        onProgress: (e) => events.push(e),
        onOutput: () => undefined,
      }),
    );
    assert.ok(answered > 50, `${answered} calls answered: none was in flight at the cancel`);
    const perCall = (100 * 10 + 10 * 30) / 1e6;
    assert.ok(
      Math.abs(events.at(-1)!.costSoFar - answered * perCall) < 1e-12,
      `the last progress says ${events.at(-1)!.costSoFar}; ${answered} calls cost ${answered * perCall}`,
    );
  });

  it('returns every item once, in input order, with the model that produced it', async () => {
    const models = [REF, model('a', 0.97, 0.5), model('b', 0.6, 0.1)];
    const { report, outputs } = await runSmart(options(models, 3000, { target: { accuracy: 0.95, confidence: 0.9 } }));
    assert.deepEqual(
      outputs!.map((o) => o.index),
      Array.from({ length: 3000 }, (_, i) => i),
    );
    assert.deepEqual(
      outputs!.map((o) => o.item),
      Array.from({ length: 3000 }, (_, i) => i),
    );
    for (const m of report.models) assert.equal(outputs!.filter((o) => o.model === m.id).length, m.itemsProduced);
    const calls = report.models.reduce((s, m) => s + m.calls, 0);
    assert.ok(Math.abs(report.totalCost - report.models.reduce((s, m) => s + m.cost, 0)) < 1e-12);
    assert.ok(calls >= 3000);
  });

  it('is reproducible for a seed and samples differently for another', async () => {
    const models = [REF, model('a', 0.93, 0.5)];
    const a = await runSmart(options(models, 4000, { seed: 1 }));
    const b = await runSmart(options(models, 4000, { seed: 1 }));
    const c = await runSmart(options(models, 4000, { seed: 2 }));
    const strip = (r: typeof a.report): unknown => ({ ...r, timings: undefined });
    assert.deepEqual(strip(a.report), strip(b.report));
    const firstProfiled = (r: typeof a): number[] =>
      r
        .outputs!.filter((o) => o.model === 'ref')
        .map((o) => o.index)
        .slice(0, 20);
    assert.notDeepEqual(firstProfiled(a), firstProfiled(c));
  });

  it('reports progress: profiling checks, the plan, then done', async () => {
    const events: ProgressEvent[] = [];
    await runSmart(options([REF, model('a', 0.99, 0.1)], 3000, { onProgress: (e) => events.push(e) }));
    assert.ok(events.length > 3);
    assert.equal(events[0].phase, 'profiling');
    assert.equal(events.at(-1)!.phase, 'done');
    assert.equal(events.at(-1)!.itemsDone, 3000);
    const applying = events.find((e) => e.phase === 'applying')!;
    assert.ok(applying.plan);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].itemsDone >= events[i - 1].itemsDone);
    for (const e of events) {
      assert.ok(e.costSoFar <= e.projectedTotalCost + 1e-12);
      assert.ok(e.referenceOnlySoFar >= 0);
    }
    const last = events.at(-1)!;
    assert.ok(Math.abs(last.projectedTotalCost - last.costSoFar) < 1e-12);
  });

  it('runs an asynchronous client with several calls in flight and gives the same result', async () => {
    const models = [REF, model('a', 0.97, 0.5), model('b', 0.9, 0.1)];
    const sync = new SimulatedClient(models, 3);
    let inflight = 0;
    let maxInflight = 0;
    const slow: LlmClient<number> = {
      async complete(spec, item) {
        inflight++;
        maxInflight = Math.max(maxInflight, inflight);
        await new Promise((resolve) => setImmediate(resolve));
        inflight--;
        return sync.complete(spec, item);
      },
    };
    const base = options(models, 1500, { target: { accuracy: 0.95, confidence: 0.95 } });
    const a = await runSmart({ ...base, client: new SimulatedClient(models, 3) });
    const b = await runSmart({ ...base, client: slow, concurrency: 8 });
    assert.ok(maxInflight > 1 && maxInflight <= 8, `max in flight ${maxInflight}`);
    assert.deepEqual(
      b.outputs!.map((o) => o.model),
      a.outputs!.map((o) => o.model),
    );
    assert.equal(b.report.totalCost, a.report.totalCost);
  });

  it('stops promptly when cancelled and rejects with the reason', async () => {
    const controller = new AbortController();
    const models = [REF, model('a', 0.97, 0.5)];
    const sync = new SimulatedClient(models, 3);
    let calls = 0;
    const client: LlmClient<number> = {
      async complete(spec, item) {
        if (++calls === 50) controller.abort(new Error('stop here'));
        await new Promise((resolve) => setImmediate(resolve));
        return sync.complete(spec, item);
      },
    };
    await assert.rejects(runSmart({ ...options(models, 10_000), client, signal: controller.signal, concurrency: 4 }), /stop here/);
    assert.ok(calls < 60, `${calls} calls after cancelling`);
  });

  it('fails the run on the first failed call', async () => {
    const client: LlmClient<number> = {
      complete(spec) {
        if (spec.id === 'a') return Promise.reject(new Error('endpoint down'));
        return { text: 'x', inputTokens: 1, outputTokens: 1 };
      },
    };
    await assert.rejects(runSmart({ ...options([REF, model('a', 1, 0.1)], 100), client, concurrency: 3 }), /endpoint down/);
  });

  it('accepts any item type and compares outputs with the given rule', async () => {
    const items = Array.from({ length: 400 }, (_, i) => ({ text: `item ${i}`, label: i % 2 ? 'SPAM' : 'ham' }));
    const client: LlmClient<(typeof items)[number]> = {
      complete: (spec, item) => ({
        text: spec.id === 'ref' ? item.label : ` ${item.label.toLowerCase()} `,
        inputTokens: 50,
        outputTokens: 2,
      }),
    };
    const { report, outputs } = await runSmart({
      items: arraySource(items),
      models: [REF, model('cheap', 0, 0.1)],
      reference: 'ref',
      client,
      target: { accuracy: 0.9, confidence: 0.95 },
      compare: (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase(),
    });
    assert.equal(report.models.find((m) => m.id === 'cheap')!.status, 'satisfied');
    assert.equal(outputs![1].item.text, 'item 1');
  });

  it('rejects bad settings with clear messages', async () => {
    const models = [REF, model('a', 1, 0.1)];
    await assert.rejects(runSmart(options(models, 10, { target: { accuracy: 1, confidence: 0.95 } })), /accuracy must be in \(0, 1\)/);
    await assert.rejects(runSmart(options(models, 10, { target: { accuracy: 0.9, confidence: 0 } })), /confidence must be in \(0, 1\)/);
    await assert.rejects(runSmart(options(models, 10, { reference: 'nope' })), /reference model "nope"/);
    await assert.rejects(runSmart(options(models, 10, { candidates: ['ref'] })), /cannot also be a candidate/);
    await assert.rejects(runSmart(options(models, 10, { candidates: ['zzz'] })), /candidate model "zzz"/);
  });

  it('handles an empty input', async () => {
    const { report, outputs } = await runSmart(options([REF, model('a', 1, 0.1)], 0));
    assert.equal(outputs!.length, 0);
    assert.equal(report.totalCost, 0);
    assert.equal(report.items, 0);
  });
});
