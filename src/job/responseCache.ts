import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AppendOnlyLines } from '../io/appendOnlyLines';
import { readJsonl } from '../io/jsonl';

/** A cached answer: what the call returned. */
export interface CachedResponse {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The answer's probability, when the call asked for log-probabilities. */
  readonly confidence?: number;
}

/** Key of a request: a hash of the endpoint, the provider model and the full request body. */
export function requestKey(endpointBaseURL: string, body: unknown): string {
  return createHash('sha256').update(endpointBaseURL).update('\u0000').update(JSON.stringify(body)).digest('hex');
}

/**
 * An append-only cache of completed calls, one JSON line per call, so that a
 * rerun, or a resume after a crash or `kill -9`, pays for no call twice.
 *
 * Each line is written (see {@link AppendOnlyLines}) as soon as its call
 * completes. A line torn by a crash mid-write is skipped on load.
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private out: AppendOnlyLines | undefined;

  private constructor(readonly file: string) {}

  /** Opens (creating if needed) the cache file and loads what it holds. */
  static async open(file: string): Promise<ResponseCache> {
    const cache = new ResponseCache(file);
    if (existsSync(file)) await cache.load();
    cache.out = new AppendOnlyLines(file);
    return cache;
  }

  /** The cache file for an input: `.smart/<input name>.cache.jsonl` beside it. */
  static fileFor(inputFile: string): string {
    return path.join(path.dirname(path.resolve(inputFile)), '.smart', `${path.basename(inputFile)}.cache.jsonl`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedResponse | undefined {
    return this.entries.get(key);
  }

  /** Records a completed call, on disk before this returns. */
  put(key: string, response: CachedResponse): void {
    if (this.out === undefined) throw new Error(`cache ${this.file} is closed`);
    const entry = cacheEntry(response.text, response.inputTokens, response.outputTokens, response.confidence);
    this.out.append(JSON.stringify({ k: key, text: entry.text, in: entry.inputTokens, out: entry.outputTokens, ...(entry.confidence !== undefined ? { p: entry.confidence } : {}) }));
    this.entries.set(key, entry);
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
  }

  /** Loads the entries; a line that is not one (torn by a crash) is passed over, and stays as it is on disk. */
  private async load(): Promise<void> {
    for await (const { value: e } of readJsonl(this.file, { skipInvalid: true })) {
      if (typeof e.k === 'string' && typeof e.text === 'string' && typeof e.in === 'number' && typeof e.out === 'number') {
        this.entries.set(e.k, cacheEntry(e.text, e.in, e.out, typeof e.p === 'number' ? e.p : undefined));
      }
    }
  }
}

/** An entry as the cache holds it: only what a call returned, the probability only when there is one. */
function cacheEntry(text: string, inputTokens: number, outputTokens: number, confidence: number | undefined): CachedResponse {
  return { text, inputTokens, outputTokens, ...(confidence !== undefined ? { confidence } : {}) };
}
