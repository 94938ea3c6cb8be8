/**
 * Chat completions against any OpenAI-compatible endpoint (OpenAI, Azure
 * OpenAI, Ollama, vLLM, LM Studio, OpenRouter) through the `openai` package.
 *
 * The SDK does the HTTP; retries, timeouts, rate limits and the cancel grace
 * are `RetryingChat`'s, shared with the other protocols.
 */
import type { ChatBackendOptions, ChatRequest, ChatResult } from './chatBackend';
import { OPENAI_ERRORS, OpenAiEndpoint, type EndpointConfig } from './openAiEndpoint';
import { MalformedResponseError, NoContentError, RetryingChat } from './retryingChat';
import type { AttemptFailure } from './retryPolicy';
import { sdkStatus } from './sdkFailures';

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

/** Chat completions on one OpenAI-compatible endpoint; safe to share between concurrent callers. */
export class OpenAiChatClient extends RetryingChat<OpenAiEndpoint> {
  constructor(endpoint: EndpointConfig, options: ChatBackendOptions = {}) {
    super(new OpenAiEndpoint(endpoint), options);
  }

  protected async send(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const completion: unknown = await this.endpoint.sdk.chat.completions.create(
      {
        model: request.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        temperature: 0,
        ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
        ...(request.logprobs ? { logprobs: true } : {}),
      },
      { signal },
    );
    return this.toResult(request, completion);
  }

  protected sdkFailure(error: unknown): AttemptFailure | undefined {
    return this.endpoint.classifySdkError(error);
  }

  protected sdkStatus(error: unknown): number | undefined {
    return sdkStatus(error, OPENAI_ERRORS);
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
    return this.withUsage(request, text, { inputTokens: body.usage?.prompt_tokens, outputTokens: body.usage?.completion_tokens }, confidence);
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
