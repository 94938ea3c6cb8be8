import * as assert from 'node:assert/strict';
import { BudgetExceededError } from '../../../src/core/engine';
import { InputChangedError } from '../../../src/io/inputError';
import { DeclinedError } from '../../../src/job/runJob';
import { stopReason } from '../../../src/job/stopReason';

describe('stopReason', () => {
  it('tells a declined preview, a budget reached, a cancellation and an error apart', () => {
    assert.deepEqual(stopReason(new DeclinedError(), false), { kind: 'declined' });
    assert.deepEqual(stopReason(new BudgetExceededError(0.5, 0.5012), false), { kind: 'budget', limit: 0.5, paid: 0.5012 });
    assert.deepEqual(stopReason(new Error('This operation was aborted'), true), { kind: 'cancelled' });
    assert.deepEqual(stopReason(new Error('401 Unauthorized'), false), { kind: 'error', message: '401 Unauthorized' });
    assert.deepEqual(stopReason('odd', false), { kind: 'error', message: 'odd' });
    assert.deepEqual(stopReason(new InputChangedError('items.jsonl', '10 bytes, now 12'), false), {
      kind: 'changed',
      file: 'items.jsonl',
      detail: '10 bytes, now 12',
    });
  });

  it('names the budget even when the person also cancelled', () => {
    assert.equal(stopReason(new BudgetExceededError(1, 1), true).kind, 'budget');
  });
});
