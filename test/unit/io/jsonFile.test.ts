import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { parseJsonAs, readJsonFile, StateFileError } from '../../../src/io/jsonFile';
import { tempFolderPerTest } from '../../support/files';

const schema = z.strictObject({ seed: z.int(), plan: z.object({ items: z.array(z.int()) }) });

describe('reading back a JSON file Smart wrote', () => {
  const dir = tempFolderPerTest('smart-json-file-');

  it("gives the value of the schema's shape, a byte-order mark passed over", () => {
    const file = path.join(dir(), 'state.json');
    writeFileSync(file, '\uFEFF{"seed": 4, "plan": {"items": [1, 2]}}\n');
    assert.deepEqual(readJsonFile(file, schema, 'a state file'), { seed: 4, plan: { items: [1, 2] } });
  });

  it('names the file, what it should hold and the first thing wrong, with its field (issue 19, item 2)', () => {
    const file = path.join(dir(), 'state.json');
    const cases: Array<[string, RegExp]> = [
      ['{"seed": 4, "plan": {"ite', /: not a state file \(not valid JSON: /],
      ['', /: not a state file \(it is empty\)$/],
      ['{"seed": 4, "plan": {"items": [1, "2"]}}', /: not a state file \(plan\.items\.1: .*expected number/],
      ['{"name": "some-package", "version": "1.0.0"}', /: not a state file \(/],
      ['[1, 2, 3]', /: not a state file \(.*expected object/],
    ];
    for (const [text, expected] of cases) {
      writeFileSync(file, text);
      assert.throws(
        () => readJsonFile(file, schema, 'a state file'),
        (error: Error) => error instanceof StateFileError && error.message.startsWith(`${file}: `) && expected.test(error.message),
        text,
      );
    }
    assert.throws(
      () => parseJsonAs('{"seed": "x"}', schema, { file: 'journal.jsonl', what: 'a journal line', line: 7 }),
      /^StateFileError: journal\.jsonl:7: not a journal line \(seed: /,
    );
  });

  it('lets a missing file through as the file system says it, for the caller to tell apart', () => {
    assert.throws(
      () => readJsonFile(path.join(dir(), 'none.json'), schema, 'a state file'),
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
    );
  });
});
