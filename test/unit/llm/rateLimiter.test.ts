import * as assert from 'node:assert/strict';
import { DEFAULT_RATE_LIMITS, MIN_WINDOW, RateLimiter, RateLimiterPool, type SlotOutcome } from '../../../src/llm/rateLimiter';

const never = new AbortController().signal;
const isAbortError = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RateLimiter', () => {
  it('lets at most maxConcurrent through, then serves waiters in order', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 2 });
    const releaseA = await limiter.acquire(never);
    const releaseB = await limiter.acquire(never);
    const order: string[] = [];
    const c = limiter.acquire(never).then((release) => {
      order.push('c');
      return release;
    });
    const d = limiter.acquire(never).then((release) => {
      order.push('d');
      return release;
    });
    await tick();
    assert.equal(limiter.active, 2);
    assert.equal(limiter.waiting, 2);
    assert.deepEqual(order, []);

    releaseA();
    await tick();
    assert.deepEqual(order, ['c']);
    releaseB();
    await tick();
    assert.deepEqual(order, ['c', 'd']);
    (await c)();
    (await d)();
    assert.equal(limiter.active, 0);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1 });
    const release = await limiter.acquire(never);
    release();
    await limiter.acquire(never);
    release();
    assert.equal(limiter.active, 1);
  });

  it('removes an aborted waiter from the queue and rejects it with an AbortError', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1 });
    const release = await limiter.acquire(never);
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const next = limiter.acquire(never);
    controller.abort();
    await assert.rejects(waiting, isAbortError);
    assert.equal(limiter.waiting, 1);
    release();
    (await next)();
    assert.equal(limiter.active, 0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1 });
    await assert.rejects(limiter.acquire(AbortSignal.abort()), isAbortError);
    assert.equal(limiter.waiting, 0);
  });

  it('releases the slot when the task throws', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1 });
    await assert.rejects(
      limiter.run(never, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(limiter.active, 0);
    assert.equal(await limiter.run(never, async () => 7), 7);
  });

  it('spaces starts evenly under a requests-per-minute limit', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 10, requestsPerMinute: 1200 }); // one per 50 ms
    const startedAt: number[] = [];
    // Measured before the first grant, so a stalled test process can only lengthen the span.
    const before = Date.now();
    await Promise.all(
      [0, 1, 2, 3].map(() =>
        limiter.run(never, async () => {
          startedAt.push(Date.now());
        }),
      ),
    );
    // Three gaps of 50 ms; a little slack for the clock.
    assert.ok(startedAt[3] - before >= 145, `span ${startedAt[3] - before} ms`);
  });

  it('lets a waiter for the rpm clock abort promptly', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 10, requestsPerMinute: 1 }); // next start in 60 s
    (await limiter.acquire(never))();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    setTimeout(() => controller.abort(), 20);
    const start = Date.now();
    await assert.rejects(waiting, isAbortError);
    assert.ok(Date.now() - start < 1000);
    assert.equal(limiter.waiting, 0);
  });

  it('rejects nonsense limits', () => {
    assert.throws(() => new RateLimiter({ maxConcurrent: 0 }), RangeError);
    assert.throws(() => new RateLimiter({ maxConcurrent: 1, requestsPerMinute: 0 }), RangeError);
  });
});

describe('RateLimiter adaptive limit (AIMD)', () => {
  /** Requests one after another, each ending as told. */
  async function answer(limiter: RateLimiter, outcomes: readonly SlotOutcome[]): Promise<void> {
    for (const outcome of outcomes) (await limiter.acquire(never))(outcome);
  }
  const times = (n: number, outcome: SlotOutcome): SlotOutcome[] => Array<SlotOutcome>(n).fill(outcome);
  /** A window of `size` answers, `limited` of them 429s. */
  const window = (size: number, limited: number): SlotOutcome[] => [...times(limited, 'rateLimited'), ...times(size - limited, 'answered')];

  it('starts at the configured maximum', () => {
    assert.equal(new RateLimiter({ maxConcurrent: 12 }).limit, 12);
  });

  it('halves the limit after a window with a quarter of 429s, down to 1 and no lower', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 40 });
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      await answer(limiter, window(Math.max(limiter.limit, MIN_WINDOW), Math.ceil(Math.max(limiter.limit, MIN_WINDOW) / 4)));
      seen.push(limiter.limit);
    }
    assert.deepEqual(seen, [20, 10, 5, 2, 1, 1, 1]);
  });

  it('raises the limit by one per window without enough 429s, up to the maximum and no higher', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 12 });
    await answer(limiter, times(12, 'rateLimited'));
    assert.equal(limiter.limit, 6);
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Fewer than a quarter of 429s is noise, not a limit being hit.
      const size = Math.max(limiter.limit, MIN_WINDOW);
      await answer(limiter, window(size, Math.ceil(size / 4) - 1));
      seen.push(limiter.limit);
    }
    assert.deepEqual(seen, [7, 8, 9, 10, 11, 12, 12, 12]);
  });

  it('halves once for the answers to requests sent at the old limit, as TCP does once per round trip', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 32 });
    await answer(limiter, times(32, 'rateLimited'));
    assert.equal(limiter.limit, 16);
    await answer(limiter, times(12, 'answered'));
    // Sixteen requests in flight together, all answered 429: the first four
    // complete a window with a quarter of 429s; the other twelve were sent at
    // that same limit and must not halve it again.
    const releases = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire(never)));
    releases.forEach((release) => release('rateLimited'));
    assert.equal(limiter.limit, 8);
  });

  it('lets no more than the lowered limit in flight', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 8 });
    await answer(limiter, times(8, 'rateLimited'));
    assert.equal(limiter.limit, 4);
    const held = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire(never)));
    let granted = false;
    const fifth = limiter.acquire(never).then((release) => {
      granted = true;
      return release;
    });
    await tick();
    assert.equal(granted, false);
    held[0]('answered');
    (await fifth)();
    held.slice(1).forEach((release) => release());
  });

  it('leaves the limit alone on failures that are not answers (timeouts, 5xx), and on releases that say nothing', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 8 });
    await answer(limiter, times(100, 'failed'));
    const release = await limiter.acquire(never);
    release();
    assert.equal(limiter.limit, 8);
    await answer(limiter, times(8, 'rateLimited'));
    assert.equal(limiter.limit, 4);
    await answer(limiter, times(100, 'failed'));
    assert.equal(limiter.limit, 4);
  });
});

describe('RateLimiterPool', () => {
  it('keeps one limiter per model, with per-model overrides', () => {
    const pool = new RateLimiterPool({ maxConcurrent: 3 }, { big: { maxConcurrent: 9 } });
    assert.equal(pool.forModel('a'), pool.forModel('a'));
    assert.notEqual(pool.forModel('a'), pool.forModel('b'));
    assert.equal(pool.forModel('a').limits.maxConcurrent, 3);
    assert.equal(pool.forModel('big').limits.maxConcurrent, 9);
    assert.equal(new RateLimiterPool().forModel('x').limits, DEFAULT_RATE_LIMITS);
  });
});
