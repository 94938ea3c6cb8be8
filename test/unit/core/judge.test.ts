import * as assert from 'node:assert/strict';
import { runSmart, type ItemOutput, type RunOptions } from '../../../src/core/engine';
import { indexSource } from '../../../src/core/itemSource';
import type { Completion, Judge, JudgeVerdict, ModelSpec } from '../../../src/core/types';
import { heldBulk } from '../../support/heldBulk';

const REF: ModelSpec = { id: 'ref', inputPer1M: 10, outputPer1M: 30 };
const PARAPHRASE: ModelSpec = { id: 'para', inputPer1M: 0.1, outputPer1M: 0.1 };
const JUDGE_MODEL: ModelSpec = { id: 'judge', inputPer1M: 1, outputPer1M: 1 };

/** The reference says "answer i"; `para` says it in other words, and is wrong on one item in 20 (i % 20 === 3). */
const client = {
  complete(model: ModelSpec, item: number): Completion {
    const text = model.id === 'ref' ? `answer ${item}` : `it is answer number ${item % 20 === 3 ? item + 1 : item}`;
    return { text, inputTokens: 100, outputTokens: 10 };
  },
};

/** A judge that reads the numbers: right about agreement, unreadable on items 7, 107, 207, ...; a call costs 200 tokens in, 1 out. */
class NumberJudge {
  readonly asked: Array<{ item: number; reference: string; candidate: string }> = [];
  judge(item: number, reference: string, candidate: string): JudgeVerdict {
    this.asked.push({ item, reference, candidate });
    const call: Completion = { text: 'yes', inputTokens: 200, outputTokens: 1 };
    if (item % 100 === 7) return { agrees: false, unreadable: true, calls: [call, call] };
    return { agrees: /\d+$/.exec(reference)![0] === /\d+$/.exec(candidate)![0], calls: [call] };
  }
}

function options(judge: Judge<number>, overrides: Partial<RunOptions<number>> = {}): RunOptions<number> {
  return {
    items: indexSource(5000),
    models: [REF, PARAPHRASE],
    reference: 'ref',
    client,
    target: { accuracy: 0.9, confidence: 0.95 },
    seed: 3,
    compare: (a, b) => a === b,
    judge,
    ...overrides,
  };
}

describe('runSmart with a judge', () => {
  it('asks the judge where the rule finds no agreement, on profiled items only, and decides agreement by its verdicts', async () => {
    const judgeClient = new NumberJudge();
    const { report, outputs } = await runSmart(options({ model: JUDGE_MODEL, question: 'equivalent', auditItems: 40, client: judgeClient }));
    const para = report.models.find((m) => m.id === 'para')!;
    assert.equal(judgeClient.asked.length, para.n, 'one verdict per profiled item of the candidate');
    assert.ok(judgeClient.asked.every((a) => a.reference === `answer ${a.item}`));
    // Wrong on 1 in 20 and unreadable on 1 in 100: the judge's word is the agreement.
    assert.ok(para.agreements / para.n > 0.9 && para.agreements < para.n, `${para.agreements} of ${para.n}`);
    assert.ok(
      report.plan.entries.some((e) => e.id === 'para' && e.items > 0),
      'the candidate answers items it never matches word for word',
    );
    assert.ok(outputs!.some((o) => o.model === 'para'));
    const judge = report.judge!;
    assert.equal(judge.comparisons, para.n);
    assert.equal(judge.judged, para.n);
    const unreadable = judgeClient.asked.filter((a) => a.item % 100 === 7).length;
    assert.deepEqual(
      judge.unreadable.map((u) => u.index).sort((a, b) => a - b),
      judgeClient.asked
        .filter((a) => a.item % 100 === 7)
        .map((a) => a.item)
        .sort((a, b) => a - b),
    );
    assert.equal(judge.calls, para.n + unreadable);
    assert.ok(Math.abs(judge.cost - (judge.calls * 201) / 1e6) < 1e-12);
    const models = report.models.reduce((sum, m) => sum + m.cost, 0);
    assert.ok(Math.abs(report.totalCost - models - judge.cost) < 1e-12, 'the judge is paid for in the total');
    assert.deepEqual(report.guarantee.judgedBy, { model: 'judge', question: 'equivalent' });
  });

  it('needs no judge where the rule already finds the outputs the same', async () => {
    const judgeClient = new NumberJudge();
    const { report } = await runSmart(
      options(
        { model: JUDGE_MODEL, question: 'equivalent', auditItems: 40, client: judgeClient },
        { compare: (a, b) => /\d+$/.exec(a)![0] === /\d+$/.exec(b)![0] },
      ),
    );
    const wrong = judgeClient.asked.length;
    assert.ok(
      wrong > 0 && wrong < report.judge!.comparisons / 10,
      `${wrong} of ${report.judge!.comparisons} went to the judge: only those the rule found different`,
    );
    assert.ok(judgeClient.asked.every((a) => a.item % 20 === 3));
  });

  it('prices the judge into profiling: with a judge dearer than what a candidate can save, it does not start', async () => {
    const dear: ModelSpec = { id: 'judge', inputPer1M: 5000, outputPer1M: 5000 };
    const { report } = await runSmart(options({ model: dear, question: 'equivalent', auditItems: 40, client: new NumberJudge() }));
    assert.equal(report.profiledItems, 0);
    assert.equal(report.judge!.comparisons, 0);
    assert.ok(
      report.plan.entries.every((e) => e.id === 'ref' || e.items === 0),
      JSON.stringify(report.plan.entries.map((e) => [e.id, e.items])),
    );
    assert.equal(report.guarantee.judgedBy, undefined, "every output is the reference's: no judge needed to say so");
  });

  describe('gates the judge decides', () => {
    const A: ModelSpec = { id: 'a', inputPer1M: 0.1, outputPer1M: 0.1 };
    const B: ModelSpec = { id: 'b', inputPer1M: 0.1, outputPer1M: 0.1 };
    /** Where each paraphrasing model is wrong: `a` on one item in five, `b` on another one in five, so the two differ in meaning exactly where one is wrong. */
    const wrong = (model: string, item: number): boolean => (model === 'a' && item % 5 === 1) || (model === 'b' && item % 5 === 2);
    const pair = {
      complete(model: ModelSpec, item: number): Completion {
        const n = wrong(model.id, item) ? item + 1 : item;
        const text = model.id === 'ref' ? `answer ${item}` : model.id === 'a' ? `a says it is ${n}` : `b thinks ${n}`;
        return { text, inputTokens: 100, outputTokens: 10 };
      },
    };
    /** Whether an output says what the reference says on its item. */
    const right = (o: ItemOutput<number>): boolean => /\d+$/.exec(o.completion.text)![0] === String(o.item);

    function gateOptions(judgeClient: NumberJudge, overrides: Partial<RunOptions<number>> = {}): RunOptions<number> {
      return options(
        { model: JUDGE_MODEL, question: 'equivalent', auditItems: 0, client: judgeClient },
        { models: [REF, A, B], client: pair, items: indexSource(20_000), ...overrides },
      );
    }

    /** The judged gate's entry in the plan, and the outputs of its block. */
    function gateBlock(
      report: Awaited<ReturnType<typeof runSmart<number>>>['report'],
      outputs: ReadonlyArray<ItemOutput<number>>,
    ): { items: number; outputs: Array<ItemOutput<number>> } {
      const entry = report.plan.entries.findIndex((e) => e.id === 'a~b>ref');
      assert.ok(entry >= 0 && report.plan.entries[entry].items > 0, `plan: ${report.plan.entries.map((e) => `${e.id} ${e.items}`).join(', ')}`);
      return { items: report.plan.entries[entry].items, outputs: outputs.filter((o) => o.entry === entry) };
    }

    it('chooses a gate the judge decides where two cheap models err on different items, asks the judge on each item it answers, and keeps the promise', async () => {
      const judgeClient = new NumberJudge();
      const { report, outputs } = await runSmart(gateOptions(judgeClient));
      const block = gateBlock(report, outputs!);
      assert.equal(block.outputs.length, block.items);
      // Where both are right the judge says they agree and a's output is kept; where one is wrong they differ and the reference answers (item % 100 === 7: unreadable, escalated).
      for (const o of block.outputs) assert.equal(o.model, o.item % 5 === 1 || o.item % 5 === 2 || o.item % 100 === 7 ? 'ref' : 'a', `item ${o.item}`);
      const pairsAsked = judgeClient.asked.filter((x) => x.reference.startsWith('a says'));
      assert.equal(pairsAsked.length, report.judge!.gateVerdicts);
      assert.ok(
        block.outputs.every((o) => pairsAsked.some((x) => x.item === o.item)),
        'every item of the block was judged',
      );
      assert.equal(report.judge!.judged + report.judge!.gateVerdicts, judgeClient.asked.length);
      const agreeing = outputs!.filter(right).length;
      assert.ok(agreeing >= report.plan.agreeingOutputs!, `${agreeing} agree; the plan claims at least ${report.plan.agreeingOutputs}`);
      assert.ok(report.guarantee.met);
      assert.ok(report.savings > 2, `savings ${report.savings}`);
    });

    it("fetches the gate's verdicts between bulk rounds, so its escalations are fetched too, and never asks the judge twice on an item", async () => {
      const { bulk, client: counting, rounds, online, onProgress } = heldBulk(pair);
      const judgeClient = new NumberJudge();
      const { report, outputs } = await runSmart(gateOptions(judgeClient, { client: counting, bulk, onProgress }));
      const block = gateBlock(report, outputs!);
      assert.equal(online(), 0, 'every model call of the application phase was fetched in bulk');
      assert.ok(rounds.length === 3 && rounds[1] > 0 && rounds[2] === 0, `rounds ${rounds.join(', ')}`);
      const judgedItems = judgeClient.asked.filter((x) => x.reference.startsWith('a says')).map((x) => x.item);
      assert.equal(new Set(judgedItems).size, judgedItems.length, 'one verdict per item');
      for (const o of block.outputs) assert.equal(o.model, o.item % 5 === 1 || o.item % 5 === 2 || o.item % 100 === 7 ? 'ref' : 'a', `item ${o.item}`);
    });

    it('measures no gate whose two calls and verdict cost more than the reference', async () => {
      // 200 tokens at 7 USD per million: a verdict alone costs more than the reference's call (100 in at 10, 10 out at 30), as the run can tell before any call.
      const dear: ModelSpec = { ...JUDGE_MODEL, inputPer1M: 7, estimatedInputTokens: 200, estimatedOutputTokens: 1 };
      const estimated = (m: ModelSpec): ModelSpec => ({ ...m, estimatedInputTokens: 100, estimatedOutputTokens: 10 });
      const { report } = await runSmart(
        options(
          { model: dear, question: 'equivalent', auditItems: 0, client: new NumberJudge() },
          { models: [REF, A, B].map(estimated), client: pair, items: indexSource(20_000) },
        ),
      );
      assert.ok(report.profiledItems > 0, 'the candidates were profiled');
      assert.equal(report.judge!.gateVerdicts, 0);
      assert.ok(report.plan.entries.every((e) => e.id !== 'a~b>ref'));
    });
  });
});
