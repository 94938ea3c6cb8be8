/**
 * The first step of fetching the application phase's answers in bulk: the
 * engine's planned calls, streamed in input order, sorted by where they go.
 * A model on an endpoint with a Batch API gets its requests written to
 * request files, one set per endpoint (each file one model, within the
 * limits); a model on an endpoint without one (`"batch": false`) is called
 * online at once, its answer cached for the call that will read it.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { CallPool } from '../../core/callPool';
import type { PlannedCall } from '../../core/engine';
import type { InputRecord } from '../../io/readingPass';
import type { JobClient } from '../jobClient';
import type { ResponseCache } from '../responseCache';
import { writeRequestFiles, type BatchRequest, type RequestFile, type WriteRequestFilesOptions } from './requestFiles';

export interface RouteCallsOptions {
  readonly client: JobClient;
  readonly cache: ResponseCache;
  /**
   * Where an endpoint's request files go, or undefined to leave its calls out
   * (an endpoint whose live round is resumed: the engine asks again for what
   * is still missing once that round ends).
   */
  readonly folderOf: (endpoint: string) => string | undefined;
  /** Whether an endpoint serves a Batch API; the others' calls are made online now. */
  readonly hasBatchApi: (endpoint: string) => boolean;
  /** File names and limits of the request files. */
  readonly files: (endpoint: string) => WriteRequestFilesOptions;
  /** Online calls in flight at once. */
  readonly concurrency: number;
  readonly signal: AbortSignal;
}

/** Calls queued for one endpoint's writer before the reader of the calls waits. */
const QUEUED_REQUESTS = 1024;

/** Routes the calls (see the file comment); resolves with each endpoint's request files once every online call is answered. */
export async function routeCalls(calls: AsyncIterable<PlannedCall<InputRecord>>, options: RouteCallsOptions): Promise<Map<string, RequestFile[]>> {
  const { client, cache, signal } = options;
  const sinks = new Map<string, RequestSink>();
  const online = new CallPool(options.concurrency);
  try {
    for await (const call of calls) {
      signal.throwIfAborted();
      const prepared = client.prepare(call.model, call.item);
      // A repeated request may have been answered online since it was planned.
      if (cache.has(prepared.key)) continue;
      const endpoint = prepared.route.endpoint;
      if (!options.hasBatchApi(endpoint)) {
        const wait = online.run(
          () => client.fetchOnline(prepared, signal),
          () => undefined,
        );
        if (wait) await wait;
        continue;
      }
      let sink = sinks.get(endpoint);
      if (sink === undefined) {
        const folder = options.folderOf(endpoint);
        if (folder === undefined) continue;
        sink = new RequestSink(folder, options.files(endpoint));
        sinks.set(endpoint, sink);
      }
      await sink.push({ key: prepared.key, model: prepared.request.model, request: prepared.request });
    }
  } catch (error) {
    // Online calls in flight end (answered, failed or aborted) before the caller closes the cache they write to.
    await online.settle();
    throw error;
  } finally {
    for (const sink of sinks.values()) sink.end();
  }
  await online.drain();
  const written = new Map<string, RequestFile[]>();
  for (const [endpoint, sink] of sinks) written.set(endpoint, await sink.files);
  return written;
}

/** One endpoint's request files, written as requests are pushed (see `writeRequestFiles`). */
class RequestSink {
  readonly files: Promise<RequestFile[]>;
  private readonly input = new PassThrough({ objectMode: true, highWaterMark: QUEUED_REQUESTS });
  private failure: { error: unknown } | undefined;
  /** Settles (never rejects) when the writer ends. */
  private readonly ended: Promise<void>;

  constructor(folder: string, options: WriteRequestFilesOptions) {
    this.files = writeRequestFiles(this.input, folder, options);
    this.ended = this.files.then(
      () => undefined,
      (error: unknown) => {
        this.failure = { error };
      },
    );
  }

  /** Queues a request; waits while the writer is behind. Throws the writer's failure. */
  async push(request: BatchRequest): Promise<void> {
    this.throwIfFailed();
    if (!this.input.write(request)) await Promise.race([once(this.input, 'drain'), this.ended]);
    this.throwIfFailed();
  }

  end(): void {
    this.input.end();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
