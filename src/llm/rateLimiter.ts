/**
 * Client-side limits for one provider model: how many requests may be in
 * flight at once, and optionally how many may start per minute. Waiting is
 * first come, first served, and abort-aware: a waiter whose signal aborts
 * leaves the queue and rejects with the signal's reason.
 *
 * The number in flight adapts to rate limits the way TCP adapts to
 * congestion (additive increase, multiplicative decrease): while the endpoint
 * answers 429 to a quarter or more of a window of requests, the limit halves;
 * once it stops, the limit grows by one per window, back up to the
 * configured maximum. A window is as many answers as the limit allows in
 * flight (at least {@link MIN_WINDOW}), counting only requests started since
 * the limit last changed, so the answers to requests sent at the old limit
 * cannot halve it twice. A few 429s in a window are noise (providers shed
 * load at random); a quarter is the limit being hit.
 */
import { onAbort } from './abortSignals';

export interface RateLimits {
  /** Requests in flight at once, at least 1: the most the adaptive limit allows. */
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

/** Answers a window must hold before the limit changes: fewer would make single 429s decide. */
export const MIN_WINDOW = 8;
/** Share of 429s in a window that halves the limit. */
export const RATE_LIMITED_SHARE = 0.25;

/**
 * How a request that held a slot ended: `answered` (any answer but a rate
 * limit), `rateLimited` (429), or `failed` (no answer: a timeout, a dropped
 * connection, a server error), which leaves the limit as it is.
 */
export type SlotOutcome = 'answered' | 'rateLimited' | 'failed';

/** Gives a slot back, telling how the request ended (default `failed`); calling it again does nothing. */
export type Release = (outcome?: SlotOutcome) => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  unsubscribe: () => void;
}

/** A concurrency semaphore with an adaptive limit, combined with an evenly spaced requests-per-minute limit. */
export class RateLimiter {
  private readonly queue: Waiter[] = [];
  private running = 0;
  /** Earliest time (ms since epoch) the next request may start under the rpm limit. */
  private nextStartAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly spacingMs: number;
  private current: number;
  /** Bumped whenever the limit changes; a slot remembers the epoch it was granted in. */
  private epoch = 0;
  private windowAnswers = 0;
  private windowRateLimited = 0;

  constructor(readonly limits: RateLimits) {
    if (!Number.isInteger(limits.maxConcurrent) || limits.maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${limits.maxConcurrent}`);
    }
    const rpm = limits.requestsPerMinute;
    if (rpm !== undefined && !(rpm > 0)) throw new RangeError(`requestsPerMinute must be positive, got ${rpm}`);
    this.spacingMs = rpm === undefined ? 0 : 60_000 / rpm;
    this.current = limits.maxConcurrent;
  }

  /** Requests holding a slot. */
  get active(): number {
    return this.running;
  }

  /** Acquirers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Requests allowed in flight now: between 1 and `limits.maxConcurrent`. */
  get limit(): number {
    return this.current;
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

  /**
   * Runs `task` holding a slot, and releases it however the task ends: as
   * `answered` when it resolves, else as `outcomeOf(error)` says (default `failed`).
   */
  async run<T>(signal: AbortSignal, task: () => Promise<T>, outcomeOf?: (error: unknown) => SlotOutcome): Promise<T> {
    const release = await this.acquire(signal);
    let outcome: SlotOutcome = 'failed';
    try {
      const result = await task();
      outcome = 'answered';
      return result;
    } catch (error) {
      outcome = outcomeOf?.(error) ?? 'failed';
      throw error;
    } finally {
      release(outcome);
    }
  }

  /** Grants slots to waiters in order while the limits allow, else waits for the rpm clock. */
  private pump(): void {
    while (this.queue.length > 0 && this.running < this.current) {
      const now = Date.now();
      if (now < this.nextStartAt) {
        this.wakeAt(this.nextStartAt - now);
        return;
      }
      const waiter = this.queue.shift() as Waiter;
      waiter.unsubscribe();
      this.running++;
      this.nextStartAt = now + this.spacingMs;
      waiter.grant(this.releaser(this.epoch));
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

  private releaser(grantedInEpoch: number): Release {
    let released = false;
    return (outcome = 'failed') => {
      if (released) return;
      released = true;
      this.running--;
      if (grantedInEpoch === this.epoch) this.adapt(outcome);
      this.pump();
    };
  }

  /** Counts an answer into the window; a full window halves the limit or raises it by one. */
  private adapt(outcome: SlotOutcome): void {
    if (outcome === 'failed') return;
    this.windowAnswers++;
    if (outcome === 'rateLimited') this.windowRateLimited++;
    if (this.windowAnswers < Math.max(this.current, MIN_WINDOW)) return;
    const next =
      this.windowRateLimited >= RATE_LIMITED_SHARE * this.windowAnswers
        ? Math.max(1, Math.floor(this.current / 2))
        : Math.min(this.limits.maxConcurrent, this.current + 1);
    this.windowAnswers = 0;
    this.windowRateLimited = 0;
    if (next === this.current) return;
    this.current = next;
    this.epoch++;
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
