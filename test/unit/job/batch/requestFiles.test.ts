import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchRequest, RequestFile, writeRequestFiles } from '../../../../src/job/batch/requestFiles';

const request = (key: string, model: string, prompt = `prompt for ${key}`): BatchRequest => ({
  key, model, body: { model, messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: null },
});

async function* streamed(requests: Iterable<BatchRequest>): AsyncGenerator<BatchRequest> {
  yield* requests;
}

/** The custom ids of a file, checking each line is a chat-completions request of the file's model. */
function idsOf(file: RequestFile): string[] {
  return readFileSync(file.path, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
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
    const requests = [request('k1', 'small'), request('k2', 'meta-llama/Llama 3'), request('k3', 'small'), request('k1', 'small'), request('k4', 'meta-llama/Llama 3')];
    const files = await writeRequestFiles(streamed(requests), join(dir, 'plan'));
    assert.deepEqual(files.map((f) => [f.path, f.model, f.requests]), [
      [join(dir, 'plan', '0001-small.jsonl'), 'small', 2],
      [join(dir, 'plan', '0002-meta-llama_Llama_3.jsonl'), 'meta-llama/Llama 3', 2],
    ]);
    assert.deepEqual(idsOf(files[0]), ['k1', 'k3']);
    assert.deepEqual(idsOf(files[1]), ['k2', 'k4']);
    for (const file of files) {
      assert.equal(file.bytes, statSync(file.path).size);
      assert.equal(file.sha256, createHash('sha256').update(readFileSync(file.path)).digest('hex'));
    }
    const line = JSON.parse(readFileSync(files[0].path, 'utf8').split('\n')[0]) as unknown;
    assert.deepEqual(line, { custom_id: 'k1', method: 'POST', url: '/v1/chat/completions', body: requests[0].body });
  });

  it('starts a new file at the request limit, 50,000 by default', async () => {
    const many = function* (): Generator<BatchRequest> {
      for (let i = 0; i < 50_001; i++) yield request(`k${i}`, 'small', String(i));
    };
    const files = await writeRequestFiles(many(), dir);
    assert.deepEqual(files.map((f) => f.requests), [50_000, 1]);
    assert.deepEqual(idsOf(files[1]), ['k50000']);

    const small = await writeRequestFiles([1, 2, 3, 4, 5, 6, 7].map((i) => request(`s${i}`, i % 2 ? 'odd' : 'even')), join(dir, 'small'), { limits: { maxRequestsPerBatch: 2 } });
    assert.deepEqual(small.map((f) => [f.model, idsOf(f)]), [
      ['odd', ['s1', 's3']], ['even', ['s2', 's4']], ['odd', ['s5', 's7']], ['even', ['s6']],
    ]);
  });

  it('starts a new file before a request would pass the byte limit', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify({ custom_id: 'k0', method: 'POST', url: '/v1/chat/completions', body: request('k0', 'm', 'xxxx').body })}\n`);
    const files = await writeRequestFiles(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => request(k, 'm', 'xxxx')), dir, { limits: { maxBytesPerBatch: 2 * lineBytes + 1 } });
    assert.deepEqual(files.map((f) => [f.requests, f.bytes]), [[2, 2 * lineBytes], [2, 2 * lineBytes], [1, lineBytes]]);
  });

  it('refuses a request larger than a whole file, or whose body names another model', async () => {
    await assert.rejects(writeRequestFiles([request('big', 'm', 'x'.repeat(500))], dir, { limits: { maxBytesPerBatch: 300 } }),
      /^Error: the request big for model "m" takes \d+ bytes, more than the 300 a batch file may hold$/);
    await assert.rejects(writeRequestFiles([{ key: 'k', model: 'a', body: { model: 'b', messages: [] } }], dir),
      /^Error: the body of request k names model "b", not "a"$/);
    await assert.rejects(writeRequestFiles([request('k', 'm')], dir, { limits: { maxRequestsPerBatch: 0 } }), /maxRequestsPerBatch must be a positive integer/);
  });

  it('writes nothing for no requests', async () => {
    assert.deepEqual(await writeRequestFiles([], join(dir, 'none')), []);
    assert.deepEqual(readdirSync(join(dir, 'none')), []);
  });
});
