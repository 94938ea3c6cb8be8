/**
 * What every provider's batch client does the same way, whatever its SDK:
 * each operation retried per the {@link RetryPolicy} (rate limits, server
 * errors, dropped connections), with a signal per attempt fed by the
 * caller's; a final failure as a {@link BatchApiError} naming the endpoint
 * and the operation; and a result file streamed line by line as it arrives,
 * each record handed on once even when the download breaks off and is
 * fetched again (a file of a million lines never sits in memory, and a
 * download that stalls is dropped and retried). Every text that leaves goes
 * through the endpoint's redaction.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { onAbort } from './abortSignals';
import { CLOCK_SKEW_SECONDS, type BatchInfo, type BatchResultRecord } from './batchProvider';
import type { EndpointSecrets } from './endpointSecrets';
import type { Log } from './openAiEndpoint';
import { AttemptFailure, describeFailure, LlmCallError, RetryPolicy } from './retryPolicy';

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

/** A result file that does not read as one: fetching it again would give the same. */
export class MalformedFileError extends Error {}

/** How the lines of a result file become records: undefined for a line that holds none to hand on. */
export type ResultLineParser = (text: string, where: string) => BatchResultRecord | undefined;

/** Runs one endpoint's batch operations per its retry policy. */
export class BatchCalls {
  constructor(
    private readonly endpoint: EndpointSecrets,
    private readonly retry: RetryPolicy,
    /** Receives retries (warn), redacted. */
    private readonly log: Log,
    /** How the SDK's errors read (see sdkFailures.ts); undefined for errors that are not the SDK's. */
    private readonly classifySdk: (error: unknown) => AttemptFailure | undefined,
  ) {}

  /** Runs one operation per the retry policy; a final failure becomes a {@link BatchApiError}. */
  async run<T>(operation: string, signal: AbortSignal, attempt: (attemptSignal: AbortSignal, attemptNumber: number) => Promise<T>): Promise<T> {
    let last: AttemptFailure | undefined;
    try {
      return await this.retry.run(
        { endpoint: this.endpoint.name, model: 'batch API' },
        async (n) => {
          // A signal per attempt, fed by one shared listener on the caller's
          // (an SDK listens on the signal it is given, once per request).
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
          this.log('warn', `${this.endpoint.name} batch API, ${operation}: attempt ${n} failed (${failure.reason}); retrying in ${delayMs} ms`),
      );
    } catch (error) {
      if (signal.aborted || last === undefined || !(error instanceof LlmCallError)) throw error;
      throw new BatchApiError(this.endpoint.name, operation, error, last);
    }
  }

  /**
   * Creates a batch at most once: an attempt after one that may have gone
   * through (a dropped connection, a server error) first looks for the batch
   * with `find`, among those created since the call began (less the clock
   * skew), and returns it rather than create a second one.
   */
  createOnce(
    operation: string,
    signal: AbortSignal,
    find: (createdSince: number, attempt: AbortSignal) => Promise<BatchInfo | undefined>,
    create: (attempt: AbortSignal) => Promise<BatchInfo>,
  ): Promise<BatchInfo> {
    const since = Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS;
    return this.run(operation, signal, async (attempt, n) => (n > 1 ? await find(since, attempt) : undefined) ?? create(attempt));
  }

  /**
   * A provider's batches, newest first, down to those created at
   * `createdSince` (Unix seconds; the listing stops there, so it does not
   * page through the whole history). `page` fetches the page a cursor names
   * (the first with none) and says the cursor of the next, if any.
   */
  async *listBatches<T>(
    signal: AbortSignal,
    createdSince: number,
    page: (cursor: string | undefined, attempt: AbortSignal) => Promise<{ readonly data: readonly T[]; readonly next: string | undefined }>,
    toInfo: (batch: T) => BatchInfo,
  ): AsyncGenerator<BatchInfo> {
    let cursor: string | undefined;
    for (;;) {
      const at = cursor;
      const { data, next } = await this.run('listing batches', signal, (attempt) => page(at, attempt));
      for (const batch of data) {
        const info = toInfo(batch);
        if (info.createdAt < createdSince) return;
        yield info;
      }
      if (next === undefined || data.length === 0) return;
      cursor = next;
    }
  }

  /**
   * Streams a result file, handing each record to `onRecord` in file order,
   * awaiting it before reading on. `open` starts one download and resolves
   * with its body; a download that breaks off or stalls is retried, and the
   * records already handed on are skipped, so each is handed on once.
   * Resolves with the number of records.
   */
  async readRecords(
    name: string,
    open: (signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>,
    parse: ResultLineParser,
    onRecord: (record: BatchResultRecord) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<number> {
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
      await this.run(`reading ${name}`, signal, (attempt) => this.readOnce(name, open, parse, delivered, deliver, attempt));
    } catch (error) {
      // The consumer's own failure is its business, not the download's.
      if (consumerFailure !== undefined) throw consumerFailure.error;
      throw error;
    }
    return delivered;
  }

  /** One download attempt: skips the first `skip` records, hands on the rest. */
  private async readOnce(
    name: string,
    open: (signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>,
    parse: ResultLineParser,
    skip: number,
    deliver: (record: BatchResultRecord) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const attempt = new AbortController();
    const stopForwarding = onAbort(signal, () => attempt.abort(signal.reason));
    // Reset on every chunk: a download may take long, but must not stall.
    const idle = new IdleTimer(this.endpoint.timeoutMs, () => attempt.abort(new IdleError(this.endpoint.timeoutMs)));
    try {
      const body = await open(attempt.signal);
      let line = 0;
      let record = 0;
      for await (const text of lines(body, idle)) {
        line++;
        if (text.trim() === '') continue;
        const parsed = parse(text, `line ${line} of ${name}`);
        if (parsed === undefined || ++record <= skip) continue;
        // The consumer's time is not the download's.
        idle.stop();
        await deliver(parsed);
        idle.reset();
      }
    } catch (error) {
      if (idle.fired && !signal.aborted) throw new IdleError(this.endpoint.timeoutMs);
      throw error;
    } finally {
      idle.stop();
      stopForwarding();
    }
  }

  private classify(error: unknown): AttemptFailure {
    const redact = (text: string): string => this.endpoint.redact(text);
    if (error instanceof IdleError || error instanceof BodyReadError) return { retryable: true, reason: redact(error.message) };
    if (error instanceof MalformedFileError) return { retryable: false, reason: redact(error.message) };
    return this.classifySdk(error) ?? { retryable: false, reason: redact(error instanceof Error ? error.message : String(error)) };
  }
}

/** A page of a listing whose cursor is the id of its last batch (OpenAI's `after`, Anthropic's `after_id`). */
export function nextAfterLast<T extends { readonly id: string }>(page: {
  readonly data: readonly T[];
  readonly has_more: boolean;
}): {
  data: readonly T[];
  next: string | undefined;
} {
  const last = page.data[page.data.length - 1];
  return { data: page.data, next: page.has_more && last !== undefined ? last.id : undefined };
}

/**
 * A request file for a provider whose batches carry their requests inline
 * (Anthropic's, Gemini's): nothing is uploaded; the file is named by its
 * path, and read when the batch is created.
 */
export function inlineRequestFile(file: string): Promise<{ readonly id: string; readonly bytes: number }> {
  return Promise.resolve({ id: path.resolve(file), bytes: statSync(file).size });
}

/** A line of a result file parsed as JSON. @throws MalformedFileError when it is not JSON. */
export function parseJsonLine(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedFileError(`${where} is not JSON`);
  }
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
