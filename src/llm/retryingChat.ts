/**
 * What every chat client shares, whatever protocol it speaks: retries bounded
 * by time (`RetryPolicy`), calls in flight per model (`RateLimiterPool`: 429s
 * lower them), a timer per attempt that covers reading the body too (an
 * SDK's own timeout stops at the headers), and, when the caller aborts, a
 * grace period for a request already sent, whose answer is paid for by then.
 * A protocol supplies one attempt (`send`) and how its SDK's failures read.
 * The SDKs' own retries are off, so the policy is explicit and tested;
 * requests are deterministic (temperature 0); every text that leaves a client
 * is redacted of its endpoint's secrets.
 */
import { onAbort } from './abortSignals';
import type { ChatBackend, ChatBackendOptions, ChatRequest, ChatResult } from './chatBackend';
import type { EndpointSecrets } from './endpointSecrets';
import { estimateTokens, type Log } from './openAiEndpoint';
import { RateLimiterPool, type SlotOutcome } from './rateLimiter';
import { AttemptFailure, isRetryableStatus, RetryPolicy } from './retryPolicy';

/** Most answers to short prompts come within a few seconds; a cancel should not wait much longer. */
export const DEFAULT_CANCEL_GRACE_MS = 5_000;

/** Calls one endpoint (`E`: what the protocol keeps of it, its secrets at least); safe to share between concurrent callers. */
export abstract class RetryingChat<E extends EndpointSecrets = EndpointSecrets> implements ChatBackend {
  protected readonly log: Log;
  private readonly retry: RetryPolicy;
  private readonly limiters: RateLimiterPool;
  private readonly cancelGraceMs: number;

  constructor(
    protected readonly endpoint: E,
    options: ChatBackendOptions,
  ) {
    this.retry = options.retry ?? new RetryPolicy();
    this.limiters = options.limiters ?? new RateLimiterPool();
    this.log = endpoint.redactingLog(options.log);
    this.cancelGraceMs = Math.max(0, options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS);
  }

  /** One attempt: sends the request and reads its answer; `signal` cuts it off. */
  protected abstract send(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;

  /** How an error of the protocol's SDK reads; undefined for errors that are not the SDK's. */
  protected abstract sdkFailure(error: unknown): AttemptFailure | undefined;

  /** The HTTP status of an error of the protocol's SDK; undefined for others. */
  protected abstract sdkStatus(error: unknown): number | undefined;

  /**
   * One completion, retried per the policy and within the model's limits.
   * Rejects with an `LlmCallError` naming endpoint and model, or with the
   * signal's reason when aborted: at once for a call waiting for a slot or a
   * retry; after at most the cancel grace period for a request already sent,
   * which resolves normally if its answer comes within it.
   */
  chat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const limiter = this.limiters.forModel(request.model);
    const name = this.endpoint.name;
    return this.retry.run(
      { endpoint: name, model: request.model },
      () =>
        limiter.run(
          signal,
          () => this.attempt(request, signal),
          (error) => this.slotOutcome(error),
        ),
      (error) => this.classify(error),
      signal,
      ({ attempt, delayMs, failure }) => this.log('warn', `${name} ${request.model}: attempt ${attempt} failed (${failure.reason}); retrying in ${delayMs} ms`),
    );
  }

  /** The answer with its token counts, estimated as characters / 4 (and said so) where the server reported none. */
  protected withUsage(request: ChatRequest, text: string, usage: { inputTokens: unknown; outputTokens: unknown }, confidence?: number): ChatResult {
    const extra = confidence === undefined ? {} : { confidence };
    const { inputTokens, outputTokens } = usage;
    if (typeof inputTokens === 'number' && typeof outputTokens === 'number') return { text, inputTokens, outputTokens, ...extra };
    const estimate = {
      text,
      ...extra,
      inputTokens: estimateTokens(request.messages.reduce((sum, m) => sum + m.content.length, 0)),
      outputTokens: estimateTokens(text.length),
    };
    this.log(
      'debug',
      `${this.endpoint.name} ${request.model}: the response has no token usage; ` +
        `estimated ${estimate.inputTokens} input and ${estimate.outputTokens} output tokens as characters / 4`,
    );
    return estimate;
  }

  private async attempt(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    // The caller may have aborted while this waited for its slot: then nothing is sent.
    signal.throwIfAborted();
    // Our own timer covers the whole attempt, reading the body included (the
    // SDK's timeout stops at the response headers).
    const attemptController = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attemptController.abort();
    }, this.endpoint.timeoutMs);
    // Once sent, a request is paid for whether or not we read the answer: an
    // abort gives it a grace period to arrive before cutting it off.
    let graceTimer: NodeJS.Timeout | undefined;
    const stopForwarding = onAbort(signal, () => {
      graceTimer = setTimeout(() => attemptController.abort(signal.reason), this.cancelGraceMs);
    });
    try {
      return await this.send(request, attemptController.signal);
    } catch (error) {
      if (timedOut && !signal.aborted) throw new AttemptTimeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      stopForwarding();
    }
  }

  private classify(error: unknown): AttemptFailure {
    if (error instanceof AttemptTimeoutError) return { retryable: true, reason: `no answer within ${this.endpoint.timeoutMs} ms` };
    const known = this.sdkFailure(error);
    if (known) return known;
    if (error instanceof MalformedResponseError) return { retryable: true, reason: this.endpoint.redact(`malformed response: ${error.message}`) };
    // A missing answer with temperature 0 would come back the same: not worth paying again.
    if (error instanceof NoContentError) return { retryable: false, reason: error.message };
    return { retryable: false, reason: this.endpoint.redact(error instanceof Error ? error.message : String(error)) };
  }

  /** Tells the rate limiter how an attempt ended: a 429 lowers the calls in flight. */
  private slotOutcome(error: unknown): SlotOutcome {
    const status = this.sdkStatus(error);
    if (status === 429) return 'rateLimited';
    // A refusal (400, 401, 404) or an empty answer is an answer; timeouts, dropped connections and 5xx are not.
    if (error instanceof NoContentError) return 'answered';
    if (status !== undefined && !isRetryableStatus(status)) return 'answered';
    return 'failed';
  }
}

/** Our per-attempt timer fired. */
class AttemptTimeoutError extends Error {}

/** The body parsed but is not an answer of the protocol. */
export class MalformedResponseError extends Error {}

/** The answer carries no text. */
export class NoContentError extends Error {}
