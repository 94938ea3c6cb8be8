/**
 * The items of an input file, whatever its format: JSONL (one object a
 * line), CSV and TSV (a header row, then one item a row), a JSON file
 * holding one array of objects, or Parquet (one item a row). The format is told by the file's extension;
 * every reader streams, keeps memory flat, names the line of every bad
 * item, and watches the file for changes between passes.
 */
import * as path from 'node:path';
import { readDelimited, sniffDelimiter, type Delimiter } from './delimited';
import { InputError } from './inputError';
import { readJsonArray } from './jsonArray';
import { readJsonl } from './jsonl';
import { readParquet } from './parquet';
import type { InputRecord, ReadingPassOptions } from './readingPass';

/** The formats Smart reads. */
export const INPUT_FORMATS = ['jsonl', 'csv', 'tsv', 'json', 'parquet'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The extensions of each format (lower case). */
const EXTENSIONS: Readonly<Record<InputFormat, readonly string[]>> = {
  jsonl: ['.jsonl', '.ndjson'],
  csv: ['.csv'],
  tsv: ['.tsv', '.tab'],
  json: ['.json'],
  parquet: ['.parquet'],
};

/** The format of a file by its extension; undefined for one Smart does not read. */
export function formatOf(file: string): InputFormat | undefined {
  const extension = path.extname(file).toLowerCase();
  return INPUT_FORMATS.find((format) => EXTENSIONS[format].includes(extension));
}

/** The extensions of the files Smart reads, in words: ".jsonl, .ndjson, .csv, …". */
export const KNOWN_EXTENSIONS = INPUT_FORMATS.flatMap((format) => EXTENSIONS[format]).join(', ');

/** The format of an input file. @throws InputError naming the formats Smart reads when its extension is none of theirs. */
export function inputFormatOf(file: string): InputFormat {
  const format = formatOf(file);
  if (format === undefined) {
    throw new InputError({ file }, `is not a file Smart reads (its name should end in ${KNOWN_EXTENSIONS})`);
  }
  return format;
}

/** The file's name without its format's extension: `data/items.csv` gives `items`. */
export function baseName(file: string): string {
  const name = path.basename(file);
  return formatOf(file) === undefined ? name : name.slice(0, -path.extname(name).length);
}

/** How to read a file where its extension is not to decide: its format, and a CSV's delimiter. */
export interface InputReading {
  readonly format?: InputFormat | undefined;
  readonly delimiter?: Delimiter | undefined;
}

/** Streams the items of an input file, in order (see each format's reader). */
export function readRecords(file: string, options: ReadingPassOptions & InputReading = {}): AsyncGenerator<InputRecord> {
  const format = options.format ?? inputFormatOf(file);
  switch (format) {
    case 'jsonl':
      return readJsonl(file, options);
    case 'csv':
      return options.delimiter !== undefined ? readDelimited(file, { ...options, delimiter: options.delimiter }) : readCsv(file, options);
    case 'tsv':
      return readDelimited(file, { ...options, delimiter: '\t' });
    case 'json':
      return readJsonArray(file, options);
    case 'parquet':
      return readParquet(file, options);
  }
}

/** A CSV file's rows, its delimiter told from its header row. */
async function* readCsv(file: string, options: ReadingPassOptions): AsyncGenerator<InputRecord> {
  yield* readDelimited(file, { ...options, delimiter: await sniffDelimiter(file) });
}

/** The delimiter of a CSV or TSV file's fields: the one given, a TSV's tab, or a CSV's told from its header row. */
export function delimiterOf(file: string, reading: InputReading = {}): Promise<Delimiter> {
  if (reading.delimiter !== undefined) return Promise.resolve(reading.delimiter);
  return (reading.format ?? formatOf(file)) === 'tsv' ? Promise.resolve('\t') : sniffDelimiter(file);
}

/**
 * The first item of a file, reading no more of it than it must: undefined
 * when it holds none or its first is not one (the caller only wants an
 * example).
 */
export async function readFirstRecord(file: string, reading: InputReading = {}): Promise<InputRecord | undefined> {
  try {
    for await (const record of readRecords(file, reading)) return record;
  } catch (error) {
    if (error instanceof InputError && error.line !== undefined) return undefined;
    throw error;
  }
  return undefined;
}
