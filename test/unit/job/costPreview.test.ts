import * as assert from 'node:assert/strict';
import type { CostPreview } from '../../../src/core/report';
import type { Strategy } from '../../../src/core/types';
import type { AnswerRule } from '../../../src/io/answerExtraction';
import { assumedOutputTokens, DEFAULT_OUTPUT_TOKENS, LABEL_MARGIN_TOKENS, previewCost } from '../../../src/job/costPreview';
import { CHAT_OVERHEAD_TOKENS, PromptLengths, type PromptTokenCounts } from '../../../src/job/promptLengths';
import { countTokens } from '../../../src/job/tokenCount';
import { describePreview } from '../../../src/text/preview';

describe('cost preview', () => {
  it('estimates output tokens from the longest label plus a margin, bounded by maxTokens, else maxTokens, else a default (issue 11, item 8)', () => {
    const labels: AnswerRule = { kind: 'label', labels: ['spam', 'not spam at all'] };
    const longest = countTokens('not spam at all');
    assert.ok(longest > countTokens('spam'));
    assert.deepEqual(assumedOutputTokens(labels, undefined), {
      tokens: longest + LABEL_MARGIN_TOKENS,
      estimate: { kind: 'label', label: 'not spam at all', labelTokens: longest, margin: LABEL_MARGIN_TOKENS },
    });
    // maxTokens bounds the labels' estimate when it is tighter, and is the figure when nothing else bounds the answers.
    assert.deepEqual(assumedOutputTokens(labels, 100).estimate.kind, 'label');
    assert.deepEqual(assumedOutputTokens(labels, 2), { tokens: 2, estimate: { kind: 'maxTokens' } });
    assert.deepEqual(assumedOutputTokens({ kind: 'trim' }, 12), { tokens: 12, estimate: { kind: 'maxTokens' } });
    assert.deepEqual(assumedOutputTokens({ kind: 'lastNumber' }, undefined), { tokens: DEFAULT_OUTPUT_TOKENS, estimate: { kind: 'default' } });
  });

  const prompts = ['one two three', 'four five six seven'];
  /** A file of `n` items, the two prompts in turn. */
  const file = (n: number): PromptTokenCounts => {
    const lengths = new PromptLengths();
    for (let i = 0; i < n; i++) lengths.add(prompts[i % 2]);
    return lengths.finish();
  };
  // Tokens per character measured on both prompts alike: on a pair, exactly their tokens.
  const input = prompts.reduce((s, x) => s + countTokens(x) + CHAT_OVERHEAD_TOKENS, 0) / 2;
  const shortest = (k: number): number => file(1000).shortest(k);
  const big = (input * 10 + 5 * 20) / 1e6;
  const small = (input * 1 + 5 * 2) / 1e6;
  const models = { reference: { id: 'big', inputPer1M: 10, outputPer1M: 20 }, candidates: [{ id: 'small', inputPer1M: 1, outputPer1M: 2 }] };
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} is not ${b}`);

  it('prices the reference alone, the least profiling can cost once it starts, and the worst case', () => {
    const p = previewCost({ prompts: file(1000), ...models, answer: { kind: 'trim' }, maxTokens: 5, strategy: 'auto' as const, checkEvery: 10 });
    close(p.referenceOnlyCost, 1000 * big);
    close(p.referenceOnlyUncached, 1000 * big);
    // auto: its pilot's first 20 items, the reference and the first tier, priced on the 20 shortest prompts.
    assert.deepEqual({ ...p.leastProfiling, cost: 0 }, { cost: 0, items: 20, candidates: 1 });
    close(p.leastProfiling.cost, (shortest(20) * 11 + 20 * 5 * 22) / 1e6);
    assert.ok(p.leastProfiling.cost < 20 * (big + small), 'the shortest prompts, not the mean');
    close(p.worstCaseProfilingCost, 1000 * (big + small));
    assert.deepEqual(p.cached, { reference: 0, calls: 0 });
    assert.equal(p.fullyCached, false);
  });

  it("is a lower bound for every strategy: auto's first pilot stage on its first tier, one check of the paper's strategies on every cheaper candidate, nothing for naive or without a cheaper candidate (issue 16, item 2)", () => {
    const tiers = [
      { id: 'nano', inputPer1M: 0.5, outputPer1M: 1 },
      { id: 'mini', inputPer1M: 3, outputPer1M: 6 },
      { id: 'dear', inputPer1M: 20, outputPer1M: 40 },
    ];
    const at = (strategy: Strategy, candidates = tiers, items = 1000): CostPreview['leastProfiling'] =>
      previewCost({ prompts: file(items), reference: models.reference, candidates, answer: { kind: 'trim' }, maxTokens: 5, strategy, checkEvery: 10 })
        .leastProfiling;
    // mini costs more than a quarter of big per item: auto's first tier is nano alone.
    assert.equal(at('auto').candidates, 1);
    const on = (k: number, ...ms: Array<{ inputPer1M: number; outputPer1M: number }>): number =>
      ms.reduce((sum, m) => sum + (shortest(k) * m.inputPer1M + k * 5 * m.outputPer1M) / 1e6, 0);
    close(at('auto').cost, on(20, models.reference, tiers[0]));
    for (const strategy of ['exhaustive', 'efficient', 'modelmix'] as const) {
      assert.equal(at(strategy).items, 10);
      close(at(strategy).cost, on(10, models.reference, tiers[0], tiers[1]));
    }
    assert.deepEqual(at('naive'), { cost: 0, items: 0, candidates: 0 });
    assert.deepEqual(at('auto', [tiers[2]]), { cost: 0, items: 0, candidates: 0 }, 'no candidate cheaper than the reference');
    assert.equal(at('auto', tiers, 7).items, 7, 'a file shorter than the first stage');
  });

  it("bounds what a judge may cost: every candidate's output, and with two or more candidates the pair of every gate it may decide, on every item", () => {
    const judge = { id: 'judge', inputPer1M: 1, outputPer1M: 1 };
    const one = previewCost({ prompts: file(1000), ...models, answer: { kind: 'trim' }, maxTokens: 5, strategy: 'auto' as const, checkEvery: 10, judge });
    assert.equal(one.judge!.gates, 0);
    close(one.judge!.atMost, 1000 * one.judge!.perCall);
    assert.match(describePreview(one, 'big').at(-1)!, /up to about \$[\d.]+ if it judges every candidate's output on every item\.$/);
    const candidates = ['a', 'b', 'c', 'd'].map((id) => ({ id, inputPer1M: 1, outputPer1M: 2 }));
    const four = previewCost({
      prompts: file(1000),
      reference: models.reference,
      candidates,
      answer: { kind: 'trim' },
      maxTokens: 5,
      strategy: 'auto' as const,
      checkEvery: 10,
      judge,
    });
    assert.equal(four.judge!.gates, 3, 'pairs of the three cheapest');
    close(four.judge!.atMost, 1000 * (4 + 3) * four.judge!.perCall);
    assert.match(describePreview(four, 'big').at(-1)!, /if it judges every candidate's output and the pair of every gate it may decide \(3\) on every item\.$/);
  });

  it('leaves out the calls the response cache answers; the reference alone stays at list price beside what is left to pay (issue 11, item 8)', () => {
    const cached = {
      perModel: new Map([
        ['big', 300],
        ['small', 950],
      ]),
      itemsCovered: 960,
    };
    const p = previewCost({ prompts: file(1000), ...models, answer: { kind: 'trim' }, maxTokens: 5, strategy: 'auto' as const, checkEvery: 10, cached });
    close(p.referenceOnlyCost, 1000 * big);
    close(p.referenceOnlyUncached, 700 * big);
    assert.deepEqual(p.cached, { reference: 300, calls: 1250 });
    // At least: the cached answers may all lie in the first items.
    close(p.leastProfiling.cost, 0);
    // At most: each cached answer leaves out no more than the shortest prompt.
    const least = file(1000).least;
    close(p.worstCaseProfilingCost, 1000 * big - 300 * ((least * 10 + 5 * 20) / 1e6) + 1000 * small - 950 * ((least * 1 + 5 * 2) / 1e6));
    assert.ok(p.worstCaseProfilingCost >= 700 * big + 50 * small);
    assert.equal(p.fullyCached, false);
    const few = previewCost({
      prompts: file(1000),
      ...models,
      answer: { kind: 'trim' },
      maxTokens: 5,
      strategy: 'auto' as const,
      checkEvery: 10,
      cached: { perModel: new Map([['big', 40]]), itemsCovered: 40 },
    });
    close(few.leastProfiling.cost, (shortest(20) * 1 + 20 * 5 * 2) / 1e6);
    assert.equal(
      previewCost({ prompts: file(1000), ...models, answer: { kind: 'trim' }, strategy: 'auto' as const, checkEvery: 10, cached, fullyCached: true })
        .fullyCached,
      true,
    );
  });
});
