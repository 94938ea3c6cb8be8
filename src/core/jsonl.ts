/**
 * JSONL in and out, for files of millions of lines: reading streams the file
 * (memory stays flat whatever its size) and writing goes through a temporary
 * file that replaces the target only once it is complete, so a crash, an error
 * or a cancelled run never leaves a half-written output.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { InputError } from './inputError';

/** One item of a JSONL file. */
export interface JsonlRecord {
  /** 1-based physical line number in the file (blank lines count). */
  line: number;
  value: Record<string, unknown>;
}

export interface ReadJsonlOptions {
  /** Skip malformed lines instead of throwing (each is reported to `onInvalid`). */
  skipInvalid?: boolean;
  /** Told about each skipped line, in file order, when `skipInvalid` is set. */
  onInvalid?: (error: InputError) => void;
  /** Stops the reading: the iteration throws `signal.reason`. */
  signal?: AbortSignal;
  /** Bytes read at a time; 1 MiB by default. Tests set it tiny to split characters between reads. */
  highWaterMark?: number;
}

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const BOM = 0xfeff;
const DEFAULT_READ_SIZE = 1 << 20;
/** Beyond this a "line" is surely not JSONL (one huge JSON document, a binary file); refuse before running out of memory. */
const MAX_LINE_BYTES = 64 << 20;

/**
 * Streams the records of a JSONL file, in order. A UTF-8 byte-order mark at
 * the start is ignored, `\r\n` line ends are accepted, and blank lines are
 * skipped (but counted in line numbers). Every other line must be a JSON
 * object; a malformed one throws an {@link InputError} naming the file and
 * line, after the records before it have been yielded, unless `skipInvalid`.
 */
export async function* readJsonl(file: string, options: ReadJsonlOptions = {}): AsyncGenerator<JsonlRecord> {
  const { signal } = options;
  for await (const batch of readBatches(file, options)) {
    for (const entry of batch) {
      signal?.throwIfAborted();
      if (entry instanceof InputError) reportInvalid(entry, options);
      else yield entry;
    }
  }
}

/** What {@link countJsonl} found. */
export interface JsonlCount {
  /** Lines holding a JSON object: what {@link readJsonl} yields. */
  records: number;
  /** Malformed lines skipped (always 0 unless `skipInvalid`). */
  invalid: number;
}

/**
 * Counts the records of a JSONL file with the same rules as
 * {@link readJsonl} (same errors, same skipped lines), without the per-record
 * overhead of iterating them.
 */
export async function countJsonl(file: string, options: ReadJsonlOptions = {}): Promise<JsonlCount> {
  const count: JsonlCount = { records: 0, invalid: 0 };
  for await (const batch of readBatches(file, options)) {
    for (const entry of batch) {
      if (entry instanceof InputError) {
        reportInvalid(entry, options);
        count.invalid++;
      } else {
        count.records++;
      }
    }
  }
  return count;
}

function reportInvalid(error: InputError, options: ReadJsonlOptions): void {
  if (!options.skipInvalid) throw error;
  options.onInvalid?.(error);
}

/**
 * The parsing loop. It splits lines on the byte 0x0A, which never occurs
 * inside a multi-byte UTF-8 character, so a character split between two reads
 * is reassembled with its line. It yields one batch per read, because awaiting
 * once per record would cost more than parsing short lines. Malformed lines
 * come back as InputError entries (not thrown) so that the caller reports them
 * in file order, after the records before them.
 */
async function* readBatches(file: string, options: ReadJsonlOptions): AsyncGenerator<(JsonlRecord | InputError)[]> {
  const { signal } = options;
  signal?.throwIfAborted();
  const stream = (await openForReading(file)).createReadStream({ highWaterMark: options.highWaterMark ?? DEFAULT_READ_SIZE });
  let lineNumber = 0;
  /** The start of a line whose end has not been read yet. */
  let carry: Buffer[] = [];
  let carryBytes = 0;

  const parseLine = (bytes: Buffer, start: number, end: number, knownUtf8: boolean, into: (JsonlRecord | InputError)[]): void => {
    lineNumber++;
    const line = lineNumber;
    const invalid = (problem: string): void => {
      into.push(new InputError({ file, line }, problem));
    };
    if (!knownUtf8 && !isUtf8(bytes.subarray(start, end))) {
      invalid('not valid UTF-8 text (save the file as UTF-8)');
      return;
    }
    let text = bytes.toString('utf8', start, end);
    if (line === 1 && text.charCodeAt(0) === BOM) text = text.slice(1);
    // Records normally start with "{": only other lines pay for the blank check.
    if (text.charCodeAt(0) !== OPEN_BRACE && text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      invalid(`not valid JSON (${(error as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      invalid(`expected a JSON object, got ${describeJsonType(value)}`);
      return;
    }
    into.push({ line, value: value as Record<string, unknown> });
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    const batch: (JsonlRecord | InputError)[] = [];
    let start = 0;
    if (carryBytes > 0) {
      const end = chunk.indexOf(NEWLINE);
      if (end < 0) {
        carry.push(chunk);
        carryBytes += chunk.length;
        if (carryBytes > MAX_LINE_BYTES) {
          throw new InputError({ file, line: lineNumber + 1 }, `line is longer than ${MAX_LINE_BYTES >> 20} MiB: is this a JSONL file?`);
        }
        continue;
      }
      carry.push(chunk.subarray(0, end));
      const joined = Buffer.concat(carry);
      carry = [];
      carryBytes = 0;
      parseLine(joined, 0, joined.length, false, batch);
      start = end + 1;
    }
    const lastEnd = chunk.lastIndexOf(NEWLINE);
    if (lastEnd >= start) {
      // One validation for all the complete lines of this read; per line only if it fails.
      const knownUtf8 = isUtf8(chunk.subarray(start, lastEnd));
      while (start <= lastEnd) {
        const end = chunk.indexOf(NEWLINE, start);
        parseLine(chunk, start, end, knownUtf8, batch);
        start = end + 1;
      }
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carryBytes += chunk.length - start;
    }
    if (batch.length > 0) yield batch;
  }
  if (carryBytes > 0) {
    const batch: (JsonlRecord | InputError)[] = [];
    const joined = Buffer.concat(carry);
    parseLine(joined, 0, joined.length, false, batch);
    if (batch.length > 0) yield batch;
  }
}

async function openForReading(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'ENOENT' ? 'no such file' : `cannot be opened (${(error as Error).message})`, { cause: error });
  }
  // Opening a folder succeeds on POSIX; the read would then fail with a bare EISDIR.
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new InputError({ file }, 'is a folder, not a JSONL file');
  }
  return handle;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Appends text to the file that {@link writeFileAtomic} is writing. Text is
 * gathered in memory and written in large blocks, so millions of small writes
 * stay cheap. Await every call: the promise is an already-resolved one except
 * when the disk is behind, which is how the writer holds a fast producer back.
 */
export interface TextWriter {
  /** Appends `text` as UTF-8. */
  write(text: string): Promise<void>;
  /** Appends `line` and `\n`. */
  writeLine(line: string): Promise<void>;
}

/** Thrown by {@link writeFileAtomic} when the target exists and `overwrite` is not set. */
export class FileExistsError extends Error {
  override readonly name = 'FileExistsError';
  readonly code = 'EEXIST';
  constructor(readonly file: string) {
    super(`${file} already exists; pass --force to overwrite`);
  }
}

/** Text gathered before a write to disk; large enough that per-write overhead vanishes. */
const WRITE_BLOCK_CHARS = 1 << 20;
const RESOLVED: Promise<void> = Promise.resolve();
const ignore = (): void => undefined;

/**
 * Writes `target` all at once or not at all. `write` fills a temporary file
 * beside the target (`.<name>.<random>.tmp`, same folder so that the rename is
 * atomic); once it resolves the data is flushed to disk and the temporary file
 * renamed onto the target. If `write` throws (or is aborted by its caller), or
 * any step fails, the temporary file is deleted and an existing target is left
 * as it was.
 *
 * Without `overwrite`, an existing target is refused with a
 * {@link FileExistsError} before `write` is called (so that no paid work is
 * done for nothing), and checked again just before the rename.
 *
 * @returns what `write` returned.
 */
export async function writeFileAtomic<T>(
  target: string,
  write: (out: TextWriter) => Promise<T>,
  options: { overwrite?: boolean } = {},
): Promise<T> {
  const overwrite = options.overwrite === true;
  if (!overwrite && (await exists(target))) throw new FileExistsError(target);
  const directory = path.dirname(target);
  const temporary = path.join(directory, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL);
  const writer = new BlockWriter(handle);
  let closed = false;
  try {
    const result = await write(writer);
    await writer.finish();
    await handle.sync();
    closed = true;
    await handle.close();
    if (!overwrite && (await exists(target))) throw new FileExistsError(target);
    await rename(temporary, target);
    await syncDirectory(directory);
    return result;
  } catch (error) {
    writer.abandon();
    if (!closed) await handle.close().catch(ignore);
    await unlink(temporary).catch(ignore);
    throw error;
  }
}

/**
 * Gathers text into blocks and writes them in order, at most one block behind
 * the producer: a full block is handed to the disk and the producer waits only
 * for the block before it, so producing and writing overlap.
 */
class BlockWriter implements TextWriter {
  private text = '';
  /** The last block write queued; blocks are chained so they land in order. */
  private pending: Promise<void> = RESOLVED;
  private done = false;

  constructor(private readonly handle: FileHandle) {}

  write(text: string): Promise<void> {
    if (this.done) throw new Error('write after the file was completed or abandoned');
    this.text += text;
    return this.text.length >= WRITE_BLOCK_CHARS ? this.flush() : RESOLVED;
  }

  writeLine(line: string): Promise<void> {
    return this.write(`${line}\n`);
  }

  /** Writes what is left and waits for every block to be on the file. */
  async finish(): Promise<void> {
    await this.flush();
    this.done = true;
    await this.pending;
  }

  /** Refuses further writes (a caller that did not await would otherwise write into a deleted file). */
  abandon(): void {
    this.done = true;
  }

  /** Queues the gathered text; resolves when the block queued before it is written. */
  private flush(): Promise<void> {
    const previous = this.pending;
    if (this.text.length === 0) return previous;
    const bytes = Buffer.from(this.text, 'utf8');
    this.text = '';
    this.pending = previous.then(() => writeAll(this.handle, bytes));
    // A producer that does not await would otherwise turn a disk error into an
    // unhandled rejection; the error still reaches finish() and later writers.
    this.pending.catch(ignore);
    return previous;
  }
}

/** FileHandle.write may write less than asked (e.g. near a full disk); loop until all is written. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Makes the rename itself durable on POSIX; folders cannot be opened this way on Windows, where NTFS journals renames anyway. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort: the file is already in place.
  } finally {
    await handle?.close().catch(ignore);
  }
}
