/**
 * Messages on one Anthropic endpoint through `@anthropic-ai/sdk`. What differs
 * from OpenAI's protocol is mapped here: the system prompt is a field of its
 * own, not a message; `max_tokens` is required (the config's `maxTokens`, else
 * `DEFAULTS.requiredMaxTokens`); the Messages API as the SDK speaks it takes
 * no temperature, so none is sent (the response cache still answers a
 * request asked again, so a run and its resume see one answer per request);
 * the answer is the text blocks of the
 * content; input tokens include the cache's reads and writes where the
 * response reports them; 529 (overloaded) is retried as a 5xx. Anthropic gives
 * no log-probabilities, so a confidence gate is never built on its models
 * (the config refuses `logprobs` on an Anthropic endpoint). Retries, rate
 * limits, timeouts, the cancel grace and redaction are `RetryingChat`'s.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { DEFAULTS } from '../core/defaults';
import type { ChatBackendOptions, ChatRequest, ChatResult } from './chatBackend';
import { EndpointSecrets } from './endpointSecrets';
import type { EndpointConfig } from './openAiEndpoint';
import { MalformedResponseError, NoContentError, RetryingChat } from './retryingChat';
import type { AttemptFailure } from './retryPolicy';
import { classifySdkFailure, sdkStatus, type SdkErrorClasses } from './sdkFailures';

/** The `@anthropic-ai/sdk` package's error classes. */
export const ANTHROPIC_ERRORS: SdkErrorClasses = { timeout: APIConnectionTimeoutError, connection: APIConnectionError, api: APIError };

/** Calls one Anthropic endpoint; safe to share between concurrent callers. */
export class AnthropicChatClient extends RetryingChat {
  private readonly sdk: Anthropic;

  constructor(endpoint: EndpointConfig, options: ChatBackendOptions = {}) {
    super(new EndpointSecrets(endpoint), options);
    this.sdk = anthropicSdk(this.endpoint);
  }

  protected async send(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const message: unknown = await this.sdk.messages.create(anthropicMessageParams(request), { signal });
    const { text, inputTokens, outputTokens } = anthropicAnswer(message);
    return this.withUsage(request, text, { inputTokens, outputTokens });
  }

  protected sdkFailure(error: unknown): AttemptFailure | undefined {
    return classifySdkFailure(error, ANTHROPIC_ERRORS, this.endpoint);
  }

  protected sdkStatus(error: unknown): number | undefined {
    return sdkStatus(error, ANTHROPIC_ERRORS);
  }
}

/** The SDK for one endpoint: its key and headers only, no retries of its own (ours are the retry policy's), its logging off. */
export function anthropicSdk(endpoint: EndpointSecrets): Anthropic {
  const { config } = endpoint;
  // An empty key (an unset variable read as '') means none, as for a local proxy.
  const apiKey = config.apiKey || undefined;
  return new Anthropic({
    // An origin such as https://api.anthropic.com: the SDK adds /v1/messages.
    baseURL: config.baseURL,
    // Given explicitly, so that neither ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN nor a profile on disk reaches another endpoint.
    apiKey: apiKey ?? null,
    authToken: null,
    defaultHeaders: { ...(apiKey === undefined ? { Authorization: null } : {}), ...config.headers },
    ...(config.query ? { defaultQuery: config.query } : {}),
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
    logLevel: 'off',
  });
}

/** The Messages API's parameters for a request: the system prompt as a field of its own, `max_tokens` always. */
export function anthropicMessageParams(request: ChatRequest): Anthropic.MessageCreateParamsNonStreaming {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? DEFAULTS.requiredMaxTokens,
    ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
    messages: request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role === 'assistant' ? 'assistant' : 'user', content: m.content })),
  };
}

/**
 * What a message answered: the text of its text blocks, and its usage (input
 * tokens with the cache's reads and writes, which are billed too; undefined
 * where it reported none).
 * @throws MalformedResponseError when it has no content; NoContentError when no text.
 */
export function anthropicAnswer(message: unknown): { text: string; inputTokens: number | undefined; outputTokens: number | undefined } {
  const body = message as {
    content?: Array<{ type?: unknown; text?: unknown }>;
    stop_reason?: unknown;
    usage?: { input_tokens?: unknown; output_tokens?: unknown; cache_creation_input_tokens?: unknown; cache_read_input_tokens?: unknown };
  } | null;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.content)) throw new MalformedResponseError('the response has no content');
  const texts = body.content.filter((block) => block.type === 'text' && typeof block.text === 'string').map((block) => block.text as string);
  if (texts.length === 0) throw new NoContentError(`the response has no text (stop_reason: ${String(body.stop_reason ?? 'none')})`);
  const usage = body.usage;
  const cached = (value: unknown): number => (typeof value === 'number' ? value : 0);
  const inputTokens =
    typeof usage?.input_tokens === 'number'
      ? usage.input_tokens + cached(usage.cache_creation_input_tokens) + cached(usage.cache_read_input_tokens)
      : undefined;
  return { text: texts.join(''), inputTokens, outputTokens: typeof usage?.output_tokens === 'number' ? usage.output_tokens : undefined };
}
