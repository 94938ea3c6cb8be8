/**
 * Anthropic's Message Batches on one endpoint, through `@anthropic-ai/sdk`,
 * as a {@link BatchProvider}: what differs from OpenAI's Batch API is mapped
 * here, so the coordinator drives both the same way.
 *
 * - Requests travel inline in the create call (no file is uploaded): a
 *   request file's lines are `{"custom_id", "params"}`, the element of the
 *   create call's `requests`, read from disk when the batch is created.
 *   "Uploading" a file only checks that it reads and names it by its path.
 * - A batch is `in_progress`, `canceling` or `ended`; an ended batch is
 *   `cancelled` when a cancel was asked, `expired` when requests expired,
 *   else `completed`. Its results come in one stream (`results_url`): its
 *   answers are read as the batch's output file (named by the batch id), its
 *   errored requests as its error file (the id and `#errored`), each a pass
 *   over the stream keeping one kind; expired and cancelled requests are
 *   left unanswered, as OpenAI leaves them.
 * - An errored request carries an error type, not a status: it is given the
 *   status the Messages API answers that type with (invalid_request_error
 *   400, rate_limit_error 429, overloaded_error 529, ...), so that a refused
 *   request is told from one worth another try.
 * - Anthropic keeps no metadata on a batch. A batch whose create may have
 *   gone through unrecorded is looked for among those created since, by its
 *   number of requests (`smart_requests` in the metadata Smart gives), the
 *   run's recorded batches aside, the oldest first (see `findBatch`).
 *   Another batch of the same size created in the same hour by someone else
 *   on the same workspace could be taken for it: its answers are then cached
 *   under their own custom ids (answers to the requests they name, whoever
 *   asked), and this run's requests it does not hold are resubmitted; nothing
 *   wrong is written, at worst a batch is paid twice (and a cancel of the
 *   run would cancel that batch).
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { ANTHROPIC_ERRORS, anthropicAnswer, anthropicMessageParams, anthropicSdk } from './anthropicChatClient';
import { BatchCalls, inlineRequestFile, MalformedFileError, nextAfterLast, parseJsonLine } from './batchCalls';
import { REQUESTS_KEY, type BatchInfo, type BatchProvider, type BatchResultRecord, type BatchStatus, type RequestLineFormat } from './batchProvider';
import type { ChatRequest } from './chatBackend';
import { EndpointSecrets } from './endpointSecrets';
import type { EndpointConfig, Log } from './openAiEndpoint';
import { RetryPolicy } from './retryPolicy';
import { classifySdkFailure } from './sdkFailures';

export interface AnthropicBatchOptions {
  /** Default: `new RetryPolicy()`. */
  readonly retry?: RetryPolicy;
  /** Receives retries (warn); messages are redacted. */
  readonly log?: Log;
}

/** What a custom id may be: Anthropic's rule. Smart's are request keys, 64 hex digits. */
const CUSTOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** How the error file of a batch is named: its id, and this. */
const ERRORED = '#errored';
const LIST_PAGE = 100;

/** Anthropic's request lines: `{"custom_id", "params"}`, `params` as the Messages API takes them. */
export const ANTHROPIC_REQUEST_LINES: RequestLineFormat = {
  write: (customId, request) => {
    if (!CUSTOM_ID.test(customId)) throw new Error(`the custom id ${JSON.stringify(customId)} is not one Anthropic takes (1-64 of A-Z, a-z, 0-9, _ and -)`);
    return JSON.stringify({ custom_id: customId, params: anthropicMessageParams(request) });
  },
  read: (line) => {
    const params = line.params as { model?: unknown; system?: unknown; messages?: unknown; max_tokens?: unknown } | undefined;
    if (typeof line.custom_id !== 'string') throw new Error('no custom_id');
    if (typeof params?.model !== 'string' || !Array.isArray(params.messages)) throw new Error('no params with a model and messages');
    const system: ChatRequest['messages'] = typeof params.system === 'string' ? [{ role: 'system', content: params.system }] : [];
    const request: ChatRequest = {
      model: params.model,
      messages: [...system, ...(params.messages as ChatRequest['messages'])],
      ...(typeof params.max_tokens === 'number' ? { maxTokens: params.max_tokens } : {}),
    };
    return { customId: line.custom_id, request };
  },
};

/** Calls the Message Batches API of one endpoint; safe to share between concurrent callers. */
export class AnthropicBatchClient implements BatchProvider {
  readonly lines = ANTHROPIC_REQUEST_LINES;
  private readonly endpoint: EndpointSecrets;
  private readonly sdk: Anthropic;
  private readonly calls: BatchCalls;

  constructor(endpoint: EndpointConfig, options: AnthropicBatchOptions = {}) {
    this.endpoint = new EndpointSecrets(endpoint);
    this.sdk = anthropicSdk(this.endpoint);
    this.calls = new BatchCalls(this.endpoint, options.retry ?? new RetryPolicy(), this.endpoint.redactingLog(options.log), (error) =>
      classifySdkFailure(error, ANTHROPIC_ERRORS, this.endpoint),
    );
  }

  get endpointName(): string {
    return this.endpoint.name;
  }

  /** Nothing is uploaded: the requests go inline when the batch is created. */
  uploadRequestFile(file: string): Promise<{ readonly id: string; readonly bytes: number }> {
    return inlineRequestFile(file);
  }

  /**
   * Creates a batch of the requests of a file (`inputFileId` is its path).
   * An attempt after one that may have gone through first looks for the
   * batch by its number of requests (see above).
   */
  async createBatch(inputFileId: string, metadata: Readonly<Record<string, string>>, signal: AbortSignal, taken?: ReadonlySet<string>): Promise<BatchInfo> {
    const requests = await readRequests(inputFileId);
    const identity = { ...metadata, [REQUESTS_KEY]: String(requests.length) };
    return this.calls.createOnce(
      `creating a batch of ${path.basename(inputFileId)}`,
      signal,
      (since, attempt) => this.findBatch(identity, since, attempt, taken),
      async (attempt) => toBatchInfo(await this.sdk.messages.batches.create({ requests }, { signal: attempt })),
    );
  }

  /**
   * The oldest batch created at or after `createdSince` with the number of
   * requests `metadata` names, `taken` aside; undefined when it names none.
   * The oldest: a run creates its batches one at a time in the order of its
   * files, and looks for them in that order, each found one then taken.
   */
  async findBatch(
    metadata: Readonly<Record<string, string>>,
    createdSince: number,
    signal: AbortSignal,
    taken: ReadonlySet<string> = new Set(),
  ): Promise<BatchInfo | undefined> {
    const requests = metadata[REQUESTS_KEY];
    if (requests === undefined) return undefined;
    let oldest: BatchInfo | undefined;
    for await (const batch of this.listBatches(signal, createdSince)) {
      if (!taken.has(batch.id) && String(batch.counts.total) === requests) oldest = batch;
    }
    return oldest;
  }

  retrieveBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.calls.run(`retrieving batch ${id}`, signal, async (attempt) =>
      toBatchInfo(await this.sdk.messages.batches.retrieve(id, {}, { signal: attempt })),
    );
  }

  cancelBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.calls.run(`cancelling batch ${id}`, signal, async (attempt) =>
      toBatchInfo(await this.sdk.messages.batches.cancel(id, {}, { signal: attempt })),
    );
  }

  /** The workspace's batches, newest first, down to those created at `createdSince` (Unix seconds). */
  listBatches(signal: AbortSignal, createdSince = 0): AsyncGenerator<BatchInfo> {
    return this.calls.listBatches(
      signal,
      createdSince,
      async (after, attempt) =>
        nextAfterLast(await this.sdk.messages.batches.list({ limit: LIST_PAGE, ...(after === undefined ? {} : { after_id: after }) }, { signal: attempt })),
      toBatchInfo,
    );
  }

  /** Streams the answers (`fileId` the batch id) or the errored requests (the id and `#errored`) of an ended batch. */
  readResults(fileId: string, onRecord: (record: BatchResultRecord) => void | Promise<void>, signal: AbortSignal): Promise<number> {
    const errored = fileId.endsWith(ERRORED);
    const batchId = errored ? fileId.slice(0, -ERRORED.length) : fileId;
    const open = async (attempt: AbortSignal): Promise<AsyncIterable<Uint8Array>> => {
      const batch = await this.sdk.messages.batches.retrieve(batchId, {}, { signal: attempt });
      if (batch.results_url === null) throw new MalformedFileError(`batch ${batchId} has no results yet`);
      const response = await this.sdk.get(batch.results_url, { headers: { Accept: 'application/binary' }, signal: attempt }).asResponse();
      if (response.body === null) throw new MalformedFileError(`the results of batch ${batchId} came without a body`);
      return response.body;
    };
    const parse = (text: string, where: string): BatchResultRecord | undefined => {
      const record = resultRecord(parseJsonLine(text, where), where, (message) => this.endpoint.redact(message));
      return record !== undefined && record.ok !== errored ? record : undefined;
    };
    return this.calls.readRecords(`the ${errored ? 'errored requests' : 'answers'} of batch ${batchId}`, open, parse, onRecord, signal);
  }
}

/** The requests of a request file, as the create call takes them. */
async function readRequests(file: string): Promise<Anthropic.Messages.Batches.BatchCreateParams.Request[]> {
  const requests: Anthropic.Messages.Batches.BatchCreateParams.Request[] = [];
  const input = createReadStream(file, 'utf8');
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    const raw = JSON.parse(text) as Record<string, unknown>;
    const { customId, request } = ANTHROPIC_REQUEST_LINES.read(raw);
    if (!CUSTOM_ID.test(customId)) throw new Error(`${file}:${line}: the custom id ${JSON.stringify(customId)} is not one Anthropic takes`);
    requests.push({ custom_id: customId, params: anthropicMessageParams(request) });
  }
  return requests;
}

/** The status an error type is answered with by the Messages API, so a refused request is told from one worth another try. */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * One line of a batch's results: an answer, an errored request (with the
 * status of its error type), or undefined for a request that expired or was
 * cancelled (it has no answer, and was never tried).
 * @throws MalformedFileError when the line names no request or no result.
 */
function resultRecord(raw: unknown, where: string, redact: (text: string) => string): BatchResultRecord | undefined {
  const line = raw as { custom_id?: unknown; result?: { type?: unknown; message?: unknown; error?: unknown } } | null;
  if (typeof line?.custom_id !== 'string') throw new MalformedFileError(`${where} has no custom_id`);
  const customId = line.custom_id;
  const result = line.result;
  switch (result?.type) {
    case 'succeeded':
      try {
        const { text, inputTokens, outputTokens } = anthropicAnswer(result.message);
        const usage = inputTokens !== undefined && outputTokens !== undefined ? { inputTokens, outputTokens } : undefined;
        return { customId, ok: true, text, usage };
      } catch (error) {
        return { customId, ok: false, status: undefined, message: redact(error instanceof Error ? error.message : String(error)) };
      }
    case 'errored': {
      const error = (result.error as { error?: { type?: unknown; message?: unknown } } | undefined)?.error;
      const type = typeof error?.type === 'string' ? error.type : 'unknown_error';
      const message = typeof error?.message === 'string' ? error.message : 'no message';
      return { customId, ok: false, status: ERROR_STATUS[type], message: redact(`${type}: ${message}`) };
    }
    case 'expired':
    case 'canceled':
      return undefined;
    default:
      throw new MalformedFileError(`${where} has no result of a known type (got ${JSON.stringify(result?.type)})`);
  }
}

/** A Message Batch in the statuses and counts of OpenAI's, which the coordinator reads. */
function toBatchInfo(batch: MessageBatch): BatchInfo {
  const counts = batch.request_counts;
  const ended = batch.processing_status === 'ended';
  const results = ended && batch.results_url !== null;
  return {
    id: batch.id,
    status: statusOf(batch),
    inputFileId: '',
    outputFileId: results && counts.succeeded > 0 ? batch.id : undefined,
    errorFileId: results && counts.errored > 0 ? `${batch.id}${ERRORED}` : undefined,
    counts: {
      total: counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired,
      completed: counts.succeeded,
      failed: counts.errored,
    },
    createdAt: Math.floor(Date.parse(batch.created_at) / 1000),
    metadata: {},
    model: undefined,
    problems: [],
  };
}

function statusOf(batch: MessageBatch): BatchStatus {
  switch (batch.processing_status) {
    case 'in_progress':
      return 'in_progress';
    case 'canceling':
      return 'cancelling';
    case 'ended':
      if (batch.cancel_initiated_at !== null) return 'cancelled';
      return batch.request_counts.expired > 0 ? 'expired' : 'completed';
  }
}
