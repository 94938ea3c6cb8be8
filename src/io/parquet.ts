/**
 * Reading Parquet files through `hyparquet`, a slice of rows at a time, so
 * memory holds a few pages whatever the file's size: each row is an item
 * (nested columns as objects, so `{{address.city}}` reads as it does in
 * JSONL), named in errors by its row number. Values become what JSON holds:
 * 64-bit integers numbers (strings beyond 2^53), dates ISO strings, bytes
 * that are not text base64. When the pass watches the file, its bytes are
 * read through once first, so a change is caught as for any format.
 */
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from './inputError';
import { readingPass, type InputRecord, type ReadingPassOptions } from './readingPass';

/**
 * Rows read at a time: hyparquet reads only the pages that hold them, so a
 * row group of hundreds of megabytes is never held whole.
 */
const SLICE_ROWS = 1000;

/** Streams the rows of a Parquet file as records, in order, a slice of rows at a time. */
export function readParquet(file: string, options: ReadingPassOptions = {}): AsyncGenerator<InputRecord> {
  return readingPass(file, options, (chunks, watched) => parseRowGroups(file, chunks, watched), 'Parquet');
}

async function* parseRowGroups(file: string, chunks: AsyncIterable<Buffer>, watched: boolean): AsyncGenerator<(InputRecord | InputError)[]> {
  // The pass hashes the bytes as they go by: every one, before the rows are read their own way.
  if (watched) for await (const chunk of chunks) void chunk;
  const handle = await open(file, 'r');
  try {
    const buffer = bufferOf(handle, (await handle.stat()).size);
    if (buffer.byteLength > 0) yield* rowGroups(file, buffer);
  } finally {
    await handle.close();
  }
}

/** The file as hyparquet reads it: slices read from the handle when asked for. */
function bufferOf(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(end - start);
      await handle.read(bytes, 0, bytes.length, start);
      return bytes.buffer;
    },
  };
}

async function* rowGroups(file: string, buffer: AsyncBuffer): AsyncGenerator<InputRecord[]> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new InputError({ file }, `is not a Parquet file (${error instanceof Error ? error.message : String(error)})`);
  }
  const total = Number(metadata.num_rows);
  for (let row = 0; row < total; row += SLICE_ROWS) {
    const end = Math.min(total, row + SLICE_ROWS);
    let values: Record<string, unknown>[];
    try {
      values = await parquetReadObjects({ file: buffer, metadata, rowStart: row, rowEnd: end, compressors });
    } catch (error) {
      throw new InputError({ file, line: row + 1 }, `rows ${row + 1} to ${end} cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    yield values.map((value, i) => ({ line: row + i + 1, value: plainObject(value) }));
  }
}

function plainObject(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = plain(field);
  return out;
}

/** A value as JSON holds it (see above). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('base64');
  }
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return plainObject(value as Record<string, unknown>);
  return value;
}
