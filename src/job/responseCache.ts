import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AppendOnlyLines, type LineSpan } from '../io/appendOnlyLines';
import { readJsonl } from '../io/jsonl';
import { KeyTable } from './keyTable';
import { stateFileFor } from '../io/stateFile';

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
 *
 * The answers stay on disk: memory holds, per entry, where its line lies in
 * the file and the run that fetched it, by key in a {@link KeyTable} (under
 * 100 bytes an entry, outside the V8 heap), and `get` reads the line back. A
 * million cached answers take tens of megabytes however long they are (as
 * objects in a Map, short labels took over 200 MB of the heap). The file's
 * `k` stays the full SHA-256 in hex, and every line read back must carry the
 * key asked for.
 */
export class ResponseCache {
  /** Entry numbers by key. */
  private readonly index = new KeyTable();
  /** Per entry number: where its latest line lies in the file. */
  private offsets = new Float64Array(INITIAL_ENTRIES);
  private lengths = new Uint32Array(INITIAL_ENTRIES);
  /** Per entry number: the run that fetched it, as 1 + its place in `runIds`, or 0 for none. */
  private fetchedBy = new Uint32Array(INITIAL_ENTRIES);
  private readonly runIds: string[] = [];
  private readonly runNumbers = new Map<string, number>();
  /** Opened at the first answer recorded or read back, so that a run declined at its cost preview leaves no file behind. */
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
    return stateFileFor(inputFile, '.cache.jsonl');
  }

  get size(): number {
    return this.index.size;
  }

  /** Whether the cache holds an answer for the key, without reading it. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /** The run that fetched the key's answer and has not counted it yet (see `counted`), without reading the answer. */
  runOf(key: string): string | undefined {
    const n = this.index.get(key);
    const run = n === undefined ? 0 : this.fetchedBy[n];
    return run !== 0 ? this.runIds[run - 1] : undefined;
  }

  /** The answer cached for the key, read back from the file. */
  get(key: string): CachedResponse | undefined {
    const n = this.index.get(key);
    if (n === undefined) return undefined;
    const lines = this.lines();
    let line: CacheLine | undefined;
    try {
      line = parseLine(JSON.parse(lines.read({ offset: this.offsets[n], bytes: this.lengths[n] })) as Record<string, unknown>);
    } catch {
      line = undefined;
    }
    if (line?.key !== key)
      throw new Error(
        `${this.file} changed while Smart was using it (the answer to request ${key} is no longer where it was written): run again to read it afresh`,
      );
    const run = this.runOf(key);
    return { ...line.response, ...(run !== undefined ? { run } : {}) };
  }

  /**
   * Records a completed call: once this returns it survives the process being
   * killed; a power cut in the seconds before the system flushes it can lose
   * it (not made durable per line: see AppendOnlyLines), and a resumed run
   * then asks that call again.
   */
  put(key: string, response: CachedResponse): void {
    const { text, inputTokens, outputTokens, confidence, priceFactor, run } = response;
    const span = this.lines().append(
      JSON.stringify({
        k: key,
        text,
        in: inputTokens,
        out: outputTokens,
        ...(confidence !== undefined ? { p: confidence } : {}),
        ...(priceFactor !== undefined ? { pf: priceFactor } : {}),
        ...(run !== undefined ? { run } : {}),
      }),
    );
    this.remember(key, span, run);
  }

  /**
   * Forgets, in memory, which run fetched an entry: once a call has been
   * counted as paid by that run, the same request again (a repeated item) is
   * a plain cache hit. The file keeps the mark, so a resumed process counts
   * it once more, in its own report of the whole job.
   */
  counted(key: string): void {
    const n = this.index.get(key);
    if (n !== undefined) this.fetchedBy[n] = 0;
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
    this.closed = true;
  }

  /** Loads the entries; a line that is not one (torn by a crash) is passed over, and stays as it is on disk. */
  private async load(): Promise<void> {
    for await (const { value, span } of readJsonl(this.file, { skipInvalid: true, spans: true })) {
      const line = parseLine(value);
      if (line !== undefined) this.remember(line.key, span, line.run);
    }
  }

  /** Points the key at its latest line (a key written twice keeps one entry). */
  private remember(key: string, span: LineSpan, run: string | undefined): void {
    let n = this.index.size;
    if (!this.index.add(key, n)) n = this.index.get(key)!;
    else if (n === this.offsets.length) this.grow();
    this.offsets[n] = span.offset;
    this.lengths[n] = span.bytes;
    this.fetchedBy[n] = run === undefined ? 0 : this.runNumber(run);
  }

  private grow(): void {
    const size = this.offsets.length * 2;
    this.offsets = grown(this.offsets, new Float64Array(size));
    this.lengths = grown(this.lengths, new Uint32Array(size));
    this.fetchedBy = grown(this.fetchedBy, new Uint32Array(size));
  }

  /** 1 + the run's place among the runs seen: each run id is held once, however many entries carry it. */
  private runNumber(run: string): number {
    let n = this.runNumbers.get(run);
    if (n === undefined) {
      n = this.runIds.push(run);
      this.runNumbers.set(run, n);
    }
    return n;
  }

  private lines(): AppendOnlyLines {
    if (this.closed) throw new Error(`cache ${this.file} is closed`);
    this.out ??= new AppendOnlyLines(this.file);
    return this.out;
  }
}

/** Entries a new cache has room for before its arrays double. */
const INITIAL_ENTRIES = 1024;

/** A cache line: its key, its answer, and the run that fetched it, if any. */
interface CacheLine {
  readonly key: string;
  readonly response: Omit<CachedResponse, 'run'>;
  readonly run: string | undefined;
}

/** A cache line read from the file, or undefined for a line that is not one. */
function parseLine(e: Record<string, unknown>): CacheLine | undefined {
  if (!(typeof e.k === 'string' && typeof e.text === 'string' && typeof e.in === 'number' && typeof e.out === 'number')) return undefined;
  const confidence = typeof e.p === 'number' ? e.p : undefined;
  const priceFactor = typeof e.pf === 'number' ? e.pf : undefined;
  const run = typeof e.run === 'string' ? e.run : undefined;
  return { key: e.k, response: entry(e.text, e.in, e.out, { confidence, priceFactor }), run };
}

/** `into`, a larger array, with `from` copied to its start. */
function grown<A extends Float64Array | Uint32Array>(from: A, into: A): A {
  into.set(from);
  return into;
}

/** An answer with only the fields it has (an online answer is the three numbers and text alone). */
function entry(
  text: string,
  inputTokens: number,
  outputTokens: number,
  extra: { readonly confidence?: number | undefined; readonly priceFactor?: number | undefined },
): Omit<CachedResponse, 'run'> {
  const { confidence, priceFactor } = extra;
  return { text, inputTokens, outputTokens, ...(confidence !== undefined ? { confidence } : {}), ...(priceFactor !== undefined ? { priceFactor } : {}) };
}
