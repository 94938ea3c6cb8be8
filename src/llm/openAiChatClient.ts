/**
 * Chat completions against any OpenAI-compatible endpoint (OpenAI, Azure
 * OpenAI, Ollama, vLLM, LM Studio, OpenRouter) through the `openai` package.
 *
 * The SDK does the HTTP; retries, timeouts and rate limits are ours (the SDK's
 * own retries are off), so their policy is explicit and tested. Requests are
 * deterministic: temperature 0, no sampling options. API keys are never put in
 * messages or logs: every text that leaves this module is redacted.
 */
import { APIError } from 'openai';
import { onAbort } from './abortSignals';
import type { ChatBackend, ChatBackendOptions, ChatRequest, ChatResult } from './chatBackend';
import { estimateTokens, OpenAiEndpoint, type EndpointConfig, type Log } from './openAiEndpoint';
import { RateLimiterPool, type SlotOutcome } from './rateLimiter';
import { AttemptFailure, isRetryableStatus, RetryPolicy } from './retryPolicy';

export type { EndpointConfig, Log, LogLevel } from './openAiEndpoint';

/**
 * The chat-completions body of a request exactly as its cache key hashes it
 * (`src/job/jobClient.ts`), and as a batch request line sends it: temperature 0, `max_tokens` null when
 * not set. `logprobs` appears only when asked for, so answers cached without
 * it stay valid for models that never ask.
 */
export function chatCompletionBody(request: ChatRequest): Record<string, unknown> {
  return {
    model: request.model,
    messages: request.messages,
    max_tokens: request.maxTokens ?? null,
    temperature: 0,
    ...(request.logprobs ? { logprobs: true } : {}),
  };
}

/** Most answers to short prompts come within a few seconds; a cancel should not wait much longer. */
export const DEFAULT_CANCEL_GRACE_MS = 5_000;

/** Calls one endpoint; safe to share between concurrent callers. */
export class OpenAiChatClient implements ChatBackend {
  private readonly connection: OpenAiEndpoint;
  private readonly retry: RetryPolicy;
  private readonly limiters: RateLimiterPool;
  private readonly log: Log;
  private readonly cancelGraceMs: number;

  constructor(
    private readonly endpoint: EndpointConfig,
    options: ChatBackendOptions = {},
  ) {
    this.connection = new OpenAiEndpoint(endpoint);
    this.retry = options.retry ?? new RetryPolicy();
    this.limiters = options.limiters ?? new RateLimiterPool();
    this.log = this.connection.redactingLog(options.log);
    this.cancelGraceMs = Math.max(0, options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS);
  }

  /**
   * One completion, retried per the policy and within the model's limits
   * (429s lower the calls in flight to the model, see RateLimiter).
   * Rejects with an `LlmCallError` naming endpoint and model, or with the
   * signal's reason when aborted: at once for a call waiting for a slot or a
   * retry; after at most the cancel grace period for a request already sent,
   * which resolves normally if its answer comes within it.
   */
  chat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const limiter = this.limiters.forModel(request.model);
    const target = { endpoint: this.endpoint.name, model: request.model };
    return this.retry.run(
      target,
      () => limiter.run(signal, () => this.attempt(request, signal), slotOutcome),
      (error) => this.classify(error),
      signal,
      ({ attempt, delayMs, failure }) =>
        this.log('warn', `${this.endpoint.name} ${request.model}: attempt ${attempt} failed (${failure.reason}); retrying in ${delayMs} ms`),
    );
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
    }, this.connection.timeoutMs);
    // Once sent, a request is paid for whether or not we read the answer: an
    // abort gives it a grace period to arrive before cutting it off.
    let graceTimer: NodeJS.Timeout | undefined;
    const stopForwarding = onAbort(signal, () => {
      graceTimer = setTimeout(() => attemptController.abort(signal.reason), this.cancelGraceMs);
    });
    try {
      const completion: unknown = await this.connection.sdk.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          temperature: 0,
          ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
          ...(request.logprobs ? { logprobs: true } : {}),
        },
        { signal: attemptController.signal },
      );
      return this.toResult(request, completion);
    } catch (error) {
      if (timedOut && !signal.aborted) throw new AttemptTimeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      stopForwarding();
    }
  }

  private toResult(request: ChatRequest, completion: unknown): ChatResult {
    const body = completion as {
      choices?: { message?: { content?: unknown }; finish_reason?: unknown; logprobs?: { content?: unknown } | null }[];
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
    } | null;
    const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
    if (typeof body !== 'object' || body === null || typeof choice !== 'object' || choice === null) {
      throw new MalformedResponseError('the response has no choices');
    }
    const text = choice.message?.content;
    if (typeof text !== 'string') {
      throw new NoContentError(`the response has no message content (finish_reason: ${String(choice.finish_reason ?? 'none')})`);
    }
    const confidence = request.logprobs ? answerProbability(choice.logprobs?.content) : undefined;
    const extra = confidence === undefined ? {} : { confidence };
    const inputTokens = body.usage?.prompt_tokens;
    const outputTokens = body.usage?.completion_tokens;
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

  private classify(error: unknown): AttemptFailure {
    if (error instanceof AttemptTimeoutError) return { retryable: true, reason: `no answer within ${this.connection.timeoutMs} ms` };
    const known = this.connection.classifySdkError(error);
    if (known) return known;
    if (error instanceof MalformedResponseError) {
      return { retryable: true, reason: this.connection.redact(`malformed response: ${error.message}`) };
    }
    // A missing answer with temperature 0 would come back the same: not worth paying again.
    if (error instanceof NoContentError) return { retryable: false, reason: error.message };
    return { retryable: false, reason: this.connection.redact(error instanceof Error ? error.message : String(error)) };
  }
}

/**
 * The probability a model gave its whole answer: exp of the sum of its
 * tokens' log-probabilities (OpenAI's `choices[].logprobs.content[].logprob`,
 * which vLLM and others return too). Undefined when the response carries none.
 */
export function answerProbability(content: unknown): number | undefined {
  if (!Array.isArray(content) || content.length === 0) return undefined;
  let sum = 0;
  for (const token of content as Array<{ logprob?: unknown }>) {
    if (typeof token?.logprob !== 'number' || !Number.isFinite(token.logprob)) return undefined;
    sum += token.logprob;
  }
  return Math.exp(Math.min(0, sum));
}

/** Tells the rate limiter how an attempt ended: a 429 lowers the calls in flight. */
function slotOutcome(error: unknown): SlotOutcome {
  if (error instanceof APIError && error.status === 429) return 'rateLimited';
  // A refusal (400, 401, 404) or an empty answer is an answer; timeouts, dropped connections and 5xx are not.
  if (error instanceof NoContentError) return 'answered';
  if (error instanceof APIError && typeof error.status === 'number' && !isRetryableStatus(error.status)) return 'answered';
  return 'failed';
}

/** Our per-attempt timer fired. */
class AttemptTimeoutError extends Error {}

/** The body parsed but is not a chat completion. */
class MalformedResponseError extends Error {}

/** The completion carries no message content. */
class NoContentError extends Error {}
