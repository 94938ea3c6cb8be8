import * as assert from 'node:assert/strict';
import { AttemptFailure, isRetryableStatus, LlmCallError, retryAfterMs, RetryNotice, RetryPolicy, sleep } from '../../../src/llm/retryPolicy';

const target = { endpoint: 'ep', model: 'm' };
const transient: AttemptFailure = { retryable: true, reason: 'HTTP 503: busy', status: 503 };
const isAbortError = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';

describe('RetryPolicy', () => {
  describe('delayMs', () => {
    it('doubles the jitter range each retry (full jitter)', () => {
      const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 });
      assert.deepEqual([1, 2, 3, 4].map((a) => policy.delayMs(a)), [50, 100, 200, 400]);
    });

    it('draws the whole range [0, ceiling)', () => {
      assert.equal(new RetryPolicy({ baseDelayMs: 100, random: () => 0 }).delayMs(3), 0);
      assert.equal(new RetryPolicy({ baseDelayMs: 100, random: () => 0.999 }).delayMs(3), 399);
    });

    it('caps the exponential part', () => {
      const policy = new RetryPolicy({ baseDelayMs: 500, maxDelayMs: 1000, random: () => 0.5 });
      assert.equal(policy.delayMs(10), 500);
    });

    it('uses the wait the server asked for, capped', () => {
      const policy = new RetryPolicy({ random: () => 0, maxRetryAfterMs: 5000 });
      assert.equal(policy.delayMs(1, 1200), 1200);
      assert.equal(policy.delayMs(1, 90_000), 5000);
    });

    it('has the documented defaults', () => {
      const policy = new RetryPolicy({ random: () => 0.5 });
      assert.equal(policy.maxAttempts, 6);
      assert.equal(policy.delayMs(1), 250);
      assert.equal(policy.delayMs(20), 15_000);
      assert.equal(policy.delayMs(1, 120_000), 60_000);
    });

    it('rejects nonsense settings', () => {
      assert.throws(() => new RetryPolicy({ maxAttempts: 0 }), RangeError);
      assert.throws(() => new RetryPolicy({ maxAttempts: 1.5 }), RangeError);
      assert.throws(() => new RetryPolicy({ baseDelayMs: -1 }), RangeError);
    });
  });

  describe('isRetryableStatus', () => {
    it('retries rate limits, timeouts and server errors', () => {
      for (const status of [408, 429, 500, 502, 503, 504, 529, 520]) assert.equal(isRetryableStatus(status), true, String(status));
    });

    it('never retries client errors or permanent server errors', () => {
      for (const status of [400, 401, 403, 404, 422, 501, 505]) assert.equal(isRetryableStatus(status), false, String(status));
    });
  });

  describe('retryAfterMs', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');

    it('reads retry-after-ms first', () => {
      assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }), now), 250);
    });

    it('reads Retry-After as seconds, fractions included', () => {
      assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' }), now), 3000);
      assert.equal(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now), 500);
    });

    it('reads Retry-After as an HTTP date', () => {
      assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 May 2024 12:00:07 GMT' }), now), 7000);
      assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 May 2024 11:00:00 GMT' }), now), 0);
    });

    it('ignores missing and unreadable values', () => {
      assert.equal(retryAfterMs(undefined, now), undefined);
      assert.equal(retryAfterMs(new Headers(), now), undefined);
      assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), undefined);
      assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '-5', 'retry-after': '2' }), now), 2000);
    });
  });

  describe('sleep', () => {
    it('resolves after the delay', async () => {
      const start = Date.now();
      await sleep(30, new AbortController().signal);
      assert.ok(Date.now() - start >= 25);
    });

    it('rejects promptly with an AbortError when aborted', async () => {
      const controller = new AbortController();
      const start = Date.now();
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(sleep(10_000, controller.signal), isAbortError);
      assert.ok(Date.now() - start < 2000);
    });

    it('rejects at once when already aborted', async () => {
      await assert.rejects(sleep(10_000, AbortSignal.abort()), isAbortError);
    });
  });

  describe('run', () => {
    it('retries transient failures until success and reports each wait', async () => {
      const policy = new RetryPolicy({ baseDelayMs: 8, random: () => 0.5 });
      const notices: RetryNotice[] = [];
      let calls = 0;
      const result = await policy.run(target, async (n) => {
        calls++;
        assert.equal(n, calls);
        if (n < 3) throw new Error('busy');
        return 'ok';
      }, () => transient, new AbortController().signal, (notice) => notices.push(notice));
      assert.equal(result, 'ok');
      assert.equal(calls, 3);
      assert.deepEqual(notices.map((x) => [x.attempt, x.delayMs]), [[1, 4], [2, 8]]);
    });

    it('fails at once on a failure that is not retryable', async () => {
      const policy = new RetryPolicy({ baseDelayMs: 1 });
      let calls = 0;
      const failure: AttemptFailure = { retryable: false, reason: 'HTTP 400: bad', status: 400 };
      await assert.rejects(policy.run(target, async () => {
        calls++;
        throw new Error('bad');
      }, () => failure, new AbortController().signal), (error: unknown) => {
        assert.ok(error instanceof LlmCallError);
        assert.equal(error.message, 'Endpoint "ep", model "m": HTTP 400: bad');
        assert.equal(error.attempts, 1);
        assert.equal(error.status, 400);
        assert.equal(error.exhausted, false);
        return true;
      });
      assert.equal(calls, 1);
    });

    it('gives up after maxAttempts with the last cause', async () => {
      const policy = new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1, random: () => 0 });
      let calls = 0;
      await assert.rejects(policy.run(target, async () => {
        calls++;
        throw new Error('busy');
      }, () => transient, new AbortController().signal), (error: unknown) => {
        assert.ok(error instanceof LlmCallError);
        assert.equal(error.message, 'Endpoint "ep", model "m": gave up after 3 attempts; last error: HTTP 503: busy');
        assert.equal(error.attempts, 3);
        assert.equal(error.exhausted, true);
        return true;
      });
      assert.equal(calls, 3);
    });

    it('rejects promptly with an AbortError when aborted during a backoff', async () => {
      const policy = new RetryPolicy({ random: () => 0 });
      const controller = new AbortController();
      const slow: AttemptFailure = { ...transient, retryAfterMs: 30_000 };
      let abortedAt = 0;
      const run = policy.run(target, async () => {
        throw new Error('busy');
      }, () => slow, controller.signal, () => setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, 20));
      await assert.rejects(run, isAbortError);
      assert.ok(abortedAt > 0 && Date.now() - abortedAt < 1000);
    });

    it('does not call an attempt once aborted, nor classify an abort as a failure', async () => {
      const policy = new RetryPolicy();
      let calls = 0;
      await assert.rejects(policy.run(target, async () => calls++, () => transient, AbortSignal.abort()), isAbortError);
      assert.equal(calls, 0);

      const controller = new AbortController();
      let classified = 0;
      await assert.rejects(policy.run(target, async () => {
        controller.abort();
        throw new Error('request aborted');
      }, () => {
        classified++;
        return transient;
      }, controller.signal), isAbortError);
      assert.equal(classified, 0);
    });
  });
});
