import * as assert from 'node:assert/strict';

/** Asserts that `format` gives each row's text for its number. */
export function expectEach(format: (x: number) => string, rows: ReadonlyArray<readonly [number, string]>): void {
  for (const [x, text] of rows) assert.equal(format(x), text, `${format.name}(${x})`);
}
