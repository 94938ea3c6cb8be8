import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jobFiles, type JobReport } from '../../../src/job/runJob';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../support/openaiTestServer';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const LONG = 5_000_000;

describe('smart profile on a file with a 5 MB line (issue 11, item 14)', function () {
  this.timeout(120_000);
  let server: OpenAiTestServer;
  let dir: string;

  before(async () => {
    server = await startOpenAiTestServer({ answer: (_model, messages) => (messages[messages.length - 1].content.length > 1000 ? 'spam' : 'ham') });
    dir = mkdtempSync(path.join(os.tmpdir(), 'smart-long-line-'));
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finishes the cost preview, counting the long line's tokens, and the run", async function () {
    if (!existsSync(CLI)) this.skip();
    const input = path.join(dir, 'items.jsonl');
    // One repeated character: one piece of 5 MB for the tokenizer, the worst case.
    writeFileSync(input, [{ body: 'short one' }, { body: 'a'.repeat(LONG) }, { body: 'short two' }].map((v) => JSON.stringify(v)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{body}}');
    const config = path.join(dir, 'smart.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        endpoints: { local: { baseURL: server.baseURL } },
        models: [
          { id: 'big', endpoint: 'local', model: 'big', inputPer1M: 2, outputPer1M: 8 },
          { id: 'small', endpoint: 'local', model: 'small', inputPer1M: 0.1, outputPer1M: 0.4 },
        ],
        reference: 'big',
        template: 'prompt.txt',
        labels: ['spam', 'ham'],
        strategy: 'naive',
      }),
    );
    const child = spawn(process.execPath, [CLI, 'profile', input, '--config', config, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, stderr.slice(-2000));
    assert.match(stderr, /Cost preview/);
    // 5,000,000 "a"s are 625,000 tokens (a run of "a"s tokenizes in eights).
    const report = JSON.parse(readFileSync(jobFiles(input).report, 'utf8')) as JobReport;
    const expectedMean = 625_000 / 3;
    assert.ok(Math.abs(report.preview.meanInputTokens - expectedMean) < 0.01 * expectedMean, `mean input tokens ${report.preview.meanInputTokens}`);
    assert.equal(server.counts().paid, 3);
  });
});
