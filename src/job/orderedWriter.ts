import type { ItemOutput } from '../core/engine';
import type { TextWriter } from '../io/writeFileAtomic';

/**
 * Writes outputs in input order as they arrive: profiled items come first in
 * random order and wait here for their turn; the rest arrive nearly in order.
 *
 * Outputs come from the engine's callbacks, which do not wait. Lines whose
 * turn has come are handed to the writer at once when it is idle; those that
 * come while a write is in flight are gathered and go together in the next
 * write. (A promise chained per line instead fell behind a fast producer and
 * held every line not yet written, half a million at a time in a run of a
 * million cached answers.) A write that fails is reported to `onError` as soon
 * as it fails (the job stops the run with it), not when the last output is
 * in, and nothing is written after it.
 */
export class OrderedWriter<T> {
  private readonly waiting = new Map<number, string>();
  private next = 0;
  /** Lines whose turn has come, gathered while a write is in flight. */
  private ready: string[] = [];
  private draining = false;
  /** Settles (never rejects) once every line handed over so far is written, or the writing failed. */
  private written: Promise<void> = Promise.resolve();
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
      this.ready.push(this.waiting.get(this.next)!);
      this.waiting.delete(this.next++);
    }
    if (this.ready.length > 0 && !this.draining) {
      this.draining = true;
      this.written = this.drain();
    }
  }

  /** Waits for every line handed over; throws the write error, or if fewer than `expected` outputs came in order. */
  async finish(expected: number): Promise<void> {
    await this.written;
    if (this.failure) throw this.failure.error;
    if (this.next !== expected || this.waiting.size > 0) {
      throw new Error(`internal error: ${this.next} of ${expected} outputs were written in order (${this.waiting.size} left waiting)`);
    }
  }

  /** Writes the ready lines, all those gathered during one write in the next, until none are left. */
  private async drain(): Promise<void> {
    while (this.ready.length > 0 && !this.failure) {
      const text = `${this.ready.join('\n')}\n`;
      this.ready = [];
      try {
        await this.out.write(text);
      } catch (error) {
        this.fail(error);
      }
    }
    // In the same step as the loop's last check, so no line handed over in between is left behind.
    this.draining = false;
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.ready = [];
    this.onError(error);
  }
}
