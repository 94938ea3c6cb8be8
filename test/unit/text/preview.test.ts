import * as assert from 'node:assert/strict';
import type { CostPreview } from '../../../src/core/report';
import { describePreview, goAheadQuestion } from '../../../src/text/preview';

const PREVIEW: CostPreview = {
  items: 2400,
  sampledItems: 200,
  meanInputTokens: 73.6,
  outputTokens: 4,
  outputEstimate: { kind: 'label', label: 'not spam', labelTokens: 2, margin: 2 },
  referenceOnlyCost: 0.504,
  referenceOnlyUncached: 0.504,
  cached: { reference: 0, calls: 0 },
  leastProfiling: { cost: 0.02468, items: 20, candidates: 2 },
  worstCaseProfilingCost: 1234.5,
  fullyCached: false,
};

describe('describePreview', () => {
  it('says what was measured, how the output length was estimated, what the reference alone costs and the range of profiling', () => {
    assert.deepEqual(describePreview(PREVIEW, 'gpt-4o'), [
      "2,400 items, about 74 input tokens per call on average (each item's own length, at the tokens per character of 200 prompts); " +
        '4 output tokens per answer (the longest label, "not spam", is 2 tokens; 2 more for the full stop, quotes or line break a model may add).',
      'gpt-4o alone on every item: $0.504.',
      'Profiling, once it starts, costs at least $0.02468 (its first 20 items, each answered by the reference and 2 candidates) and at most $1,234.50 (every model on every item).',
    ]);
    assert.equal(goAheadQuestion(PREVIEW), 'Smart: start paid calls?');
    assert.equal(
      describePreview({ ...PREVIEW, leastProfiling: { cost: 0, items: 0, candidates: 0 } }, 'gpt-4o').at(-1),
      'Nothing will be profiled: no candidate is cheaper than the reference, or the strategy runs the reference on every item.',
    );
  });

  it('shows online and batch side by side after the reference alone, when the run or its reference can take batches (issue 17, item 4)', () => {
    const lines = describePreview({ ...PREVIEW, batch: { chosen: false, referenceBatches: true, discount: 0.5, maxHours: 24 } }, 'gpt-4o');
    assert.equal(lines[1], 'gpt-4o alone on every item: $0.504.');
    assert.match(lines[2], /^Online: answers as they come\. In batch mode, .* gpt-4o alone would cost \$0\.252 instead of \$0\.504\.$/);
    assert.equal(lines.length, 4);
  });

  it('says once how the output length was estimated, for each way (issue 11, item 8)', () => {
    const first = (estimate: CostPreview['outputEstimate'], outputTokens: number): string =>
      describePreview({ ...PREVIEW, outputEstimate: estimate, outputTokens }, 'ref')[0];
    assert.match(first({ kind: 'maxTokens' }, 12), /; at most 12 output tokens per answer \(maxTokens\)\.$/);
    assert.match(first({ kind: 'default' }, 50), /; 50 output tokens per answer, a default guess \(neither labels nor maxTokens bound the answers\)\.$/);
    for (const estimate of [{ kind: 'maxTokens' }, { kind: 'default' }, PREVIEW.outputEstimate] as const) {
      const line = first(estimate, 50);
      assert.equal(line.split('(').length, 3, `one parenthesis for the prompts, one for the output: ${line}`);
    }
  });

  it('leaves out what the response cache holds, and says so', () => {
    const lines = describePreview(
      {
        ...PREVIEW,
        referenceOnlyUncached: 0.21,
        cached: { reference: 1400, calls: 3000 },
        leastProfiling: { cost: 0, items: 10, candidates: 1 },
        worstCaseProfilingCost: 0.9,
      },
      'gpt-4o',
    );
    assert.deepEqual(lines.slice(1), [
      'gpt-4o alone on every item: $0.504 ($0.21 to pay: the response cache holds 1,400 of its answers).',
      'The response cache already holds 3,000 answers for these items: they cost nothing, and the figures below leave them out.',
      'Profiling, once it starts, costs at least $0.00 (its first 10 items, each answered by the reference and 1 candidate) and at most $0.90 (every model on every item the cache has no answer for).',
    ]);
    assert.equal(goAheadQuestion({ ...PREVIEW, cached: { reference: 1400, calls: 3000 } }), 'Smart: start paid calls?');
  });

  it('says nothing will be paid, and asks nothing, when the cache answers every call of the run (issue 11, item 8)', () => {
    const cached: CostPreview = { ...PREVIEW, referenceOnlyUncached: 0.3, cached: { reference: 1000, calls: 2400 }, fullyCached: true };
    const lines = describePreview(cached, 'gpt-4o');
    assert.equal(lines.at(-1), 'The response cache holds every answer this run needs: nothing will be paid.');
    assert.ok(!lines.some((l) => l.startsWith('Profiling')), lines.join('\n'));
    assert.equal(goAheadQuestion(cached), undefined);
  });

  it('uses the singular for one item, one prompt, one token', () => {
    const [first] = describePreview(
      { ...PREVIEW, items: 1, sampledItems: 1, meanInputTokens: 9, outputTokens: 1, outputEstimate: { kind: 'maxTokens' } },
      'ref',
    );
    assert.equal(
      first,
      "1 item, about 9 input tokens per call on average (each item's own length, at the tokens per character of 1 prompt); at most 1 output token per answer (maxTokens).",
    );
  });
});
