/**
 * A dataset split into shards: a folder (`data/`) or a pattern over file
 * names (`data/part-*.jsonl`) read as one dataset over every shard in a
 * stable order (by name, numbers compared as numbers, so `part-2` comes
 * before `part-10`). Its shards are the files directly in the folder (that
 * match the pattern) of a format Smart reads, Smart's own outputs and
 * reports aside, all of one format. A single file is a dataset of one shard.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { FileFingerprint } from './fileFingerprint';
import { InputError } from './inputError';
import type { InputRecord, ReadingPassOptions } from './readingPass';
import { formatOf, inputFormatOf, KNOWN_EXTENSIONS, readRecords, type InputFormat, type InputReading } from './records';

/**
 * Whether `input` is a pattern over file names (`data/part-*.jsonl`, with
 * `*`, `?` or `[...]`) rather than a path. A path that exists is a path,
 * whatever characters its name holds.
 */
export function isPattern(input: string): boolean {
  return !existsSync(input) && (picomatch.scan(path.basename(input)).isGlob || picomatch.scan(path.dirname(input)).isGlob);
}

/** Whether `input` names a folder of shards, or a pattern over them, rather than one file. */
export function isSharded(input: string): boolean {
  return isPattern(input) || (existsSync(input) && statSync(input).isDirectory());
}

/**
 * The name a dataset's report and state go by: its file's or folder's name,
 * or a pattern's with each wildcard written as `%` (`part-*.jsonl` gives
 * `part-%.jsonl`), a name no path typed as a pattern can have.
 */
export function datasetName(input: string): string {
  const name = path.basename(input);
  return isPattern(input) ? name.replace(/\[[^\]]*\]|[*?]+/g, '%') : name;
}

/**
 * The files of a dataset, in the order it is read: the shards of a folder
 * or a pattern, or the one file.
 * @throws InputError when a folder or pattern holds no shard, or shards of two formats.
 */
export function shardsOf(input: string): string[] {
  if (!isSharded(input)) return [input];
  const pattern = isPattern(input);
  const folder = pattern ? path.dirname(input) : input;
  if (pattern) checkPatternFolder(input, folder);
  const matches = pattern ? picomatch(path.basename(input)) : () => true;
  const shards = readdirSync(folder)
    .filter((name) => matches(name) && formatOf(name) !== undefined && !isSmartOutput(name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => path.join(folder, name))
    .filter((file) => statSync(file).isFile());
  if (shards.length === 0) throw new InputError({ file: input }, `${pattern ? 'matches' : 'holds'} no file Smart reads (${KNOWN_EXTENSIONS})`);
  const formats = new Set(shards.map((file) => formatOf(file)));
  if (formats.size > 1)
    throw new InputError({ file: input }, `holds shards of ${formats.size} formats (${[...formats].join(', ')}): one dataset is of one format`);
  return shards;
}

/** The format a dataset is read in: the one set, else its first shard's by its extension. @throws InputError as `shardsOf` and `inputFormatOf` do. */
export function datasetFormat(input: string, format: InputFormat | undefined): InputFormat {
  return format ?? inputFormatOf(shardsOf(input)[0]);
}

/** A pattern's wildcards are in its file name only, in a folder that exists. */
function checkPatternFolder(input: string, folder: string): void {
  if (picomatch.scan(folder).isGlob)
    throw new InputError({ file: input }, 'has wildcards in its folder: a pattern names files in one folder (data/part-*.jsonl)');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new InputError({ file: input }, `names files in ${folder}, which is not a folder`);
}

/** Smart's outputs and reports beside the shards are not shards. */
function isSmartOutput(name: string): boolean {
  return /\.smart(\.[a-z]+|-report\.json)$/i.test(name);
}

export interface ReadDatasetOptions extends Omit<ReadingPassOptions, 'expect' | 'onFingerprint'>, InputReading {
  /** What an earlier pass saw of each shard (see `ReadingPassOptions.expect`). */
  readonly expect?: readonly FileFingerprint[];
  /** Told what the pass saw of every shard, once it read them all. */
  readonly onFingerprints?: (fingerprints: FileFingerprint[]) => void;
}

/** A record and the shard it came from, by its place among the shards. */
export interface ShardRecord extends InputRecord {
  /** The shard's file. */
  readonly file: string;
  /** Its place among the shards, from 0. */
  readonly shard: number;
}

/** Streams the records of every shard, shard after shard, each told its shard; errors name the shard's file. */
export async function* readDataset(shards: readonly string[], options: ReadDatasetOptions = {}): AsyncGenerator<ShardRecord> {
  const fingerprints: FileFingerprint[] = [];
  const { expect: expected, onFingerprints, ...common } = options;
  for (const [shard, file] of shards.entries()) {
    const expect = expected?.[shard];
    const reading = readRecords(file, {
      ...common,
      ...(expect ? { expect } : {}),
      ...(onFingerprints ? { onFingerprint: (seen: FileFingerprint) => (fingerprints[shard] = seen) } : {}),
    });
    for await (const record of reading) yield { ...record, file, shard };
  }
  onFingerprints?.(fingerprints);
}
