import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ItemOutput } from '../../../src/core/engine';
import type { FileFingerprint } from '../../../src/io/fileFingerprint';
import { InputChangedError } from '../../../src/io/inputError';
import { datasetName, isPattern, isSharded, readDataset, shardsOf } from '../../../src/io/shards';
import { stateFileFor } from '../../../src/io/stateFile';
import { jobFiles } from '../../../src/job/runJob';
import type { TextWriter } from '../../../src/io/writeFileAtomic';
import { ShardWriters } from '../../../src/job/shardWriters';
import { tempFolderPerTest } from '../../support/files';

describe('datasets split into shards (issue 18)', () => {
  const folder = tempFolderPerTest('smart-shards-');

  function shards(files: Readonly<Record<string, string>>): string {
    const dir = path.join(folder(), 'data');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  it('reads the shards of a folder by name, numbers as numbers, leaving out what is not a shard', () => {
    const dir = shards({
      'part-10.jsonl': '{}\n',
      'part-2.jsonl': '{}\n',
      'part-1.jsonl': '{}\n',
      'part-1.smart.jsonl': '{}\n',
      'data.smart-report.json': '{}',
      'README.md': '# not a shard',
    });
    assert.ok(isSharded(dir));
    assert.deepEqual(
      shardsOf(dir).map((f) => path.basename(f)),
      ['part-1.jsonl', 'part-2.jsonl', 'part-10.jsonl'],
    );
    const single = path.join(folder(), 'one.jsonl');
    writeFileSync(single, '{}\n');
    assert.ok(!isSharded(single));
    assert.deepEqual(shardsOf(single), [single]);
  });

  it('reads the shards a pattern names in one folder, in the same order, leaving out what does not match', () => {
    const dir = shards({
      'part-10.jsonl': '{}\n',
      'part-2.jsonl': '{}\n',
      'part-1.smart.jsonl': '{}\n',
      'part-1.jsonl': '{}\n',
      'other.jsonl': '{}\n',
      'part-3.csv': 'x\n1\n',
    });
    const pattern = path.join(dir, 'part-*.jsonl');
    assert.ok(isPattern(pattern) && isSharded(pattern));
    assert.deepEqual(
      shardsOf(pattern).map((f) => path.basename(f)),
      ['part-1.jsonl', 'part-2.jsonl', 'part-10.jsonl'],
    );
    assert.deepEqual(
      shardsOf(path.join(dir, 'part-?.jsonl')).map((f) => path.basename(f)),
      ['part-1.jsonl', 'part-2.jsonl'],
    );
    // Its report and state go by the pattern with its wildcards written as %, never by a shard's name.
    assert.equal(datasetName(pattern), 'part-%.jsonl');
    assert.equal(datasetName(path.join(dir, 'part-[12].jsonl')), 'part-%.jsonl');
    assert.equal(stateFileFor(pattern, '.cache.jsonl'), path.join(dir, '.smart', 'part-%.jsonl.cache.jsonl'));
    const files = jobFiles(pattern);
    assert.equal(files.report, path.join(dir, 'part-%.smart-report.json'));
    assert.deepEqual(
      files.outputs.map((f) => path.basename(f)),
      ['part-1.smart.jsonl', 'part-2.smart.jsonl', 'part-10.smart.jsonl'],
    );
  });

  it('takes a path that exists as a path, whatever its name holds', () => {
    const dir = shards({ '[draft].jsonl': '{}\n' });
    const file = path.join(dir, '[draft].jsonl');
    assert.ok(!isPattern(file) && !isSharded(file));
    assert.equal(datasetName(file), '[draft].jsonl');
  });

  it('refuses a pattern that matches nothing, one with wildcards in its folder, and one in no folder, naming it', () => {
    const dir = shards({ 'a.jsonl': '{}\n' });
    assert.throws(() => shardsOf(path.join(dir, 'b-*.jsonl')), /b-\*\.jsonl: matches no file Smart reads \(\.jsonl/);
    assert.throws(() => shardsOf(path.join(folder(), '*', 'a.jsonl')), /has wildcards in its folder/);
    assert.throws(() => shardsOf(path.join(dir, 'missing', '*.jsonl')), /which is not a folder/);
  });

  it('reads every shard in turn, each record told its shard, and notices a shard changed since the last pass', async () => {
    const dir = shards({ 'a.csv': 'x\n1\n2\n', 'b.csv': 'x\n3\n' });
    const files = shardsOf(dir);
    let seen: FileFingerprint[] = [];
    const records = [];
    for await (const r of readDataset(files, { onFingerprints: (f) => (seen = f) })) records.push([path.basename(r.file), r.shard, r.line, r.value.x]);
    assert.deepEqual(records, [
      ['a.csv', 0, 2, '1'],
      ['a.csv', 0, 3, '2'],
      ['b.csv', 1, 2, '3'],
    ]);
    assert.equal(seen.length, 2);
    writeFileSync(files[1], 'x\n4\n');
    await assert.rejects(async () => {
      for await (const r of readDataset(files, { expect: seen })) void r;
    }, InputChangedError);
  });

  it('writes each output to its shard, numbered within it, shards without items included', async () => {
    const texts: string[][] = [[], [], [], []];
    const outs = texts.map(
      (lines): TextWriter =>
        ({ write: (t: string) => void lines.push(t), writeLine: (t: string) => Promise.resolve(void lines.push(t)) }) as unknown as TextWriter,
    );
    const writers = new ShardWriters<string>(
      outs,
      [2, 0, 3, 1],
      (o) => `${o.index}:${o.item}`,
      (error) => assert.fail(String(error)),
    );
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const index of [4, 0, 5, 2, 1, 3]) writers.add({ index, item: items[index] } as unknown as ItemOutput<string>);
    await writers.finish();
    assert.deepEqual(
      texts.map((lines) => lines.join('').split('\n').filter(Boolean)),
      [['0:a', '1:b'], [], ['0:c', '1:d', '2:e'], ['0:f']],
    );
  });
});
