import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A text file that is only ever appended to, one line per record (the
 * response cache, the batch journal).
 *
 * Each line is written with one synchronous `write`: once written it is in
 * the operating system's hands and survives the process being killed. A line
 * torn by a crash mid-write stays where it is (readers skip it), and the next
 * append starts on a fresh line, so existing bytes are never rewritten.
 */
export class AppendOnlyLines {
  private fd: number | undefined;
  private needsNewline: boolean;

  /** Opens (creating it and its folder if needed) the file for appending. */
  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    // 'a+': every write goes to the end, and the last byte can be read back.
    this.fd = openSync(file, 'a+');
    this.needsNewline = endsWithoutNewline(this.fd);
  }

  /** Appends `line` (which must not contain a newline) and a newline, on disk before this returns. */
  append(line: string): void {
    if (this.fd === undefined) throw new Error(`${this.file} is closed`);
    writeSync(this.fd, (this.needsNewline ? '\n' : '') + line + '\n');
    this.needsNewline = false;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function endsWithoutNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}
