import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchRequest, RequestFile, requestsIn, writeRequestFiles } from '../../../../src/job/batch/requestFiles';
import { OPENAI_REQUEST_LINES } from '../../../../src/llm/batchApi';
import type { ChatRequest } from '../../../../src/llm/chatBackend';

const request = (key: string, model: string, prompt = `prompt for ${key}`): BatchRequest => ({
  key,
  model,
  request: { model, messages: [{ role: 'user', content: prompt }] },
});
/** OpenAI's request lines, the ones these files are checked in. */
const lines = OPENAI_REQUEST_LINES;
/** The body OpenAI's line holds for a request: what its cache key hashes. */
const bodyOf = (r: BatchRequest): unknown => ({ model: r.request.model, messages: r.request.messages, max_tokens: null, temperature: 0 });

async function* streamed(requests: Iterable<BatchRequest>): AsyncGenerator<BatchRequest> {
  yield* requests;
}

/** The custom ids of a file, checking each line is a chat-completions request of the file's model. */
function idsOf(file: RequestFile): string[] {
  return readFileSync(file.path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const line = JSON.parse(l) as { custom_id: string; method: string; url: string; body: { model: string } };
      assert.equal(line.method, 'POST');
      assert.equal(line.url, '/v1/chat/completions');
      assert.equal(line.body.model, file.model);
      return line.custom_id;
    });
}

describe('writeRequestFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-request-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts each model in files of its own, a request once, and says what each file holds', async () => {
    const requests = [
      request('k1', 'small'),
      request('k2', 'meta-llama/Llama 3'),
      request('k3', 'small'),
      request('k1', 'small'),
      request('k4', 'meta-llama/Llama 3'),
    ];
    const files = await writeRequestFiles(streamed(requests), join(dir, 'plan'), { lines });
    assert.deepEqual(
      files.map((f) => [f.path, f.model, f.requests]),
      [
        [join(dir, 'plan', '0001-small.jsonl'), 'small', 2],
        [join(dir, 'plan', '0002-meta-llama_Llama_3.jsonl'), 'meta-llama/Llama 3', 2],
      ],
    );
    assert.deepEqual(idsOf(files[0]), ['k1', 'k3']);
    assert.deepEqual(idsOf(files[1]), ['k2', 'k4']);
    for (const file of files) {
      assert.equal(file.bytes, statSync(file.path).size);
      assert.equal(file.sha256, createHash('sha256').update(readFileSync(file.path)).digest('hex'));
    }
    const line = JSON.parse(readFileSync(files[0].path, 'utf8').split('\n')[0]) as unknown;
    assert.deepEqual(line, { custom_id: 'k1', method: 'POST', url: '/v1/chat/completions', body: bodyOf(requests[0]) });
  });

  it('starts a new file at the request limit, 50,000 by default', async () => {
    const many = function* (): Generator<BatchRequest> {
      for (let i = 0; i < 50_001; i++) yield request(`k${i}`, 'small', String(i));
    };
    const files = await writeRequestFiles(many(), dir, { lines });
    assert.deepEqual(
      files.map((f) => f.requests),
      [50_000, 1],
    );
    assert.deepEqual(idsOf(files[1]), ['k50000']);

    const small = await writeRequestFiles(
      [1, 2, 3, 4, 5, 6, 7].map((i) => request(`s${i}`, i % 2 ? 'odd' : 'even')),
      join(dir, 'small'),
      { lines, limits: { maxRequestsPerBatch: 2 } },
    );
    assert.deepEqual(
      small.map((f) => [f.model, idsOf(f)]),
      [
        ['odd', ['s1', 's3']],
        ['even', ['s2', 's4']],
        ['odd', ['s5', 's7']],
        ['even', ['s6']],
      ],
    );
  });

  it('starts a new file before a request would pass the byte limit', async () => {
    const lineBytes = Buffer.byteLength(
      `${JSON.stringify({ custom_id: 'k0', method: 'POST', url: '/v1/chat/completions', body: bodyOf(request('k0', 'm', 'xxxx')) })}\n`,
    );
    const files = await writeRequestFiles(
      ['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => request(k, 'm', 'xxxx')),
      dir,
      { lines, limits: { maxBytesPerBatch: 2 * lineBytes + 1 } },
    );
    assert.deepEqual(
      files.map((f) => [f.requests, f.bytes]),
      [
        [2, 2 * lineBytes],
        [2, 2 * lineBytes],
        [1, lineBytes],
      ],
    );
  });

  it('refuses a request larger than a whole file, or whose body names another model', async () => {
    await assert.rejects(
      writeRequestFiles([request('big', 'm', 'x'.repeat(500))], dir, { lines, limits: { maxBytesPerBatch: 300 } }),
      /^Error: the request big for model "m" takes \d+ bytes, more than the 300 a batch file may hold$/,
    );
    await assert.rejects(
      writeRequestFiles([{ key: 'k', model: 'a', request: { model: 'b', messages: [] } }], dir, { lines }),
      /^Error: request k names model "b", not "a"$/,
    );
    await assert.rejects(
      writeRequestFiles([request('k', 'm')], dir, { lines, limits: { maxRequestsPerBatch: 0 } }),
      /maxRequestsPerBatch must be a positive integer/,
    );
  });

  it('writes nothing for no requests', async () => {
    assert.deepEqual(await writeRequestFiles([], join(dir, 'none'), { lines }), []);
    assert.deepEqual(readdirSync(join(dir, 'none')), []);
  });

  it("reads back, through the provider's line format, the request each line was written from; a line that holds none is named by file and line", async () => {
    const asked: ChatRequest[] = [
      {
        model: 'small',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Spam?' },
        ],
      },
      { model: 'small', messages: [{ role: 'user', content: 'Ham?' }], maxTokens: 5, logprobs: true },
    ];
    const [file] = await writeRequestFiles(
      asked.map((r, i) => ({ key: `k${i}`, model: 'small', request: r })),
      dir,
      { lines },
    );
    const read = [];
    for await (const r of requestsIn(file.path, lines, new AbortController().signal)) read.push(r);
    assert.deepEqual(
      read,
      asked.map((request, i) => ({ customId: `k${i}`, request, line: i + 1 })),
    );
    writeFileSync(file.path, `${readFileSync(file.path, 'utf8')}${JSON.stringify({ custom_id: 'k9', body: { messages: [] } })}\n`);
    await assert.rejects(
      async () => {
        for await (const r of requestsIn(file.path, lines, new AbortController().signal)) void r;
      },
      new RegExp(`^Error: ${file.path.replace(/[.]/g, '\\.')}:3: not a request Smart wrote \\(no body with a model and messages\\)$`),
    );
  });
});
