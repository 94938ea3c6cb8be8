/**
 * The test server's translations between Gemini's generateContent shapes and
 * the OpenAI chat shapes it answers in: a request as chat messages (the
 * `systemInstruction` as the first message, `model` turns as `assistant`, so
 * a request has one key online and in a batch job) and a completion as a
 * response (usage as `promptTokenCount` and `candidatesTokenCount`; with
 * log-probabilities, the answer as one chosen token).
 */
import type { TestMessage } from './openaiTestServer';

/** What the server reads of a generateContent request. */
export interface GeminiChat {
  readonly messages: TestMessage[];
  readonly temperature: unknown;
  readonly maxTokens: unknown;
  readonly logprobs: boolean;
}

/** A generateContent request as chat messages, or what is wrong with it. */
export function geminiChat(body: unknown): GeminiChat | string {
  if (typeof body !== 'object' || body === null) return 'request body is not a JSON object';
  const b = body as {
    contents?: unknown;
    systemInstruction?: { parts?: Array<{ text?: unknown }> };
    generationConfig?: { temperature?: unknown; maxOutputTokens?: unknown; responseLogprobs?: unknown };
  };
  if (!Array.isArray(b.contents)) return 'contents is required';
  const textOf = (parts: unknown): string | undefined =>
    Array.isArray(parts) && parts.every((p: { text?: unknown }) => typeof p?.text === 'string')
      ? (parts as Array<{ text: string }>).map((p) => p.text).join('')
      : undefined;
  const messages: TestMessage[] = [];
  const system = b.systemInstruction === undefined ? undefined : textOf(b.systemInstruction.parts);
  if (b.systemInstruction !== undefined && system === undefined) return 'systemInstruction must hold text parts';
  if (system !== undefined) messages.push({ role: 'system', content: system });
  for (const c of b.contents as Array<{ role?: unknown; parts?: unknown }>) {
    const content = textOf(c?.parts);
    if (typeof c?.role !== 'string' || content === undefined) return 'each content needs a role and text parts';
    messages.push({ role: c.role === 'model' ? 'assistant' : c.role, content });
  }
  const config = b.generationConfig ?? {};
  return { messages, temperature: config.temperature, maxTokens: config.maxOutputTokens, logprobs: config.responseLogprobs === true };
}

/** A chat completion as the server builds it. */
interface Completion {
  readonly choices: ReadonlyArray<{
    readonly message: { readonly content: string | null };
    readonly logprobs?: { readonly content: ReadonlyArray<{ readonly logprob: number }> };
  }>;
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

/** generateContent's answer to a request the server answered with `completion`. */
export function geminiResponse(model: string, completion: unknown): Record<string, unknown> {
  const c = completion as Completion;
  const [choice] = c.choices;
  const text = choice.message.content;
  const logprob = choice.logprobs?.content[0]?.logprob;
  return {
    candidates: [
      {
        content: { role: 'model', parts: text === null ? [] : [{ text }] },
        finishReason: 'STOP',
        index: 0,
        ...(logprob !== undefined ? { logprobsResult: { chosenCandidates: [{ token: text, logProbability: logprob }] } } : {}),
      },
    ],
    ...(c.usage
      ? {
          usageMetadata: {
            promptTokenCount: c.usage.prompt_tokens,
            candidatesTokenCount: c.usage.completion_tokens,
            totalTokenCount: c.usage.prompt_tokens + c.usage.completion_tokens,
          },
        }
      : {}),
    modelVersion: model,
  };
}

/** The google.rpc code of an HTTP status, as a batch job reports an errored request. */
export function rpcCode(status: number): number {
  switch (status) {
    case 400:
      return 3;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 5;
    case 429:
      return 8;
    case 503:
      return 14;
    case 504:
      return 4;
    default:
      return 13;
  }
}
