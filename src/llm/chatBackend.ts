/**
 * What the layers above see of a model endpoint, whatever protocol it
 * speaks: one chat request in (temperature 0, the prompt as messages), its
 * answer and token counts out. `ENDPOINT_KINDS` names the protocols Smart
 * speaks; `chatBackends.ts` builds the client for an endpoint of a kind.
 * Caching, retries by time budget, rate limits, costs and redaction sit in
 * front of or inside every kind the same way.
 */
import type { Log } from './openAiEndpoint';
import type { RateLimiterPool } from './rateLimiter';
import type { RetryPolicy } from './retryPolicy';

/** The protocols an endpoint may speak: `openai` is any OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, OpenRouter); `anthropic`, Anthropic's Messages API; `gemini`, Google's Gemini API (generateContent). */
export const ENDPOINT_KINDS = ['openai', 'anthropic', 'gemini'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

/** One chat call. Temperature is always 0. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly { readonly role: 'system' | 'user' | 'assistant'; readonly content: string }[];
  /** Sent as `max_tokens` when given. */
  readonly maxTokens?: number;
  /** Ask for token log-probabilities (`logprobs: true`), to learn how sure the model is of its answer. */
  readonly logprobs?: boolean;
}

/** The answer and what it cost in tokens (estimated as characters / 4 when the server does not say). */
export interface ChatResult {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** With `logprobs`: the probability of the whole answer, exp(sum of its tokens' log-probabilities). */
  readonly confidence?: number;
}

export interface ChatBackendOptions {
  /** Default: `new RetryPolicy()`. */
  readonly retry?: RetryPolicy;
  /** Limits per model; pass one pool to every client of the same endpoint. Default: a pool of its own with default limits. */
  readonly limiters?: RateLimiterPool;
  /** Receives retries (warn) and token estimates (debug); messages are redacted. */
  readonly log?: Log;
  /**
   * How long a request already sent may still run after the caller aborts,
   * so that an answer on its way (paid for by then) is kept rather than
   * thrown away. Default 5 s (`DEFAULT_CANCEL_GRACE_MS`); 0 aborts at once.
   */
  readonly cancelGraceMs?: number;
}

/** Anything that answers a chat request: one endpoint's client, of whatever kind. */
export interface ChatBackend {
  /**
   * One completion, retried per the policy and within the model's limits.
   * Rejects with an `LlmCallError` naming endpoint and model, or with the
   * signal's reason when aborted (after the cancel grace for a request
   * already sent).
   */
  chat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;
}
