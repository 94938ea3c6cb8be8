/**
 * The command line on a folder of shards (issue 18): one dataset over every
 * shard, one cache and one report, an output beside each shard; a run
 * killed with SIGKILL part way and run again pays no call twice and
 * completes every shard's output.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobReport } from '../../../src/job/runJob';
import { withOpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';
import { spamJobConfig } from '../../support/spamJob';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const SHARDS = 8;
const PER_SHARD = 250;

/** `mid` is wrong on one message in 25, `tiny` on every other. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 2 === 1);
  return (i % 3 === 0) !== wrong ? 'spam' : 'ham';
}

function run(input: string | readonly string[], config: string): { exit: Promise<number | null>; kill: () => void; output: () => string } {
  const inputs = typeof input === 'string' ? [input] : input;
  const child = spawn(process.execPath, [CLI, 'profile', ...inputs, '--config', config, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  return { exit: new Promise((resolve) => child.once('exit', resolve)), kill: () => child.kill('SIGKILL'), output: () => text };
}

describe('smart profile on a folder of shards (issue 18)', function () {
  this.timeout(120_000);

  it('killed with SIGKILL part way and run again, pays no call twice and writes every shard its whole output', async function () {
    if (!existsSync(CLI)) this.skip();
    // One call at a time, and the 400th request hangs: when the CLI is killed
    // there, every answer it was sent is already in its cache (an answer in
    // flight at a kill is paid and lost, whatever the input).
    let hangAt = 400;
    await withOpenAiTestServer({ answer, fault: (info) => (info.callIndex === hangAt ? { kind: 'hang' } : undefined) }, async (server) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-shards-'));
      const folder = path.join(dir, 'data');
      mkdirSync(folder);
      // part-0 ... part-7, and Smart's own files beside them that are not shards.
      for (let shard = 0; shard < SHARDS; shard++) {
        const lines = Array.from({ length: PER_SHARD }, (_, k) => JSON.stringify({ id: shard * PER_SHARD + k, text: `message ${shard * PER_SHARD + k}` }));
        writeFileSync(path.join(folder, `part-${shard}.jsonl`), `${lines.join('\n')}\n`);
      }
      writeFileSync(path.join(folder, 'notes.txt'), 'not a shard');
      writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
      const config = path.join(dir, 'smart.config.json');
      writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL: server.baseURL, timeoutMs: 5000 }, { seed: 3, concurrency: 1 })));

      const first = run(folder, config);
      while (server.counts().total <= hangAt) await new Promise((resolve) => setTimeout(resolve, 10));
      first.kill();
      await first.exit;
      const paidBefore = server.counts().paid;
      assert.equal(paidBefore, hangAt);
      hangAt = -1;
      assert.ok(!existsSync(path.join(dir, 'data.smart-report.json')), 'the killed run wrote a report');

      const second = run(folder, config);
      assert.equal(await second.exit, 0, second.output());
      assert.match(second.output(), /Wrote 8 outputs, one beside each shard: .*part-0\.smart\.jsonl to .*part-7\.smart\.jsonl/);
      assert.equal(server.maxPaidPerRequest(), 1, 'a call was paid twice');
      assert.ok(server.counts().paid > paidBefore);
      for (let shard = 0; shard < SHARDS; shard++) {
        const lines = readFileSync(path.join(folder, `part-${shard}.smart.jsonl`), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { id: number; smart: { output: string } });
        assert.deepEqual(
          lines.map((l) => l.id),
          Array.from({ length: PER_SHARD }, (_, k) => shard * PER_SHARD + k),
          `part-${shard}`,
        );
        assert.ok(lines.every((l) => ['spam', 'ham'].includes(l.smart.output)));
      }
      const report = JSON.parse(readFileSync(path.join(dir, 'data.smart-report.json'), 'utf8')) as JobReport;
      assert.equal(report.items, SHARDS * PER_SHARD);
      assert.equal(report.shards, SHARDS);
      assert.equal(report.outputs?.length, SHARDS);
      assert.ok(
        report.disagreements.length > 0 && report.disagreements.every((d) => d.file !== undefined && /^part-\d\.jsonl$/.test(d.file)),
        'a disagreement does not name its shard',
      );
      assert.match(second.output(), /mid, part-\d\.jsonl line \d+/);
      assert.ok(existsSync(path.join(dir, '.smart', 'data.cache.jsonl')), 'one cache for the dataset, beside the folder');
    });
  });

  it('names the shard and the line of a bad item, and refuses a folder with nothing to read or of two formats', async function () {
    if (!existsSync(CLI)) this.skip();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-shards-'));
    writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
    const config = path.join(dir, 'smart.config.json');
    writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL: 'http://127.0.0.1:9/v1' }, { seed: 3 })));
    // A folder of these shards fails, saying this.
    const refused = async (name: string, shards: Readonly<Record<string, string>>, says: RegExp): Promise<void> => {
      const folder = path.join(dir, name);
      mkdirSync(folder);
      for (const [shard, text] of Object.entries(shards)) writeFileSync(path.join(folder, shard), text);
      const failed = run(folder, config);
      assert.notEqual(await failed.exit, 0);
      assert.match(failed.output(), says);
    };
    await refused(
      'bad',
      { 'part-1.jsonl': '{"text":"message 1"}\n', 'part-2.jsonl': '{"text":"message 2"}\n{"txt":"message 3"}\n' },
      /part-2\.jsonl:2: .*text/,
    );
    await refused('empty', {}, /empty: holds no file Smart reads/);
    await refused('mixed', { 'a.jsonl': '{"text":"message 1"}\n', 'b.csv': 'text\nmessage 2\n' }, /mixed: holds shards of 2 formats \(jsonl, csv\)/);
  });

  it('reads the shards a quoted pattern names as one dataset, its report named by the pattern, and tells one who let the shell expand it to quote it', async function () {
    if (!existsSync(CLI)) this.skip();
    await withOpenAiTestServer({ answer }, async (server) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-shards-'));
      const folder = path.join(dir, 'data');
      mkdirSync(folder);
      for (const [name, from] of [
        ['train-1.jsonl', 0],
        ['train-2.jsonl', 100],
        ['test-1.jsonl', 200],
      ] as const) {
        const lines = Array.from({ length: 100 }, (_, k) => JSON.stringify({ id: from + k, text: `message ${from + k}` }));
        writeFileSync(path.join(folder, name), `${lines.join('\n')}\n`);
      }
      writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
      const config = path.join(dir, 'smart.config.json');
      writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL: server.baseURL }, { seed: 3 })));

      const expanded = run([path.join(folder, 'train-1.jsonl'), path.join(folder, 'train-2.jsonl')], config);
      assert.notEqual(await expanded.exit, 0);
      assert.match(expanded.output(), /2 files given: to read them as one dataset, give their folder or a pattern in quotes/);
      assert.equal(server.counts().total, 0);

      const patterned = run(path.join(folder, 'train-*.jsonl'), config);
      assert.equal(await patterned.exit, 0, patterned.output());
      assert.match(patterned.output(), /Wrote 2 outputs, one beside each shard: .*train-1\.smart\.jsonl to .*train-2\.smart\.jsonl/);
      assert.ok(!existsSync(path.join(folder, 'test-1.smart.jsonl')), 'a file the pattern does not match was processed');
      const report = JSON.parse(readFileSync(path.join(folder, 'train-%.smart-report.json'), 'utf8')) as JobReport;
      assert.equal(report.items, 200);
      assert.equal(report.shards, 2);
      assert.ok(existsSync(path.join(folder, '.smart', 'train-%.jsonl.cache.jsonl')), 'the cache is not named by the pattern');

      const none = run(path.join(folder, 'valid-*.jsonl'), config);
      assert.notEqual(await none.exit, 0);
      assert.match(none.output(), /valid-\*\.jsonl: matches no file Smart reads/);
    });
  });
});
