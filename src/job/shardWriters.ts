/**
 * The outputs of a dataset of shards, each written beside its shard: the
 * engine numbers items across the whole dataset, and each shard's file takes
 * its own items in its own order (one {@link OrderedWriter} per shard, an
 * item routed by its index). A dataset of one file is one shard.
 */
import type { ItemOutput } from '../core/engine';
import { writeFileAtomic, type TextWriter } from '../io/writeFileAtomic';
import { OrderedWriter } from './orderedWriter';

export class ShardWriters<T> {
  private readonly writers: OrderedWriter<T>[];
  /** The index of each shard's first item. */
  private readonly offsets: number[] = [];

  constructor(
    outs: readonly TextWriter[],
    private readonly counts: readonly number[],
    format: (output: ItemOutput<T>) => string,
    onError: (error: unknown) => void,
  ) {
    let offset = 0;
    for (const count of counts) {
      this.offsets.push(offset);
      offset += count;
    }
    this.writers = outs.map((out) => new OrderedWriter<T>(out, format, onError));
  }

  /** Hands an output to its shard's writer, numbered within the shard. */
  add(output: ItemOutput<T>): void {
    const shard = this.shardOf(output.index);
    this.writers[shard].add({ ...output, index: output.index - this.offsets[shard] });
  }

  /** Resolves once every shard's file holds all its items (see `OrderedWriter.finish`). */
  async finish(): Promise<void> {
    await Promise.all(this.writers.map((writer, shard) => writer.finish(this.counts[shard])));
  }

  /** The last shard whose first item is at or before `index` (shards without items have no index of their own). */
  private shardOf(index: number): number {
    let low = 0;
    let high = this.offsets.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.offsets[middle] <= index) low = middle;
      else high = middle - 1;
    }
    // Several shards may start at one index when some hold no item: the item is the last one's.
    return low;
  }
}

/**
 * Runs `write` with every file open, each written atomically as
 * `writeFileAtomic` writes one: none is replaced unless `write` succeeds.
 */
export function writeFilesAtomic<R>(files: readonly string[], write: (outs: TextWriter[]) => Promise<R>, options: { overwrite?: boolean } = {}): Promise<R> {
  const openFrom = (i: number, outs: TextWriter[]): Promise<R> =>
    i === files.length ? write(outs) : writeFileAtomic(files[i], (out) => openFrom(i + 1, [...outs, out]), options);
  return openFrom(0, []);
}
