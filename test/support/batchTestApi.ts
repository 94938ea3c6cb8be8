/**
 * The Files and Batch APIs of the OpenAI test server (openaiTestServer.ts),
 * as OpenAI documents them and as Azure OpenAI, Together and vLLM serve them:
 *
 * - `POST /files` (multipart/form-data: `purpose=batch` and `file`),
 *   `GET /files/:id`, `GET /files/:id/content`. Files live on disk in a
 *   folder of the server's, never in memory: tests go to a million requests.
 * - `POST /batches`, `GET /batches/:id`, `POST /batches/:id/cancel`,
 *   `GET /batches?limit=&after=` (newest first).
 *
 * - Anthropic's Message Batches: `POST /v1/messages/batches` (the requests
 *   inline, `{custom_id, params}`, several models allowed), `GET
 *   /v1/messages/batches/:id`, `POST .../:id/cancel`, `GET .../:id/results`
 *   (JSONL: `succeeded`, `errored`, `expired`, `canceled`), `GET
 *   /v1/messages/batches?limit=&after_id=`. Such a batch runs the same
 *   lifecycle, shown as Anthropic shows it (`in_progress`, `canceling`,
 *   `ended`, counts only once ended).
 *
 * - Gemini's batch jobs: `POST /v1beta/models/:model:batchGenerateContent`
 *   (the requests inline, each with `metadata.key`, one model a job), `GET
 *   /v1beta/batches/:id`, `POST /v1beta/batches/:id:cancel`, `GET
 *   /v1beta/batches?pageSize=&pageToken=`, a job shown as an operation whose
 *   metadata holds its state and, once it ended, its inlined responses.
 *
 * A batch moves validating -> in_progress -> finalizing -> completed, each
 * step lasting `stepMs`. Validation fails the batch (status `failed`, with
 * `errors.data[]` naming code, message and line) for a file over the request
 * or byte limit, a line that is not a request for the batch's endpoint, a
 * repeated custom_id, or a second model. At the end of in_progress every
 * request is run through the server's own chat answering and counters (so a
 * test sees batch and online calls alike), and its line goes to the output
 * file (status 200) or the error file. Output lines come in chunks of
 * {@link REORDER_CHUNK} in reverse order: never the input order, as with
 * real providers. `expireAfter` answers only the first requests and ends the
 * batch `expired` (the rest have no line at all); cancel moves a batch to
 * cancelling, then cancelled, with what was answered before.
 */
import Busboy from '@fastify/busboy';
import { createReadStream, createWriteStream, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { anthropicErrorType, anthropicMessage, chatBodyOfParams } from './anthropicShapes';
import { geminiChat, geminiResponse, rpcCode } from './geminiShapes';
import { applyFault, Fault, parseJson, readBody, sendError, sendJson } from './testHttp';

/** Output lines are written in chunks of this many, each reversed. */
export const REORDER_CHUNK = 16;
const DEFAULT_MAX_REQUESTS = 50_000;
const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
const ENDPOINT = '/v1/chat/completions';
/** Validation reports at most this many problems, as providers cut their lists short. */
const MAX_VALIDATION_ERRORS = 10;

/** The calls of the Files and Batch APIs, for faults and counts. */
export type ApiRoute =
  | 'files.create'
  | 'files.retrieve'
  | 'files.content'
  | 'batches.create'
  | 'batches.retrieve'
  | 'batches.cancel'
  | 'batches.list'
  | 'messageBatches.create'
  | 'messageBatches.retrieve'
  | 'messageBatches.cancel'
  | 'messageBatches.list'
  | 'messageBatches.results'
  | 'geminiBatches.create'
  | 'geminiBatches.get'
  | 'geminiBatches.cancel'
  | 'geminiBatches.list';

/** What an API fault function is told about a call. */
export interface ApiCallInfo {
  readonly route: ApiRoute;
  /** 0-based index of this call among the calls of its route. */
  readonly callIndex: number;
  /** The file or batch id in the path, if any. */
  readonly id?: string;
}

/**
 * A fault on a Files or Batch API call. `cutOff` sends the first
 * `afterBytes` of a downloaded file (elsewhere nothing), then drops the
 * connection; `stall` sends them, then nothing more, keeping the connection
 * open. With `afterEffect` the call takes effect (the file is stored, the
 * batch created or cancelled) before the fault replaces its response, as
 * when a connection drops after the provider acted.
 */
export type ApiFault = (Fault | { readonly kind: 'cutOff'; readonly afterBytes: number } | { readonly kind: 'stall'; readonly afterBytes: number }) & {
  readonly afterEffect?: boolean;
};

/** Where a request of a batch sits. */
export interface BatchLineWhere {
  readonly batchId: string;
  readonly customId: string;
  /** 1-based line of the input file. */
  readonly line: number;
}

/** What running one request of a batch gave: a response (any status), or an error without one. */
export type LineResult =
  | { readonly kind: 'response'; readonly statusCode: number; readonly body: unknown }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** How batches run their requests: through the server's own answering and counters. */
export interface LineRunner {
  /** Answers one request as the chat endpoint would, and counts it. */
  run(body: unknown, where: BatchLineWhere): LineResult;
  /** Told once a batch ran its requests, so counts are reported once per batch rather than once per line. */
  ran(): void;
}

export interface BatchServerOptions {
  /** Time a batch spends in each of validating, in_progress, finalizing and cancelling. Default 0. */
  readonly stepMs?: number;
  /** Requests one input file may hold; more fails validation. Default 50,000. */
  readonly maxRequests?: number;
  /** Bytes one input file may hold; more fails validation. Default 200 MB. */
  readonly maxBytes?: number;
  /**
   * How many requests of a batch to answer before it expires (the rest get no
   * line); undefined answers all. `index` is the batch's 0-based creation index.
   */
  readonly expireAfter?: (batch: { readonly id: string; readonly index: number; readonly total: number }) => number | undefined;
  /** Returns the fault to apply to a Files or Batch API call, or undefined. */
  readonly apiFault?: (info: ApiCallInfo) => ApiFault | undefined;
  /**
   * Awaited once a batch is in_progress, before it runs its requests: a test
   * holds batches running with it, whatever the time a step takes.
   */
  readonly holdRunning?: (batch: { readonly id: string; readonly index: number }) => Promise<void>;
  /** Folder for uploaded and produced files. Default: a temporary folder of the server's, removed on close. */
  readonly filesDir?: string;
}

type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

interface ValidationError {
  readonly code: string;
  readonly message: string;
  readonly line: number | null;
  readonly param: string | null;
}

interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly purpose: 'batch' | 'batch_output';
  readonly bytes: number;
  readonly createdAt: number;
  readonly path: string;
}

/** Whose API a batch was created through, and is shown in. */
type Protocol = 'openai' | 'anthropic' | 'gemini';

interface BatchState {
  readonly id: string;
  readonly protocol: Protocol;
  /** Where the server was reached when the batch was created: its results URL's origin. */
  readonly origin: string;
  readonly index: number;
  readonly inputFileId: string;
  readonly metadata: Record<string, string> | null;
  readonly createdAt: number;
  status: BatchStatus;
  model: string | null;
  total: number;
  completed: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  outputFileId: string | null;
  errorFileId: string | null;
  errors: ValidationError[] | null;
  cancelRequested: boolean;
  /** Anthropic's results file, written on the first request for it. */
  resultsFileId: string | null;
  /** Gemini's display name of the job. */
  displayName: string | null;
  /** Gemini's inlined responses, gathered once the job ended. */
  inlinedResponses: Record<string, unknown>[] | null;
  readonly times: Partial<Record<'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at', number>>;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** Serves the Files and Batch APIs; `lines` answers the requests of batches. */
export class BatchTestApi {
  private readonly files = new Map<string, StoredFile>();
  private readonly batchStates: BatchState[] = [];
  private readonly apiCallCounts: Partial<Record<ApiRoute, number>> = {};
  private readonly lifecycles = new Set<Promise<void>>();
  private readonly pendingWaits = new Set<() => void>();
  private fileCount = 0;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly options: BatchServerOptions,
    private readonly lines: LineRunner,
  ) {}

  /** Calls received per route, faulted ones included. */
  apiCalls(): Readonly<Partial<Record<ApiRoute, number>>> {
    return { ...this.apiCallCounts };
  }

  /** Every batch created, oldest first, as its API shows it. */
  batches(): readonly Record<string, unknown>[] {
    return this.batchStates.map((b) => this.json(b));
  }

  /** Handles a Files or Batch API request; false when the path is not one of theirs. */
  async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const call = matchRoute(req.method ?? '', path);
    if (call === undefined) return false;
    const info: ApiCallInfo = { route: call.route, callIndex: this.apiCallCounts[call.route] ?? 0, ...(call.id ? { id: call.id } : {}) };
    this.apiCallCounts[call.route] = info.callIndex + 1;
    const fault = this.options.apiFault?.(info);
    if (fault && !fault.afterEffect && this.applyApiFault(fault, call.route, req, res)) return true;
    // With afterEffect, the handler acts, then `reply` puts the fault in place of its answer.
    const reply: Reply = (status, body) => {
      if (fault?.afterEffect && this.applyApiFault(fault, call.route, req, res)) return;
      if (status === 200) sendJson(res, 200, body);
      else sendError(res, status, String(body));
    };
    switch (call.route) {
      case 'files.create':
        await this.upload(req, reply);
        break;
      case 'files.retrieve':
        this.withFile(call.id, reply, (file) => reply(200, fileJson(file)));
        break;
      case 'files.content':
        this.withFile(call.id, reply, (file) => this.download(file, res, fault));
        break;
      case 'batches.create':
        this.create(parseJson(await readBody(req)), reply);
        break;
      case 'batches.retrieve':
        this.withBatch(call.id, reply, (batch) => reply(200, this.batchJson(batch)));
        break;
      case 'batches.cancel':
        this.withBatch(call.id, reply, (batch) => this.cancel(batch, reply));
        break;
      case 'batches.list':
        this.list(new URL(req.url ?? '', 'http://x').searchParams, 'openai', reply);
        break;
      case 'messageBatches.create':
        this.createMessageBatch(parseJson(await readBody(req)), `http://${req.headers.host ?? '127.0.0.1'}`, reply);
        break;
      case 'messageBatches.retrieve':
        this.withBatch(call.id, reply, (batch) => reply(200, this.json(batch)));
        break;
      case 'messageBatches.cancel':
        this.withBatch(call.id, reply, (batch) => this.cancel(batch, reply));
        break;
      case 'messageBatches.list':
        this.list(new URL(req.url ?? '', 'http://x').searchParams, 'anthropic', reply);
        break;
      case 'messageBatches.results':
        this.withBatch(call.id, reply, (batch) => void this.results(batch, res, reply, fault));
        break;
      case 'geminiBatches.create':
        this.createGeminiJob(call.model ?? '', parseJson(await readBody(req)), reply);
        break;
      case 'geminiBatches.get':
        this.withBatch(call.id, reply, (batch) => void this.geminiJob(batch).then((json) => reply(200, json)));
        break;
      case 'geminiBatches.cancel':
        this.withBatch(call.id, reply, (batch) => this.cancel(batch, (status, body) => reply(status, status === 200 ? {} : body)));
        break;
      case 'geminiBatches.list':
        void this.listGeminiJobs(new URL(req.url ?? '', 'http://x').searchParams, reply);
        break;
    }
    return true;
  }

  /** Stops every batch where it is and waits for their work to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.pendingWaits) wake();
    await Promise.all([...this.lifecycles]);
  }

  /** Applies a fault in place of the response; false when the call goes on (no fault, or a download to cut off or stall part way). */
  private applyApiFault(fault: ApiFault, route: ApiRoute, req: IncomingMessage, res: ServerResponse): boolean {
    if (fault.kind !== 'cutOff' && fault.kind !== 'stall') return applyFault(fault, req, res);
    if (route === 'files.content' || route === 'messageBatches.results') return false;
    // Only a download can break off part way; elsewhere the connection drops
    // (cutOff) or stays open with no answer (stall).
    if (fault.kind === 'cutOff') req.socket.destroy();
    return true;
  }

  private withFile(id: string | undefined, reply: Reply, then: (file: StoredFile) => void): void {
    const file = id === undefined ? undefined : this.files.get(id);
    if (file === undefined) reply(404, `No such File object: ${id}`);
    else then(file);
  }

  private withBatch(id: string | undefined, reply: Reply, then: (batch: BatchState) => void): void {
    const batch = this.batchStates.find((b) => b.id === id);
    if (batch === undefined) reply(404, `No batch found with id '${id}'`);
    else then(batch);
  }

  /** Streams the multipart body's file part to disk; the purpose may come before or after it. */
  private async upload(req: IncomingMessage, reply: Reply): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) {
      reply(400, 'expected a multipart/form-data body');
      return;
    }
    const id = `file-test-${++this.fileCount}`;
    const path = join(this.dir, `${id}.jsonl`);
    const form: { purpose?: string; filename?: string; written?: Promise<number> } = {};
    const parser = Busboy({ headers: { ...req.headers, 'content-type': contentType } });
    parser.on('field', (name, value) => {
      if (name === 'purpose') form.purpose = value;
    });
    parser.on('file', (name, stream, filename) => {
      if (name !== 'file' || form.written !== undefined) {
        stream.resume();
        return;
      }
      form.filename = filename;
      form.written = writeStreamToFile(stream, path);
      // Awaited below unless the upload breaks off first; then its failure is the request's.
      form.written.catch(() => undefined);
    });
    const parsed = once(parser, 'finish');
    req.on('close', () => {
      if (!req.complete) parser.destroy(new Error('the upload broke off'));
    });
    req.pipe(parser);
    try {
      await parsed;
      const bytes = await (form.written ?? Promise.reject(new Error('the form has no "file" part')));
      if (form.purpose !== 'batch') throw new Error(`purpose must be "batch", got ${JSON.stringify(form.purpose)}`);
      const file: StoredFile = { id, filename: form.filename ?? 'upload.jsonl', purpose: 'batch', bytes, createdAt: now(), path };
      this.files.set(id, file);
      reply(200, fileJson(file));
    } catch (error) {
      rmSync(path, { force: true });
      // A request is "destroyed" once read; only a dropped connection leaves nobody to answer.
      if (!req.socket.destroyed) reply(400, error instanceof Error ? error.message : String(error));
    }
  }

  private download(file: StoredFile, res: ServerResponse, fault: ApiFault | undefined): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes) });
    if (fault?.kind !== 'cutOff' && fault?.kind !== 'stall') {
      createReadStream(file.path).pipe(res);
      return;
    }
    // The headers and the first bytes go out; then, while the client reads
    // the body, the connection drops (cutOff) or nothing more comes (stall).
    const head = createReadStream(file.path, { start: 0, end: Math.max(0, fault.afterBytes - 1) });
    head.on('data', (chunk) => res.write(chunk));
    if (fault.kind === 'cutOff') head.on('end', () => setTimeout(() => res.socket?.destroy(), 20));
  }

  private create(body: unknown, reply: Reply): void {
    const b = (body ?? {}) as { input_file_id?: unknown; endpoint?: unknown; completion_window?: unknown; metadata?: unknown };
    const file = typeof b.input_file_id === 'string' ? this.files.get(b.input_file_id) : undefined;
    const problem =
      file === undefined
        ? `Invalid 'input_file_id': ${JSON.stringify(b.input_file_id)} is not an uploaded file`
        : file.purpose !== 'batch'
          ? `the file ${file.id} was not uploaded with purpose "batch"`
          : b.endpoint !== ENDPOINT
            ? `Invalid 'endpoint': this server supports ${ENDPOINT}, got ${JSON.stringify(b.endpoint)}`
            : b.completion_window !== '24h'
              ? `Invalid 'completion_window': only "24h" is supported, got ${JSON.stringify(b.completion_window)}`
              : metadataProblem(b.metadata);
    if (problem !== undefined || file === undefined) {
      reply(400, problem ?? 'no file');
      return;
    }
    const batch = this.start('openai', file, (b.metadata as Record<string, string> | null | undefined) ?? null, '');
    reply(200, this.json(batch));
  }

  /**
   * Anthropic's create: the requests come inline; they are checked as
   * Anthropic checks them on creation (custom ids unique and of its
   * alphabet, params with a model, max_tokens and messages, the limits), then
   * kept as an input file of OpenAI request lines the lifecycle runs.
   */
  private createMessageBatch(body: unknown, origin: string, reply: Reply): void {
    const requests = (body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      reply(400, 'requests: expected a non-empty array');
      return;
    }
    const maxRequests = this.options.maxRequests ?? DEFAULT_MAX_REQUESTS;
    if (requests.length > maxRequests) {
      reply(400, `requests: at most ${maxRequests} requests a batch, got ${requests.length}`);
      return;
    }
    const ids = new Set<string>();
    const lines: string[] = [];
    for (const [i, request] of requests.entries()) {
      const r = request as { custom_id?: unknown; params?: unknown };
      const chat = chatBodyOfParams(r.params);
      const problem =
        typeof r.custom_id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(r.custom_id)
          ? `requests.${i}.custom_id: must match ^[a-zA-Z0-9_-]{1,64}$`
          : ids.has(r.custom_id)
            ? `requests.${i}.custom_id: '${r.custom_id}' is used more than once`
            : typeof chat === 'string'
              ? `requests.${i}.${chat}`
              : undefined;
      if (problem !== undefined || typeof chat === 'string') {
        reply(400, problem ?? 'no params');
        return;
      }
      ids.add(r.custom_id as string);
      lines.push(JSON.stringify({ custom_id: r.custom_id, method: 'POST', url: ENDPOINT, body: chat }));
    }
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    if (bytes > maxBytes) {
      reply(413, `the batch is over ${maxBytes} bytes`);
      return;
    }
    const batch = this.start('anthropic', this.storeInput(lines), null, origin);
    // Anthropic counts a batch's requests as processing from its creation.
    batch.total = lines.length;
    reply(200, this.json(batch));
  }

  /**
   * Gemini's create: the requests come inline, each a generateContent
   * request with its `metadata.key`, for the model of the path; kept as an
   * input file of OpenAI request lines the lifecycle runs.
   */
  private createGeminiJob(model: string, body: unknown, reply: Reply): void {
    const batch = (body as { batch?: { displayName?: unknown; inputConfig?: { requests?: { requests?: unknown }; fileName?: unknown } } } | undefined)?.batch;
    const requests = batch?.inputConfig?.requests?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      reply(
        400,
        batch?.inputConfig?.fileName !== undefined
          ? 'this server takes inline requests only'
          : 'batch.inputConfig.requests.requests: expected a non-empty array',
      );
      return;
    }
    const lines: string[] = [];
    for (const [i, entry] of requests.entries()) {
      const e = entry as { request?: unknown; metadata?: { key?: unknown } };
      const chat = geminiChat(e.request);
      if (typeof chat === 'string') {
        reply(400, `batch.inputConfig.requests.requests[${i}].request: ${chat}`);
        return;
      }
      const key = typeof e.metadata?.key === 'string' ? e.metadata.key : `request-${i}`;
      lines.push(
        JSON.stringify({
          custom_id: key,
          method: 'POST',
          url: ENDPOINT,
          body: { model, messages: chat.messages, max_tokens: chat.maxTokens, logprobs: chat.logprobs },
        }),
      );
    }
    const file = this.storeInput(lines);
    const state = this.start('gemini', file, null, '');
    state.displayName = typeof batch?.displayName === 'string' ? batch.displayName : null;
    state.model = model;
    void this.geminiJob(state).then((json) => reply(200, json));
  }

  /** Writes request lines as an input file of the server's. */
  private storeInput(lines: readonly string[]): StoredFile {
    const text = lines.map((l) => `${l}\n`).join('');
    const id = `file-test-${++this.fileCount}`;
    const path = join(this.dir, `${id}.jsonl`);
    writeFileSync(path, text);
    const file: StoredFile = { id, filename: `${id}.jsonl`, purpose: 'batch', bytes: Buffer.byteLength(text), createdAt: now(), path };
    this.files.set(id, file);
    return file;
  }

  /** A job as Gemini shows it: an operation whose metadata holds its state, and its inlined responses once it ended. */
  private async geminiJob(b: BatchState): Promise<Record<string, unknown>> {
    const ended = ENDED.has(b.status);
    if (ended && b.inlinedResponses === null) b.inlinedResponses = await this.gatherInlined(b);
    const endedAt = b.times.completed_at ?? b.times.expired_at ?? b.times.cancelled_at ?? b.times.failed_at;
    return {
      name: `batches/${b.id}`,
      metadata: {
        '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch',
        model: `models/${b.model ?? ''}`,
        ...(b.displayName !== null ? { displayName: b.displayName } : {}),
        state: GEMINI_STATES[b.status],
        createTime: isoTime(b.createdAt),
        updateTime: isoTime(endedAt ?? b.createdAt),
        ...(ended ? { endTime: isoTime(endedAt) } : {}),
        batchStats: { requestCount: String(b.total), successfulRequestCount: String(b.completed), failedRequestCount: String(b.failed) },
        ...(b.inlinedResponses !== null ? { output: { inlinedResponses: { inlinedResponses: b.inlinedResponses } } } : {}),
      },
      done: ended,
    };
  }

  /** The inlined responses of an ended job, from its output and error files. */
  private async gatherInlined(b: BatchState): Promise<Record<string, unknown>[]> {
    const responses: Record<string, unknown>[] = [];
    for (const fileId of [b.outputFileId, b.errorFileId]) {
      if (fileId === null) continue;
      for await (const text of readLines(this.files.get(fileId)!.path)) {
        const line = JSON.parse(text) as { custom_id: string; response: { status_code: number; body: unknown } | null; error: { message: string } | null };
        const metadata = { key: line.custom_id };
        if (line.response !== null && line.response.status_code === 200)
          responses.push({ response: geminiResponse(b.model ?? '', line.response.body), metadata });
        else {
          const message = line.error?.message ?? (line.response?.body as { error?: { message?: string } } | undefined)?.error?.message ?? 'no message';
          responses.push({ error: { code: rpcCode(line.response?.status_code ?? 500), message }, metadata });
        }
      }
    }
    return responses;
  }

  private async listGeminiJobs(params: URLSearchParams, reply: Reply): Promise<void> {
    const size = Math.min(100, Math.max(1, Number(params.get('pageSize') ?? 20)));
    const start = Number(params.get('pageToken') ?? 0);
    const newestFirst = this.batchStates.filter((b) => b.protocol === 'gemini').reverse();
    const operations = await Promise.all(newestFirst.slice(start, start + size).map((b) => this.geminiJob(b)));
    reply(200, { operations, ...(start + size < newestFirst.length ? { nextPageToken: String(start + size) } : {}) });
  }

  /** Records a new batch of an input file and starts its lifecycle. */
  private start(protocol: Protocol, file: StoredFile, metadata: Record<string, string> | null, origin: string): BatchState {
    const index = this.batchStates.length;
    const batch: BatchState = {
      id: `${ID_PREFIX[protocol]}${index + 1}`,
      protocol,
      origin,
      index,
      inputFileId: file.id,
      metadata,
      createdAt: now(),
      status: 'validating',
      model: null,
      total: 0,
      completed: 0,
      failed: 0,
      inputTokens: 0,
      outputTokens: 0,
      outputFileId: null,
      errorFileId: null,
      errors: null,
      cancelRequested: false,
      resultsFileId: null,
      displayName: null,
      inlinedResponses: null,
      times: {},
    };
    this.batchStates.push(batch);
    const lifecycle = this.lifecycle(batch, file).catch((error: unknown) => {
      // A bug of the server's own: show it as a failed batch rather than hide it.
      this.end(batch, 'failed', 'failed_at');
      batch.errors = [{ code: 'server_error', message: String(error), line: null, param: null }];
    });
    this.lifecycles.add(lifecycle);
    void lifecycle.finally(() => this.lifecycles.delete(lifecycle));
    return batch;
  }

  /** Serves an ended Anthropic batch's results, written once from its output and error files. */
  private async results(batch: BatchState, res: ServerResponse, reply: Reply, fault: ApiFault | undefined): Promise<void> {
    if (batch.protocol !== 'anthropic' || !ENDED.has(batch.status)) {
      reply(404, `batch ${batch.id} has no results yet`);
      return;
    }
    batch.resultsFileId ??= await this.writeResults(batch);
    this.download(this.files.get(batch.resultsFileId)!, res, fault);
  }

  /** Anthropic's results of a batch: its answers, its errored requests, and a line for each request it left (expired or canceled). */
  private async writeResults(batch: BatchState): Promise<string> {
    const out = new ReorderingWriter(join(this.dir, `${batch.id}-results.jsonl`));
    const seen = new Set<string>();
    for (const fileId of [batch.outputFileId, batch.errorFileId]) {
      if (fileId === null) continue;
      for await (const text of readLines(this.files.get(fileId)!.path)) {
        const line = JSON.parse(text) as { custom_id: string; response: { status_code: number; body: unknown } | null; error: { message: string } | null };
        seen.add(line.custom_id);
        await out.write(JSON.stringify({ custom_id: line.custom_id, result: anthropicResult(line) }));
      }
    }
    const left = batch.status === 'cancelled' ? 'canceled' : 'expired';
    for await (const text of readLines(this.files.get(batch.inputFileId)!.path)) {
      const { custom_id } = JSON.parse(text) as { custom_id: string };
      if (!seen.has(custom_id)) await out.write(JSON.stringify({ custom_id, result: { type: left } }));
    }
    return this.keep(out) as Promise<string>;
  }

  private cancel(batch: BatchState, reply: Reply): void {
    if (batch.status === 'validating' || batch.status === 'in_progress') {
      batch.cancelRequested = true;
      batch.status = 'cancelling';
      batch.times.cancelling_at = now();
    } else if (batch.status !== 'cancelling') {
      reply(409, `Cannot cancel a batch with status '${batch.status}'.`);
      return;
    }
    reply(200, this.json(batch));
  }

  private list(params: URLSearchParams, protocol: Protocol, reply: Reply): void {
    const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 20)));
    const newestFirst = this.batchStates.filter((b) => b.protocol === protocol).reverse();
    const after = params.get(protocol === 'openai' ? 'after' : 'after_id');
    const start = after === null ? 0 : newestFirst.findIndex((b) => b.id === after) + 1;
    const page = newestFirst.slice(start, start + limit).map((b) => this.json(b));
    reply(200, {
      ...(protocol === 'openai' ? { object: 'list' } : {}),
      data: page,
      first_id: page.length > 0 ? page[0].id : null,
      last_id: page.length > 0 ? page[page.length - 1].id : null,
      has_more: start + limit < newestFirst.length,
    });
  }

  private async lifecycle(batch: BatchState, input: StoredFile): Promise<void> {
    if (!(await this.step()) || (await this.endIfCancelled(batch))) return;
    const errors = await this.validate(batch, input);
    if (errors.length > 0) {
      batch.errors = errors;
      this.end(batch, 'failed', 'failed_at');
      return;
    }
    if (await this.endIfCancelled(batch)) return;
    batch.status = 'in_progress';
    batch.times.in_progress_at = now();
    await this.options.holdRunning?.({ id: batch.id, index: batch.index });
    if (!(await this.step()) || (await this.endIfCancelled(batch))) return;
    const expired = await this.process(batch, input);
    if (this.closed || (await this.endIfCancelled(batch))) return;
    if (expired) {
      this.end(batch, 'expired', 'expired_at');
      return;
    }
    batch.status = 'finalizing';
    batch.times.finalizing_at = now();
    if (!(await this.step())) return;
    this.end(batch, 'completed', 'completed_at');
  }

  /** Waits one step; false when the server closed meanwhile. */
  private async step(): Promise<boolean> {
    const ms = this.options.stepMs ?? 0;
    if (!this.closed) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.pendingWaits.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        this.pendingWaits.add(wake);
      });
    }
    return !this.closed;
  }

  /** After a cancel: one more step in `cancelling`, then `cancelled`. True when the batch was cancelled. */
  private async endIfCancelled(batch: BatchState): Promise<boolean> {
    if (!batch.cancelRequested) return false;
    if (await this.step()) this.end(batch, 'cancelled', 'cancelled_at');
    return true;
  }

  private end(batch: BatchState, status: BatchStatus, time: keyof BatchState['times']): void {
    batch.status = status;
    batch.times[time] = now();
  }

  /** Reads the input file once, streaming; returns what is wrong with it (nothing when it is a valid batch). */
  private async validate(batch: BatchState, input: StoredFile): Promise<ValidationError[]> {
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    const maxRequests = this.options.maxRequests ?? DEFAULT_MAX_REQUESTS;
    if (input.bytes > maxBytes) {
      return [problem('file_too_large', `The input file is ${input.bytes} bytes; a batch input file may hold at most ${maxBytes} bytes.`)];
    }
    const errors: ValidationError[] = [];
    const ids = new Set<string>();
    let model: string | undefined;
    let line = 0;
    for await (const text of readLines(input.path)) {
      line++;
      if (line > maxRequests) {
        errors.push(problem('too_many_requests', `The input file holds more than ${maxRequests} requests; a batch may hold at most ${maxRequests}.`, line));
        break;
      }
      const request = checkRequestLine(text, line);
      if ('code' in request) errors.push(request);
      else if (ids.has(request.customId))
        errors.push(problem('duplicate_custom_id', `The custom_id '${request.customId}' is used more than once.`, line, 'custom_id'));
      else if (batch.protocol === 'openai' && model !== undefined && request.model !== model) {
        errors.push(
          problem(
            'mismatched_model',
            `The model '${request.model}' differs from '${model}' of the first line: a batch file holds requests for one model only.`,
            line,
            'body.model',
          ),
        );
      } else {
        ids.add(request.customId);
        model = request.model;
      }
      if (errors.length >= MAX_VALIDATION_ERRORS) break;
    }
    if (line === 0) errors.push(problem('empty_file', 'The input file holds no requests.'));
    batch.model = model ?? null;
    batch.total = Math.min(line, maxRequests);
    return errors;
  }

  /** Runs the requests (all, or up to the expiry); returns true when the batch expired with requests unanswered. */
  private async process(batch: BatchState, input: StoredFile): Promise<boolean> {
    const answerCount = this.options.expireAfter?.({ id: batch.id, index: batch.index, total: batch.total }) ?? batch.total;
    const output = new ReorderingWriter(join(this.dir, `${batch.id}-output.jsonl`));
    const errors = new ReorderingWriter(join(this.dir, `${batch.id}-errors.jsonl`));
    let line = 0;
    let expired = false;
    for await (const text of readLines(input.path)) {
      if (batch.cancelRequested || this.closed) break;
      if (line >= answerCount) {
        expired = true;
        break;
      }
      line++;
      const request = JSON.parse(text) as { custom_id: string; body: unknown };
      const result = this.lines.run(request.body, { batchId: batch.id, customId: request.custom_id, line });
      const id = `batch_req_${batch.index + 1}_${line}`;
      if (result.kind === 'response' && result.statusCode === 200) {
        batch.completed++;
        countUsage(batch, result.body);
        await output.write(
          JSON.stringify({ id, custom_id: request.custom_id, response: { status_code: 200, request_id: `req_${id}`, body: result.body }, error: null }),
        );
      } else {
        batch.failed++;
        await errors.write(
          JSON.stringify(
            result.kind === 'response'
              ? { id, custom_id: request.custom_id, response: { status_code: result.statusCode, request_id: `req_${id}`, body: result.body }, error: null }
              : { id, custom_id: request.custom_id, response: null, error: { code: result.code, message: result.message } },
          ),
        );
      }
      // Let polls and cancels in between, as a real provider would.
      if (line % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.lines.ran();
    batch.outputFileId = await this.keep(output);
    batch.errorFileId = await this.keep(errors);
    return expired;
  }

  /** Closes a produced file; registers it when it holds lines, else removes it. */
  private async keep(writer: ReorderingWriter): Promise<string | null> {
    const bytes = await writer.close();
    if (bytes === 0) {
      rmSync(writer.path, { force: true });
      return null;
    }
    const id = `file-test-${++this.fileCount}`;
    this.files.set(id, { id, filename: `${id}.jsonl`, purpose: 'batch_output', bytes, createdAt: now(), path: writer.path });
    return id;
  }

  private json(b: BatchState): Record<string, unknown> {
    return b.protocol === 'openai'
      ? this.batchJson(b)
      : b.protocol === 'anthropic'
        ? messageBatchJson(b)
        : { name: `batches/${b.id}`, state: GEMINI_STATES[b.status] };
  }

  private batchJson(b: BatchState): Record<string, unknown> {
    return {
      id: b.id,
      object: 'batch',
      endpoint: ENDPOINT,
      errors: b.errors === null ? null : { object: 'list', data: b.errors },
      input_file_id: b.inputFileId,
      completion_window: '24h',
      status: b.status,
      output_file_id: b.outputFileId,
      error_file_id: b.errorFileId,
      created_at: b.createdAt,
      expires_at: b.createdAt + 24 * 3600,
      in_progress_at: null,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      ...b.times,
      request_counts: { total: b.total, completed: b.completed, failed: b.failed },
      metadata: b.metadata,
      model: b.model,
      usage: {
        input_tokens: b.inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: b.outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: b.inputTokens + b.outputTokens,
      },
    };
  }
}

type Reply = (status: number, body: unknown) => void;

function matchRoute(method: string, path: string): { route: ApiRoute; id?: string; model?: string } | undefined {
  const geminiCreate = /\/v1beta\/models\/([^/:]+):batchGenerateContent$/.exec(path);
  if (geminiCreate) return method === 'POST' ? { route: 'geminiBatches.create', model: decodeURIComponent(geminiCreate[1]) } : undefined;
  const gemini = /\/v1beta\/batches(?:\/([^/:]+)(:cancel)?)?$/.exec(path);
  if (gemini) {
    const [, id, cancel] = gemini;
    if (id === undefined) return method === 'GET' ? { route: 'geminiBatches.list' } : undefined;
    if (method === 'GET' && !cancel) return { route: 'geminiBatches.get', id };
    if (method === 'POST' && cancel) return { route: 'geminiBatches.cancel', id };
    return undefined;
  }
  const messageBatches = /\/v1\/messages\/batches(?:\/([^/]+)(\/cancel|\/results)?)?$/.exec(path);
  if (messageBatches) {
    const [, id, action] = messageBatches;
    if (id === undefined) return method === 'POST' ? { route: 'messageBatches.create' } : method === 'GET' ? { route: 'messageBatches.list' } : undefined;
    if (method === 'GET' && action === undefined) return { route: 'messageBatches.retrieve', id };
    if (method === 'GET' && action === '/results') return { route: 'messageBatches.results', id };
    if (method === 'POST' && action === '/cancel') return { route: 'messageBatches.cancel', id };
    return undefined;
  }
  const files = /\/files(?:\/([^/]+)(\/content)?)?$/.exec(path);
  if (files) {
    const [, id, content] = files;
    if (method === 'POST' && id === undefined) return { route: 'files.create' };
    if (method === 'GET' && id !== undefined) return { route: content ? 'files.content' : 'files.retrieve', id };
    return undefined;
  }
  const batches = /\/batches(?:\/([^/]+)(\/cancel)?)?$/.exec(path);
  if (batches) {
    const [, id, cancel] = batches;
    if (id === undefined) return method === 'POST' ? { route: 'batches.create' } : method === 'GET' ? { route: 'batches.list' } : undefined;
    if (method === 'GET' && !cancel) return { route: 'batches.retrieve', id };
    if (method === 'POST' && cancel) return { route: 'batches.cancel', id };
  }
  return undefined;
}

/** How each protocol names its batches. */
const ID_PREFIX: Readonly<Record<Protocol, string>> = { openai: 'batch_test_', anthropic: 'msgbatch_test_', gemini: 'gembatch_test_' };

/** A batch's status as Gemini names a job's state. */
const GEMINI_STATES: Readonly<Record<BatchStatus, string>> = {
  validating: 'BATCH_STATE_PENDING',
  in_progress: 'BATCH_STATE_RUNNING',
  finalizing: 'BATCH_STATE_RUNNING',
  cancelling: 'BATCH_STATE_RUNNING',
  completed: 'BATCH_STATE_SUCCEEDED',
  failed: 'BATCH_STATE_FAILED',
  expired: 'BATCH_STATE_EXPIRED',
  cancelled: 'BATCH_STATE_CANCELLED',
};

/** Statuses after which a batch changes no more. */
const ENDED: ReadonlySet<BatchStatus> = new Set(['completed', 'failed', 'expired', 'cancelled']);

const isoTime = (seconds: number | undefined): string | null => (seconds === undefined ? null : new Date(seconds * 1000).toISOString());

/** A batch as Anthropic's Message Batches API shows it: counts only once it ended. */
function messageBatchJson(b: BatchState): Record<string, unknown> {
  const ended = ENDED.has(b.status);
  const left = b.total - b.completed - b.failed;
  const endedAt = b.times.completed_at ?? b.times.expired_at ?? b.times.cancelled_at ?? b.times.failed_at;
  return {
    id: b.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : b.status === 'cancelling' ? 'canceling' : 'in_progress',
    request_counts: {
      processing: ended ? 0 : b.total,
      succeeded: ended ? b.completed : 0,
      errored: ended ? b.failed + (b.status === 'failed' ? left : 0) : 0,
      canceled: ended && b.status === 'cancelled' ? left : 0,
      expired: ended && b.status === 'expired' ? left : 0,
    },
    created_at: isoTime(b.createdAt),
    expires_at: isoTime(b.createdAt + 24 * 3600),
    ended_at: ended ? isoTime(endedAt) : null,
    cancel_initiated_at: isoTime(b.times.cancelling_at),
    archived_at: null,
    results_url: ended ? `${b.origin}/v1/messages/batches/${b.id}/results` : null,
  };
}

/** One line of an output or error file as Anthropic reports its result. */
function anthropicResult(line: { response: { status_code: number; body: unknown } | null; error: { message: string } | null }): Record<string, unknown> {
  const { response } = line;
  if (response !== null && response.status_code === 200) {
    const body = response.body as { model: string };
    return { type: 'succeeded', message: anthropicMessage(body.model, body) };
  }
  const message = line.error?.message ?? (response?.body as { error?: { message?: string } } | undefined)?.error?.message ?? 'no message';
  return { type: 'errored', error: { type: 'error', error: { type: anthropicErrorType(response?.status_code ?? 500), message } } };
}

function fileJson(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: file.createdAt + 30 * 24 * 3600,
  };
}

/** OpenAI's metadata rules: at most 16 pairs, keys up to 64 characters, string values up to 512. */
function metadataProblem(metadata: unknown): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return "Invalid 'metadata': expected an object";
  const entries = Object.entries(metadata);
  if (entries.length > 16) return `Invalid 'metadata': at most 16 pairs, got ${entries.length}`;
  for (const [key, value] of entries) {
    if (key.length > 64) return `Invalid 'metadata': the key '${key}' is longer than 64 characters`;
    if (typeof value !== 'string' || value.length > 512) return `Invalid 'metadata.${key}': expected a string of at most 512 characters`;
  }
  return undefined;
}

function problem(code: string, message: string, line: number | null = null, param: string | null = null): ValidationError {
  return { code, message, line, param };
}

/** A line of an input file as validation needs it, or what is wrong with it. */
function checkRequestLine(text: string, line: number): { customId: string; model: string } | ValidationError {
  let request: { custom_id?: unknown; method?: unknown; url?: unknown; body?: { model?: unknown } | null };
  try {
    request = JSON.parse(text) as typeof request;
  } catch {
    return problem('invalid_json_line', 'This line is not parseable as valid JSON.', line);
  }
  if (typeof request?.custom_id !== 'string' || request.custom_id === '') return problem('missing_required_parameter', 'Missing custom_id.', line, 'custom_id');
  if (request.method !== 'POST') return problem('invalid_value', `The method must be POST, got ${JSON.stringify(request.method)}.`, line, 'method');
  if (request.url !== ENDPOINT)
    return problem('invalid_url', `The url must be ${ENDPOINT}, the batch's endpoint; got ${JSON.stringify(request.url)}.`, line, 'url');
  if (typeof request.body?.model !== 'string') return problem('missing_required_parameter', 'Missing body.model.', line, 'body.model');
  return { customId: request.custom_id, model: request.body.model };
}

function countUsage(batch: BatchState, body: unknown): void {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }).usage;
  if (typeof usage?.prompt_tokens === 'number') batch.inputTokens += usage.prompt_tokens;
  if (typeof usage?.completion_tokens === 'number') batch.outputTokens += usage.completion_tokens;
}

/** The lines of a file, streamed; the file is closed when the caller stops early. */
async function* readLines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, 'utf8');
  try {
    yield* createInterface({ input, crlfDelay: Infinity });
  } finally {
    input.destroy();
  }
}

/** Streams a stream to a new file; resolves with the bytes written. */
async function writeStreamToFile(stream: NodeJS.ReadableStream, path: string): Promise<number> {
  const out = createWriteStream(path);
  await pipeline(stream, out);
  return out.bytesWritten;
}

/** Writes lines to a file in chunks of {@link REORDER_CHUNK}, each chunk reversed, with backpressure. */
class ReorderingWriter {
  private out: WriteStream | undefined;
  private chunk: string[] = [];

  constructor(readonly path: string) {}

  async write(line: string): Promise<void> {
    this.chunk.push(line);
    if (this.chunk.length >= REORDER_CHUNK) await this.flush();
  }

  /** Resolves with the bytes written (0 when nothing was, and then no file exists). */
  async close(): Promise<number> {
    await this.flush();
    if (this.out === undefined) return 0;
    const out = this.out;
    out.end();
    await once(out, 'finish');
    return statSync(this.path).size;
  }

  private async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    this.out ??= createWriteStream(this.path);
    const text = this.chunk
      .reverse()
      .map((l) => `${l}\n`)
      .join('');
    this.chunk = [];
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}
