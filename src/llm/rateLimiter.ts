/**
 * Client-side limits for one provider model: how many requests may be in
 * flight at once, and optionally how many may start per minute. Waiting is
 * first come, first served, and abort-aware: a waiter whose signal aborts
 * leaves the queue and rejects with the signal's reason.
 */
import { onAbort } from './abortSignals';

export interface RateLimits {
  /** Requests in flight at once, at least 1. */
  readonly maxConcurrent: number;
  /**
   * Requests started per minute. Starts are spaced evenly (60 000 / rpm ms
   * apart) rather than allowed in bursts, so no window of a minute, however
   * placed, holds more than this many.
   */
  readonly requestsPerMinute?: number;
}

/** Defaults for a model without its own limits: modest, safe for hosted and local servers alike. */
export const DEFAULT_RATE_LIMITS: RateLimits = { maxConcurrent: 4 };

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  unsubscribe: () => void;
}

/** A concurrency semaphore combined with an evenly spaced requests-per-minute limit. */
export class RateLimiter {
  private readonly queue: Waiter[] = [];
  private running = 0;
  /** Earliest time (ms since epoch) the next request may start under the rpm limit. */
  private nextStartAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly spacingMs: number;

  constructor(readonly limits: RateLimits) {
    if (!Number.isInteger(limits.maxConcurrent) || limits.maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${limits.maxConcurrent}`);
    }
    const rpm = limits.requestsPerMinute;
    if (rpm !== undefined && !(rpm > 0)) throw new RangeError(`requestsPerMinute must be positive, got ${rpm}`);
    this.spacingMs = rpm === undefined ? 0 : 60_000 / rpm;
  }

  /** Requests holding a slot. */
  get active(): number {
    return this.running;
  }

  /** Acquirers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Waits for a slot; resolves with its release. */
  acquire(signal: AbortSignal): Promise<Release> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, unsubscribe: () => undefined };
      this.queue.push(waiter);
      waiter.unsubscribe = onAbort(signal, () => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(signal.reason);
        this.pump();
      });
      this.pump();
    });
  }

  /** Runs `task` holding a slot, and releases it however the task ends. */
  async run<T>(signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** Grants slots to waiters in order while the limits allow, else waits for the rpm clock. */
  private pump(): void {
    while (this.queue.length > 0 && this.running < this.limits.maxConcurrent) {
      const now = Date.now();
      if (now < this.nextStartAt) {
        this.wakeAt(this.nextStartAt - now);
        return;
      }
      const waiter = this.queue.shift() as Waiter;
      waiter.unsubscribe();
      this.running++;
      this.nextStartAt = now + this.spacingMs;
      waiter.grant(this.releaser());
    }
    // Nobody left to wake: drop the timer so it does not keep the process alive.
    if (this.queue.length === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private wakeAt(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.pump();
    };
  }
}

/**
 * One {@link RateLimiter} per model of one endpoint, created on first use.
 * Share a pool between clients of the same endpoint so that they share limits.
 */
export class RateLimiterPool {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(
    private readonly defaults: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly perModel: Readonly<Record<string, RateLimits>> = {},
  ) {}

  forModel(model: string): RateLimiter {
    let limiter = this.limiters.get(model);
    if (limiter === undefined) {
      limiter = new RateLimiter(Object.hasOwn(this.perModel, model) ? this.perModel[model] : this.defaults);
      this.limiters.set(model, limiter);
    }
    return limiter;
  }
}
