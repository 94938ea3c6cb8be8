/**
 * Reading CSV and TSV files with a header row, streamed through `csv-parse`
 * (a CSV's delimiter told from its header row: comma, semicolon, tab or pipe)
 * (quoted fields with delimiters, quotes and line breaks in them, a UTF-8
 * byte-order mark, `\r\n` line ends): each row is an item whose fields are
 * named by the header, every value a string (an empty cell an empty
 * string). A row with more or fewer fields than the header, or a quote left
 * open, is a malformed record naming its line; blank lines are skipped.
 */
import { parse, type CsvError, type Info } from 'csv-parse';
import { open } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { InputError } from './inputError';
import { readingPass, type InputRecord, type ReadingPassOptions } from './readingPass';

/** The field delimiters Smart reads: a comma, a semicolon (CSV as spreadsheets write it where the comma is the decimal mark), a pipe, a tab (TSV). */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
/** Bytes looked at to tell a file's delimiter: its header row is in them. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The delimiter of a CSV file, told from its header row: the candidate that
 * occurs most often outside quotes (a comma when none does, or on a tie).
 */
export async function sniffDelimiter(file: string): Promise<Delimiter> {
  let head: string;
  try {
    const handle = await open(file, 'r');
    try {
      const bytes = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(bytes, 0, SNIFF_BYTES, 0);
      head = bytes.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    // The reading pass says what is wrong with the file.
    return ',';
  }
  const counts = new Map<Delimiter, number>(DELIMITERS.map((c) => [c, 0]));
  let quoted = false;
  for (const char of head) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char as Delimiter)) counts.set(char as Delimiter, counts.get(char as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const c of DELIMITERS) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}

export interface ReadDelimitedOptions extends ReadingPassOptions {
  readonly delimiter: Delimiter;
}

/** Records handed on at once: awaiting once per row would cost more than parsing short rows. */
const BATCH = 256;

/** Streams the rows of a CSV or TSV file as records named by its header, in order. */
export function readDelimited(file: string, options: ReadDelimitedOptions): AsyncGenerator<InputRecord> {
  return readingPass(file, options, (chunks) => parseRows(file, chunks, options.delimiter), options.delimiter === '\t' ? 'TSV' : 'CSV');
}

interface ParsedRow {
  readonly record: string[];
  readonly info: Info;
}

/**
 * The line each row starts on, from the bytes csv-parse has consumed (its
 * own line count is not that: a `\r\n` inside a quoted field counts twice).
 * It keeps the reads csv-parse has not finished with and a cursor that only
 * moves forward, as rows come in order: each byte is looked at once.
 */
class LineIndex {
  private readonly reads: Buffer[] = [];
  /** The first read not yet behind the cursor, and its file offset. */
  private first = 0;
  private firstStart = 0;
  /** The cursor: a file offset, and the line breaks before it. */
  private at = 0;
  private linesBefore = 0;

  /** Passes the reads on, keeping each. */
  async *follow(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      this.reads.push(chunk);
      yield chunk;
    }
  }

  /** The line of the first byte at or after `offset` that is not a line break: where a row read from `offset` starts. */
  lineFrom(offset: number): number {
    for (;;) {
      const byte = this.byteAt(this.at);
      if (byte === undefined) return this.linesBefore + 1;
      if (this.at >= offset && byte !== NEWLINE && byte !== RETURN) return this.linesBefore + 1;
      if (byte === NEWLINE) this.linesBefore++;
      this.at++;
    }
  }

  /** The byte at a file offset at or after the cursor; undefined past what was read. Drops the reads behind it. */
  private byteAt(offset: number): number | undefined {
    while (this.first < this.reads.length && offset >= this.firstStart + this.reads[this.first].length) {
      this.firstStart += this.reads[this.first].length;
      this.first++;
    }
    // Dropped in bulk: one shift per read would cost as much as the reads when they are small.
    if (this.first > 64) {
      this.reads.splice(0, this.first);
      this.first = 0;
    }
    return this.reads[this.first]?.[offset - this.firstStart];
  }
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/**
 * The parsing loop: csv-parse makes rows of the bytes; the first row names
 * the columns, each later row becomes a record starting on the line where
 * its first field starts (a quoted field may span lines).
 */
async function* parseRows(file: string, chunks: AsyncIterable<Buffer>, delimiter: Delimiter): AsyncGenerator<(InputRecord | InputError)[]> {
  const index = new LineIndex();
  /** Where the row being parsed starts: the end of the one before it. */
  let rowFrom = 0;
  const skipped: InputError[] = [];
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) skipped.push(new InputError({ file, line: index.lineFrom(rowFrom) }, describeCsvError(error)));
      rowFrom = typeof error?.bytes === 'number' ? error.bytes : rowFrom;
      return undefined;
    },
  });
  // A failed read reaches the parser's reader; a reader that stops early (a bad header) ends the reading.
  pipeline(Readable.from(index.follow(chunks)), parser, () => undefined);
  let header: string[] | undefined;
  let batch: (InputRecord | InputError)[] = [];
  try {
    for await (const row of parser as AsyncIterable<ParsedRow>) {
      batch.push(...skipped.splice(0));
      const line = index.lineFrom(rowFrom);
      rowFrom = row.info.bytes;
      if (header === undefined) {
        header = checkedHeader(file, row.record, line);
        continue;
      }
      batch.push(recordOf(file, header, row.record, line));
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    // A quote left open reaches the end of the file: nothing after it can be read.
    batch.push(...skipped.splice(0));
    if (!isCsvError(error)) throw error;
    batch.push(new InputError({ file, line: index.lineFrom(rowFrom) }, describeCsvError(error)));
    yield batch;
    return;
  }
  batch.push(...skipped.splice(0));
  if (batch.length > 0) yield batch;
}

/** The header's names: none empty, none twice. */
function checkedHeader(file: string, names: readonly string[], line: number): string[] {
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (name.trim() === '') throw new InputError({ file, line }, `the header's column ${i + 1} has no name`);
    if (seen.has(name)) throw new InputError({ file, line }, `the header names the column "${name}" twice`);
    seen.add(name);
  }
  return [...names];
}

function recordOf(file: string, header: readonly string[], fields: readonly string[], line: number): InputRecord | InputError {
  if (fields.length !== header.length) {
    return new InputError({ file, line }, `has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header ${header.length}`);
  }
  const value: Record<string, unknown> = {};
  header.forEach((name, i) => (value[name] = fields[i]));
  return { line, value };
}

function isCsvError(error: unknown): error is CsvError {
  const code = (error as { code?: unknown }).code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('CSV_');
}

/** csv-parse's message, less its own "Invalid Opening Quote:"-style prefix and position (the line is ours to say). */
function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (a missing closing quote?)';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote ends a field but more characters follow it (quote the whole field, and double the quotes inside)';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote opens a field part way (quote the whole field, and double the quotes inside)';
    default:
      return `not a valid row (${error.message})`;
  }
}
