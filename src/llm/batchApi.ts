/**
 * The Batch API of one OpenAI-compatible endpoint (OpenAI, Azure OpenAI,
 * Together, Novita, Cerebras; vLLM's `run_batch` reads and writes the same
 * files) through the `openai` package: upload a request file, create,
 * retrieve, cancel and list batches, and read an output or error file as
 * records.
 *
 * Retries, downloads and redaction are `BatchCalls`' (batchCalls.ts), as for
 * every provider; an upload is streamed from disk as it is sent.
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { BatchCalls, MalformedFileError, nextAfterLast, parseJsonLine } from './batchCalls';
import { findByMetadata, type BatchInfo, type BatchProvider, type BatchResultRecord, type RequestLineFormat } from './batchProvider';
import type { ChatRequest } from './chatBackend';
import { OpenAiEndpoint, type EndpointConfig, type Log } from './openAiEndpoint';
import { answerProbability, chatCompletionBody } from './openAiChatClient';
import { RetryPolicy } from './retryPolicy';

export interface BatchApiOptions {
  /** Default: `new RetryPolicy()`. */
  readonly retry?: RetryPolicy;
  /** Receives retries (warn); messages are redacted. */
  readonly log?: Log;
  /** Time allowed for one upload attempt, until the server answers. Default 30 minutes (200 MB on a slow line). */
  readonly uploadTimeoutMs?: number;
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
  private readonly calls: BatchCalls;
  private readonly uploadTimeoutMs: number;

  constructor(endpoint: EndpointConfig, options: BatchApiOptions = {}) {
    this.connection = new OpenAiEndpoint(endpoint);
    this.calls = new BatchCalls(this.connection, options.retry ?? new RetryPolicy(), this.connection.redactingLog(options.log), (error) =>
      this.connection.classifySdkError(error),
    );
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  }

  /** The endpoint's name, for messages. */
  get endpointName(): string {
    return this.connection.name;
  }

  /** Uploads a request file with purpose `batch`, streamed from disk (afresh on each attempt). */
  async uploadRequestFile(file: string, signal: AbortSignal): Promise<{ readonly id: string; readonly bytes: number }> {
    const name = path.basename(file);
    const uploaded = await this.calls.run(`upload of ${name}`, signal, (attempt) =>
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
  async createBatch(inputFileId: string, metadata: Readonly<Record<string, string>>, signal: AbortSignal, taken?: ReadonlySet<string>): Promise<BatchInfo> {
    return this.calls.createOnce(
      `creating a batch of ${inputFileId}`,
      signal,
      (since, attempt) => this.findBatch(metadata, since, attempt, taken),
      async (attempt) =>
        toBatchInfo(
          await this.connection.sdk.batches.create(
            { input_file_id: inputFileId, endpoint: BATCH_ENDPOINT, completion_window: '24h', metadata: { ...metadata } },
            { signal: attempt },
          ),
        ),
    );
  }

  /**
   * The newest batch whose metadata includes every pair of `metadata`,
   * among those created at or after `createdSince` (Unix seconds; the
   * listing stops there, so it does not page through the whole history).
   */
  findBatch(
    metadata: Readonly<Record<string, string>>,
    createdSince: number,
    signal: AbortSignal,
    taken: ReadonlySet<string> = new Set(),
  ): Promise<BatchInfo | undefined> {
    return findByMetadata(this.listBatches(signal, createdSince), metadata, taken);
  }

  retrieveBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.calls.run(`retrieving batch ${id}`, signal, async (attempt) =>
      toBatchInfo(await this.connection.sdk.batches.retrieve(id, { signal: attempt })),
    );
  }

  /** Asks the provider to cancel; the batch goes to `cancelling`, later `cancelled` with what was answered until then. */
  cancelBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.calls.run(`cancelling batch ${id}`, signal, async (attempt) => toBatchInfo(await this.connection.sdk.batches.cancel(id, { signal: attempt })));
  }

  /** The provider's batches, newest first, down to those created at `createdSince` (Unix seconds). */
  listBatches(signal: AbortSignal, createdSince = 0): AsyncGenerator<BatchInfo> {
    return this.calls.listBatches(
      signal,
      createdSince,
      async (after, attempt) =>
        nextAfterLast(await this.connection.sdk.batches.list({ limit: LIST_PAGE, ...(after === undefined ? {} : { after }) }, { signal: attempt })),
      toBatchInfo,
    );
  }

  /** Streams an output or error file (see `BatchCalls.readRecords`): each record once, in file order. */
  readResults(fileId: string, onRecord: (record: BatchResultRecord) => void | Promise<void>, signal: AbortSignal): Promise<number> {
    const open = async (attempt: AbortSignal): Promise<AsyncIterable<Uint8Array>> => {
      const response = await this.connection.sdk.files.content(fileId, { signal: attempt });
      if (response.body === null) throw new MalformedFileError(`file ${fileId} came without a body`);
      return response.body;
    };
    const parse = (text: string, where: string): BatchResultRecord =>
      resultRecord(parseJsonLine(text, where), where, (message) => this.connection.redact(message));
    return this.calls.readRecords(`file ${fileId}`, open, parse, onRecord, signal);
  }
}

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
