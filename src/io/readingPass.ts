/**
 * One reading pass over an input file, whatever its format: the file is
 * opened (a clear error when it is missing or a folder), streamed in reads of
 * 1 MiB so memory stays flat whatever its size, and, when the caller wants
 * to know the file did not change, every byte read goes through a
 * {@link PassWatch}. A format's parser turns the bytes into records and
 * errors, in file order; the pass hands them on, throwing the first error
 * unless invalid records are skipped.
 */
import type { Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PassWatch, type FileFingerprint } from './fileFingerprint';
import { InputError } from './inputError';

/** One item of an input file. */
export interface InputRecord {
  /** 1-based physical line of the file where the item starts (blank lines and a header row count). */
  line: number;
  value: Record<string, unknown>;
  /** The file it was read from, when it was read as a shard of a dataset (see shards.ts). */
  readonly file?: string;
}

export interface ReadingPassOptions {
  /** Skip malformed records instead of throwing (each is reported to `onInvalid`). */
  skipInvalid?: boolean;
  /** Told about each skipped record, in file order, when `skipInvalid` is set. */
  onInvalid?: (error: InputError) => void;
  /** Stops the reading: the iteration throws `signal.reason`. */
  signal?: AbortSignal;
  /** Bytes read at a time; 1 MiB by default. Tests set it tiny to split characters between reads. */
  highWaterMark?: number | undefined;
  /** Told what the reading saw once it read the whole file (not when it stopped early). */
  onFingerprint?: (fingerprint: FileFingerprint) => void;
  /**
   * What an earlier pass saw of the file: the reading throws an
   * InputChangedError as soon as the file is found to differ from it (when
   * opened, when it grows past its size, at the end or on stopping early).
   */
  expect?: FileFingerprint;
}

/**
 * A format's parser: the file's bytes in, batches of records and errors out,
 * in file order. `watched` says whether the pass watches the file, so that
 * a parser that reads the file its own way (Parquet, by row group) knows
 * whether the bytes must still go through.
 */
export type RecordParser<T> = (chunks: AsyncIterable<Buffer>, watched: boolean) => AsyncGenerator<(T | InputError)[]>;

const DEFAULT_READ_SIZE = 1 << 20;

/** The records a parser finds in `file`, in order; a malformed one throws after the records before it, unless `skipInvalid`. */
export async function* readingPass<T>(file: string, options: ReadingPassOptions, parse: RecordParser<T>, kind: string): AsyncGenerator<T> {
  const { signal } = options;
  for await (const batch of passBatches(file, options, parse, kind)) {
    for (const entry of batch) {
      signal?.throwIfAborted();
      if (entry instanceof InputError) {
        if (!options.skipInvalid) throw entry;
        options.onInvalid?.(entry);
      } else yield entry;
    }
  }
}

/** Opens the file and yields what the parser makes of it, watching it when the caller wants to know it did not change. */
async function* passBatches<T>(file: string, options: ReadingPassOptions, parse: RecordParser<T>, kind: string): AsyncGenerator<(T | InputError)[]> {
  const { signal } = options;
  signal?.throwIfAborted();
  const { handle, stats } = await openForReading(file, kind);
  let watch: PassWatch | undefined;
  try {
    if (options.expect || options.onFingerprint) watch = new PassWatch(file, stats, options.expect);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const stream = handle.createReadStream({ highWaterMark: options.highWaterMark ?? DEFAULT_READ_SIZE });
  if (!watch) {
    try {
      return yield* parse(checked(stream, undefined, signal), false);
    } finally {
      // A parser that reads the file its own way (Parquet) leaves the stream unread: it closes the file all the same.
      stream.destroy();
    }
  }
  /** Whether the pass came to its end (or to an error) rather than being stopped early by its reader. */
  let ended = false;
  try {
    yield* parse(checked(stream, watch, signal), true);
    ended = true;
    const fingerprint = await watch.end();
    options.onFingerprint?.(fingerprint);
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    stream.destroy();
    // Stopped early (a `break`): what was read must still be what the file holds.
    if (!ended && options.expect) await watch.checkUnchanged();
  }
}

/** The reads of a stream, each seen by the watch, stopping on the signal. */
async function* checked(chunks: AsyncIterable<Buffer>, watch: PassWatch | undefined, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    watch?.read(chunk);
    yield chunk;
  }
}

async function openForReading(file: string, kind: string): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'ENOENT' ? 'no such file' : `cannot be opened (${(error as Error).message})`, { cause: error });
  }
  const stats = await handle.stat();
  // Opening a folder succeeds on POSIX; the read would then fail with a bare EISDIR.
  if (stats.isDirectory()) {
    await handle.close();
    throw new InputError({ file }, `is a folder, not a ${kind} file`);
  }
  return { handle, stats };
}
