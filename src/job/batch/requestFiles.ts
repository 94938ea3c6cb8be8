/**
 * Batch request files: JSONL, one request per line in the line format of the
 * provider's batch engine (`RequestLineFormat`: OpenAI's is `{"custom_id",
 * "method": "POST", "url": "/v1/chat/completions", "body"}`). A provider takes one model per file and
 * caps a file's requests and bytes, so requests are spread over files by
 * model and cut at the limits. Requests stream through: only the keys seen so
 * far are held (16 bytes each, see keyTable.ts), to write each request once.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../core/defaults';
import { readJsonl } from '../../io/jsonl';
import type { RequestLineFormat } from '../../llm/batchProvider';
import type { ChatRequest } from '../../llm/chatBackend';
import { KeyTable } from '../keyTable';

/** One request to put in a batch. */
export interface BatchRequest {
  /** The request's cache key (see `requestKey` in responseCache.ts); written as its custom_id. */
  readonly key: string;
  /** The provider's model name; one file holds the requests of one model. */
  readonly model: string;
  /** The request; its `model` must be `model`. */
  readonly request: ChatRequest;
}

/** A request file written. */
export interface RequestFile {
  readonly path: string;
  readonly model: string;
  readonly requests: number;
  readonly bytes: number;
  /** Of the file's bytes, hex. */
  readonly sha256: string;
}

/** What one file may hold. The defaults are OpenAI's limits. */
export interface RequestFileLimits {
  /** Default 50,000. */
  readonly maxRequestsPerBatch?: number;
  /** Default 200,000,000. */
  readonly maxBytesPerBatch?: number;
}

export interface WriteRequestFilesOptions {
  /** How the provider's batch engine reads a request. */
  readonly lines: RequestLineFormat;
  readonly limits?: RequestFileLimits;
  /** The name of the `index`-th file written (from 1). Default `0001-<model>.jsonl`. */
  readonly name?: (index: number, model: string) => string;
}

/**
 * Writes the requests into JSONL files under `folder` (created if needed;
 * files of the same name are replaced): one model per file, at most the
 * limits' requests and bytes per file, a request whose key was seen before
 * skipped. Resolves with the files, in the order they were started.
 */
export async function writeRequestFiles(
  requests: AsyncIterable<BatchRequest> | Iterable<BatchRequest>,
  folder: string,
  options: WriteRequestFilesOptions,
): Promise<RequestFile[]> {
  const maxRequests = options.limits?.maxRequestsPerBatch ?? DEFAULTS.batchSettings.maxRequestsPerBatch;
  const maxBytes = options.limits?.maxBytesPerBatch ?? DEFAULTS.batchSettings.maxBytesPerBatch;
  if (!(Number.isInteger(maxRequests) && maxRequests >= 1)) throw new RangeError(`maxRequestsPerBatch must be a positive integer, got ${maxRequests}`);
  if (!(Number.isInteger(maxBytes) && maxBytes >= 1)) throw new RangeError(`maxBytesPerBatch must be a positive integer, got ${maxBytes}`);
  const name = options.name ?? defaultName;
  mkdirSync(folder, { recursive: true });

  const seen = new KeyTable();
  const open = new Map<string, OpenFile>();
  const started: OpenFile[] = [];
  try {
    for await (const request of requests) {
      if (!seen.add(request.key, 0)) continue;
      if (request.request.model !== request.model) {
        throw new Error(`request ${request.key} names model ${JSON.stringify(request.request.model)}, not "${request.model}"`);
      }
      const line = `${options.lines.write(request.key, request.request)}\n`;
      const bytes = Buffer.byteLength(line);
      if (bytes > maxBytes) {
        throw new Error(`the request ${request.key} for model "${request.model}" takes ${bytes} bytes, more than the ${maxBytes} a batch file may hold`);
      }
      let file = open.get(request.model);
      if (file !== undefined && (file.requests >= maxRequests || file.bytes + bytes > maxBytes)) {
        await file.close();
        file = undefined;
      }
      if (file === undefined) {
        file = new OpenFile(path.join(folder, name(started.length + 1, request.model)), request.model);
        open.set(request.model, file);
        started.push(file);
      }
      await file.write(line, bytes);
    }
  } finally {
    await Promise.all(started.map((f) => f.close()));
  }
  return started.map((f) => f.result());
}

/** `0001-<model>.jsonl`. */
function defaultName(index: number, model: string): string {
  return `${String(index).padStart(4, '0')}-${fileSafe(model)}.jsonl`;
}

/** A name (a model's, an endpoint's, a batch id) as part of a file name: characters beyond letters, digits, `.`, `_` and `-` replaced by `_`. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The characters of a request's messages: what a token estimate goes by when a provider reports no usage. */
export function promptCharacters(request: ChatRequest): number {
  return request.messages.reduce((n, m) => n + m.content.length, 0);
}

/** A request file being written, with its count, size and hash kept as it grows. */
class OpenFile {
  requests = 0;
  bytes = 0;
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private sha256: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly path: string,
    readonly model: string,
  ) {
    this.out = createWriteStream(path);
  }

  async write(line: string, bytes: number): Promise<void> {
    this.requests++;
    this.bytes += bytes;
    this.hash.update(line);
    if (!this.out.write(line)) await once(this.out, 'drain');
  }

  /** Ends the file (once, however often called). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.sha256 = this.hash.digest('hex');
      this.out.end();
      await once(this.out, 'finish');
    })();
    return this.closing;
  }

  result(): RequestFile {
    if (this.sha256 === undefined) throw new Error(`internal error: ${this.path} is still open`);
    return { path: this.path, model: this.model, requests: this.requests, bytes: this.bytes, sha256: this.sha256 };
  }
}

/**
 * The requests of a request file Smart wrote, in file order, as the
 * provider's line format reads them.
 * @throws Error naming the file and line when a line holds no request.
 */
export async function* requestsIn(
  file: string,
  lines: RequestLineFormat,
  signal: AbortSignal,
): AsyncGenerator<{ readonly customId: string; readonly request: ChatRequest; readonly line: number }> {
  for await (const { line, value } of readJsonl(file, { signal })) {
    let read: { readonly customId: string; readonly request: ChatRequest };
    try {
      read = lines.read(value);
    } catch (error) {
      throw new Error(`${file}:${line}: not a request Smart wrote (${(error as Error).message})`);
    }
    yield { ...read, line };
  }
}
