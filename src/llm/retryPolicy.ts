/**
 * When to call an LLM endpoint again after a failure, and how long to wait.
 *
 * Transient failures (rate limits, overloaded or failing servers, timeouts,
 * dropped connections, garbled bodies) are retried with exponential backoff
 * and full jitter, or after the wait the server asks for; requests the server
 * will keep refusing (bad request, bad key, no access, unknown model) fail at
 * once, since retrying them only delays the error. Waits end early when the
 * caller aborts.
 */
import { onAbort } from './abortSignals';

export interface RetryPolicyOptions {
  /** Attempts in all, the first included. Default 6. */
  readonly maxAttempts?: number;
  /** The wait before the first retry is drawn from [0, baseDelayMs); it doubles each retry. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Cap on the exponential part before jitter. Default 30 s. */
  readonly maxDelayMs?: number;
  /** Cap on a wait the server asks for (Retry-After), so a bad header cannot stall a run. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** Uniform on [0, 1); inject a fixed one to make waits deterministic. Default Math.random. */
  readonly random?: () => number;
}

/** What went wrong with one attempt, as the caller classified it. */
export interface AttemptFailure {
  readonly retryable: boolean;
  /** A description fit for users and logs: it must not contain secrets. */
  readonly reason: string;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The wait the server asked for, in ms (see {@link retryAfterMs}). */
  readonly retryAfterMs?: number;
}

/** Which endpoint and model a call went to, for messages. */
export interface RetryTarget {
  readonly endpoint: string;
  readonly model: string;
}

/** Told before each wait between attempts. */
export interface RetryNotice {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly delayMs: number;
  readonly failure: AttemptFailure;
}

/** A call that failed for good: either not retryable, or still failing after the last attempt. */
export class LlmCallError extends Error {
  override readonly name = 'LlmCallError';
  readonly endpoint: string;
  readonly model: string;
  readonly attempts: number;
  readonly status: number | undefined;
  /** True when every attempt was used; false when the failure was not retryable. */
  readonly exhausted: boolean;

  constructor(target: RetryTarget, attempts: number, failure: AttemptFailure, exhausted: boolean) {
    const where = `Endpoint "${target.endpoint}", model "${target.model}"`;
    super(exhausted
      ? `${where}: gave up after ${attempts} attempts; last error: ${failure.reason}`
      : `${where}: ${failure.reason}`);
    this.endpoint = target.endpoint;
    this.model = target.model;
    this.attempts = attempts;
    this.status = failure.status;
    this.exhausted = exhausted;
  }
}

/**
 * Statuses worth retrying: 408 (request timeout), 429 (rate limit) and server
 * errors (500, 502, 503, 504, Anthropic-style 529, proxies' 52x), but not 501
 * (not implemented) or 505 (HTTP version), which will not change on retry.
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/**
 * The wait a response asks for, in ms: `retry-after-ms` (OpenAI, Azure) if
 * present, else `Retry-After` as seconds or as an HTTP date. Undefined when
 * neither is present or readable.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, nowMs = Date.now()): number | undefined {
  const ms = parseNonNegative(headers?.get('retry-after-ms'));
  if (ms !== undefined) return ms;
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = parseNonNegative(value);
  if (seconds !== undefined) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function parseNonNegative(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
    const unsubscribe = onAbort(signal, () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** Exponential backoff with full jitter, Retry-After aware. */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    }
    if (!(this.baseDelayMs >= 0 && this.maxDelayMs >= 0 && this.maxRetryAfterMs >= 0)) {
      throw new RangeError('retry delays must be non-negative');
    }
  }

  /**
   * The wait after failed attempt `attempt` (from 1): the server's
   * Retry-After when given (capped), else uniform on
   * [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))). Full jitter spreads
   * out clients that failed together, so they do not retry in lockstep.
   */
  delayMs(attempt: number, serverRetryAfterMs?: number): number {
    if (serverRetryAfterMs !== undefined) return Math.min(serverRetryAfterMs, this.maxRetryAfterMs);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }

  /**
   * Runs `attempt` until it succeeds, fails with a failure `classify` says is
   * not retryable, or uses up `maxAttempts`; then throws an
   * {@link LlmCallError}. An abort (during an attempt or a wait) rejects with
   * the signal's reason instead.
   */
  async run<T>(
    target: RetryTarget,
    attempt: (attemptNumber: number) => Promise<T>,
    classify: (error: unknown) => AttemptFailure,
    signal: AbortSignal,
    onRetry?: (notice: RetryNotice) => void,
  ): Promise<T> {
    for (let n = 1; ; n++) {
      signal.throwIfAborted();
      try {
        return await attempt(n);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const failure = classify(error);
        if (!failure.retryable) throw new LlmCallError(target, n, failure, false);
        if (n >= this.maxAttempts) throw new LlmCallError(target, n, failure, true);
        const delayMs = this.delayMs(n, failure.retryAfterMs);
        onRetry?.({ attempt: n, maxAttempts: this.maxAttempts, delayMs, failure });
        await sleep(delayMs, signal);
      }
    }
  }
}
