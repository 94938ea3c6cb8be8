/**
 * Values already computed, by key, for pure functions that a run asks for
 * again and again (the planner prices the same bounds across plans, sample
 * sizes and scenarios). Emptied whole when full: a run's working set is far
 * smaller, and a long benchmark's memory stays bounded.
 */
export class BoundedCache<K, V> {
  private readonly values = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  /** The value for `key`, computed by `compute` the first time. */
  get(key: K, compute: () => V): V {
    let value = this.values.get(key);
    if (value === undefined) {
      if (this.values.size >= this.capacity) this.values.clear();
      this.values.set(key, (value = compute()));
    }
    return value;
  }
}
