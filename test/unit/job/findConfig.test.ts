import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_NAME, findConfig } from '../../../src/job/findConfig';

describe('findConfig', () => {
  /** A folder with data/items.jsonl in it, and a config where asked. */
  function tree(configs: readonly string[]): { root: string; input: string } {
    const root = mkdtempSync(path.join(os.tmpdir(), 'smart-find-'));
    mkdirSync(path.join(root, 'data'));
    const input = path.join(root, 'data', 'items.jsonl');
    writeFileSync(input, '{}\n');
    for (const folder of configs) writeFileSync(path.join(root, folder, CONFIG_NAME), '{}');
    return { root, input };
  }

  it('prefers the config beside the input', () => {
    const { root, input } = tree(['data', '.']);
    assert.equal(findConfig(input, root), path.join(root, 'data', CONFIG_NAME));
  });

  it("falls back to the caller's folder (the current folder, the workspace root)", () => {
    const { root, input } = tree(['.']);
    assert.equal(findConfig(input, root), path.join(root, CONFIG_NAME));
  });

  it('finds nothing when neither place has one, or when there is no fallback folder', () => {
    const bare = tree([]);
    assert.equal(findConfig(bare.input, bare.root), undefined);
    const { input } = tree(['.']);
    assert.equal(findConfig(input, undefined), undefined);
  });

  it('keeps a relative input relative, as the command line gave it', () => {
    const { root } = tree(['data']);
    const cwd = process.cwd();
    process.chdir(root);
    try {
      assert.equal(findConfig(path.join('data', 'items.jsonl'), '.'), path.join('data', CONFIG_NAME));
    } finally {
      process.chdir(cwd);
    }
  });
});
