import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AppendOnlyLines } from '../io/appendOnlyLines';
import { readJsonl } from '../io/jsonl';

/** A cached answer: what the call returned, and how it was fetched when that was not an online call of its own. */
export interface CachedResponse {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The answer's probability, when the call asked for log-probabilities. */
  readonly confidence?: number;
  /** The share of the list price charged, when a batch engine answered (absent: an online call, charged in full). */
  readonly priceFactor?: number;
  /**
   * The batch run (see batchSession.ts) that fetched it ahead of the call
   * that reads it: that run pays for it, not an earlier one.
   */
  readonly run?: string;
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
  /** Run ids as one string each, however many entries carry them. */
  private readonly runs = new Map<string, string>();
  /** Opened at the first answer recorded, so that a run declined at its cost preview leaves no file behind. */
  private out: AppendOnlyLines | undefined;
  private closed = false;

  private constructor(readonly file: string) {}

  /** Loads what the cache file holds, if it exists; the file is created when the first answer is recorded. */
  static async open(file: string): Promise<ResponseCache> {
    const cache = new ResponseCache(file);
    if (existsSync(file)) await cache.load();
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
    if (this.closed) throw new Error(`cache ${this.file} is closed`);
    this.out ??= new AppendOnlyLines(this.file);
    const { text, inputTokens, outputTokens, confidence, priceFactor, run } = response;
    this.out.append(JSON.stringify({ k: key, text, in: inputTokens, out: outputTokens, ...(confidence !== undefined ? { p: confidence } : {}), ...(priceFactor !== undefined ? { pf: priceFactor } : {}), ...(run !== undefined ? { run } : {}) }));
    this.entries.set(key, entry(text, inputTokens, outputTokens, { confidence, priceFactor, run: run === undefined ? undefined : this.intern(run) }));
  }

  /**
   * Forgets, in memory, which run fetched an entry: once a call has been
   * counted as paid by that run, the same request again (a repeated item) is
   * a plain cache hit. The file keeps the mark, so a resumed process counts
   * it once more, in its own report of the whole job.
   */
  counted(key: string): void {
    const e = this.entries.get(key);
    if (e?.run !== undefined) this.entries.set(key, entry(e.text, e.inputTokens, e.outputTokens, { confidence: e.confidence, priceFactor: e.priceFactor }));
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
    this.closed = true;
  }

  /** Loads the entries; a line that is not one (torn by a crash) is passed over, and stays as it is on disk. */
  private async load(): Promise<void> {
    for await (const { value: e } of readJsonl(this.file, { skipInvalid: true })) {
      if (typeof e.k === 'string' && typeof e.text === 'string' && typeof e.in === 'number' && typeof e.out === 'number') {
        const confidence = typeof e.p === 'number' ? e.p : undefined;
        const priceFactor = typeof e.pf === 'number' ? e.pf : undefined;
        const run = typeof e.run === 'string' ? this.intern(e.run) : undefined;
        this.entries.set(e.k, entry(e.text, e.in, e.out, { confidence, priceFactor, run }));
      }
    }
  }

  private intern(run: string): string {
    const known = this.runs.get(run);
    if (known !== undefined) return known;
    this.runs.set(run, run);
    return run;
  }
}

/** An entry as the cache holds it: only what a call returned, each optional field only when there is one. */
function entry(text: string, inputTokens: number, outputTokens: number, extra: { readonly confidence?: number; readonly priceFactor?: number; readonly run?: string }): CachedResponse {
  const { confidence, priceFactor, run } = extra;
  return { text, inputTokens, outputTokens, ...(confidence !== undefined ? { confidence } : {}), ...(priceFactor !== undefined ? { priceFactor } : {}), ...(run !== undefined ? { run } : {}) };
}
