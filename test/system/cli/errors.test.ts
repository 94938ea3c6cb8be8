import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../../src/job/config';
import { jobFiles, runJob } from '../../../src/job/runJob';
import { tempFolderPerTest } from '../../support/files';
import { withOpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';
import { spamJobConfig } from '../../support/spamJob';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/** `mid` agrees with the reference but on one message in 25, `tiny` on every other. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 2 === 1);
  return (i % 3 === 0) !== wrong ? 'spam' : 'ham';
}

describe('the CLI on errors', function () {
  this.timeout(60_000);
  const folder = tempFolderPerTest('smart-cli-errors-');

  before(function () {
    if (!existsSync(CLI)) this.skip();
  });

  /** `items.jsonl` (each item carrying `padding` characters the prompt does not use), the prompt and a config for `baseURL`. */
  function workspace(baseURL: string, items: number, padding = 0, dir = folder()): string {
    mkdirSync(dir, { recursive: true });
    const input = path.join(dir, 'items.jsonl');
    const pad = 'x'.repeat(padding);
    writeFileSync(input, Array.from({ length: items }, (_, i) => JSON.stringify({ text: `message ${i}`, pad })).join('\n') + '\n');
    writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
    writeFileSync(path.join(dir, 'smart.config.json'), JSON.stringify(spamJobConfig({ baseURL }, { seed: 2 })));
    return input;
  }

  it('refuses to replace existing outputs and says which flag would', () => {
    // Nothing listens there: the run must stop before any call.
    const input = workspace('http://127.0.0.1:9/v1', 1);
    writeFileSync(jobFiles(input).output, 'precious\n');
    const run = spawnSync(process.execPath, [CLI, 'profile', input, '--yes'], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.equal(run.stderr, `smart: ${jobFiles(input).output} already exists; pass --force to overwrite\n`);
    assert.equal(readFileSync(jobFiles(input).output, 'utf8'), 'precious\n');
  });

  it('names the flag whose value the config cannot take, and the known option an unknown one resembles; exit 2 (issue 16, item 10)', () => {
    const input = workspace('http://127.0.0.1:9/v1', 3);
    const cli = (...args: string[]): { status: number | null; stderr: string } =>
      spawnSync(process.execPath, [CLI, 'profile', input, '--yes', ...args], { encoding: 'utf8' });
    const cases: Array<[string[], string]> = [
      [['--accuracy', '95'], 'smart: --accuracy: must be between 0 and 1 (exclusive), got 95'],
      [['--strategy', 'fast'], 'smart: --strategy: must be one of auto, naive, exhaustive, efficient, modelmix, got "fast"'],
      [['--acuracy', '0.9'], 'smart: unknown option --acuracy (did you mean --accuracy?)'],
      [['--skip-invald'], 'smart: unknown option --skip-invald (did you mean --skip-invalid?)'],
      [['--frobnicate'], 'smart: unknown option --frobnicate'],
    ];
    for (const [args, message] of cases) {
      const run = cli(...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr, `${message}\nRun "smart --help" for usage.\n`);
    }
    // A problem of the file itself still names the file.
    writeFileSync(path.join(path.dirname(input), 'smart.config.json'), JSON.stringify(spamJobConfig({ baseURL: 'http://127.0.0.1:9/v1' }, { accuracy: 95 })));
    const fromFile = cli();
    assert.equal(fromFile.status, 1);
    assert.match(fromFile.stderr, /smart\.config\.json: accuracy: must be between 0 and 1/);
  });

  it('says an empty file has nothing to process, asks nothing, writes nothing and exits with the bad-input code (issue 16, item 3)', () => {
    // Nothing listens there: the run must stop before any call.
    const input = workspace('http://127.0.0.1:9/v1', 0);
    for (const content of ['', '\n\n  \n']) {
      writeFileSync(input, content);
      const run = spawnSync(process.execPath, [CLI, 'profile', input, '--yes'], { encoding: 'utf8' });
      assert.equal(run.status, 4, run.stderr);
      assert.equal(run.stderr, `smart: ${input}: has no items to process (it is empty, or holds only blank lines)\n`);
      assert.equal(run.stdout, '');
      for (const file of [jobFiles(input).output, jobFiles(input).report, path.join(path.dirname(input), '.smart')])
        assert.ok(!existsSync(file), `${file} was written`);
    }
    writeFileSync(input, '[1]\nnot json\n');
    const skipped = spawnSync(process.execPath, [CLI, 'profile', input, '--yes', '--skip-invalid'], { encoding: 'utf8' });
    assert.equal(skipped.status, 4, skipped.stderr);
    assert.match(skipped.stderr, /^smart: .*items\.jsonl: has no items to process: all 2 of its lines were skipped as invalid \(first: line 1, /);
    const bad = spawnSync(process.execPath, [CLI, 'profile', input, '--yes'], { encoding: 'utf8' });
    assert.equal(bad.status, 4, 'a bad line is bad input too');
    assert.match(bad.stderr, /items\.jsonl:1: /);
  });

  it('stops as soon as writing the output fails, without making the rest of the calls', async function () {
    if (process.platform === 'win32') this.skip();
    // Outputs of 4 KB an item against a file size limit of 512 KB: the output's
    // first block (1 MiB, about 260 items) fails; the cache (a few hundred
    // bytes a call) stays below the limit.
    const ITEMS = 800;
    const PADDING = 4000;
    const full = await withOpenAiTestServer({ answer }, async (server) => {
      const dir = path.join(folder(), 'whole');
      await runJob({ input: workspace(server.baseURL, ITEMS, PADDING, dir), config: loadConfig(path.join(dir, 'smart.config.json')) });
      return server.counts().total;
    });
    await withOpenAiTestServer({ answer }, async (server) => {
      const input = workspace(server.baseURL, ITEMS, PADDING);
      const child = spawn('bash', ['-c', 'ulimit -f 512 && exec "$0" "$@"', process.execPath, CLI, 'profile', input, '--yes', '--force'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /smart: EFBIG: file too large/);
      const made = server.counts().total;
      assert.ok(made < 0.75 * full, `${made} of the ${full} calls of a whole run were made: the write error surfaced late`);
      assert.ok(!existsSync(jobFiles(input).output));
    });
  });
});
