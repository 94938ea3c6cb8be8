/**
 * The command line when something else touches its input: the file edited
 * while the run is going, or a second run started on the same file. Each test
 * drives real CLI processes against the OpenAI-compatible test server.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../../src/job/config';
import { jobFiles, runJob } from '../../../src/job/runJob';
import { withOpenAiTestServer, type FaultInfo, type TestMessage } from '../../support/openaiTestServer';
import { spamJobConfig } from '../../support/spamJob';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/** `mid` is wrong on one message in 25, `tiny` on every other: the plan hands most items to `mid`. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 2 === 1);
  return (i % 3 === 0) !== wrong ? 'spam' : 'ham';
}

const line = (i: number): string => JSON.stringify({ id: i, text: `message ${i}` });

function workspace(baseURL: string, items: number, extra: Record<string, unknown> = {}): { input: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-cli-'));
  const input = path.join(dir, 'tickets.jsonl');
  writeFileSync(input, Array.from({ length: items }, (_, i) => line(i)).join('\n') + '\n');
  writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL }, { seed: 5, ...extra })));
  return { input, config };
}

/** Inserts a line in the middle of the file, in place, as an editor saving it would. */
function insertLine(input: string): void {
  const lines = readFileSync(input, 'utf8').split('\n');
  lines.splice(Math.floor(lines.length / 2), 0, line(99_999));
  writeFileSync(input, lines.join('\n'));
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function startCli(input: string, config: string): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [CLI, 'profile', input, '--config', config, '--yes', '--force'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const finished = new Promise<Finished>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, finished };
}

const runCli = (input: string, config: string): Promise<Finished> => startCli(input, config).finished;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** The calls a run of this job makes, counted on a server and a folder of its own. */
async function callsOfRun(items: number): Promise<number> {
  return withOpenAiTestServer({ answer }, async (server) => {
    const ws = workspace(server.baseURL, items);
    await runJob({ input: ws.input, config: loadConfig(ws.config) });
    return server.counts().total;
  });
}

describe('the CLI when its input is shared', function () {
  this.timeout(120_000);

  before(function () {
    if (!existsSync(CLI)) this.skip();
  });

  describe('a line inserted in the input while the run is going', () => {
    const ITEMS = 1000;
    let total = 0;
    before(async () => {
      total = await callsOfRun(ITEMS);
    });

    for (const [when, share] of [
      ['while it profiles', 0.05],
      ['while it processes the rest', 0.9],
    ] as const) {
      it(`${when}: stops with a message naming the file, writes nothing, and the rerun pays no call twice`, async () => {
        const editAt = Math.floor(total * share);
        let edited = false;
        const fault = (info: FaultInfo): undefined => {
          if (info.callIndex === editAt && !edited) {
            edited = true;
            insertLine(ws.input);
          }
          return undefined;
        };
        let ws = { input: '', config: '' };
        await withOpenAiTestServer({ answer, fault }, async (server) => {
          ws = workspace(server.baseURL, ITEMS);
          const first = await runCli(ws.input, ws.config);
          assert.ok(edited, 'the input was not edited during the run');
          assert.equal(first.code, 1, first.stderr);
          assert.ok(
            first.stderr.includes(`Stopped: ${ws.input} changed while the run was going (`) &&
              first.stderr.includes(
                'so no output was written. Run the same command again to process it as it is now; calls already made are cached and cost nothing.',
              ),
            first.stderr,
          );
          assert.doesNotMatch(first.stderr, /internal error/);
          assert.ok(!existsSync(jobFiles(ws.input).output), 'an output was written');
          assert.ok(!existsSync(jobFiles(ws.input).report), 'a report was written');

          const second = await runCli(ws.input, ws.config);
          assert.equal(second.code, 0, second.stderr);
          assert.equal(readFileSync(jobFiles(ws.input).output, 'utf8').trim().split('\n').length, ITEMS + 1);
          assert.equal(server.maxPaidPerRequest(), 1, 'a call was paid twice');
        });
      });
    }
  });

  it('refuses a second run on the same file, naming the first; a killed run leaves a lock the next run takes over', async () => {
    // One call at a time, and the first run's 40th request hangs: when it is
    // killed there, every answer it was sent is already in its cache.
    let hangAt = 40;
    await withOpenAiTestServer({ answer, fault: (info) => (info.callIndex === hangAt ? { kind: 'hang' } : undefined) }, async (server) => {
      const ws = workspace(server.baseURL, 300, { concurrency: 1 });
      const first = startCli(ws.input, ws.config);
      await until(() => server.counts().total > hangAt);

      const second = await runCli(ws.input, ws.config);
      assert.equal(second.code, 1, second.stderr);
      const pid = first.child.pid!;
      assert.match(
        second.stderr,
        new RegExp(
          `^smart: .*tickets\\.jsonl is already being processed by another Smart run \\(process ${pid} on ${os.hostname()}, since \\d{4}-\\d\\d-\\d\\dT`,
        ),
      );
      assert.match(second.stderr, /delete .*\.smart[/\\]tickets\.jsonl\.lock/);

      first.child.kill('SIGKILL');
      await first.finished;
      assert.ok(existsSync(path.join(path.dirname(ws.input), '.smart', 'tickets.jsonl.lock')), 'the killed run left no lock to take over');
      const paidByFirst = server.counts().paid;
      assert.equal(paidByFirst, hangAt);
      hangAt = -1;

      const third = await runCli(ws.input, ws.config);
      assert.equal(third.code, 0, third.stderr);
      assert.equal(server.maxPaidPerRequest(), 1, 'a call was paid twice');
      const report = JSON.parse(readFileSync(jobFiles(ws.input).report, 'utf8')) as { cachedCalls: number };
      assert.equal(report.cachedCalls, paidByFirst);
      assert.ok(!existsSync(path.join(path.dirname(ws.input), '.smart', 'tickets.jsonl.lock')), 'the lock was not given back');
    });
  });
});
