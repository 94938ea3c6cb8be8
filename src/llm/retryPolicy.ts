/**
 * When to call an LLM endpoint again after a failure, and how long to wait.
 *
 * Transient failures (rate limits, overloaded or failing servers, timeouts,
 * dropped connections, garbled bodies) are retried with exponential backoff
 * and full jitter, or after the wait the server asks for; requests the server
 * will keep refusing (bad request, bad key, no access, unknown model) fail at
 * once, since retrying them only delays the error. Waits end early when the
 * caller aborts.
 *
 * Retries are bounded by time, not by a count: with 20% of calls failing at
 * random, six failures in a row are rare for one call (0.2^6) but almost
 * certain somewhere in a run of 100,000, and a fixed count turned that into
 * the end of the run. Instead a call gives up only when
 * - its endpoint has answered nothing at all for the whole budget (any answer,
 *   to any call, resets that clock: an endpoint that answers other calls is
 *   alive, and its failures are passing), or
 * - the call itself has failed for the whole budget, its last failure not a
 *   rate limit, while the endpoint answered others: a request that times out
 *   or crashes the server every time would otherwise be retried, and paid
 *   for, without end. Under random faults this needs dozens of failures in a
 *   row, which does not happen by chance.
 */
import { DEFAULTS } from '../core/defaults';
import { onAbort } from './abortSignals';

export const DEFAULT_RETRY_BUDGET_MS = DEFAULTS.retryMinutes * 60_000;

/** Time as the policy sees it; inject a fake one to test budgets without waiting. */
export interface Clock {
  /** Milliseconds, only ever compared with each other. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface RetryPolicyOptions {
  /**
   * How long the calls to an endpoint keep being retried while it answers
   * nothing at all, and how long one request may keep failing on its own
   * (see the file comment). Default {@link DEFAULT_RETRY_BUDGET_MS}.
   */
  readonly budgetMs?: number;
  /** The wait before the first retry is drawn from [0, baseDelayMs); it doubles each retry. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Cap on the exponential part before jitter. Default 30 s. */
  readonly maxDelayMs?: number;
  /** Cap on a wait the server asks for (Retry-After), so a bad header cannot stall a run. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** Uniform on [0, 1); inject a fixed one to make waits deterministic. Default Math.random. */
  readonly random?: () => number;
  /** Default: real time. */
  readonly clock?: Clock;
}

/** What went wrong with one attempt, as the caller classified it. */
export interface AttemptFailure {
  readonly retryable: boolean;
  /** A description fit for users and logs: it must not contain secrets. */
  readonly reason: string;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The wait the server asked for, in ms (see {@link retryAfterMs}). */
  readonly retryAfterMs?: number | undefined;
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
  readonly delayMs: number;
  readonly failure: AttemptFailure;
}

/**
 * Why a call failed for good: the server refused it (not retryable), the
 * endpoint answered nothing for the whole budget, or this one request kept
 * failing for the whole budget while the endpoint answered others.
 */
export type GiveUp = 'refused' | 'endpointSilent' | 'requestFailing';

/** A call that failed for good; the message says which way (see {@link GiveUp}). */
export class LlmCallError extends Error {
  override readonly name = 'LlmCallError';
  readonly endpoint: string;
  readonly model: string;
  readonly attempts: number;
  readonly status: number | undefined;
  readonly giveUp: GiveUp;
  /** How long the endpoint was silent, or the request failing; 0 when refused. */
  readonly forMs: number;
  /** True when retries ran out of time; false when the failure was not retryable. */
  readonly exhausted: boolean;

  constructor(target: RetryTarget, attempts: number, failure: AttemptFailure, giveUp: GiveUp, forMs = 0) {
    super(`Endpoint "${target.endpoint}", model "${target.model}": ${describeFailure(failure, giveUp, attempts, forMs)}`);
    this.endpoint = target.endpoint;
    this.model = target.model;
    this.attempts = attempts;
    this.status = failure.status;
    this.giveUp = giveUp;
    this.forMs = forMs;
    this.exhausted = giveUp !== 'refused';
  }
}

/**
 * A call's final failure as a clause for messages: the server's refusal, or
 * why retrying stopped (the endpoint silent, or this request failing, for
 * how long, over how many attempts) and the last error.
 */
export function describeFailure(failure: AttemptFailure, giveUp: GiveUp, attempts: number, forMs: number): string {
  switch (giveUp) {
    case 'refused':
      return failure.reason;
    case 'endpointSilent':
      return `the endpoint answered nothing for ${duration(forMs)} (${attempts} attempts); last error: ${failure.reason}`;
    case 'requestFailing':
      return `this request failed for ${duration(forMs)} (${attempts} attempts) while the endpoint answered others; last error: ${failure.reason}`;
  }
}

/** A span of time as a person reads it in an error message. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} minutes`;
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

const realClock: Clock = { now: () => Date.now(), sleep };

/** Since when an endpoint has answered nothing, as far as the calls through one policy saw. */
class EndpointSilence {
  private lastAnswerAt = -Infinity;
  /** Start of the earliest failed attempt since the last answer; undefined while the endpoint answers. */
  private since: number | undefined;

  answered(now: number): void {
    this.lastAnswerAt = now;
    this.since = undefined;
  }

  /** An attempt started at `startedAt` failed: nothing was answered from then (or from the last answer, if later). */
  failed(startedAt: number): void {
    const from = Math.max(startedAt, this.lastAnswerAt);
    this.since = this.since === undefined ? from : Math.min(this.since, from);
  }

  /** Milliseconds without an answer, 0 while the endpoint answers. */
  silentFor(now: number): number {
    return this.since === undefined ? 0 : now - this.since;
  }

  /** When the budget of silence runs out. */
  deadline(budgetMs: number): number {
    return this.since === undefined ? Infinity : this.since + budgetMs;
  }
}

/** Exponential backoff with full jitter, Retry-After aware, within a time budget. */
export class RetryPolicy {
  readonly budgetMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly clock: Clock;
  /** Per endpoint name: a policy shared by several clients judges each endpoint on every answer it gave. */
  private readonly silences = new Map<string, EndpointSilence>();

  constructor(options: RetryPolicyOptions = {}) {
    this.budgetMs = options.budgetMs ?? DEFAULT_RETRY_BUDGET_MS;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? realClock;
    if (!(this.budgetMs > 0)) throw new RangeError(`the retry budget must be positive, got ${this.budgetMs} ms`);
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
   * not retryable, or the budget runs out (see the file comment); then throws
   * an {@link LlmCallError}. An abort (during an attempt or a wait) rejects
   * with the signal's reason instead; an attempt that succeeds although the
   * signal aborted meanwhile still returns its result (it was paid for).
   */
  async run<T>(
    target: RetryTarget,
    attempt: (attemptNumber: number) => Promise<T>,
    classify: (error: unknown) => AttemptFailure,
    signal: AbortSignal,
    onRetry?: (notice: RetryNotice) => void,
  ): Promise<T> {
    const silence = this.silenceOf(target.endpoint);
    let failingSince: number | undefined;
    for (let n = 1; ; n++) {
      signal.throwIfAborted();
      const startedAt = this.clock.now();
      try {
        const result = await attempt(n);
        silence.answered(this.clock.now());
        return result;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const failure = classify(error);
        const now = this.clock.now();
        if (!failure.retryable) {
          // A refusal is an answer: the endpoint is up.
          silence.answered(now);
          throw new LlmCallError(target, n, failure, 'refused');
        }
        silence.failed(startedAt);
        failingSince ??= startedAt;
        const silentMs = silence.silentFor(now);
        if (silentMs >= this.budgetMs) throw new LlmCallError(target, n, failure, 'endpointSilent', silentMs);
        // A rate limit says nothing about the request itself: only the endpoint's silence ends it.
        const ownDeadline = failure.status === 429 ? Infinity : failingSince + this.budgetMs;
        if (now >= ownDeadline) throw new LlmCallError(target, n, failure, 'requestFailing', now - failingSince);
        // Never wait past a deadline: the last try comes when the budget runs out, and its failure ends the call.
        const delayMs = Math.max(0, Math.min(this.delayMs(n, failure.retryAfterMs), silence.deadline(this.budgetMs) - now, ownDeadline - now));
        onRetry?.({ attempt: n, delayMs, failure });
        await this.clock.sleep(delayMs, signal);
      }
    }
  }

  private silenceOf(endpoint: string): EndpointSilence {
    let silence = this.silences.get(endpoint);
    if (silence === undefined) {
      silence = new EndpointSilence();
      this.silences.set(endpoint, silence);
    }
    return silence;
  }
}
