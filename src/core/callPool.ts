/** True for promises and other thenables. */
export function isPromiseLike<R>(value: R | PromiseLike<R>): value is PromiseLike<R> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs calls with at most `limit` in flight. A call that answers synchronously
 * (a simulator, a cache hit) is handled at once without a microtask, which
 * keeps a simulated run of 100,000 items fast; the caller awaits only the
 * promise `run` returns when the pool is full.
 *
 * The first failure is kept and `onFailure` is told (the engine aborts the
 * other in-flight calls there); later `run`s and `drain` rethrow it.
 */
export class CallPool {
  private inflight = 0;
  private readonly waiters: Array<() => void> = [];
  private failed = false;
  private failure: unknown;

  constructor(
    private readonly limit: number,
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {
    if (!(limit >= 1)) throw new RangeError(`concurrency must be at least 1, got ${limit}`);
  }

  run<R>(start: () => R | PromiseLike<R>, done: (result: R) => void): void | Promise<void> {
    this.throwIfFailed();
    const result = start();
    if (!isPromiseLike(result)) {
      done(result);
      return;
    }
    this.inflight++;
    Promise.resolve(result)
      .then(done)
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.inflight--;
        this.waiters.shift()?.();
      });
    if (this.inflight >= this.limit) return this.nextFreeSlot();
  }

  /** Waits for every call in flight; rethrows the first failure. */
  async drain(): Promise<void> {
    while (this.inflight > 0) await this.nextFreeSlot();
    this.throwIfFailed();
  }

  /** Waits until no call is in flight, whatever their outcome. */
  async settle(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private nextFreeSlot(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.throwIfFailed());
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.onFailure(error);
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }
}
