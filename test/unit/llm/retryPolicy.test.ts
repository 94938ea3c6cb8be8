import * as assert from 'node:assert/strict';
import {
  AttemptFailure,
  Clock,
  DEFAULT_RETRY_BUDGET_MS,
  isRetryableStatus,
  LlmCallError,
  retryAfterMs,
  RetryNotice,
  RetryPolicy,
  sleep,
} from '../../../src/llm/retryPolicy';

const target = { endpoint: 'ep', model: 'm' };
const transient: AttemptFailure = { retryable: true, reason: 'HTTP 503: busy', status: 503 };
const rateLimited: AttemptFailure = { retryable: true, reason: 'HTTP 429: slow down', status: 429 };
const refused: AttemptFailure = { retryable: false, reason: 'HTTP 400: bad', status: 400 };
const isAbortError = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';
const never = (): AbortSignal => new AbortController().signal;

/** Time that passes only when told to: a sleep moves it on at once. */
class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.t += ms;
  }
}

/** Each attempt takes `attemptMs` of fake time and then fails with `failure` (or does what `before` says first). */
function failing(clock: FakeClock, failure: AttemptFailure, attemptMs = 1000): { attempt: () => Promise<never>; classify: () => AttemptFailure } {
  return {
    attempt: async () => {
      clock.t += attemptMs;
      throw new Error(failure.reason);
    },
    classify: () => failure,
  };
}

describe('RetryPolicy', () => {
  describe('delayMs', () => {
    it('doubles the jitter range each retry (full jitter)', () => {
      const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 });
      assert.deepEqual(
        [1, 2, 3, 4].map((a) => policy.delayMs(a)),
        [50, 100, 200, 400],
      );
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
      assert.equal(policy.budgetMs, DEFAULT_RETRY_BUDGET_MS);
      assert.equal(DEFAULT_RETRY_BUDGET_MS, 10 * 60_000);
      assert.equal(policy.delayMs(1), 250);
      assert.equal(policy.delayMs(20), 15_000);
      assert.equal(policy.delayMs(1, 120_000), 60_000);
    });

    it('rejects nonsense settings', () => {
      assert.throws(() => new RetryPolicy({ budgetMs: 0 }), RangeError);
      assert.throws(() => new RetryPolicy({ budgetMs: Number.NaN }), RangeError);
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
      const result = await policy.run(
        target,
        async (n) => {
          calls++;
          assert.equal(n, calls);
          if (n < 3) throw new Error('busy');
          return 'ok';
        },
        () => transient,
        new AbortController().signal,
        (notice) => notices.push(notice),
      );
      assert.equal(result, 'ok');
      assert.equal(calls, 3);
      assert.deepEqual(
        notices.map((x) => [x.attempt, x.delayMs]),
        [
          [1, 4],
          [2, 8],
        ],
      );
    });

    it('retries far more than a handful of times while within the budget', async () => {
      const clock = new FakeClock();
      const policy = new RetryPolicy({ clock, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
      let calls = 0;
      const result = await policy.run(
        target,
        async () => {
          clock.t += 100;
          if (++calls <= 40) throw new Error('busy');
          return 'ok';
        },
        () => transient,
        never(),
      );
      assert.equal(result, 'ok');
      assert.equal(calls, 41);
    });

    it('fails at once on a failure that is not retryable', async () => {
      const policy = new RetryPolicy({ baseDelayMs: 1 });
      let calls = 0;
      const failure: AttemptFailure = { retryable: false, reason: 'HTTP 400: bad', status: 400 };
      await assert.rejects(
        policy.run(
          target,
          async () => {
            calls++;
            throw new Error('bad');
          },
          () => failure,
          new AbortController().signal,
        ),
        (error: unknown) => {
          assert.ok(error instanceof LlmCallError);
          assert.equal(error.message, 'Endpoint "ep", model "m": HTTP 400: bad');
          assert.equal(error.attempts, 1);
          assert.equal(error.status, 400);
          assert.equal(error.exhausted, false);
          assert.equal(error.giveUp, 'refused');
          return true;
        },
      );
      assert.equal(calls, 1);
    });

    it('rejects promptly with an AbortError when aborted during a backoff', async () => {
      const policy = new RetryPolicy({ random: () => 0 });
      const controller = new AbortController();
      const slow: AttemptFailure = { ...transient, retryAfterMs: 30_000 };
      let abortedAt = 0;
      const run = policy.run(
        target,
        async () => {
          throw new Error('busy');
        },
        () => slow,
        controller.signal,
        () =>
          setTimeout(() => {
            abortedAt = Date.now();
            controller.abort();
          }, 20),
      );
      await assert.rejects(run, isAbortError);
      assert.ok(abortedAt > 0 && Date.now() - abortedAt < 1000);
    });

    it('does not call an attempt once aborted, nor classify an abort as a failure', async () => {
      const policy = new RetryPolicy();
      let calls = 0;
      await assert.rejects(
        policy.run(
          target,
          async () => calls++,
          () => transient,
          AbortSignal.abort(),
        ),
        isAbortError,
      );
      assert.equal(calls, 0);

      const controller = new AbortController();
      let classified = 0;
      await assert.rejects(
        policy.run(
          target,
          async () => {
            controller.abort();
            throw new Error('request aborted');
          },
          () => {
            classified++;
            return transient;
          },
          controller.signal,
        ),
        isAbortError,
      );
      assert.equal(classified, 0);
    });
  });

  describe('the time budget', () => {
    const budgetMs = 60_000;
    /** A first call to the endpoint fails for 40 s, then is cancelled. */
    async function failFor40sThenCancel(policy: RetryPolicy, clock: FakeClock): Promise<void> {
      const { attempt, classify } = failing(clock, transient);
      const first = new AbortController();
      await assert.rejects(
        policy.run(target, attempt, classify, first.signal, () => {
          if (clock.t >= 40_000) first.abort();
        }),
        isAbortError,
      );
    }

    const policyWith = (clock: FakeClock, notices: RetryNotice[] = []): { policy: RetryPolicy; onRetry: (n: RetryNotice) => void } => ({
      policy: new RetryPolicy({ clock, budgetMs, baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0.5 }),
      onRetry: (notice) => notices.push(notice),
    });

    it('ends a call once its endpoint has answered nothing for the budget, saying so', async () => {
      const clock = new FakeClock();
      const notices: RetryNotice[] = [];
      const { policy, onRetry } = policyWith(clock, notices);
      const { attempt, classify } = failing(clock, transient);
      await assert.rejects(policy.run(target, attempt, classify, never(), onRetry), (error: unknown) => {
        assert.ok(error instanceof LlmCallError);
        assert.equal(error.giveUp, 'endpointSilent');
        assert.equal(error.exhausted, true);
        assert.equal(error.status, 503);
        assert.equal(error.attempts, notices.length + 1);
        // The last try starts when the budget runs out and takes its second.
        assert.equal(
          error.message,
          `Endpoint "ep", model "m": the endpoint answered nothing for 61 s (${error.attempts} attempts); last error: HTTP 503: busy`,
        );
        return true;
      });
      assert.equal(clock.t, budgetMs + 1000);
      // The waits grew, stayed under their cap, and the last one stopped at the deadline.
      const delays = notices.map((n) => n.delayMs);
      assert.deepEqual(delays.slice(0, 4), [500, 1000, 2000, 4000]);
      assert.ok(
        delays.every((d) => d <= 4000),
        delays.join(),
      );
    });

    it('counts the silence of the endpoint across calls, not per call', async () => {
      const clock = new FakeClock();
      const { policy } = policyWith(clock);
      const { attempt, classify } = failing(clock, transient);
      await failFor40sThenCancel(policy, clock);
      const secondStartedAt = clock.t;
      await assert.rejects(policy.run(target, attempt, classify, never()), (error: unknown) => {
        assert.ok(error instanceof LlmCallError && error.giveUp === 'endpointSilent', String(error));
        return true;
      });
      // The second call gave up after the rest of the budget, not a budget of its own.
      assert.ok(clock.t - secondStartedAt < 25_000, `the second call retried for ${clock.t - secondStartedAt} ms`);
    });

    it('keeps a rate-limited call alive, beyond the budget, while the endpoint answers other calls', async () => {
      const clock = new FakeClock();
      const { policy } = policyWith(clock);
      let calls = 0;
      const result = await policy.run(
        target,
        async () => {
          clock.t += 1000;
          // Another call to the endpoint is answered meanwhile.
          await policy.run(
            target,
            async () => 'other',
            () => transient,
            never(),
          );
          if (++calls <= 50) throw new Error('429');
          return 'mine';
        },
        () => rateLimited,
        never(),
      );
      assert.equal(result, 'mine');
      assert.ok(clock.t > 3 * budgetMs, `only ${clock.t} ms passed`);
    });

    it('ends a request that keeps failing on its own for the budget while the endpoint answers others', async () => {
      const clock = new FakeClock();
      const { policy } = policyWith(clock);
      let attempts = 0;
      await assert.rejects(
        policy.run(
          target,
          async () => {
            attempts++;
            clock.t += 1000;
            await policy.run(
              target,
              async () => 'other',
              () => transient,
              never(),
            );
            throw new Error('timeout');
          },
          () => ({ retryable: true, reason: 'no answer within 1000 ms' }),
          never(),
        ),
        (error: unknown) => {
          assert.ok(error instanceof LlmCallError);
          assert.equal(error.giveUp, 'requestFailing');
          assert.equal(
            error.message,
            `Endpoint "ep", model "m": this request failed for 61 s (${attempts} attempts) while the endpoint answered others; last error: no answer within 1000 ms`,
          );
          return true;
        },
      );
    });

    it("takes a refusal as a sign of life: the endpoint's silence starts again", async () => {
      const clock = new FakeClock();
      const { policy } = policyWith(clock);
      const { attempt, classify } = failing(clock, transient);
      await failFor40sThenCancel(policy, clock);
      await assert.rejects(
        policy.run(
          target,
          async () => {
            throw new Error('bad');
          },
          () => refused,
          never(),
        ),
        (error: unknown) => error instanceof LlmCallError && error.giveUp === 'refused',
      );
      const thirdStartedAt = clock.t;
      await assert.rejects(
        policy.run(target, attempt, classify, never()),
        (error: unknown) => error instanceof LlmCallError && error.giveUp === 'endpointSilent',
      );
      assert.ok(clock.t - thirdStartedAt >= budgetMs, `gave up after ${clock.t - thirdStartedAt} ms`);
    });

    it('judges each endpoint on its own answers', async () => {
      const clock = new FakeClock();
      const { policy } = policyWith(clock);
      const other = { endpoint: 'other', model: 'm' };
      await assert.rejects(
        policy.run(
          target,
          async () => {
            clock.t += 1000;
            // A different endpoint answering says nothing about this one.
            await policy.run(
              other,
              async () => 'fine',
              () => transient,
              never(),
            );
            throw new Error('busy');
          },
          () => transient,
          never(),
        ),
        (error: unknown) => error instanceof LlmCallError && error.giveUp === 'endpointSilent',
      );
    });

    it('honours Retry-After, but never waits past the end of the budget', async () => {
      const clock = new FakeClock();
      const notices: RetryNotice[] = [];
      const policy = new RetryPolicy({ clock, budgetMs, maxRetryAfterMs: 45_000, random: () => 0 });
      const { attempt } = failing(clock, rateLimited);
      await assert.rejects(
        policy.run(
          target,
          attempt,
          () => ({ ...rateLimited, retryAfterMs: 40_000 }),
          never(),
          (n) => notices.push(n),
        ),
        (error: unknown) => error instanceof LlmCallError && error.giveUp === 'endpointSilent',
      );
      // Asked for 40 s each time: the first wait is that, the second only what is left of the budget.
      assert.deepEqual(
        notices.map((n) => n.delayMs),
        [40_000, 60_000 - 42_000],
      );
    });
  });
});
