import * as assert from 'node:assert/strict';
import { assumedOutputTokens, CHAT_OVERHEAD_TOKENS, previewCost } from '../../../src/job/costPreview';
import { countTokens } from '../../../src/job/tokenCount';

describe('cost preview', () => {
  it('assumes output lengths from the answer rule', () => {
    assert.equal(assumedOutputTokens({ kind: 'label', labels: ['spam', 'not spam'] }, undefined).tokens, countTokens('not spam') + 1);
    assert.equal(assumedOutputTokens({ kind: 'trim' }, 12).tokens, 12);
    assert.match(assumedOutputTokens({ kind: 'trim' }, undefined).why, /assumption/);
  });

  it('prices the reference alone, the minimum sample and the worst case', () => {
    const prompts = ['one two three', 'four five six seven'];
    const p = previewCost({
      items: 1000,
      samplePrompts: prompts,
      reference: { id: 'big', inputPer1M: 10, outputPer1M: 20 },
      candidates: [{ id: 'small', inputPer1M: 1, outputPer1M: 2 }],
      answer: { kind: 'trim' },
      maxTokens: 5,
      minSample: 100,
    });
    const input = prompts.reduce((s, x) => s + countTokens(x) + CHAT_OVERHEAD_TOKENS, 0) / 2;
    const big = (input * 10 + 5 * 20) / 1e6;
    const small = (input * 1 + 5 * 2) / 1e6;
    assert.ok(Math.abs(p.referenceOnlyCost - 1000 * big) < 1e-12);
    assert.ok(Math.abs(p.minimumProfilingCost - 100 * (big + small)) < 1e-12);
    assert.ok(Math.abs(p.worstCaseProfilingCost - 1000 * (big + small)) < 1e-12);
  });
});
