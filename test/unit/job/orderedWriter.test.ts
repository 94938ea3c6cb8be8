import * as assert from 'node:assert/strict';
import type { ItemOutput } from '../../../src/core/engine';
import type { TextWriter } from '../../../src/io/writeFileAtomic';
import { OrderedWriter } from '../../../src/job/orderedWriter';

/** A writer that keeps the lines and fails from the `failAt`-th write on (1-based). */
function memoryWriter(failAt = Infinity): TextWriter & { lines: string[]; attempts: number } {
  const writer = {
    lines: [] as string[],
    attempts: 0,
    write(text: string): Promise<void> {
      writer.attempts++;
      if (writer.attempts >= failAt) return Promise.reject(new Error('ENOSPC: no space left on device, write'));
      writer.lines.push(...text.split('\n').slice(0, -1));
      return Promise.resolve();
    },
    writeLine: () => Promise.reject(new Error('not used')),
  };
  return writer;
}

const output = (index: number): ItemOutput<string> => ({
  index,
  item: `item ${index}`,
  model: 'm',
  completion: { text: `answer ${index}`, inputTokens: 1, outputTokens: 1 },
});
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OrderedWriter', () => {
  it('writes outputs in input order, whatever order they arrive in', async () => {
    const out = memoryWriter();
    const writer = new OrderedWriter<string>(
      out,
      (o) => o.item,
      () => assert.fail('no error expected'),
    );
    for (const i of [3, 0, 2, 1, 4]) writer.add(output(i));
    await writer.finish(5);
    assert.deepEqual(out.lines, ['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
  });

  it('reports a failed write at once, not at the end, and writes nothing after it', async () => {
    const out = memoryWriter(2);
    const errors: unknown[] = [];
    const writer = new OrderedWriter<string>(
      out,
      (o) => o.item,
      (error) => errors.push(error),
    );
    for (let i = 0; i < 5; i++) writer.add(output(i));
    await settle();
    assert.equal(errors.length, 1, 'the failure was not reported before the last output');
    assert.match(String(errors[0]), /ENOSPC/);
    writer.add(output(5));
    await settle();
    assert.equal(out.attempts, 2, 'lines were written after the failure');
    assert.deepEqual(out.lines, ['item 0']);
    await assert.rejects(writer.finish(6), /ENOSPC/);
    assert.equal(errors.length, 1);
  });

  it('gathers the lines that come while a write is in flight into the next write, holding no promise per line', async () => {
    const out = memoryWriter();
    const writer = new OrderedWriter<string>(
      out,
      (o) => o.item,
      () => assert.fail('no error expected'),
    );
    for (let i = 0; i < 10_000; i++) writer.add(output(i));
    await writer.finish(10_000);
    assert.equal(out.attempts, 2, 'the first line at once, the other 9,999 in one write');
    assert.deepEqual(
      out.lines,
      Array.from({ length: 10_000 }, (_, i) => `item ${i}`),
    );
  });

  it('says so when outputs are missing at the end', async () => {
    const writer = new OrderedWriter<string>(
      memoryWriter(),
      (o) => o.item,
      () => undefined,
    );
    writer.add(output(0));
    writer.add(output(2));
    await assert.rejects(writer.finish(3), /internal error: 1 of 3 outputs were written in order \(1 left waiting\)/);
  });
});
