/**
 * Writing a file all at once or not at all: the text goes to a temporary file
 * beside the target, which replaces the target only once it is complete and on
 * disk, so a crash, an error or a cancelled run never leaves a half-written
 * output.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { syncDirectory } from './syncDirectory';

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

/**
 * Thrown by {@link writeFileAtomic} when the target exists and `overwrite` is
 * not set. The message says only that: how to overwrite is the caller's to
 * say (the command line's `--force`, the editor's Replace).
 */
export class FileExistsError extends Error {
  override readonly name = 'FileExistsError';
  readonly code = 'EEXIST';
  constructor(readonly file: string) {
    super(`${file} already exists`);
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
export async function writeFileAtomic<T>(target: string, write: (out: TextWriter) => Promise<T>, options: { overwrite?: boolean } = {}): Promise<T> {
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
  /** The error of a block write that failed: every write after it fails with it. */
  private failure: { readonly error: unknown } | undefined;

  constructor(private readonly handle: FileHandle) {}

  write(text: string): Promise<void> {
    if (this.done) throw new Error('write after the file was completed or abandoned');
    // Said at the first write after the failure, not one block later.
    if (this.failure) return Promise.reject(this.failure.error);
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
    // Also keeps a producer that does not await from turning a disk error into
    // an unhandled rejection; the error still reaches finish() and later writers.
    this.pending.catch((error: unknown) => (this.failure ??= { error }));
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
