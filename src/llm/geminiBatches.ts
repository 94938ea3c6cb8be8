/**
 * Gemini's batch jobs on one endpoint, through `@google/genai`, as a
 * {@link BatchProvider}: what differs from OpenAI's Batch API is mapped
 * here, so the coordinator drives all three the same way.
 *
 * - Requests travel inline in the create call (`batchGenerateContent`, one
 *   model a job), each carrying its custom id as `metadata.key`: a request
 *   file's lines are Gemini's own batch lines, `{"key", "request"}`, read
 *   from disk when the job is created. Inline requests are capped at 20 MB a
 *   job, so a provider's files are cut at {@link GEMINI_INLINE_BYTES}.
 *   "Uploading" a file only checks that it reads and names it by its path.
 * - A job is pending, running, succeeded, failed, cancelled or expired; its
 *   answers come back in the job itself (`inlinedResponses`, each with its
 *   `metadata.key`), read as the job's output file (named by the job) and
 *   its errored requests as its error file (the name and `#errored`).
 * - An errored request carries a google.rpc code: it is given the HTTP
 *   status that code maps to (INVALID_ARGUMENT 400, RESOURCE_EXHAUSTED 429,
 *   UNAVAILABLE 503, ...), so that a refused request is told from one worth
 *   another try.
 * - A job keeps a display name but no metadata: Smart's identity of a job
 *   (run, file, number of requests) is its display name, so a job whose
 *   create went unrecorded is found again exactly, as an OpenAI batch is.
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { BatchJob, GoogleGenAI, InlinedRequest } from '@google/genai';
import { BatchCalls, inlineRequestFile, MalformedFileError, parseJsonLine } from './batchCalls';
import { findByMetadata, type BatchInfo, type BatchProvider, type BatchResultRecord, type BatchStatus, type RequestLineFormat } from './batchProvider';
import type { ChatRequest } from './chatBackend';
import { EndpointSecrets } from './endpointSecrets';
import { classifyGeminiFailure, geminiAnswer, geminiRequest, geminiSdk } from './geminiChatClient';
import type { EndpointConfig, Log } from './openAiEndpoint';
import { RetryPolicy } from './retryPolicy';

export interface GeminiBatchOptions {
  /** Default: `new RetryPolicy()`. */
  readonly retry?: RetryPolicy;
  /** Receives retries (warn); messages are redacted. */
  readonly log?: Log;
}

/** The most bytes of request lines a job carries: under the 20 MB Gemini takes inline, with room for the create call's own wrapping. */
export const GEMINI_INLINE_BYTES = 18_000_000;
/** How the error file of a job is named: its name, and this. */
const ERRORED = '#errored';
const LIST_PAGE = 100;

/** Gemini's batch lines: `{"key", "request"}`, the request as generateContent takes it, with its model. */
export const GEMINI_REQUEST_LINES: RequestLineFormat = {
  write: (customId, request) => {
    const { contents, config } = geminiRequest(request);
    const { systemInstruction, ...generationConfig } = config;
    return JSON.stringify({
      key: customId,
      request: {
        model: `models/${request.model}`,
        contents,
        ...(typeof systemInstruction === 'string' ? { systemInstruction: { parts: [{ text: systemInstruction }] } } : {}),
        generationConfig,
      },
    });
  },
  read: (line) => {
    const request = line.request as
      | {
          model?: unknown;
          contents?: Array<{ role?: unknown; parts?: Array<{ text?: unknown }> }>;
          systemInstruction?: { parts?: Array<{ text?: unknown }> };
          generationConfig?: { maxOutputTokens?: unknown; responseLogprobs?: unknown };
        }
      | undefined;
    if (typeof line.key !== 'string') throw new Error('no key');
    if (typeof request?.model !== 'string' || !Array.isArray(request.contents)) throw new Error('no request with a model and contents');
    const text = (parts: Array<{ text?: unknown }> | undefined): string => (parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
    const system: ChatRequest['messages'] = request.systemInstruction ? [{ role: 'system', content: text(request.systemInstruction.parts) }] : [];
    const config = request.generationConfig ?? {};
    return {
      customId: line.key,
      request: {
        model: request.model.replace(/^models\//, ''),
        messages: [
          ...system,
          ...request.contents.map((c) => ({ role: c.role === 'model' ? ('assistant' as const) : ('user' as const), content: text(c.parts) })),
        ],
        ...(typeof config.maxOutputTokens === 'number' ? { maxTokens: config.maxOutputTokens } : {}),
        ...(config.responseLogprobs === true ? { logprobs: true } : {}),
      },
    };
  },
};

/** Calls the batch jobs of one Gemini endpoint; safe to share between concurrent callers. */
export class GeminiBatchClient implements BatchProvider {
  readonly lines = GEMINI_REQUEST_LINES;
  readonly maxBytesPerBatch = GEMINI_INLINE_BYTES;
  private readonly endpoint: EndpointSecrets;
  private readonly sdk: GoogleGenAI;
  private readonly calls: BatchCalls;

  constructor(endpoint: EndpointConfig, options: GeminiBatchOptions = {}) {
    this.endpoint = new EndpointSecrets(endpoint);
    this.sdk = geminiSdk(this.endpoint);
    this.calls = new BatchCalls(this.endpoint, options.retry ?? new RetryPolicy(), this.endpoint.redactingLog(options.log), (error) =>
      classifyGeminiFailure(error, this.endpoint),
    );
  }

  get endpointName(): string {
    return this.endpoint.name;
  }

  /** Nothing is uploaded: the requests go inline when the job is created. */
  uploadRequestFile(file: string): Promise<{ readonly id: string; readonly bytes: number }> {
    return inlineRequestFile(file);
  }

  /**
   * Creates a job of the requests of a file (`inputFileId` is its path), its
   * display name carrying `metadata`. An attempt after one that may have gone
   * through first looks for the job by that name.
   */
  async createBatch(inputFileId: string, metadata: Readonly<Record<string, string>>, signal: AbortSignal, taken?: ReadonlySet<string>): Promise<BatchInfo> {
    const { model, requests } = await readRequests(inputFileId);
    const displayName = new URLSearchParams(metadata).toString();
    return this.calls.createOnce(
      `creating a batch of ${path.basename(inputFileId)}`,
      signal,
      (since, attempt) => this.findBatch(metadata, since, attempt, taken),
      async (attempt) => toBatchInfo(await this.sdk.batches.create({ model, src: requests, config: { displayName, abortSignal: attempt } })),
    );
  }

  /** The newest job whose display name carries every pair of `metadata`, created at or after `createdSince`, `taken` aside. */
  findBatch(
    metadata: Readonly<Record<string, string>>,
    createdSince: number,
    signal: AbortSignal,
    taken: ReadonlySet<string> = new Set(),
  ): Promise<BatchInfo | undefined> {
    return findByMetadata(this.listBatches(signal, createdSince), metadata, taken);
  }

  retrieveBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.calls.run(`retrieving batch ${id}`, signal, async (attempt) => toBatchInfo(await this.job(id, attempt)));
  }

  /** Asks Gemini to cancel the job, then reads it back (the cancel call answers nothing). */
  cancelBatch(id: string, signal: AbortSignal): Promise<BatchInfo> {
    return this.calls.run(`cancelling batch ${id}`, signal, async (attempt) => {
      await this.sdk.batches.cancel({ name: id, config: { abortSignal: attempt } });
      return toBatchInfo(await this.job(id, attempt));
    });
  }

  /** The endpoint's jobs, newest first, down to those created at `createdSince` (Unix seconds). */
  listBatches(signal: AbortSignal, createdSince = 0): AsyncGenerator<BatchInfo> {
    return this.calls.listBatches(
      signal,
      createdSince,
      async (pageToken, attempt) => {
        const pager = await this.sdk.batches.list({ config: { pageSize: LIST_PAGE, ...(pageToken === undefined ? {} : { pageToken }), abortSignal: attempt } });
        return { data: pager.page, next: pager.hasNextPage() ? pager.params.config?.pageToken : undefined };
      },
      toBatchInfo,
    );
  }

  /** Hands on the answers (`fileId` the job's name) or the errored requests (the name and `#errored`) of an ended job. */
  readResults(fileId: string, onRecord: (record: BatchResultRecord) => void | Promise<void>, signal: AbortSignal): Promise<number> {
    const errored = fileId.endsWith(ERRORED);
    const name = errored ? fileId.slice(0, -ERRORED.length) : fileId;
    // The answers come inside the job: one line of JSON each, read as a result file is.
    const open = async (attempt: AbortSignal): Promise<AsyncIterable<Uint8Array>> => {
      const responses = (await this.job(name, attempt)).dest?.inlinedResponses;
      if (responses === undefined) throw new MalformedFileError(`batch ${name} holds no answers yet`);
      const encoder = new TextEncoder();
      return (async function* () {
        for (const response of responses) yield encoder.encode(`${JSON.stringify(response)}\n`);
      })();
    };
    const parse = (text: string, where: string): BatchResultRecord | undefined => {
      const record = resultRecord(parseJsonLine(text, where), where, (message) => this.endpoint.redact(message));
      return record.ok !== errored ? record : undefined;
    };
    return this.calls.readRecords(`the ${errored ? 'errored requests' : 'answers'} of batch ${name}`, open, parse, onRecord, signal);
  }

  private job(name: string, signal: AbortSignal): Promise<BatchJob> {
    return this.sdk.batches.get({ name, config: { abortSignal: signal } });
  }
}

/** The requests of a request file as the create call takes them, and their one model. */
async function readRequests(file: string): Promise<{ model: string; requests: InlinedRequest[] }> {
  const requests: InlinedRequest[] = [];
  let model: string | undefined;
  const input = createReadStream(file, 'utf8');
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    const { customId, request } = GEMINI_REQUEST_LINES.read(JSON.parse(text) as Record<string, unknown>);
    if (model !== undefined && request.model !== model)
      throw new Error(`${file}:${line}: a Gemini batch job is for one model; this line is for ${request.model}, not ${model}`);
    model = request.model;
    const { contents, config } = geminiRequest(request);
    requests.push({ contents, config, metadata: { key: customId } });
  }
  if (model === undefined) throw new Error(`${file} holds no requests`);
  return { model, requests };
}

/** The HTTP status a google.rpc code answers with, so a refused request is told from one worth another try. */
const RPC_STATUS: Readonly<Record<number, number>> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

/**
 * One inlined response: an answer, or an errored request with the status of
 * its code.
 * @throws MalformedFileError when it names no request.
 */
function resultRecord(raw: unknown, where: string, redact: (text: string) => string): BatchResultRecord {
  const line = raw as { metadata?: { key?: unknown }; response?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  const customId = line?.metadata?.key;
  if (typeof customId !== 'string') throw new MalformedFileError(`${where} has no metadata.key`);
  if (line?.error !== undefined && line.error !== null) {
    const code = typeof line.error.code === 'number' ? line.error.code : undefined;
    const message = typeof line.error.message === 'string' ? line.error.message : 'no message';
    return { customId, ok: false, status: code === undefined ? undefined : RPC_STATUS[code], message: redact(message) };
  }
  try {
    const { text, inputTokens, outputTokens, confidence } = geminiAnswer(line?.response, true);
    const usage = inputTokens !== undefined && outputTokens !== undefined ? { inputTokens, outputTokens } : undefined;
    return { customId, ok: true, text, usage, ...(confidence !== undefined ? { confidence } : {}) };
  } catch (error) {
    return { customId, ok: false, status: undefined, message: redact(error instanceof Error ? error.message : String(error)) };
  }
}

/** A job in the statuses and counts of OpenAI's batches, which the coordinator reads. */
function toBatchInfo(job: BatchJob): BatchInfo {
  const name = job.name ?? '';
  // A job that succeeded holds its answers; one read without them yet is read again.
  const status = job.state === 'JOB_STATE_SUCCEEDED' && job.dest === undefined ? 'finalizing' : statusOf(job.state);
  const responses = job.dest?.inlinedResponses ?? [];
  const failed = responses.filter((r) => r.error !== undefined && r.error !== null).length;
  const completed = responses.length - failed;
  return {
    id: name,
    status,
    inputFileId: '',
    outputFileId: completed > 0 ? name : undefined,
    errorFileId: failed > 0 ? `${name}${ERRORED}` : undefined,
    counts: { total: responses.length, completed, failed },
    createdAt: job.createTime === undefined ? 0 : Math.floor(Date.parse(job.createTime) / 1000),
    metadata: Object.fromEntries(new URLSearchParams(job.displayName ?? '')),
    model: job.model?.replace(/^models\//, ''),
    problems: status === 'failed' && job.error ? [{ code: String(job.error.code ?? 'unknown'), message: job.error.message ?? '', line: undefined }] : [],
  };
}

function statusOf(state: string | undefined): BatchStatus {
  switch (state) {
    case 'JOB_STATE_SUCCEEDED':
      return 'completed';
    case 'JOB_STATE_FAILED':
      return 'failed';
    case 'JOB_STATE_CANCELLED':
      return 'cancelled';
    case 'JOB_STATE_CANCELLING':
      return 'cancelling';
    case 'JOB_STATE_EXPIRED':
      return 'expired';
    case 'JOB_STATE_PENDING':
    case 'JOB_STATE_QUEUED':
      return 'validating';
    default:
      return 'in_progress';
  }
}
