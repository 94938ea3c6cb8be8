/**
 * Reading a JSON file that holds one array of objects, streamed: each
 * element is cut out of the bytes as they arrive and parsed alone, so memory
 * holds one element at a time whatever the file's size, and every item
 * knows the line it starts on. The cut only needs the JSON's structure
 * characters, which are ASCII and never occur inside a multi-byte UTF-8
 * character, so a character split between two reads is reassembled with its
 * element.
 */
import { InputError } from './inputError';
import { readingPass, type InputRecord, type ReadingPassOptions } from './readingPass';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const BOM = [0xef, 0xbb, 0xbf];
/** Beyond this one element is surely not an item; refuse before running out of memory. */
const MAX_ELEMENT_BYTES = 64 << 20;

/** Streams the objects of a JSON array file, in order. */
export function readJsonArray(file: string, options: ReadingPassOptions = {}): AsyncGenerator<InputRecord> {
  return readingPass(file, options, (chunks) => parseElements(file, chunks), 'JSON');
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * The cutting loop. Outside an element it expects `[`, then elements
 * separated by commas, then `]` and nothing but white space; inside one it
 * counts the nesting of braces and brackets outside strings.
 */
async function* parseElements(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<(InputRecord | InputError)[]> {
  let line = 1;
  let state: 'start' | 'before' | 'element' | 'after' | 'end' = 'start';
  let bomAt = 0;
  /** Bytes of the file before the current chunk. */
  let read = 0;
  /** Inside an element: its bytes so far, where it started, its depth, and whether in a string (and after a backslash). */
  let parts: Buffer[] = [];
  let bytes = 0;
  let startLine = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  const fail = (problem: string): InputError => new InputError({ file, line }, problem);

  for await (const chunk of chunks) {
    const batch: (InputRecord | InputError)[] = [];
    let elementFrom = 0;
    /** What stops the reading: after the records before it are handed on, whether invalid ones are skipped or not. */
    let stop: InputError | undefined;
    for (let i = 0; i < chunk.length && stop === undefined; i++) {
      const byte = chunk[i];
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) inString = false;
          else if (byte === NEWLINE) line++;
          continue;
        }
        if (byte === QUOTE) inString = true;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
        else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
        else if (byte === NEWLINE) line++;
        if (depth > 0) continue;
        parts.push(chunk.subarray(elementFrom, i + 1));
        batch.push(elementOf(file, Buffer.concat(parts), startLine));
        parts = [];
        bytes = 0;
        state = 'after';
        continue;
      }
      // A byte-order mark: the file's first bytes, wherever the reads cut them.
      if (state === 'start' && bomAt < BOM.length && byte === BOM[bomAt] && read + i === bomAt) {
        bomAt++;
        continue;
      }
      if (byte === NEWLINE) line++;
      if (isSpace(byte)) continue;
      if (state === 'start') {
        if (byte !== OPEN_BRACKET) stop = fail('does not start with "[": a JSON file must hold one array of objects');
        state = 'before';
      } else if (state === 'before' && byte === CLOSE_BRACKET) state = 'end';
      else if (state === 'before') {
        if (byte !== OPEN_BRACE) {
          stop = fail('expected a JSON object in the array');
          break;
        }
        state = 'element';
        startLine = line;
        depth = 1;
        elementFrom = i;
      } else if (state === 'after') {
        if (byte === COMMA) state = 'before';
        else if (byte === CLOSE_BRACKET) state = 'end';
        else stop = fail(`expected "," or "]" after an element, got "${String.fromCharCode(byte)}"`);
      } else stop = fail('holds more after the array\'s closing "]"');
    }
    read += chunk.length;
    if (stop !== undefined) {
      if (batch.length > 0) yield batch;
      throw stop;
    }
    if (state === 'element') {
      parts.push(chunk.subarray(elementFrom));
      bytes += chunk.length - elementFrom;
      if (bytes > MAX_ELEMENT_BYTES) {
        if (batch.length > 0) yield batch;
        throw new InputError({ file, line: startLine }, `an element is longer than ${MAX_ELEMENT_BYTES >> 20} MiB`);
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (state === 'start') return;
  if (state !== 'end') throw new InputError({ file, line }, 'ends before the array\'s closing "]"');
}

/** One element's text as a record, or what is wrong with it. */
function elementOf(file: string, text: Buffer, line: number): InputRecord | InputError {
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch (error) {
    return new InputError({ file, line }, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new InputError({ file, line }, 'expected a JSON object in the array');
  return { line, value: value as Record<string, unknown> };
}
