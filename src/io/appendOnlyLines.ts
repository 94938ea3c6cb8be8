import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { syncDirectorySync } from './syncDirectory';
import * as path from 'node:path';

/** Where a line lies in a file: its first byte and its length in bytes, without the newline. */
export interface LineSpan {
  readonly offset: number;
  readonly bytes: number;
}

/**
 * A text file that is only ever appended to, one line per record (the
 * response cache, the batch journal).
 *
 * Each line is written with one synchronous `write`: once written it is in
 * the operating system's hands and survives the process being killed. It
 * survives a power cut or a crash of the operating system only once the
 * system has flushed it, which it does on its own schedule (seconds), unless
 * the file is opened `durable`: then each append also waits for the line to
 * reach the disk (`fdatasync`), and a new file's entry in its folder is made
 * durable as well. That costs a disk round trip per line, so it is for files
 * of few, precious lines (the batch journal, a person's labels). A line
 * torn by a crash mid-write stays where it is (readers skip it), and the next
 * append starts on a fresh line, so existing bytes are never rewritten.
 * Since bytes once written never move, a line can be read back later from
 * where it was written (`read`), which lets the response cache keep its
 * answers on disk rather than in memory.
 */
export class AppendOnlyLines {
  private fd: number | undefined;
  private needsNewline: boolean;
  /** The file's size: where the next write lands (every write goes to the end). */
  private size: number;
  /** The blocks read last, the latest first (bytes once written never change, so a block read stays true). */
  private blocks: Block[] = [];

  /** Opens (creating it and its folder if needed) the file for appending; `durable`: see the class. */
  constructor(
    readonly file: string,
    private readonly durable = false,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    // 'a+': every write goes to the end, and written bytes can be read back.
    this.fd = openSync(file, 'a+');
    this.size = fstatSync(this.fd).size;
    this.needsNewline = endsWithoutNewline(this.fd, this.size);
    if (durable && this.size === 0) syncDirectorySync(path.dirname(file));
  }

  /**
   * Appends `line` (which must not contain a newline) and a newline; returns
   * where the line lies. When this returns, the line survives the process
   * being killed, and, for a `durable` file, a power cut.
   */
  append(line: string): LineSpan {
    const fd = this.open();
    const prefix = this.needsNewline ? 1 : 0;
    const text = (prefix ? '\n' : '') + line + '\n';
    const bytes = Buffer.byteLength(text);
    const written = writeSync(fd, text);
    const offset = this.size + prefix;
    this.size += written;
    if (written < bytes) {
      this.needsNewline = true;
      throw new Error(`${this.file}: only ${written} of ${bytes} bytes could be written (is the disk full?)`);
    }
    this.needsNewline = false;
    if (this.durable) fdatasyncSync(fd);
    return { offset, bytes: bytes - prefix - 1 };
  }

  /**
   * The line written at `span` (see `append`), read back from the file. Lines
   * are read in blocks, and the last few blocks kept: lines written near one
   * another and read back near in time (a batch's answers, read by the items
   * in input order) take one read of the file per block, not one each.
   */
  read(span: LineSpan): string {
    const fd = this.open();
    const end = span.offset + span.bytes;
    let block = this.blocks.find((b) => b.offset <= span.offset && end <= b.offset + b.data.length);
    if (block === undefined) {
      // Blocks start at multiples of their size: lines near each other share one, whichever is read first.
      const start = span.offset - (span.offset % READ_BLOCK_BYTES);
      block = readBlock(fd, start, Math.max(READ_BLOCK_BYTES, end - start));
      if (block.offset + block.data.length < end) throw new Error(`${this.file} ends before byte ${end}: was it truncated?`);
      this.blocks.unshift(block);
      if (this.blocks.length > BLOCKS_KEPT) this.blocks.pop();
    }
    return block.data.toString('utf8', span.offset - block.offset, end - block.offset);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`${this.file} is closed`);
    return this.fd;
  }
}

/** Bytes of the file read back at a time. */
const READ_BLOCK_BYTES = 32 * 1024;
/** Blocks kept: lines read from a few places in turn (the answers of a gated plan's two models) still come from blocks in hand. */
const BLOCKS_KEPT = 4;

/** Bytes of the file from `offset`. */
interface Block {
  readonly offset: number;
  readonly data: Buffer;
}

/** Up to `bytes` bytes from `offset`: fewer only where the file ends. */
function readBlock(fd: number, offset: number, bytes: number): Block {
  const data = Buffer.allocUnsafe(bytes);
  let done = 0;
  while (done < bytes) {
    const n = readSync(fd, data, done, bytes - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return { offset, data: data.subarray(0, done) };
}

function endsWithoutNewline(fd: number, size: number): boolean {
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}
