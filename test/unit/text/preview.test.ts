import * as assert from 'node:assert/strict';
import { describePreview } from '../../../src/text/preview';

describe('describePreview', () => {
  it('says what was measured, what the reference alone costs and the range of profiling', () => {
    const lines = describePreview(
      {
        items: 2400,
        sampledItems: 200,
        meanInputTokens: 73.6,
        outputTokens: 3,
        outputTokensWhy: 'the longest label',
        referenceOnlyCost: 0.504,
        minimumProfilingCost: 0.02468,
        worstCaseProfilingCost: 1234.5,
      },
      'gpt-4o',
    );
    assert.deepEqual(lines, [
      '2,400 items, about 74 input tokens per call (measured on 200 prompts); 3 output tokens assumed (the longest label).',
      'gpt-4o alone on every item: $0.504.',
      'Profiling costs at least $0.02468 (the minimum sample) and at most $1,234.50 (every model on every item).',
    ]);
  });

  it('uses the singular for one item, one prompt, one token', () => {
    const [first] = describePreview(
      { items: 1, sampledItems: 1, meanInputTokens: 9, outputTokens: 1, outputTokensWhy: 'maxTokens', referenceOnlyCost: 0, minimumProfilingCost: 0, worstCaseProfilingCost: 0 },
      'ref',
    );
    assert.equal(first, '1 item, about 9 input tokens per call (measured on 1 prompt); 1 output token assumed (maxTokens).');
  });
});
