/**
 * The Batch API of one OpenAI-compatible endpoint (OpenAI, Azure OpenAI,
 * Together, Novita, Cerebras; vLLM's `run_batch` reads and writes the same
 * files) through the `openai` package: upload a request file, create,
 * retrieve, cancel and list batches, and read an output or error file as
 * records.
 *
 * Every call is retried per the {@link RetryPolicy} on rate limits, server
 * errors and dropped connections. Files are streamed both ways: an upload is
 * read from disk as it is sent, and a result file is parsed line by line as
 * it arrives, so a file of a million lines never sits in memory. Every text
 * that leaves this module is redacted of the endpoint's secrets.
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { onAbort } from './abortSignals';
import type { BatchInfo, BatchProvider, BatchResultRecord, RequestLineFormat } from './batchProvider';
import type { ChatRequest } from './chatBackend';
import { OpenAiEndpoint, type EndpointConfig, type Log } from './openAiEndpoint';
import { answerProbability, chatCompletionBody } from './openAiChatClient';
import { AttemptFailure, describeFailure, LlmCallError, RetryPolicy } from './retryPolicy';

export interface BatchApiOptions {
  /** Default: `new RetryPolicy()`. */
  readonly retry?: RetryPolicy;
  /** Receives retries (warn); messages are redacted. */
  readonly log?: Log;
  /** Time allowed for one upload attempt, until the server answers. Default 30 minutes (200 MB on a slow line). */
  readonly uploadTimeoutMs?: number;
}

/** A Batch API call that failed for good: refused, or out of retry time (see RetryPolicy). */
export class BatchApiError extends Error {
  override readonly name = 'BatchApiError';
  readonly attempts: number;
  readonly failure: AttemptFailure;

  constructor(
    readonly endpoint: string,
    readonly operation: string,
    /** How the retries ended, as the policy reported it. */
    cause: LlmCallError,
    /** The last attempt's failure as classified here. */
    failure: AttemptFailure,
  ) {
    super(`Endpoint "${endpoint}", batch API, ${operation}: ${describeFailure(failure, cause.giveUp, cause.attempts, cause.forMs)}`);
    this.attempts = cause.attempts;
    this.failure = failure;
  }

  /** The HTTP status of the last attempt, when the server answered. */
  get status(): number | undefined {
    return this.failure.status;
  }
}

const DEFAULT_UPLOAD_TIMEOUT_MS = 30 * 60_000;
const LIST_PAGE = 100;

/** The endpoint every request line is for. */
const BATCH_ENDPOINT = '/v1/chat/completions';

/**
 * OpenAI's request lines (`{"custom_id", "method": "POST", "url":
 * "/v1/chat/completions", "body"}`), which vLLM's `run_batch` reads too; the
 * body is the one a request's cache key hashes (`chatCompletionBody`).
 */
export const OPENAI_REQUEST_LINES: RequestLineFormat = {
  write: (customId, request) => JSON.stringify({ custom_id: customId, method: 'POST', url: BATCH_ENDPOINT, body: chatCompletionBody(request) }),
  read: (line) => {
    const body = line.body as { model?: unknown; messages?: unknown; max_tokens?: unknown; logprobs?: unknown } | undefined;
    if (typeof line.custom_id !== 'string') throw new Error('no custom_id');
    if (typeof body?.model !== 'string' || !Array.isArray(body.messages)) throw new Error('no body with a model and messages');
    const request: ChatRequest = {
      model: body.model,
      messages: body.messages as ChatRequest['messages'],
      ...(typeof body.max_tokens === 'number' ? { maxTokens: body.max_tokens } : {}),
      ...(body.logprobs === true ? { logprobs: true } : {}),
    };
    return { customId: line.custom_id, request };
  },
};

/** Calls the Batch API of one endpoint; safe to share between concurrent callers. */
export class BatchApiClient implements BatchProvider {
  readonly lines = OPENAI_REQUEST_LINES;
  private readonly connection: OpenAiEndpoint;
  private readonly retry: RetryPolicy;
  private readonly log: Log;
  private readonly uploadTimeoutMs: number;

  constructor(endpoint: EndpointConfig, options: BatchApiOptions = {}) {
    this.connection = new OpenAiEndpoint(endpoint);
    this.retry = options.retry ?? new RetryPolicy();
    this.log = this.connection.redactingLog(options.log);
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  }

  /** The endpoint's name, for messages. */
  get endpointName(): string {
    return this.connection.name;
  }

  /** Uploads a request file with purpose `batch`, streamed from disk (afresh on each attempt). */
  async uploadRequestFile(file: string, signal: AbortSignal): Promise<{ readonly id: string; readonly bytes: number }> {
    const name = path.basename(file);
    const uploaded = await this.call(`upload of ${name}`, signal, (attempt) =>
      this.connection.sdk.files.create(
        { file: toStreamingFile(createReadStream(file), name), purpose: 'batch' },
        { signal: attempt, timeout: this.uploadTimeoutMs },
      ),
    );
    return { id: uploaded.id, bytes: uploaded.bytes };
  }

  /**
   * Creates a batch of an uploaded file for /v1/chat/completions with a 24 h
   * window. `metadata` must identify this batch uniquely: when an attempt
   * fails in a way that may have left the batch created (a dropped
   * connection, a server error), the next attempt first looks for a batch
   * carrying the same metadata created since the call began, and returns it
   * rather than create a second one.
   */
  async createBatch(inputFileId: string, metadata: Readonly<Record<string, string>>, signal: AbortSignal): Promise<BatchInfo> {
    const since = Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS;
    return this.call(`creating a batch of ${inputFileId}`, signal, async (attempt, n) => {
      if (n > 1) {
        const existing = await this.findBatch(metadata, since, attempt);
        if (existing !== undefined) return existing;
      }
      return toBatchInfo(
        await this.connection.sdk.batches.create(
          { input_file_id: inputFileId, endpoint: BATCH_ENDPOINT, completion_window: '24h', metadata: { ...metadata } },
          { signal: attempt },
        ),
      );
    });
  }

  /**
   * The newest batch whose metadata includes every pair of `metadata`,
   * among those created at or after `createdSince` (Unix seconds; the
   * listing stops there, so it does not page through the whole history).
   */
  async findBatch(metadata: Readonly<Record<string, string>>, createdSince: number, signal: AbortSignal): Promise<BatchInfo | undefined> {
    for await (const batch of this.listBatches(signal, createdSince)) {
      if (Object.entries(metadata).every(([key, value]) => batch.metadata[key] === value)) return batch;
    }
    return undefined;
  }

  retrieveBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.call(`retrieving batch ${id}`, signal, async (attempt) => toBatchInfo(await this.connection.sdk.batches.retrieve(id, { signal: attempt })));
  }

  /** Asks the provider to cancel; the batch goes to `cancelling`, later `cancelled` with what was answered until then. */
  cancelBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.call(`cancelling batch ${id}`, signal, async (attempt) => toBatchInfo(await this.connection.sdk.batches.cancel(id, { signal: attempt })));
  }

  /** The provider's batches, newest first, down to those created at `createdSince` (Unix seconds). */
  async *listBatches(signal: AbortSignal, createdSince = 0): AsyncGenerator<BatchInfo> {
    let after: string | undefined;
    for (;;) {
      const cursor = after;
      const page = await this.call('listing batches', signal, (attempt) =>
        this.connection.sdk.batches.list({ limit: LIST_PAGE, ...(cursor === undefined ? {} : { after: cursor }) }, { signal: attempt }),
      );
      for (const batch of page.data) {
        const info = toBatchInfo(batch);
        if (info.createdAt < createdSince) return;
        yield info;
      }
      if (!page.has_more || page.data.length === 0) return;
      after = page.data[page.data.length - 1].id;
    }
  }

  /**
   * Streams an output or error file, handing each line to `onRecord` as a
   * record, in file order, awaiting it before reading on. A download that
   * breaks off is retried; the lines already handed on are skipped, so each
   * line is handed on once. Resolves with the number of records.
   */
  async readResults(fileId: string, onRecord: (record: BatchResultRecord) => void | Promise<void>, signal: AbortSignal): Promise<number> {
    let delivered = 0;
    let consumerFailure: { error: unknown } | undefined;
    const deliver = async (record: BatchResultRecord): Promise<void> => {
      try {
        await onRecord(record);
      } catch (error) {
        consumerFailure = { error };
        throw error;
      }
      delivered++;
    };
    try {
      await this.call(`reading file ${fileId}`, signal, (attempt) => this.readOnce(fileId, delivered, deliver, attempt));
    } catch (error) {
      // The consumer's own failure is its business, not the download's.
      if (consumerFailure !== undefined) throw consumerFailure.error;
      throw error;
    }
    return delivered;
  }

  /** One download attempt: skips the first `skip` records, hands on the rest. */
  private async readOnce(fileId: string, skip: number, deliver: (record: BatchResultRecord) => Promise<void>, signal: AbortSignal): Promise<void> {
    const attempt = new AbortController();
    const stopForwarding = onAbort(signal, () => attempt.abort(signal.reason));
    // Reset on every chunk: a download may take long, but must not stall.
    const idle = new IdleTimer(this.connection.timeoutMs, () => attempt.abort(new IdleError(this.connection.timeoutMs)));
    try {
      const response = await this.connection.sdk.files.content(fileId, { signal: attempt.signal });
      if (response.body === null) throw new MalformedFileError(`file ${fileId} came without a body`);
      let line = 0;
      let record = 0;
      for await (const text of lines(response.body, idle)) {
        line++;
        if (text.trim() === '' || ++record <= skip) continue;
        // The consumer's time is not the download's.
        idle.stop();
        await deliver(parseResultLine(text, `line ${line} of file ${fileId}`, (message) => this.connection.redact(message)));
        idle.reset();
      }
    } catch (error) {
      if (idle.fired && !signal.aborted) throw new IdleError(this.connection.timeoutMs);
      throw error;
    } finally {
      idle.stop();
      stopForwarding();
    }
  }

  /** Runs one operation per the retry policy; a final failure becomes a {@link BatchApiError}. */
  private async call<T>(operation: string, signal: AbortSignal, attempt: (attemptSignal: AbortSignal, attemptNumber: number) => Promise<T>): Promise<T> {
    let last: AttemptFailure | undefined;
    try {
      return await this.retry.run(
        { endpoint: this.connection.name, model: 'batch API' },
        async (n) => {
          // A signal per attempt, fed by one shared listener on the caller's
          // (the SDK listens on the signal it is given, once per request).
          const controller = new AbortController();
          const stopForwarding = onAbort(signal, () => controller.abort(signal.reason));
          try {
            return await attempt(controller.signal, n);
          } finally {
            stopForwarding();
          }
        },
        (error) => {
          last = this.classify(error);
          return last;
        },
        signal,
        ({ attempt: n, delayMs, failure }) =>
          this.log('warn', `${this.connection.name} batch API, ${operation}: attempt ${n} failed (${failure.reason}); retrying in ${delayMs} ms`),
      );
    } catch (error) {
      if (signal.aborted || last === undefined || !(error instanceof LlmCallError)) throw error;
      throw new BatchApiError(this.connection.name, operation, error, last);
    }
  }

  private classify(error: unknown): AttemptFailure {
    if (error instanceof IdleError || error instanceof BodyReadError) return { retryable: true, reason: this.connection.redact(error.message) };
    if (error instanceof MalformedFileError) return { retryable: false, reason: this.connection.redact(error.message) };
    return (
      this.connection.classifySdkError(error) ?? { retryable: false, reason: this.connection.redact(error instanceof Error ? error.message : String(error)) }
    );
  }
}

/** Providers' clocks and ours differ; batches are looked for this much further back. */
const CLOCK_SKEW_SECONDS = 3600;

interface RawResultLine {
  custom_id?: unknown;
  response?: { status_code?: unknown; body?: unknown } | null;
  error?: { code?: unknown; message?: unknown } | null;
}

/**
 * One line of an output or error file, parsed (OpenAI's, or what vLLM's
 * `run_batch` writes), as a record. `where` names the line in errors ("line
 * 3 of file-abc"); `redact` cleans the provider's messages of secrets.
 * @throws Error when the line has no custom_id.
 */
export function resultRecord(raw: unknown, where: string, redact: (text: string) => string = (t) => t): BatchResultRecord {
  const line = raw as RawResultLine | null;
  if (typeof line !== 'object' || line === null || typeof line.custom_id !== 'string') throw new MalformedFileError(`${where} has no custom_id`);
  return parseResult(line.custom_id, line, redact);
}

/** One line of an output or error file as it came. */
function parseResultLine(text: string, where: string, redact: (text: string) => string): BatchResultRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MalformedFileError(`${where} is not JSON`);
  }
  return resultRecord(raw, where, redact);
}

/**
 * One result line as a record. Success is read from the status code, not
 * from `error` alone: OpenAI puts a rejected request's 4xx body where the
 * completion would be, vLLM sets `error` and leaves the body out.
 */
function parseResult(customId: string, raw: RawResultLine, redact: (text: string) => string): BatchResultRecord {
  const status = typeof raw.response?.status_code === 'number' ? raw.response.status_code : undefined;
  const failed = (message: string): BatchResultRecord => ({ customId, ok: false, status, message: redact(message) });
  if (raw.error) {
    const code = typeof raw.error.code === 'string' ? `${raw.error.code}: ` : '';
    return failed(`${code}${typeof raw.error.message === 'string' ? raw.error.message : 'no message'}`);
  }
  const body = raw.response?.body as
    | {
        choices?: { message?: { content?: unknown }; finish_reason?: unknown; logprobs?: { content?: unknown } | null }[];
        usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
        error?: { message?: unknown };
      }
    | undefined;
  if (status === undefined || status < 200 || status > 299) {
    const message = body?.error?.message;
    return failed(`HTTP ${status ?? 'status missing'}${typeof message === 'string' ? `: ${message}` : ''}`);
  }
  const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
  const text = choice?.message?.content;
  if (typeof text !== 'string') return failed(`the response has no message content (finish_reason: ${String(choice?.finish_reason ?? 'none')})`);
  const inputTokens = body?.usage?.prompt_tokens;
  const outputTokens = body?.usage?.completion_tokens;
  const usage = typeof inputTokens === 'number' && typeof outputTokens === 'number' ? { inputTokens, outputTokens } : undefined;
  const confidence = answerProbability(choice?.logprobs?.content);
  return { customId, ok: true, text, usage, ...(confidence !== undefined ? { confidence } : {}) };
}

function toBatchInfo(batch: Batch): BatchInfo {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(batch.metadata ?? {})) if (typeof value === 'string') metadata[key] = value;
  return {
    id: batch.id,
    status: batch.status,
    inputFileId: batch.input_file_id,
    outputFileId: batch.output_file_id ?? undefined,
    errorFileId: batch.error_file_id ?? undefined,
    counts: {
      total: batch.request_counts?.total ?? 0,
      completed: batch.request_counts?.completed ?? 0,
      failed: batch.request_counts?.failed ?? 0,
    },
    createdAt: batch.created_at,
    metadata,
    model: batch.model ?? undefined,
    problems: (batch.errors?.data ?? []).map((e) => ({ code: e.code ?? 'unknown', message: e.message ?? '', line: e.line ?? undefined })),
  };
}

/**
 * The lines of a body as it arrives, decoded as UTF-8 (a character split
 * between chunks is put back together). A last line without a newline that is
 * not JSON means the body was cut short; a failing read, that the
 * connection broke: both are worth another attempt.
 */
async function* lines(body: AsyncIterable<Uint8Array>, idle: IdleTimer): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  const chunks = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw new BodyReadError(`the download broke off: ${describe(error)}`);
    }
    idle.reset();
    if (next.done) break;
    const text = pending + decoder.decode(next.value, { stream: true });
    const parts = text.split('\n');
    pending = parts.pop() ?? '';
    yield* parts;
  }
  pending += decoder.decode();
  if (pending.trim() === '') return;
  try {
    JSON.parse(pending);
  } catch {
    throw new BodyReadError('the download ended in the middle of a line');
  }
  yield pending;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** Calls `onIdle` when `reset` has not been called for `ms`. */
class IdleTimer {
  fired = false;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.timer = this.start();
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = this.start();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private start(): NodeJS.Timeout {
    return setTimeout(() => {
      this.fired = true;
      this.onIdle();
    }, this.ms);
  }
}

/** A download delivered nothing for too long. */
class IdleError extends Error {
  constructor(ms: number) {
    super(`no data for ${ms} ms`);
  }
}

/** Reading a body failed part way. */
class BodyReadError extends Error {}

/** A result file that does not read as one: fetching it again would give the same. */
class MalformedFileError extends Error {}
