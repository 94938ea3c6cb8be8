import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { onAbort } from '../../../src/llm/abortSignals';
import { RateLimiter } from '../../../src/llm/rateLimiter';

describe('onAbort', () => {
  it('notifies every subscriber through one listener on the signal', () => {
    const controller = new AbortController();
    let notified = 0;
    for (let i = 0; i < 50; i++) onAbort(controller.signal, () => notified++);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    assert.equal(notified, 50);
  });

  it('stops notifying after unsubscribing', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const listener = (): number => calls.push('x');
    const unsubscribe = onAbort(controller.signal, listener);
    onAbort(controller.signal, listener);
    unsubscribe();
    controller.abort();
    assert.deepEqual(calls, ['x']);
  });

  it('calls at once for a signal that has already aborted', () => {
    let notified = false;
    onAbort(AbortSignal.abort(), () => {
      notified = true;
    });
    assert.equal(notified, true);
  });

  it('keeps many waiters on one run signal to a single listener', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1 });
    const controller = new AbortController();
    const release = await limiter.acquire(controller.signal);
    const waiting = Array.from({ length: 30 }, () => limiter.acquire(controller.signal));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    const outcomes = await Promise.allSettled(waiting);
    assert.ok(outcomes.every((o) => o.status === 'rejected'));
    release();
  });
});
