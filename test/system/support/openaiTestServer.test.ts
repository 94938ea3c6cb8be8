import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AnswersFile, CallCounts, requestKey, startOpenAiTestServer } from '../../support/openaiTestServer';

const chat = (baseURL: string, model: string, content: string): Promise<Response> =>
  fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });

describe('OpenAI test server', () => {
  it('answers in the chat-completions format with the documented token rule', async () => {
    const server = await startOpenAiTestServer({ answer: () => 'positive', models: ['m1'] });
    try {
      const body = (await (await chat(server.baseURL, 'm1', 'Great film!!')).json()) as Record<string, unknown>;
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.model, 'm1');
      assert.deepEqual(body.choices, [{ index: 0, message: { role: 'assistant', content: 'positive' }, finish_reason: 'stop' }]);
      assert.deepEqual(body.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });

      const models = (await (await fetch(`${server.baseURL}/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['m1'],
      );
    } finally {
      await server.close();
    }
  });

  it('refuses unknown routes and bad bodies without counting them', async () => {
    const server = await startOpenAiTestServer({ answer: () => 'x' });
    try {
      assert.equal((await fetch(`${server.baseURL}/embeddings`, { method: 'POST', body: '{}' })).status, 404);
      const bad = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: '{"model": 1}' });
      assert.equal(bad.status, 400);
      assert.equal(server.counts().total, 0);
    } finally {
      await server.close();
    }
  });

  describe('as a separate process', () => {
    let dir: string;
    let child: ChildProcess | undefined;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'smart-test-server-'));
    });

    afterEach(() => {
      child?.kill('SIGKILL');
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves answers from a file, writes counts after each call, and exits on SIGTERM', async () => {
      const answers: AnswersFile = {
        models: { cheap: { answers: { 'Great film': 'positive' }, fallback: 'neutral' }, strict: { answers: {} } },
      };
      const answersPath = join(dir, 'answers.json');
      const countsPath = join(dir, 'counts.json');
      writeFileSync(answersPath, JSON.stringify(answers));
      const proc = spawn(process.execPath, [join(__dirname, '../../support/openaiTestServer.js'), '--answers', answersPath, '--counts', countsPath], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = proc;
      const baseURL = await firstLine(proc);
      assert.match(baseURL, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);

      const text = async (response: Response): Promise<unknown> =>
        ((await response.json()) as { choices: { message: { content: unknown } }[] }).choices[0].message.content;
      assert.equal(await text(await chat(baseURL, 'cheap', 'Great film')), 'positive');
      assert.equal(await text(await chat(baseURL, 'cheap', 'Something else')), 'neutral');
      assert.equal((await chat(baseURL, 'strict', 'Unlisted')).status, 400);
      assert.equal((await chat(baseURL, 'unknown-model', 'Great film')).status, 404);

      const counts = JSON.parse(readFileSync(countsPath, 'utf8')) as CallCounts;
      assert.equal(counts.total, 4);
      assert.equal(counts.paid, 2);
      assert.equal(counts.paidPerKey[requestKey('cheap', [{ role: 'user', content: 'Great film' }])], 1);

      const exitCode = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      assert.equal(await exitCode, 0);
      child = undefined;
    });
  });
});

function firstLine(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (proc.stdout === null) throw new Error('no stdout');
    const lines = createInterface({ input: proc.stdout });
    lines.once('line', (line) => {
      lines.close();
      resolve(line);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code} before printing its URL`)));
  });
}
