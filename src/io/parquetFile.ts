/**
 * Writing a Parquet file through `hyparquet-writer`, streamed: rows go in
 * row groups of 1,000, each group's bytes handed to the file as it is done,
 * so memory holds one group. A column's type is read from its values: text,
 * numbers or booleans throughout keep their type; anything else (objects,
 * arrays, a column of mixed kinds) is a JSON column. Written to a temporary
 * file and renamed, as every output is.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { ByteWriter, parquetWriteRows } from 'hyparquet-writer';
import { FileExistsError } from './writeFileAtomic';

/** The types Smart writes a column as. */
export type ParquetColumnType = 'STRING' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
}

/** Rows a row group holds: 1,000 keeps a 1 GB output of 10 KB rows within the memory of reading its input (bench:io). */
const ROW_GROUP = 1_000;

/** A ByteWriter that hands its bytes to a file after each row group and at the end. */
class FileByteWriter extends ByteWriter {
  constructor(private readonly fd: number) {
    super(1 << 20);
  }

  flush(): void {
    writeSync(this.fd, new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

/** Learns the columns of rows seen one by one: their names in the order met, and each one's type. */
export class ColumnTypes {
  private readonly kinds = new Map<string, Set<string>>();

  see(row: Readonly<Record<string, unknown>>): void {
    for (const [name, value] of Object.entries(row)) {
      const kinds = this.kinds.get(name) ?? new Set<string>();
      if (value !== null && value !== undefined) kinds.add(Array.isArray(value) ? 'array' : typeof value);
      this.kinds.set(name, kinds);
    }
  }

  columns(): ParquetColumn[] {
    return [...this.kinds].map(([name, kinds]) => ({ name, type: typeOf(kinds) }));
  }
}

function typeOf(kinds: ReadonlySet<string>): ParquetColumnType {
  if (kinds.size === 0 || (kinds.size === 1 && kinds.has('string'))) return 'STRING';
  if (kinds.size === 1 && kinds.has('number')) return 'DOUBLE';
  if (kinds.size === 1 && kinds.has('boolean')) return 'BOOLEAN';
  return 'JSON';
}

/**
 * Writes `rows` as a Parquet file at `target` with these columns (a value a
 * row lacks is null), atomically: a temporary file beside it, renamed once
 * complete. Without `overwrite`, an existing target is refused.
 */
export async function writeParquetFile(
  target: string,
  columns: readonly ParquetColumn[],
  rows: AsyncIterable<Readonly<Record<string, unknown>>>,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  if (!options.overwrite && existsSync(target)) throw new FileExistsError(target);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const fd = openSync(temporary, 'w');
  try {
    await parquetWriteRows({
      writer: new FileByteWriter(fd),
      rows: normalized(rows, columns),
      columns: columns.map((c) => ({ name: c.name, type: c.type })),
      rowGroupSize: ROW_GROUP,
    });
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  renameSync(temporary, target);
}

/** Each row with every column, nulls where it has none. */
async function* normalized(rows: AsyncIterable<Readonly<Record<string, unknown>>>, columns: readonly ParquetColumn[]): AsyncGenerator<Record<string, unknown>> {
  for await (const row of rows) {
    const out: Record<string, unknown> = {};
    for (const { name } of columns) out[name] = row[name] ?? null;
    yield out;
  }
}
