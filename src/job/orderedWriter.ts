import type { ItemOutput } from '../core/engine';
import type { TextWriter } from '../io/writeFileAtomic';

/**
 * Writes outputs in input order as they arrive: profiled items come first in
 * random order and wait here for their turn; the rest arrive nearly in order.
 *
 * Outputs come from the engine's callbacks, which do not wait, so lines are
 * queued on the writer in order; a write that fails is reported to `onError`
 * as soon as it fails (the job stops the run with it), not when the last
 * output is in, and nothing is queued after it.
 */
export class OrderedWriter<T> {
  private readonly waiting = new Map<number, string>();
  private next = 0;
  private pending: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly out: TextWriter,
    private readonly format: (output: ItemOutput<T>) => string,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(output: ItemOutput<T>): void {
    if (this.failure) return;
    this.waiting.set(output.index, this.format(output));
    while (this.waiting.has(this.next)) {
      const ready = this.waiting.get(this.next)!;
      this.waiting.delete(this.next++);
      this.pending = this.pending.then(() => (this.failure ? undefined : this.out.writeLine(ready)));
      this.pending.catch((error: unknown) => this.fail(error));
    }
  }

  /** Waits for every line queued; throws the write error, or if fewer than `expected` outputs came in order. */
  async finish(expected: number): Promise<void> {
    await this.pending;
    if (this.next !== expected || this.waiting.size > 0) {
      throw new Error(`internal error: ${this.next} of ${expected} outputs were written in order (${this.waiting.size} left waiting)`);
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.onError(error);
  }
}
