/**
 * Chat completions against any OpenAI-compatible endpoint (OpenAI, Azure
 * OpenAI, Ollama, vLLM, LM Studio, OpenRouter) through the `openai` package.
 *
 * The SDK does the HTTP; retries, timeouts and rate limits are ours (the SDK's
 * own retries are off), so their policy is explicit and tested. Requests are
 * deterministic: temperature 0, no sampling options. API keys are never put in
 * messages or logs: every text that leaves this module is redacted.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { DEFAULTS } from '../core/defaults';
import { onAbort } from './abortSignals';
import { RateLimiterPool } from './rateLimiter';
import { AttemptFailure, isRetryableStatus, retryAfterMs, RetryPolicy } from './retryPolicy';

/** Where to send requests. */
export interface EndpointConfig {
  /** A name for messages and logs, e.g. "openai" or "ollama". */
  readonly name: string;
  /** Base URL up to and including the API version, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer <key>`; omit for servers without auth (then no Authorization header is sent). */
  readonly apiKey?: string;
  /** Extra headers, e.g. Azure's `api-key`. Their values are treated as secrets too. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra query parameters, e.g. Azure's `api-version`. */
  readonly query?: Readonly<Record<string, string>>;
  /** Time allowed for one attempt, body included. Default 120 s. */
  readonly timeoutMs?: number;
  /** Where the key comes from, named in the hint of a 401 error, e.g. "the OPENAI_API_KEY environment variable". */
  readonly apiKeySource?: string;
}

/** One chat call. Temperature is always 0. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly { readonly role: 'system' | 'user' | 'assistant'; readonly content: string }[];
  /** Sent as `max_tokens` when given. */
  readonly maxTokens?: number;
}

/** The answer and what it cost in tokens (estimated as characters / 4 when the server does not say). */
export interface ChatResult {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** `trace` carries prompt contents: shown only where the user asked for that level. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string) => void;

export interface ChatClientOptions {
  /** Default: `new RetryPolicy()`. */
  readonly retry?: RetryPolicy;
  /** Limits per model; pass one pool to every client of the same endpoint. Default: a pool of its own with default limits. */
  readonly limiters?: RateLimiterPool;
  /** Receives retries (warn) and token estimates (debug); messages are redacted. */
  readonly log?: Log;
}

/** Calls one endpoint; safe to share between concurrent callers. */
export class OpenAiChatClient {
  private readonly sdk: OpenAI;
  private readonly retry: RetryPolicy;
  private readonly limiters: RateLimiterPool;
  private readonly log: Log;
  private readonly timeoutMs: number;
  private readonly secrets: string[];

  constructor(private readonly endpoint: EndpointConfig, options: ChatClientOptions = {}) {
    this.retry = options.retry ?? new RetryPolicy();
    this.limiters = options.limiters ?? new RateLimiterPool();
    const log = options.log ?? (() => undefined);
    this.log = (level, message) => log(level, this.redact(message));
    this.timeoutMs = Math.max(1, Math.round(endpoint.timeoutMs ?? DEFAULTS.timeoutMs));
    this.secrets = [endpoint.apiKey ?? '', ...Object.values(endpoint.headers ?? {})]
      .filter((s) => s.length > 0)
      // Longest first, so a secret that contains another is replaced whole.
      .sort((a, b) => b.length - a.length);
    // An empty key (an unset variable read as '') means no key, as for a local server.
    const apiKey = endpoint.apiKey || undefined;
    this.sdk = new OpenAI({
      baseURL: endpoint.baseURL,
      // The SDK insists on a key; keyless servers get a placeholder whose header is removed below.
      apiKey: apiKey ?? 'no-key',
      // Explicit nulls keep OPENAI_ORG_ID / OPENAI_PROJECT_ID from leaking to other providers.
      organization: null,
      project: null,
      defaultHeaders: { ...(apiKey === undefined ? { Authorization: null } : {}), ...endpoint.headers },
      defaultQuery: endpoint.query,
      maxRetries: 0,
      timeout: this.timeoutMs,
      // The SDK's own logging (OPENAI_LOG=debug) would print requests; we log what matters ourselves.
      logLevel: 'off',
    });
  }

  /**
   * One completion, retried per the policy and within the model's limits.
   * Rejects with an `LlmCallError` naming endpoint and model, or with the
   * signal's reason (promptly, aborting the request in flight) when aborted.
   */
  chat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const limiter = this.limiters.forModel(request.model);
    const target = { endpoint: this.endpoint.name, model: request.model };
    return this.retry.run(
      target,
      () => limiter.run(signal, () => this.attempt(request, signal)),
      (error) => this.classify(error),
      signal,
      ({ attempt, maxAttempts, delayMs, failure }) => this.log('warn',
        `${this.endpoint.name} ${request.model}: attempt ${attempt}/${maxAttempts} failed (${failure.reason}); retrying in ${delayMs} ms`),
    );
  }

  private async attempt(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    // Our own timer covers the whole attempt, reading the body included (the
    // SDK's timeout stops at the response headers).
    const attemptController = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attemptController.abort();
    }, this.timeoutMs);
    const stopForwarding = onAbort(signal, () => attemptController.abort(signal.reason));
    try {
      const completion: unknown = await this.sdk.chat.completions.create({
        model: request.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        temperature: 0,
        ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      }, { signal: attemptController.signal });
      return this.toResult(request, completion);
    } catch (error) {
      if (timedOut && !signal.aborted) throw new AttemptTimeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
      stopForwarding();
    }
  }

  private toResult(request: ChatRequest, completion: unknown): ChatResult {
    const body = completion as {
      choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
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
    const inputTokens = body.usage?.prompt_tokens;
    const outputTokens = body.usage?.completion_tokens;
    if (typeof inputTokens === 'number' && typeof outputTokens === 'number') return { text, inputTokens, outputTokens };
    const estimate = {
      text,
      inputTokens: Math.ceil(request.messages.reduce((sum, m) => sum + m.content.length, 0) / 4),
      outputTokens: Math.ceil(text.length / 4),
    };
    this.log('debug', `${this.endpoint.name} ${request.model}: the response has no token usage; `
      + `estimated ${estimate.inputTokens} input and ${estimate.outputTokens} output tokens as characters / 4`);
    return estimate;
  }

  private classify(error: unknown): AttemptFailure {
    if (error instanceof AttemptTimeoutError || error instanceof APIConnectionTimeoutError) {
      return { retryable: true, reason: `no answer within ${this.timeoutMs} ms` };
    }
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${describeCause(error.cause)}` : '';
      return { retryable: true, reason: this.redact(`connection failed${cause}`) };
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status;
      const retryable = isRetryableStatus(status);
      const reason = this.redact(`HTTP ${status}: ${serverMessage(error)}${retryable ? '' : this.hint(status)}`);
      return { retryable, reason, status, ...(retryable ? { retryAfterMs: retryAfterMs(error.headers) } : {}) };
    }
    // response.json() throws SyntaxError on a body that is not JSON.
    if (error instanceof SyntaxError || error instanceof MalformedResponseError) {
      return { retryable: true, reason: this.redact(`malformed response: ${error.message}`) };
    }
    // A missing answer with temperature 0 would come back the same: not worth paying again.
    if (error instanceof NoContentError) return { retryable: false, reason: error.message };
    return { retryable: false, reason: this.redact(error instanceof Error ? error.message : String(error)) };
  }

  private hint(status: number): string {
    switch (status) {
      case 401: return `. Check ${this.endpoint.apiKeySource ?? `the API key configured for endpoint "${this.endpoint.name}"`}.`;
      case 403: return '. The key is valid but not allowed to use this model or endpoint.';
      case 404: return '. Check the model name and the base URL (for Azure: the deployment name and api-version).';
      default: return '';
    }
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }
}

/** Our per-attempt timer fired. */
class AttemptTimeoutError extends Error {}

/** The body parsed but is not a chat completion. */
class MalformedResponseError extends Error {}

/** The completion carries no message content. */
class NoContentError extends Error {}

/** The server's own message from an error body (the SDK prefixes the status, which we print ourselves). */
function serverMessage(error: APIError): string {
  const body: { readonly message?: unknown } | undefined = error.error;
  const message = body?.message;
  if (typeof message === 'string' && message.length > 0) return message;
  return error.message.replace(/^\d{3} /, '');
}

/** undici reports "fetch failed" with the useful part (e.g. "other side closed") in its cause. */
function describeCause(cause: Error): string {
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}
