/**
 * Where the engine reads items from. A source can be opened more than once:
 * the engine reads the sample it profiles in one pass (a second one only if
 * profiling outgrows its window) and the rest in a final pass, so a file of
 * millions of lines is never held in memory.
 */
export interface ItemSource<T> {
  /** Number of items, when known without reading (saves a counting pass). */
  readonly count?: number;
  /** Items in input order; each call starts from the beginning. */
  open(): Iterable<T> | AsyncIterable<T>;
}

/** A source over an array held in memory. */
export function arraySource<T>(items: readonly T[]): ItemSource<T> {
  return { count: items.length, open: () => items };
}

/** The items 0..count-1 themselves: what a simulation needs. */
export function indexSource(count: number): ItemSource<number> {
  return {
    count,
    open: function* () {
      for (let i = 0; i < count; i++) yield i;
    },
  };
}

/**
 * Calls `visit` for each item with its input position. `visit` returns a
 * promise only when it must wait (a full call pool), so a synchronous source
 * with a synchronous client runs without a single await per item.
 */
export async function forEachItem<T>(iterable: Iterable<T> | AsyncIterable<T>, visit: (item: T, index: number) => void | Promise<void>): Promise<number> {
  let index = 0;
  if (Symbol.iterator in iterable) {
    for (const item of iterable) {
      const wait = visit(item, index++);
      if (wait) await wait;
    }
  } else {
    for await (const item of iterable) {
      const wait = visit(item, index++);
      if (wait) await wait;
    }
  }
  return index;
}

/** Number of items, counting them with a pass when the source does not say. */
export async function countItems<T>(source: ItemSource<T>): Promise<number> {
  if (source.count !== undefined) return source.count;
  return forEachItem(source.open(), () => undefined);
}
