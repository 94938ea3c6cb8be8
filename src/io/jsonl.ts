/**
 * Reading JSONL files of millions of lines: the file is streamed, so memory
 * stays flat whatever its size (writing is `writeFileAtomic.ts`).
 */
import { isUtf8 } from 'node:buffer';
import type { LineSpan } from './appendOnlyLines';
import { InputError } from './inputError';
import { readingPass, type InputRecord, type ReadingPassOptions } from './readingPass';

/** A record with where its line lies in the file, for reading it back alone later. */
export interface PlacedRecord extends InputRecord {
  span: LineSpan;
}

export interface ReadJsonlOptions extends ReadingPassOptions {
  /** Give each record the span of its line (`PlacedRecord`). */
  spans?: boolean;
}

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const BOM = 0xfeff;
/** The byte-order mark in UTF-8. */
const BOM_BYTES = 3;
/** Beyond this a "line" is surely not JSONL (one huge JSON document, a binary file); refuse before running out of memory. */
const MAX_LINE_BYTES = 64 << 20;

/**
 * Streams the records of a JSONL file, in order. A UTF-8 byte-order mark at
 * the start is ignored, `\r\n` line ends are accepted, and blank lines are
 * skipped (but counted in line numbers). Every other line must be a JSON
 * object; a malformed one throws an {@link InputError} naming the file and
 * line, after the records before it have been yielded, unless `skipInvalid`.
 */
export function readJsonl(file: string, options: ReadJsonlOptions & { spans: true }): AsyncGenerator<PlacedRecord>;
export function readJsonl(file: string, options?: ReadJsonlOptions): AsyncGenerator<InputRecord>;
export function readJsonl(file: string, options: ReadJsonlOptions = {}): AsyncGenerator<InputRecord> {
  const spans = options.spans === true;
  return readingPass(file, options, (chunks) => parseBatches(file, chunks, spans), 'JSONL');
}

/**
 * The parsing loop. It splits lines on the byte 0x0A, which never occurs
 * inside a multi-byte UTF-8 character, so a character split between two reads
 * is reassembled with its line. It yields one batch per read, because awaiting
 * once per record would cost more than parsing short lines. Malformed lines
 * come back as InputError entries (not thrown) so that the caller reports them
 * in file order, after the records before them.
 */
async function* parseBatches(file: string, chunks: AsyncIterable<Buffer>, spans: boolean): AsyncGenerator<(InputRecord | InputError)[]> {
  let lineNumber = 0;
  /** The start of a line whose end has not been read yet. */
  let carry: Buffer[] = [];
  let carryBytes = 0;
  /** Where in the file the current chunk starts. */
  let position = 0;

  /** Parses bytes[start, end), a line that starts at byte `offset` of the file. */
  const parseLine = (bytes: Buffer, start: number, end: number, knownUtf8: boolean, offset: number, into: (InputRecord | InputError)[]): void => {
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
    let skipped = 0;
    if (line === 1 && text.charCodeAt(0) === BOM) {
      text = text.slice(1);
      skipped = BOM_BYTES;
    }
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
    const object = value as Record<string, unknown>;
    const record: InputRecord | PlacedRecord = spans
      ? { line, value: object, span: { offset: offset + skipped, bytes: end - start - skipped } }
      : { line, value: object };
    into.push(record);
  };

  for await (const chunk of chunks) {
    const batch: (InputRecord | InputError)[] = [];
    let start = 0;
    if (carryBytes > 0) {
      const end = chunk.indexOf(NEWLINE);
      if (end < 0) {
        carry.push(chunk);
        carryBytes += chunk.length;
        if (carryBytes > MAX_LINE_BYTES) {
          throw new InputError({ file, line: lineNumber + 1 }, `line is longer than ${MAX_LINE_BYTES >> 20} MiB: is this a JSONL file?`);
        }
        position += chunk.length;
        continue;
      }
      carry.push(chunk.subarray(0, end));
      const joined = Buffer.concat(carry);
      carry = [];
      carryBytes = 0;
      parseLine(joined, 0, joined.length, false, position - joined.length + end, batch);
      start = end + 1;
    }
    const lastEnd = chunk.lastIndexOf(NEWLINE);
    if (lastEnd >= start) {
      // One validation for all the complete lines of this read; per line only if it fails.
      const knownUtf8 = isUtf8(chunk.subarray(start, lastEnd));
      while (start <= lastEnd) {
        const end = chunk.indexOf(NEWLINE, start);
        parseLine(chunk, start, end, knownUtf8, position + start, batch);
        start = end + 1;
      }
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carryBytes += chunk.length - start;
    }
    position += chunk.length;
    if (batch.length > 0) yield batch;
  }
  if (carryBytes > 0) {
    const batch: (InputRecord | InputError)[] = [];
    const joined = Buffer.concat(carry);
    parseLine(joined, 0, joined.length, false, position - joined.length, batch);
    if (batch.length > 0) yield batch;
  }
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
