import * as assert from 'node:assert/strict';
import { describeStop } from '../../../src/text/stopReason';

describe('describeStop', () => {
  const resume = 'Run the same command again';

  it('says the budget was reached, with the amounts, and how to continue', () => {
    assert.equal(
      describeStop({ kind: 'budget', limit: 0.005, paid: 0.0051234 }, resume),
      'Stopped after paying $0.005123, the most allowed ($0.005). Run the same command again to continue; calls already made are cached and cost nothing.',
    );
  });

  it('says a cancelled run can continue from the cache, in the words of where the person is', () => {
    assert.equal(
      describeStop({ kind: 'cancelled' }, 'Run "Smart: Resume Run"'),
      'Cancelled. Run "Smart: Resume Run" to continue; calls already made are cached and cost nothing.',
    );
  });

  it('says nothing was paid when the cost preview was declined', () => {
    assert.equal(describeStop({ kind: 'declined' }, resume), 'Stopped before any paid call: the cost preview was declined.');
  });

  it('says which file changed during the run, that nothing was written, and how to run it again', () => {
    assert.equal(
      describeStop({ kind: 'changed', file: 'data/items.jsonl', detail: '3,000 bytes, now 3,040' }, resume),
      'Stopped: data/items.jsonl changed while the run was going (3,000 bytes, now 3,040), so no output was written. ' +
        'Run the same command again to process it as it is now; calls already made are cached and cost nothing.',
    );
  });

  it('passes an error message on as it is', () => {
    assert.equal(
      describeStop({ kind: 'error', message: "gpt-4o: 401 Unauthorized from endpoint 'openai'" }, resume),
      "gpt-4o: 401 Unauthorized from endpoint 'openai'",
    );
  });
});
