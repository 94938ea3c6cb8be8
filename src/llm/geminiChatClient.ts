/**
 * generateContent on one Gemini endpoint through `@google/genai`. What differs
 * from OpenAI's protocol is mapped here: the system prompt is the request's
 * `systemInstruction`; the messages are `contents` with the roles `user` and
 * `model`; temperature 0 and `maxOutputTokens` go in the generation config;
 * the answer is the text of the first candidate's parts; usage is
 * `promptTokenCount` and `candidatesTokenCount`; with `logprobs`, the answer's
 * probability is exp of the sum of its chosen tokens' log-probabilities
 * (`responseLogprobs`). The SDK's errors carry the status but not the
 * response headers, so a 429's wait is the retry policy's own. Retries, rate
 * limits, timeouts, the cancel grace and redaction are `RetryingChat`'s.
 */
import { ApiError, GoogleGenAI, type Content, type GenerateContentConfig } from '@google/genai';
import type { ChatBackendOptions, ChatRequest, ChatResult } from './chatBackend';
import { EndpointSecrets } from './endpointSecrets';
import type { EndpointConfig } from './openAiEndpoint';
import { MalformedResponseError, NoContentError, RetryingChat } from './retryingChat';
import type { AttemptFailure } from './retryPolicy';
import { connectionFailure, statusFailure } from './sdkFailures';

/** Calls one Gemini endpoint; safe to share between concurrent callers. */
export class GeminiChatClient extends RetryingChat {
  private readonly sdk: GoogleGenAI;

  constructor(endpoint: EndpointConfig, options: ChatBackendOptions = {}) {
    super(new EndpointSecrets(endpoint), options);
    this.sdk = geminiSdk(this.endpoint);
  }

  protected async send(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const { contents, config } = geminiRequest(request);
    const response: unknown = await this.sdk.models.generateContent({ model: request.model, contents, config: { ...config, abortSignal: signal } });
    const { text, inputTokens, outputTokens, confidence } = geminiAnswer(response, request.logprobs === true);
    return this.withUsage(request, text, { inputTokens, outputTokens }, confidence);
  }

  protected sdkFailure(error: unknown): AttemptFailure | undefined {
    return classifyGeminiFailure(error, this.endpoint);
  }

  protected sdkStatus(error: unknown): number | undefined {
    return error instanceof ApiError ? error.status : undefined;
  }
}

/** The SDK for one endpoint: its key given explicitly, one attempt per call (the retries are ours). */
export function geminiSdk(endpoint: EndpointSecrets): GoogleGenAI {
  const { config } = endpoint;
  return new GoogleGenAI({
    // Given explicitly (a placeholder for a keyless proxy), so that GEMINI_API_KEY or GOOGLE_API_KEY never reaches another endpoint.
    apiKey: config.apiKey || 'no-key',
    vertexai: false,
    httpOptions: {
      // An origin such as https://generativelanguage.googleapis.com: the SDK adds /v1beta/models/...
      baseUrl: config.baseURL,
      ...(config.headers ? { headers: { ...config.headers } } : {}),
      timeout: endpoint.timeoutMs,
      retryOptions: { attempts: 1 },
    },
  });
}

/** A request's `contents` and generation config: the system prompt as `systemInstruction`, roles `user` and `model`, temperature 0. */
export function geminiRequest(request: ChatRequest): { contents: Content[]; config: GenerateContentConfig } {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  return {
    contents: request.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] })),
    config: {
      temperature: 0,
      ...(system.length > 0 ? { systemInstruction: system.join('\n\n') } : {}),
      ...(request.maxTokens !== undefined ? { maxOutputTokens: request.maxTokens } : {}),
      ...(request.logprobs ? { responseLogprobs: true } : {}),
    },
  };
}

/**
 * What a response answered: the text of the first candidate's parts, its
 * usage (undefined where it reported none) and, when asked, the answer's
 * probability.
 * @throws MalformedResponseError when it has no candidate; NoContentError when no text.
 */
export function geminiAnswer(
  response: unknown,
  logprobs: boolean,
): { text: string; inputTokens: number | undefined; outputTokens: number | undefined; confidence: number | undefined } {
  const body = response as {
    candidates?: Array<{
      content?: { parts?: Array<{ text?: unknown }> };
      finishReason?: unknown;
      logprobsResult?: { chosenCandidates?: Array<{ logProbability?: unknown }> };
    }>;
    usageMetadata?: { promptTokenCount?: unknown; candidatesTokenCount?: unknown };
  } | null;
  const candidate = Array.isArray(body?.candidates) ? body.candidates[0] : undefined;
  if (typeof body !== 'object' || body === null || candidate === undefined) throw new MalformedResponseError('the response has no candidates');
  const texts = (candidate.content?.parts ?? []).map((part) => part.text).filter((text): text is string => typeof text === 'string');
  if (texts.length === 0) throw new NoContentError(`the response has no text (finishReason: ${String(candidate.finishReason ?? 'none')})`);
  const count = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  return {
    text: texts.join(''),
    inputTokens: count(body.usageMetadata?.promptTokenCount),
    outputTokens: count(body.usageMetadata?.candidatesTokenCount),
    confidence: logprobs ? probabilityOf(candidate.logprobsResult?.chosenCandidates) : undefined,
  };
}

/** How an error the SDK threw reads: its status and the server's message, or a failed connection; undefined for others. */
export function classifyGeminiFailure(error: unknown, endpoint: EndpointSecrets): AttemptFailure | undefined {
  if (error instanceof ApiError) return statusFailure(error.status, serverMessage(error.message), undefined, endpoint);
  // fetch rejects with a TypeError when the connection fails.
  if (error instanceof TypeError && error.message === 'fetch failed') return connectionFailure(error, endpoint);
  return undefined;
}

/** exp of the sum of the chosen tokens' log-probabilities; undefined when one is missing. */
function probabilityOf(chosen: Array<{ logProbability?: unknown }> | undefined): number | undefined {
  if (chosen === undefined || chosen.length === 0) return undefined;
  let sum = 0;
  for (const token of chosen) {
    if (typeof token.logProbability !== 'number' || !Number.isFinite(token.logProbability)) return undefined;
    sum += token.logProbability;
  }
  return Math.exp(Math.min(0, sum));
}

/** The server's own message from the SDK's error text, which holds the response body (`{"error": {"message": ...}}`) when it is JSON. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not JSON: the text as it is.
  }
  return text;
}
