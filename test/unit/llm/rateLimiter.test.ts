import * as assert from 'node:assert/strict';
import { DEFAULT_RATE_LIMITS, RateLimiter, RateLimiterPool } from '../../../src/llm/rateLimiter';

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
    await assert.rejects(limiter.run(never, async () => {
      throw new Error('boom');
    }), /boom/);
    assert.equal(limiter.active, 0);
    assert.equal(await limiter.run(never, async () => 7), 7);
  });

  it('spaces starts evenly under a requests-per-minute limit', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 10, requestsPerMinute: 1200 }); // one per 50 ms
    const startedAt: number[] = [];
    // Measured before the first grant, so a stalled test process can only lengthen the span.
    const before = Date.now();
    await Promise.all([0, 1, 2, 3].map(() => limiter.run(never, async () => {
      startedAt.push(Date.now());
    })));
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
