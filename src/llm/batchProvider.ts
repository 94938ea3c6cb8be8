/**
 * What batch mode needs of a provider's batch engine, whatever its protocol:
 * the line a request file holds for one request (and the request a line
 * holds), uploading a file, creating a batch of it, finding, retrieving and
 * cancelling batches, and reading the results. `batchApi.ts` is OpenAI's
 * (and any server that speaks its Batch API); the coordinator
 * (`src/job/batch/batchCoordinator.ts`) drives any of them the same way,
 * journaled, resumed and paid once.
 */
import type { ChatRequest } from './chatBackend';

/**
 * The metadata key the coordinator gives every batch its number of requests
 * under: a provider that keeps no metadata on a batch (Anthropic) finds a
 * batch again by it.
 */
export const REQUESTS_KEY = 'smart_requests';

/** Providers' clocks and ours differ: batches are looked for this much further back than the time they can have been created. */
export const CLOCK_SKEW_SECONDS = 3600;

/**
 * The newest batch among `batches` (newest first) whose metadata includes
 * every pair of `metadata`, `taken` aside: how a provider that keeps
 * metadata on a batch (OpenAI's, Gemini's in its display name) finds one.
 */
export async function findByMetadata(
  batches: AsyncIterable<BatchInfo>,
  metadata: Readonly<Record<string, string>>,
  taken: ReadonlySet<string>,
): Promise<BatchInfo | undefined> {
  for await (const batch of batches) {
    if (!taken.has(batch.id) && Object.entries(metadata).every(([key, value]) => batch.metadata[key] === value)) return batch;
  }
  return undefined;
}

/** Where a batch is: the statuses OpenAI's Batch API reports, which the other providers' map onto. */
export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** Statuses after which a batch changes no more. */
export const FINAL_STATUSES: ReadonlySet<BatchStatus> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** A problem validation found in an input file. */
export interface BatchProblem {
  readonly code: string;
  readonly message: string;
  /** 1-based line of the input file, when the problem is on one. */
  readonly line: number | undefined;
}

/** A batch as the provider reports it. */
export interface BatchInfo {
  readonly id: string;
  readonly status: BatchStatus;
  readonly inputFileId: string;
  readonly outputFileId: string | undefined;
  readonly errorFileId: string | undefined;
  readonly counts: { readonly total: number; readonly completed: number; readonly failed: number };
  /** Unix time in seconds, as the provider keeps it. */
  readonly createdAt: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** The model the provider read from the file, once validated (not every provider says). */
  readonly model: string | undefined;
  /** Why validation failed (status `failed`); empty otherwise. */
  readonly problems: readonly BatchProblem[];
}

/** One line of an output or error file. */
export type BatchResultRecord =
  | {
      readonly customId: string;
      readonly ok: true;
      readonly text: string;
      /** Undefined when the provider reported no usage (see the coordinator for the estimate). */
      readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
      /** The answer's probability, when the request asked for log-probabilities and the provider gave them. */
      readonly confidence?: number;
    }
  | {
      readonly customId: string;
      readonly ok: false;
      /** The HTTP status of the request, when it got one. */
      readonly status: number | undefined;
      readonly message: string;
    };

/** How a provider's batch engine reads one request: the line Smart writes to a request file for it, and the request a line holds. */
export interface RequestLineFormat {
  /** The line (JSON, without its newline) of one request; `customId` comes back with its result. */
  write(customId: string, request: ChatRequest): string;
  /** The request and custom id a line written by `write` holds. @throws Error saying what is missing when it holds none. */
  read(line: Readonly<Record<string, unknown>>): { readonly customId: string; readonly request: ChatRequest };
}

/** One endpoint's batch engine. Every operation is retried by the provider's policy and ends promptly on abort. */
export interface BatchProvider {
  /** The endpoint's name, for messages. */
  readonly endpointName: string;
  readonly lines: RequestLineFormat;
  /** The most bytes of request lines one batch may carry, where the provider takes less than the settings allow (Gemini's inline requests). */
  readonly maxBytesPerBatch?: number;
  /** Uploads a request file, streamed from disk. */
  uploadRequestFile(file: string, signal: AbortSignal): Promise<{ readonly id: string; readonly bytes: number }>;
  /**
   * Creates a batch of an uploaded file. `metadata` identifies it uniquely:
   * an attempt that may have left the batch created is followed by a look
   * for it (see `findBatch`) before a second is created.
   */
  createBatch(inputFileId: string, metadata: Readonly<Record<string, string>>, signal: AbortSignal, taken?: ReadonlySet<string>): Promise<BatchInfo>;
  /**
   * The batch `metadata` identifies among those created at or after
   * `createdSince` (Unix seconds), never one of `taken` (the batches known to
   * be other files'): by its metadata where the provider keeps it, else by
   * its number of requests (`REQUESTS_KEY`), the oldest such.
   */
  findBatch(metadata: Readonly<Record<string, string>>, createdSince: number, signal: AbortSignal, taken?: ReadonlySet<string>): Promise<BatchInfo | undefined>;
  retrieveBatch(id: string, signal: AbortSignal): Promise<BatchInfo>;
  /** Asks the provider to cancel; the batch ends `cancelled` with what was answered until then. */
  cancelBatch(id: string, signal: AbortSignal): Promise<BatchInfo>;
  /** Streams a result file, each record once, in file order; resolves with their number. */
  readResults(fileId: string, onRecord: (record: BatchResultRecord) => void | Promise<void>, signal: AbortSignal): Promise<number>;
}
