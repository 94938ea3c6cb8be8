import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempFolderPerTest } from '../../support/files';
import { withOpenAiTestServer, type OpenAiTestServer } from '../../support/openaiTestServer';
import { spamJobConfig } from '../../support/spamJob';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
/** util-linux's `script` gives the command a terminal, so that it asks as it would a person. */
const SCRIPT = '/usr/bin/script';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `smart profile` on a terminal; answers `reply` once it has asked the
 * cost preview's question. Resolves with everything it wrote and its exit code.
 */
function profileOnTerminal(input: string, extra: string[], reply: string): Promise<{ text: string; code: number | null; asked: boolean }> {
  const command = [process.execPath, CLI, 'profile', input, ...extra].map(quote).join(' ');
  const child = spawn(SCRIPT, ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } });
  let text = '';
  let asked = false;
  const take = (d: Buffer): void => {
    text += d.toString();
    if (!asked && text.includes('[y/N]')) {
      asked = true;
      child.stdin.write(`${reply}\n`);
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ text, code, asked })));
}

describe('the CLI asks before paid calls, and not when the cache answers every call (issue 11, item 8)', function () {
  this.timeout(60_000);
  const folder = tempFolderPerTest('smart-cli-preview-');

  before(function () {
    if (!existsSync(CLI)) this.skip();
    if (!existsSync(SCRIPT)) {
      console.log(`    Skipping: ${SCRIPT} is missing (apt-get install -y util-linux).`);
      this.skip();
    }
  });

  function workspace(server: OpenAiTestServer): string {
    const dir = folder();
    mkdirSync(dir, { recursive: true });
    const input = path.join(dir, 'items.jsonl');
    writeFileSync(input, Array.from({ length: 120 }, (_, i) => JSON.stringify({ text: `message ${i}` })).join('\n') + '\n');
    writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
    writeFileSync(path.join(dir, 'smart.config.json'), JSON.stringify(spamJobConfig({ baseURL: server.baseURL }, { seed: 4 })));
    return input;
  }

  it('asks "start paid calls?" on a fresh run, says nothing will be paid on a rerun and goes on without asking', async () => {
    await withOpenAiTestServer({ answer: (_model, messages) => (/message \d*[05]\b/.test(messages.at(-1)!.content) ? 'spam' : 'ham') }, async (server) => {
      const input = workspace(server);
      const declined = await profileOnTerminal(input, [], 'n');
      assert.ok(declined.asked, declined.text);
      assert.match(declined.text, /Smart: start paid calls\? \[y\/N\]/);
      assert.match(declined.text, /the cost preview was declined/);
      assert.equal(server.counts().total, 0);

      const fresh = await profileOnTerminal(input, [], 'y');
      assert.equal(fresh.code, 0, fresh.text);
      assert.ok(fresh.asked);
      const paid = server.counts().paid;
      assert.ok(paid > 0);

      const rerun = await profileOnTerminal(input, ['--force'], 'y');
      assert.equal(rerun.code, 0, rerun.text);
      assert.ok(!rerun.asked, `a rerun the cache answers asked: ${rerun.text}`);
      assert.match(rerun.text, /The response cache holds every answer this run needs: nothing will be paid\./);
      assert.equal(server.counts().paid, paid);
    });
  });

  it('shows online and batch side by side, and with --batch auto says which it chose and why (issue 17, item 4)', async () => {
    await withOpenAiTestServer({ answer: () => 'ham' }, async (server) => {
      const input = workspace(server);
      const online = await profileOnTerminal(input, [], 'n');
      assert.match(
        online.text,
        /Online: answers as they come\. In batch mode, the items after profiling would go to the providers' batch engines at half price/,
      );
      const auto = await profileOnTerminal(input, ['--batch', 'auto'], 'n');
      assert.match(auto.text, /Online, as chosen for this file \(batch mode takes .* at least 1,000 items, .*; here 120 items, 50% off and \$[\d.]+ saved\)/);
      const inline = await profileOnTerminal(input, ['--batch=auto'], 'n');
      assert.match(inline.text, /Online, as chosen for this file/);
      assert.equal(server.counts().total, 0);
    });
  });
});
