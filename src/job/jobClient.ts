import type { JsonlRecord } from '../io/jsonl';
import type { Template } from '../io/template';
import type { Completion, LlmClient, ModelSpec } from '../core/types';
import type { ChatRequest, ChatResult } from '../llm/openAiChatClient';
import { requestKey, type ResponseCache } from './responseCache';

/** Anything that answers a chat request: an OpenAI-compatible endpoint, in practice. */
export interface ChatBackend {
  chat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;
}

/** How one model id of the config is reached. */
export interface ModelRoute {
  /** The provider's model name sent in requests. */
  readonly providerModel: string;
  /** The endpoint's base URL: part of the cache key, so two servers never share answers. */
  readonly baseURL: string;
  /** Ask this model for token log-probabilities. */
  readonly logprobs?: boolean;
  readonly backend: ChatBackend;
}

export interface JobClientOptions {
  /** The input file, as named in error messages. */
  readonly inputName: string;
  readonly template: Template;
  readonly system?: string;
  readonly maxTokens?: number;
  readonly routes: ReadonlyMap<string, ModelRoute>;
  readonly cache: ResponseCache;
  /** Told about each call before it is sent (for the log): the request, never the key. */
  readonly onCall?: (model: string, record: JsonlRecord, request: ChatRequest, cached: boolean) => void;
}

/**
 * The engine's client for a real job: renders the prompt for a JSONL record,
 * answers from the cache when the same request (endpoint, model, full body)
 * was completed before, and otherwise calls the model's endpoint and records
 * the answer in the cache before handing it on. A cache hit is answered
 * synchronously and marked `cached`: it costs nothing.
 */
export class JobClient implements LlmClient<JsonlRecord> {
  constructor(private readonly options: JobClientOptions) {}

  /** The chat request a model gets for a record. */
  request(model: ModelSpec, record: JsonlRecord): ChatRequest {
    const { template, system, maxTokens, inputName } = this.options;
    const prompt = template.render(record.value, { file: inputName, line: record.line });
    const messages: ChatRequest['messages'] = system === undefined
      ? [{ role: 'user', content: prompt }]
      : [{ role: 'system', content: system }, { role: 'user', content: prompt }];
    const route = this.route(model);
    return { model: route.providerModel, messages, ...(maxTokens !== undefined ? { maxTokens } : {}), ...(route.logprobs ? { logprobs: true } : {}) };
  }

  complete(model: ModelSpec, record: JsonlRecord, signal: AbortSignal): Completion | Promise<Completion> {
    const route = this.route(model);
    const request = this.request(model, record);
    const key = requestKey(route.baseURL, requestBody(request));
    const hit = this.options.cache.get(key);
    this.options.onCall?.(model.id, record, request, hit !== undefined);
    if (hit) return { ...hit, cached: true };
    return route.backend.chat(request, signal).then((result) => {
      this.options.cache.put(key, result);
      return result;
    });
  }

  private route(model: ModelSpec): ModelRoute {
    const route = this.options.routes.get(model.id);
    if (!route) throw new Error(`no endpoint is configured for model "${model.id}"`);
    return route;
  }
}

/**
 * The body a request is keyed by in the cache: what the endpoint is sent.
 * `logprobs` appears only when asked for, so answers cached without it stay
 * valid for models that never ask.
 */
export function requestBody(request: ChatRequest): Record<string, unknown> {
  return { model: request.model, messages: request.messages, max_tokens: request.maxTokens ?? null, temperature: 0, ...(request.logprobs ? { logprobs: true } : {}) };
}
