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
  /** Calls queued by `later`, started as slots free up. */
  private readonly queued: Array<() => void> = [];
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
    this.track(result, done);
    if (this.inflight >= this.limit) return this.nextFreeSlot();
  }

  /**
   * Runs a call now if a slot is free, else as soon as one frees up, without
   * making the caller wait: for calls that depend on others' answers (a gated
   * plan's escalation), started from a callback that cannot await.
   */
  later<R>(start: () => R | PromiseLike<R>, done: (result: R) => void): void {
    const go = (): void => {
      if (this.failed) return;
      try {
        const result = start();
        if (isPromiseLike(result)) this.track(result, done);
        else done(result);
      } catch (error) {
        this.fail(error);
      }
    };
    if (this.inflight < this.limit) go();
    else this.queued.push(go);
  }

  /** Waits for every call in flight or queued; rethrows the first failure. */
  async drain(): Promise<void> {
    while (this.inflight > 0 || this.queued.length > 0) await this.nextFreeSlot();
    this.throwIfFailed();
  }

  /** Waits until no call is in flight, whatever their outcome. */
  async settle(): Promise<void> {
    this.queued.length = 0;
    while (this.inflight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private track<R>(result: PromiseLike<R>, done: (result: R) => void): void {
    this.inflight++;
    Promise.resolve(result)
      .then(done)
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.inflight--;
        // Queued calls take free slots first; a waiting caller gets one left over.
        while (this.queued.length > 0 && this.inflight < this.limit) this.queued.shift()!();
        if (this.inflight < this.limit) this.waiters.shift()?.();
      });
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
