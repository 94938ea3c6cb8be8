/**
 * A dataset split into shards: a folder (`data/`) read as one dataset over
 * every shard in a stable order (by name, numbers compared as numbers, so
 * `part-2` comes before `part-10`). Its shards are the files directly in it
 * of a format Smart reads, Smart's own outputs and reports aside, all of one
 * format. A single file is a dataset of one shard.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { FileFingerprint } from './fileFingerprint';
import { InputError } from './inputError';
import type { InputRecord, ReadingPassOptions } from './readingPass';
import { formatOf, readRecords, type InputReading } from './records';

/** Whether `input` names a folder of shards rather than one file. */
export function isSharded(input: string): boolean {
  return existsSync(input) && statSync(input).isDirectory();
}

/**
 * The files of a dataset, in the order it is read: the shards of a folder,
 * or the one file.
 * @throws InputError when a folder holds no shard, or shards of two formats.
 */
export function shardsOf(input: string): string[] {
  if (!isSharded(input)) return [input];
  const shards = readdirSync(input)
    .filter((name) => formatOf(name) !== undefined && !isSmartOutput(name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => path.join(input, name))
    .filter((file) => statSync(file).isFile());
  if (shards.length === 0) throw new InputError({ file: input }, 'holds no file Smart reads (.jsonl, .ndjson, .csv, .tsv, .tab, .json, .parquet)');
  const formats = new Set(shards.map((file) => formatOf(file)));
  if (formats.size > 1)
    throw new InputError({ file: input }, `holds shards of ${formats.size} formats (${[...formats].join(', ')}): one dataset is of one format`);
  return shards;
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
