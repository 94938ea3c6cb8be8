import * as assert from 'node:assert/strict';
import { InputError } from '../../src/io/inputError';

/** Every record a reader yields, in order. */
export async function collect<T>(records: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const record of records) all.push(record);
  return all;
}

/** The error of this kind (InputError or one of its kinds) a read fails with; fails the test when it succeeds or fails otherwise. */
export async function inputErrorOf<E extends InputError>(read: () => Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await read();
  } catch (error) {
    assert.ok(error instanceof kind, `expected an ${kind.name}, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the read to fail');
}
