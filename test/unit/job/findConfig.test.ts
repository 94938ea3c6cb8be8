import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_NAME, findConfig, findConfigs } from '../../../src/job/findConfig';

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

  it("lists every config a run could use: beside the input, then at the root, each folder's in order (issue 16, item 7)", () => {
    const { root, input } = tree(['data', '.']);
    for (const name of ['smart.config.10.json', 'smart.config.2.json', 'smart.config.json.bak', 'other.config.json'])
      writeFileSync(path.join(root, 'data', name), '{}');
    writeFileSync(path.join(root, 'smart.config.3.json'), '{}');
    assert.deepEqual(findConfigs(input, root), [
      path.join(root, 'data', CONFIG_NAME),
      path.join(root, 'data', 'smart.config.2.json'),
      path.join(root, 'data', 'smart.config.10.json'),
      path.join(root, CONFIG_NAME),
      path.join(root, 'smart.config.3.json'),
    ]);
    assert.deepEqual(findConfigs(input, path.join(root, 'data')), findConfigs(input, root).slice(0, 3), 'a folder is listed once');
    assert.deepEqual(findConfigs(path.join(root, 'missing', 'x.jsonl'), undefined), []);
  });
});
