/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions
 * protocol, for tests that exercise the real `openai` package end to end.
 *
 * - `POST <anything>/chat/completions` answers with a scripted, deterministic
 *   text (so Azure-style paths with `?api-version=` work too);
 *   `POST /v1/messages` answers the same text in Anthropic's Messages shape
 *   (the system prompt as the first message of the script; usage as
 *   `input_tokens` and `output_tokens`), counted and faulted as a chat call;
 *   `POST /v1beta/models/<model>:generateContent` answers it in Gemini's shape
 *   (the `systemInstruction` first; usage as `promptTokenCount` and
 *   `candidatesTokenCount`; with `responseLogprobs`, the answer's
 *   log-probability as one chosen token), likewise;
 *   `GET <anything>/models` lists the models it knows.
 * - Token usage follows one documented rule (see {@link estimateTokens}):
 *   prompt_tokens = ceil(total characters of the message contents / 4),
 *   completion_tokens = ceil(characters of the answer / 4).
 * - Faults can be injected per request (rate limits with Retry-After, 5xx,
 *   hangs, malformed bodies, connection resets, missing usage or content).
 * - It counts requests in total, per model and per request key, separately
 *   for all requests received and for those answered successfully (the ones a
 *   provider would bill), so a test can assert that nothing was paid twice.
 * - It serves the Files and Batch APIs (see batchTestApi.ts): the requests of
 *   a batch get the same answers and go to the same counters as online calls,
 *   so a test can assert that nothing was paid twice across online and batch.
 *
 * Run as a program it serves answers from a JSON file, for manual runs and for
 * tests that need the server in another process (see {@link main}):
 *
 *   node out/test/support/openaiTestServer.js --answers answers.json
 *        [--port N] [--counts counts.json] [--latency-ms N] [--batch-step-ms N]
 *
 * It prints its baseURL (ending in /v1) as the first line on stdout.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiRoute, BatchLineWhere, BatchServerOptions, BatchTestApi, LineResult } from './batchTestApi';
import { anthropicMessage } from './anthropicShapes';
import { geminiChat, geminiResponse } from './geminiShapes';
import { applyFault, delay, errorBody, Fault, headerValue, parseJson, readBody, sendError, sendJson } from './testHttp';

export type { ApiCallInfo, ApiFault, ApiRoute, BatchLineWhere, BatchServerOptions } from './batchTestApi';
export type { Fault } from './testHttp';

/** A chat message as the server reads it from a request. */
export interface TestMessage {
  readonly role: string;
  readonly content: string;
}

/** What a fault function is told about a request. */
export interface FaultInfo {
  readonly model: string;
  /** 0-based index of this chat request among all the server received. */
  readonly callIndex: number;
  /** See {@link requestKey}. */
  readonly requestKey: string;
  /** 0-based index of this request among those with the same request key (0 = first try, 1 = first retry, ...). */
  readonly keyCallIndex: number;
}

export interface OpenAiTestServerOptions {
  /** The scripted answer; must be deterministic. Throwing answers 400 with the error's message. */
  readonly answer: (model: string, messages: readonly TestMessage[]) => string;
  /**
   * The probability a model gives its answer, reported as the answer's one
   * token's log-probability when a request asks for `logprobs`; 1 by default.
   */
  readonly confidence?: (model: string, messages: readonly TestMessage[]) => number;
  /** Delay before each chat request is answered (or its fault applied). */
  readonly latencyMs?: number;
  /** Returns the fault to apply to a request, or undefined for a normal answer. */
  readonly fault?: (info: FaultInfo) => Fault | undefined;
  /** Models listed by `GET /v1/models`. */
  readonly models?: readonly string[];
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Called whenever the counts change (after the change); for batches, once after each batch ran its requests. */
  readonly onCountsChanged?: (counts: CallCounts) => void;
  /** How the Files and Batch APIs behave. */
  readonly batch?: BatchOptions | undefined;
}

/** What a batch line fault function is told: as for an online call, plus the messages and where the request sits. */
export interface BatchLineInfo extends FaultInfo, BatchLineWhere {
  readonly messages: readonly TestMessage[];
}

/** What goes wrong with one request of a batch. */
export type BatchLineFault =
  /** The line goes to the error file with this status and an error body. */
  | { readonly kind: 'status'; readonly status: number; readonly message?: string }
  /** The line goes to the error file with no response, only `error: {code, message}`. */
  | { readonly kind: 'error'; readonly code: string; readonly message: string }
  /** A normal answer without the `usage` object. */
  | { readonly kind: 'noUsage' };

export interface BatchOptions extends BatchServerOptions {
  /** Returns the fault of one request of a batch, or undefined for a normal answer. */
  readonly lineFault?: (info: BatchLineInfo) => BatchLineFault | undefined;
}

/** Request counters. "Paid" means answered successfully: what a provider would bill. */
export interface CallCounts {
  readonly total: number;
  readonly perModel: Readonly<Record<string, number>>;
  readonly perKey: Readonly<Record<string, number>>;
  readonly paid: number;
  readonly paidPerModel: Readonly<Record<string, number>>;
  readonly paidPerKey: Readonly<Record<string, number>>;
  /** Highest number of chat requests in flight at once, per model. */
  readonly maxConcurrentPerModel: Readonly<Record<string, number>>;
}

/** Calls answered and their tokens, as a provider bills them. */
export interface BilledTokens {
  readonly calls: number;
  readonly input: number;
  readonly output: number;
}

/** One chat request as received (online, not in a batch), for assertions on what the client sent. */
export interface ReceivedRequest {
  /** Path and query, e.g. `/v1/chat/completions?api-version=2024-06-01`. */
  readonly url: string;
  readonly model: string;
  readonly messages: readonly TestMessage[];
  readonly temperature: unknown;
  readonly maxTokens: unknown;
  /** The Authorization header, if any. */
  readonly authorization: string | undefined;
  /** The Azure-style `api-key` header, if any. */
  readonly apiKeyHeader: string | undefined;
  readonly receivedAt: number;
}

/** The key requests are counted by: sha256 of the model and the messages (role and content only). */
export function requestKey(model: string, messages: readonly TestMessage[]): string {
  const normalized = messages.map((m) => ({ role: m.role, content: m.content }));
  return createHash('sha256').update(model).update('\n').update(JSON.stringify(normalized)).digest('hex');
}

/** The server's token rule: ceil(characters / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export class OpenAiTestServer {
  private readonly server: Server;
  private readonly received: ReceivedRequest[] = [];
  private readonly inFlight = new Map<string, number>();
  private counters = {
    total: 0,
    perModel: {} as Record<string, number>,
    perKey: {} as Record<string, number>,
    paid: 0,
    paidPerModel: {} as Record<string, number>,
    paidPerKey: {} as Record<string, number>,
    maxConcurrentPerModel: {} as Record<string, number>,
  };
  private url: string | undefined;
  private readonly tokens: Record<'online' | 'batch', Record<string, { calls: number; input: number; output: number }>> = { online: {}, batch: {} };
  private readonly batchApi: BatchTestApi;
  /** Where uploaded and produced files live (see {@link BatchServerOptions.filesDir}). */
  readonly filesDir: string;

  constructor(private readonly options: OpenAiTestServerOptions) {
    this.filesDir = options.batch?.filesDir ?? mkdtempSync(join(tmpdir(), 'smart-test-server-files-'));
    this.batchApi = new BatchTestApi(this.filesDir, options.batch ?? {}, {
      run: (body, where) => this.runBatchLine(body, where),
      ran: () => this.options.onCountsChanged?.(this.counts()),
    });
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) sendError(res, 500, `test server failure: ${String(error)}`);
      });
    });
  }

  /** Listens on 127.0.0.1; resolves with the base URL (ending in /v1) to give the client. */
  async start(): Promise<{ baseURL: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v1`;
    return { baseURL: this.url };
  }

  /** The base URL; throws before `start`. */
  get baseURL(): string {
    if (this.url === undefined) throw new Error('OpenAiTestServer: call start() first');
    return this.url;
  }

  /** Stops listening, drops every open connection (including hanging requests), stops the batches and removes their files. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.all([closed, this.batchApi.close()]);
    if (this.options.batch?.filesDir === undefined) rmSync(this.filesDir, { recursive: true, force: true });
  }

  /**
   * The tokens the server answered and would bill, per way and model: what
   * a provider charges is these at the model's price, the batch ones at its
   * discount (a test prices them itself).
   */
  billed(): Readonly<Record<'online' | 'batch', Readonly<Record<string, BilledTokens>>>> {
    return structuredClone(this.tokens);
  }

  private bill(way: 'online' | 'batch', model: string, input: number, output: number): void {
    const tally = (this.tokens[way][model] ??= { calls: 0, input: 0, output: 0 });
    tally.calls++;
    tally.input += input;
    tally.output += output;
  }

  /** A snapshot of the counters. */
  /** The most times one request was paid for: 1 when no call was paid twice (0 before any). */
  maxPaidPerRequest(): number {
    return Math.max(0, ...Object.values(this.counters.paidPerKey));
  }

  counts(): CallCounts {
    return structuredClone(this.counters);
  }

  /** Every online chat request received so far, in arrival order (the requests of batches are counted, not kept). */
  get requests(): readonly ReceivedRequest[] {
    return this.received;
  }

  /** Every batch created, oldest first, as `GET /batches/:id` shows it. */
  batches(): readonly Record<string, unknown>[] {
    return this.batchApi.batches();
  }

  /** Files and Batch API calls received per route, faulted ones included. */
  apiCalls(): Readonly<Partial<Record<ApiRoute, number>>> {
    return this.batchApi.apiCalls();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path.endsWith('/models')) {
      const data = (this.options.models ?? []).map((id) => ({ id, object: 'model', created: 0, owned_by: 'smart-test' }));
      sendJson(res, 200, { object: 'list', data });
      return;
    }
    if (req.method === 'POST' && path.endsWith('/chat/completions')) {
      await this.chat(req, res);
      return;
    }
    if (req.method === 'POST' && path.endsWith('/v1/messages')) {
      await this.messages(req, res);
      return;
    }
    const gemini = /\/v1beta\/models\/([^/:]+):generateContent$/.exec(path);
    if (req.method === 'POST' && gemini !== null) {
      await this.generateContent(req, res, decodeURIComponent(gemini[1]));
      return;
    }
    if (await this.batchApi.route(req, res, path)) return;
    sendError(res, 404, `no route for ${req.method} ${path}`);
  }

  private async chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = await this.arrive(req, res, parseChatBody(parseJson(await readBody(req))), 'api-key');
    if (call === undefined) return;
    const result = this.answer(call.body.model, call.body.messages, call.info.requestKey, call.shape);
    sendJson(res, result.statusCode, result.body);
  }

  /**
   * What every online call goes through on arrival, whatever its protocol:
   * refused (400) when its body is not one, else recorded and counted, the
   * latency waited and its fault applied. Undefined when that answered it (or
   * the client went away); else the call, with the shape its answer takes.
   */
  private async arrive(
    req: IncomingMessage,
    res: ServerResponse,
    body: ChatBody | string,
    keyHeader: string,
  ): Promise<{ body: ChatBody; info: FaultInfo; shape: { noUsage: boolean; nullContent: boolean; logprobs: boolean } } | undefined> {
    if (typeof body === 'string') {
      sendError(res, 400, body);
      return undefined;
    }
    const { model, messages } = body;
    const info = this.faultInfo(model, messages);
    this.received.push({
      url: req.url ?? '',
      model,
      messages,
      temperature: body.temperature,
      maxTokens: body.maxTokens,
      authorization: req.headers.authorization,
      apiKeyHeader: headerValue(req.headers[keyHeader]),
      receivedAt: Date.now(),
    });
    this.count('received', model, info.requestKey);
    this.trackConcurrency(model, res);
    if (this.options.latencyMs) await delay(this.options.latencyMs);
    // The client may have given up while we waited.
    if (res.destroyed) return undefined;
    const fault = this.options.fault?.(info);
    if (applyFault(fault, req, res)) return undefined;
    return { body, info, shape: { noUsage: fault?.kind === 'noUsage', nullContent: fault?.kind === 'nullContent', logprobs: body.logprobs } };
  }

  /** A Gemini generateContent call: the scripted answer in Gemini's shape, counted and faulted as a chat call. */
  private async generateContent(req: IncomingMessage, res: ServerResponse, model: string): Promise<void> {
    const call = await this.arrive(req, res, parseGeminiBody(parseJson(await readBody(req)), model), 'x-goog-api-key');
    if (call === undefined) return;
    const { messages } = call.body;
    const result = this.answer(model, messages, call.info.requestKey, call.shape);
    if (result.statusCode !== 200) {
      sendJson(res, result.statusCode, result.body);
      return;
    }
    sendJson(res, 200, geminiResponse(model, result.body));
  }

  /** An Anthropic Messages call: the scripted answer in Anthropic's shape, counted and faulted as a chat call. */
  private async messages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = await this.arrive(req, res, parseMessagesBody(parseJson(await readBody(req))), 'x-api-key');
    if (call === undefined) return;
    const { model, messages } = call.body;
    const result = this.answer(model, messages, call.info.requestKey, { ...call.shape, logprobs: false });
    if (result.statusCode !== 200) {
      sendJson(res, result.statusCode, result.body);
      return;
    }
    sendJson(res, 200, anthropicMessage(model, result.body));
  }

  /** One request of a batch: answered and counted exactly as an online call, faults aside. */
  private runBatchLine(raw: unknown, where: BatchLineWhere): LineResult {
    const body = parseChatBody(raw);
    if (typeof body === 'string') return { kind: 'response', statusCode: 400, body: errorBody(400, body) };
    const { model, messages } = body;
    const info: BatchLineInfo = { ...this.faultInfo(model, messages), ...where, messages };
    this.count('received', model, info.requestKey, false);
    const fault = this.options.batch?.lineFault?.(info);
    if (fault?.kind === 'error') return { kind: 'error', code: fault.code, message: fault.message };
    if (fault?.kind === 'status') {
      return { kind: 'response', statusCode: fault.status, body: errorBody(fault.status, fault.message ?? `injected HTTP ${fault.status}`) };
    }
    return {
      kind: 'response',
      ...this.answer(model, messages, info.requestKey, { noUsage: fault?.kind === 'noUsage', nullContent: false, logprobs: body.logprobs }, false),
    };
  }

  private faultInfo(model: string, messages: readonly TestMessage[]): FaultInfo {
    const key = requestKey(model, messages);
    return { model, callIndex: this.counters.total, requestKey: key, keyCallIndex: this.counters.perKey[key] ?? 0 };
  }

  /** The scripted answer as a chat completion, counted as paid; a throwing answer is a 400. */
  private answer(
    model: string,
    messages: readonly TestMessage[],
    key: string,
    shape: { noUsage: boolean; nullContent: boolean; logprobs: boolean },
    notify = true,
  ): { statusCode: number; body: unknown } {
    let text: string;
    try {
      text = this.options.answer(model, messages);
    } catch (error) {
      return { statusCode: 400, body: errorBody(400, error instanceof Error ? error.message : String(error)) };
    }
    const promptTokens = estimateTokens(messages.map((m) => m.content).join(''));
    const completionTokens = estimateTokens(text);
    this.count('paid', model, key, notify);
    // Only a batch's lines are answered without notifying at once.
    this.bill(notify ? 'online' : 'batch', model, promptTokens, completionTokens);
    return {
      statusCode: 200,
      body: {
        id: `chatcmpl-${key.slice(0, 24)}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: shape.nullContent ? null : text },
            finish_reason: 'stop',
            ...(shape.logprobs
              ? { logprobs: { content: [{ token: text, logprob: Math.log(this.options.confidence?.(model, messages) ?? 1), bytes: null, top_logprobs: [] }] } }
              : {}),
          },
        ],
        ...(shape.noUsage
          ? {}
          : {
              usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
            }),
      },
    };
  }

  /**
   * Counts a request on arrival (`received`), and again once it is answered
   * (`paid`). `notify` false: the caller reports the change later (a batch,
   * once all its lines ran).
   */
  private count(kind: 'received' | 'paid', model: string, key: string, notify = true): void {
    const c = this.counters;
    if (kind === 'received') {
      c.total++;
      tally(c.perModel, model);
      tally(c.perKey, key);
    } else {
      c.paid++;
      tally(c.paidPerModel, model);
      tally(c.paidPerKey, key);
    }
    if (notify) this.options.onCountsChanged?.(this.counts());
  }

  /** A request is in flight from arrival until its response closes (answered, reset or abandoned by the client). */
  private trackConcurrency(model: string, res: ServerResponse): void {
    const now = (this.inFlight.get(model) ?? 0) + 1;
    this.inFlight.set(model, now);
    const max = this.counters.maxConcurrentPerModel;
    max[model] = Math.max(max[model] ?? 0, now);
    res.once('close', () => this.inFlight.set(model, (this.inFlight.get(model) ?? 1) - 1));
  }
}

/** Creates a server and starts it. */
export async function startOpenAiTestServer(options: OpenAiTestServerOptions): Promise<OpenAiTestServer> {
  const server = new OpenAiTestServer(options);
  await server.start();
  return server;
}

interface ChatBody {
  model: string;
  messages: TestMessage[];
  temperature: unknown;
  maxTokens: unknown;
  logprobs: boolean;
}

/** The request body, or a message saying what is wrong with it. */
function parseChatBody(body: unknown): ChatBody | string {
  if (typeof body !== 'object' || body === null) return 'request body is not a JSON object';
  const b = body as { model?: unknown; messages?: unknown; temperature?: unknown; max_tokens?: unknown; logprobs?: unknown };
  if (typeof b.model !== 'string') return 'missing model';
  if (!Array.isArray(b.messages)) return 'missing messages';
  const messages: TestMessage[] = [];
  for (const m of b.messages as { role?: unknown; content?: unknown }[]) {
    if (typeof m?.role !== 'string' || typeof m.content !== 'string') return 'each message needs a string role and content';
    messages.push({ role: m.role, content: m.content });
  }
  return { model: b.model, messages, temperature: b.temperature, maxTokens: b.max_tokens, logprobs: b.logprobs === true };
}

/** A Gemini generateContent body as the script sees it (see `geminiChat`). */
function parseGeminiBody(body: unknown, model: string): ChatBody | string {
  const chat = geminiChat(body);
  return typeof chat === 'string' ? chat : { model, ...chat };
}

/** An Anthropic Messages body as the script sees it: the system prompt, if any, as a first `system` message. */
function parseMessagesBody(body: unknown): ChatBody | string {
  if (typeof body !== 'object' || body === null) return 'request body is not a JSON object';
  const b = body as { model?: unknown; messages?: unknown; system?: unknown; max_tokens?: unknown; temperature?: unknown };
  if (typeof b.max_tokens !== 'number') return 'max_tokens: Field required';
  if (b.system !== undefined && typeof b.system !== 'string') return 'system must be a string here';
  const chat = parseChatBody({ model: b.model, messages: b.messages });
  if (typeof chat === 'string') return chat;
  const messages = b.system === undefined ? chat.messages : [{ role: 'system', content: b.system }, ...chat.messages];
  return { ...chat, messages, temperature: b.temperature, maxTokens: b.max_tokens };
}

/**
 * The answers file of the command-line server:
 *
 *   { "models": { "<model>": { "answers": { "<prompt>": "<answer>" }, "fallback": "<answer>" } },
 *     "fallback": "<answer>" }
 *
 * The prompt is the content of the last user message. A model not listed gets
 * 404 (as OpenAI answers for an unknown model); a prompt not listed gets the
 * model's fallback, else the file's fallback, else 400.
 */
/** Runs `body` with a started server, and closes the server after it, whatever happens. */
export async function withOpenAiTestServer<R>(options: OpenAiTestServerOptions, body: (server: OpenAiTestServer) => Promise<R>): Promise<R> {
  const server = await startOpenAiTestServer(options);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

/** Adds one to a count by name. */
function tally(counts: Record<string, number>, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

export interface AnswersFile {
  readonly models: Readonly<Record<string, { readonly answers?: Readonly<Record<string, string>>; readonly fallback?: string }>>;
  readonly fallback?: string;
}

/** Options for a server that answers from an {@link AnswersFile}. */
export function answersFileOptions(file: AnswersFile): Pick<OpenAiTestServerOptions, 'answer' | 'fault' | 'models'> {
  const models = Object.keys(file.models);
  return {
    models,
    fault: ({ model }) => (models.includes(model) ? undefined : { kind: 'status', status: 404, message: `The model '${model}' does not exist` }),
    answer: (model, messages) => {
      const entry = file.models[model];
      const prompt = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const text = entry.answers?.[prompt] ?? entry.fallback ?? file.fallback;
      if (text === undefined) throw new Error(`no scripted answer for model '${model}' and prompt ${JSON.stringify(prompt.slice(0, 80))}`);
      return text;
    },
  };
}

/** Command-line entry: see the file comment. Counts are written (atomically) after every change and on SIGTERM/SIGINT. */
async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const answersPath = args.get('answers');
  if (answersPath === undefined) throw new Error('usage: openaiTestServer --answers FILE [--port N] [--counts FILE] [--latency-ms N] [--batch-step-ms N]');
  const file = JSON.parse(readFileSync(answersPath, 'utf8')) as AnswersFile;
  const countsPath = args.get('counts');
  const writeCounts = (counts: CallCounts): void => {
    if (countsPath === undefined) return;
    // Write then rename, so a reader never sees half a file.
    writeFileSync(`${countsPath}.tmp`, JSON.stringify(counts, null, 2));
    renameSync(`${countsPath}.tmp`, countsPath);
  };
  const server = await startOpenAiTestServer({
    ...answersFileOptions(file),
    port: Number(args.get('port') ?? 0),
    latencyMs: Number(args.get('latency-ms') ?? 0),
    batch: { stepMs: Number(args.get('batch-step-ms') ?? 0) },
    onCountsChanged: writeCounts,
  });
  writeCounts(server.counts());
  process.stdout.write(`${server.baseURL}\n`);
  const stop = (): void => {
    writeCounts(server.counts());
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name.startsWith('--') || value === undefined) throw new Error(`bad argument '${name}': expected --name value pairs`);
    args.set(name.slice(2), value);
  }
  return args;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
