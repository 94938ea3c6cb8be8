import type { InputRecord } from '../io/readingPass';
import type { Template } from '../io/template';
import type { Completion, LlmClient, ModelSpec } from '../core/types';
import type { ChatBackend, ChatRequest } from '../llm/chatBackend';
import { chatCompletionBody } from '../llm/openAiChatClient';
import { requestKey, type CachedResponse, type ResponseCache } from './responseCache';

/** Where one model id's calls go, and what of it its requests and cache keys hold. */
export interface CallTarget {
  /** The provider's model name sent in requests. */
  readonly providerModel: string;
  /** The endpoint's name in the config. */
  readonly endpoint: string;
  /** The endpoint's base URL: part of the cache key, so two servers never share answers. */
  readonly baseURL: string;
  /** Ask this model for token log-probabilities. */
  readonly logprobs?: boolean;
}

/** How one model id of the config is reached. */
export interface ModelRoute extends CallTarget {
  readonly backend: ChatBackend;
}

/** What every request of a job holds besides the prompt. */
export interface RequestSettings {
  readonly system?: string;
  readonly maxTokens?: number;
}

export interface JobClientOptions extends RequestSettings {
  /** The input file, as named in error messages. */
  readonly inputName: string;
  readonly template: Template;
  readonly routes: ReadonlyMap<string, ModelRoute>;
  readonly cache: ResponseCache;
  /** The batch run of this job (see batchSession.ts), when in batch mode: what it fetched ahead is paid by this job. */
  readonly runId?: string;
  /** Told about each call before it is sent (for the log): the request, never the key. */
  readonly onCall?: (model: string, record: InputRecord, request: ChatRequest, cached: boolean) => void;
}

/** A model's request for a record, with what identifies it. */
export interface PreparedCall {
  readonly request: ChatRequest;
  /** The cache key: a hash of the endpoint and the request's `chatCompletionBody`. */
  readonly key: string;
  readonly route: ModelRoute;
}

/** The chat request a model gets for a rendered prompt, and its cache key. */
export function chatCall(target: CallTarget, prompt: string, settings: RequestSettings): { request: ChatRequest; key: string } {
  const { system, maxTokens } = settings;
  const messages: ChatRequest['messages'] =
    system === undefined
      ? [{ role: 'user', content: prompt }]
      : [
          { role: 'system', content: system },
          { role: 'user', content: prompt },
        ];
  const request: ChatRequest = {
    model: target.providerModel,
    messages,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(target.logprobs ? { logprobs: true } : {}),
  };
  return { request, key: requestKey(target.baseURL, chatCompletionBody(request)) };
}

/**
 * The engine's client for a real job: renders the prompt for a JSONL record,
 * answers from the cache when the same request (endpoint, model, full body)
 * was completed before, and otherwise calls the model's endpoint and records
 * the answer in the cache before handing it on. A cache hit is answered
 * synchronously and marked `cached`: it costs nothing. An answer this job's
 * batch run fetched ahead of the call is paid by this job: it is handed on
 * as charged (at the batch discount for a batch engine's), not cached.
 */
export class JobClient implements LlmClient<InputRecord> {
  constructor(private readonly options: JobClientOptions) {}

  /** The chat request a model gets for a record, its cache key and its route. */
  prepare(model: ModelSpec, record: InputRecord): PreparedCall {
    const route = this.route(model);
    return { ...chatCall(route, this.renderPrompt(record), this.options), route };
  }

  /** A record's prompt, as the models see it after the system prompt. */
  renderPrompt(record: InputRecord): string {
    return this.options.template.render(record.value, { file: this.options.inputName, line: record.line });
  }

  /** What the models were given for a record: the system prompt, if any, and the prompt. */
  taskOf(record: InputRecord): string {
    const { system } = this.options;
    const prompt = this.renderPrompt(record);
    return system === undefined ? prompt : `${system}\n\n${prompt}`;
  }

  /** The answer the cache holds for this call, without calling anything or counting it. */
  peek(model: ModelSpec, record: InputRecord): Completion | undefined {
    const hit = this.options.cache.get(this.prepare(model, record).key);
    return hit === undefined ? undefined : toCompletion(hit);
  }

  complete(model: ModelSpec, record: InputRecord, signal: AbortSignal): Completion | Promise<Completion> {
    return this.send(model, record, this.prepare(model, record), signal);
  }

  /**
   * A prompt of the job's own for a record (a judge's), sent as it is: no
   * system prompt, no `max_tokens`, no log-probabilities; cached and resumed
   * like the models' calls.
   */
  completePrompt(model: ModelSpec, prompt: string, record: InputRecord, signal: AbortSignal): Completion | Promise<Completion> {
    const route = this.route(model);
    return this.send(model, record, { ...chatCall({ ...route, logprobs: false }, prompt, {}), route }, signal);
  }

  /** Answers a prepared call from the cache, or sends it and caches the answer before handing it on. */
  private send(model: ModelSpec, record: InputRecord, call: PreparedCall, signal: AbortSignal): Completion | Promise<Completion> {
    const { request, key, route } = call;
    const hit = this.options.cache.get(key);
    this.options.onCall?.(model.id, record, request, hit !== undefined);
    if (hit) return this.fromCache(key, hit);
    return route.backend.chat(request, signal).then((result) => {
      this.options.cache.put(key, result);
      return result;
    });
  }

  /**
   * Calls the model online now and caches the answer as fetched by this
   * job's batch run, for the call that will read it (a model whose endpoint
   * serves no Batch API, in batch mode).
   */
  async fetchOnline(call: PreparedCall, signal: AbortSignal): Promise<void> {
    const result = await call.route.backend.chat(call.request, signal);
    this.options.cache.put(call.key, { ...result, ...(this.options.runId !== undefined ? { run: this.options.runId } : {}) });
  }

  /**
   * Answers a request of a batch run's request file online instead (a
   * straggler: see the batch coordinator), at list price, cached as fetched
   * by this job's batch run; nothing when the cache holds its answer already
   * (answered before a resume), so none is paid twice.
   */
  async fetchStraggler(endpoint: string, key: string, request: ChatRequest, signal: AbortSignal): Promise<void> {
    if (this.options.cache.has(key)) return;
    const route = [...this.options.routes.values()].find((r) => r.endpoint === endpoint && r.providerModel === request.model);
    if (route === undefined) throw new Error(`no model of endpoint "${endpoint}" is named "${request.model}" in this run`);
    await this.fetchOnline({ request, key, route }, signal);
  }

  /** A cached answer: paid by this job (once) when its batch run fetched it, else a cache hit that costs nothing. */
  private fromCache(key: string, hit: CachedResponse): Completion {
    const runId = this.options.runId;
    if (runId === undefined || hit.run !== runId) return { ...toCompletion(hit), cached: true };
    this.options.cache.counted(key);
    return toCompletion(hit);
  }

  private route(model: ModelSpec): ModelRoute {
    const route = this.options.routes.get(model.id);
    if (!route) throw new Error(`no endpoint is configured for model "${model.id}"`);
    return route;
  }
}

/** An answer as the engine counts it: its probability and price factor kept, for the gates and the cost of the job. */
function toCompletion(hit: CachedResponse): Completion {
  const { text, inputTokens, outputTokens, confidence, priceFactor } = hit;
  return { text, inputTokens, outputTokens, ...(confidence !== undefined ? { confidence } : {}), ...(priceFactor !== undefined ? { priceFactor } : {}) };
}
