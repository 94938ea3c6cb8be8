import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchApiClient } from '../../../src/llm/batchApi';
import { BatchApiError } from '../../../src/llm/batchCalls';
import { FINAL_STATUSES, type BatchInfo, type BatchResultRecord } from '../../../src/llm/batchProvider';
import type { EndpointConfig } from '../../../src/llm/openAiEndpoint';
import { RetryPolicy } from '../../../src/llm/retryPolicy';
import { useLoopbackServers } from '../../support/loopbackHarness';
import { estimateTokens, OpenAiTestServer, TestMessage } from '../../support/openaiTestServer';

const KEY = 'sk-test-batch-7d2e-do-not-leak';
const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const never = (): AbortSignal => new AbortController().signal;
const requestLine = (customId: string, prompt: string, model = 'small'): string =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: prompt }], temperature: 0 },
  });

describe('BatchApiClient against the loopback server', () => {
  const { serve, failure, log, logs } = useLoopbackServers(KEY, answer);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-batch-api-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function clientFor(server: OpenAiTestServer, endpoint: Partial<EndpointConfig> = {}): BatchApiClient {
    return new BatchApiClient(
      { name: 'loopback', baseURL: server.baseURL, apiKey: KEY, ...endpoint },
      { retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }), log },
    );
  }

  function requestFile(prompts: readonly string[], name = 'requests.jsonl'): string {
    const file = join(dir, name);
    writeFileSync(file, prompts.map((p, i) => `${requestLine(`k${i}`, p)}\n`).join(''));
    return file;
  }

  async function settle(client: BatchApiClient, id: string): Promise<BatchInfo> {
    for (;;) {
      const batch = await client.retrieveBatch(id, never());
      if (FINAL_STATUSES.has(batch.status)) return batch;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async function records(client: BatchApiClient, fileId: string | undefined): Promise<BatchResultRecord[]> {
    assert.ok(fileId !== undefined, 'no such file');
    const seen: BatchResultRecord[] = [];
    const count = await client.readResults(
      fileId,
      (record) => {
        seen.push(record);
      },
      never(),
    );
    assert.equal(count, seen.length);
    return seen;
  }

  it('uploads a request file, runs a batch and reads the answers with their usage', async () => {
    const server = await serve();
    const client = clientFor(server);
    const file = requestFile(['good film', 'bad film', 'so-so film']);
    const uploaded = await client.uploadRequestFile(file, never());
    assert.equal(uploaded.bytes, readFileSync(file).length);
    assert.equal(readFileSync(join(server.filesDir, `${uploaded.id}.jsonl`), 'utf8'), readFileSync(file, 'utf8'));

    const created = await client.createBatch(uploaded.id, { smart_run: 'r1', smart_file: 'f1' }, never());
    assert.equal(created.status, 'validating');
    assert.equal(created.inputFileId, uploaded.id);
    assert.deepEqual(created.metadata, { smart_run: 'r1', smart_file: 'f1' });
    const done = await settle(client, created.id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.counts, { total: 3, completed: 3, failed: 0 });
    assert.equal(done.model, 'small');
    assert.deepEqual(done.problems, []);
    assert.equal(done.errorFileId, undefined);

    const got = await records(client, done.outputFileId);
    assert.deepEqual(
      got.find((r) => r.customId === 'k1'),
      {
        customId: 'k1',
        ok: true,
        text: 'small: BAD FILM',
        usage: { inputTokens: estimateTokens('bad film'), outputTokens: estimateTokens('small: BAD FILM') },
      },
    );
    assert.deepEqual(got.map((r) => r.customId).sort(), ['k0', 'k1', 'k2']);
    assert.equal(server.counts().paid, 3);
  });

  it("reads the answer's probability from the log-probabilities of a request that asked for them", async () => {
    // "sure" answers at probability 0.9, anything else at 0.6.
    const server = await serve({ confidence: (_model: string, messages: readonly TestMessage[]) => (messages[0].content === 'sure' ? 0.9 : 0.6) });
    const client = clientFor(server);
    const file = join(dir, 'logprobs.jsonl');
    const asking = (customId: string, prompt: string): string =>
      JSON.stringify({
        custom_id: customId,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'small', messages: [{ role: 'user', content: prompt }], temperature: 0, logprobs: true },
      });
    writeFileSync(file, `${asking('a', 'sure')}\n${asking('b', 'unsure')}\n${requestLine('c', 'sure')}\n`);
    const batch = await client.createBatch((await client.uploadRequestFile(file, never())).id, {}, never());
    const got = await records(client, (await settle(client, batch.id)).outputFileId);
    const confidence = (id: string): number | undefined => {
      const record = got.find((r) => r.customId === id);
      return record?.ok ? record.confidence : undefined;
    };
    assert.ok(Math.abs(confidence('a')! - 0.9) < 1e-12, String(confidence('a')));
    assert.ok(Math.abs(confidence('b')! - 0.6) < 1e-12, String(confidence('b')));
    assert.equal(confidence('c'), undefined, 'a request that did not ask has no probability');
  });

  it("reads failed lines as records: a status with the server's message, an error without a response, an answer without usage", async () => {
    const server = await serve({
      batch: {
        lineFault: ({ customId }) =>
          ({
            k0: { kind: 'status', status: 500, message: 'The server had an error' } as const,
            k1: { kind: 'error', code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } as const,
            k2: { kind: 'noUsage' } as const,
          })[customId],
      },
    });
    const client = clientFor(server);
    const uploaded = await client.uploadRequestFile(requestFile(['a', 'b', 'c', 'd']), never());
    const done = await settle(client, (await client.createBatch(uploaded.id, { smart_run: 'r' }, never())).id);
    assert.deepEqual(done.counts, { total: 4, completed: 2, failed: 2 });
    const errors = await records(client, done.errorFileId);
    assert.deepEqual(
      errors.sort((a, b) => a.customId.localeCompare(b.customId)),
      [
        { customId: 'k0', ok: false, status: 500, message: 'HTTP 500: The server had an error' },
        { customId: 'k1', ok: false, status: undefined, message: 'batch_expired: This request could not be executed before the completion window expired.' },
      ],
    );
    const answers = await records(client, done.outputFileId);
    assert.deepEqual(
      answers.find((r) => r.customId === 'k2'),
      { customId: 'k2', ok: true, text: 'small: C', usage: undefined },
    );
  });

  it('reports validation problems with their lines', async () => {
    const server = await serve();
    const client = clientFor(server);
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, `${requestLine('a', 'x', 'small')}\n${requestLine('b', 'y', 'large')}\n`);
    const uploaded = await client.uploadRequestFile(file, never());
    const done = await settle(client, (await client.createBatch(uploaded.id, { smart_run: 'r' }, never())).id);
    assert.equal(done.status, 'failed');
    assert.deepEqual(
      done.problems.map((p) => [p.code, p.line]),
      [['mismatched_model', 2]],
    );
    assert.match(done.problems[0].message, /one model only/);
  });

  it('retries rate limits and server errors on every call, logging each retry without the key', async () => {
    const server = await serve({
      batch: {
        apiFault: ({ route, callIndex }) => {
          if (callIndex > 0) return undefined;
          if (route === 'files.create') return { kind: 'status', status: 503, message: `busy for ${KEY}` };
          if (route === 'batches.create') return { kind: 'status', status: 429, retryAfterMs: 5 };
          if (route === 'batches.retrieve') return { kind: 'reset' };
          if (route === 'files.content') return { kind: 'status', status: 502 };
          return undefined;
        },
      },
    });
    const client = clientFor(server);
    const uploaded = await client.uploadRequestFile(requestFile(['a', 'b']), never());
    const done = await settle(client, (await client.createBatch(uploaded.id, { smart_run: 'r' }, never())).id);
    assert.equal((await records(client, done.outputFileId)).length, 2);
    assert.equal(server.batches().length, 1);
    assert.equal(logs.length, 4, logs.join('\n'));
    assert.match(logs[0], /^warn: loopback batch API, upload of requests\.jsonl: attempt 1 failed \(HTTP 503: busy for \[redacted\]\); retrying in \d+ ms$/);
    assert.match(logs[1], /creating a batch of file-test-1: attempt 1 failed \(HTTP 429/);
    assert.match(logs[2], /retrieving batch batch_test_1: attempt 1 failed \(connection failed/);
    assert.match(logs[3], /reading file file-test-\d+: attempt 1 failed \(HTTP 502/);
  });

  it('does not create a second batch when the answer to a create was lost', async () => {
    const server = await serve({
      batch: { apiFault: ({ route, callIndex }) => (route === 'batches.create' && callIndex === 0 ? { kind: 'reset', afterEffect: true } : undefined) },
    });
    const client = clientFor(server);
    const uploaded = await client.uploadRequestFile(requestFile(['a']), never());
    const created = await client.createBatch(uploaded.id, { smart_run: 'r', smart_file: 'f' }, never());
    assert.equal(server.batches().length, 1);
    assert.equal(created.id, server.batches()[0].id);
    assert.deepEqual(server.apiCalls()['batches.create'], 1);
  });

  it('fails at once on a refused call, naming endpoint and operation, with the key redacted', async () => {
    const server = await serve({ batch: { apiFault: () => ({ kind: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` }) } });
    const error = await failure(clientFor(server, { apiKeySource: 'the SMART_KEY environment variable' }).retrieveBatch('batch_x', never()));
    assert.ok(error instanceof BatchApiError);
    assert.equal(error.status, 401);
    assert.equal(
      error.message,
      'Endpoint "loopback", batch API, retrieving batch batch_x: HTTP 401: Incorrect API key provided: [redacted]. Check the SMART_KEY environment variable.',
    );
    assert.equal(server.apiCalls()['batches.retrieve'], 1);
  });

  it('gives up once the endpoint has answered nothing for the retry budget, saying so', async () => {
    const server = await serve({ batch: { apiFault: () => ({ kind: 'status', status: 500 }) } });
    const client = new BatchApiClient(
      { name: 'loopback', baseURL: server.baseURL, apiKey: KEY },
      { retry: new RetryPolicy({ budgetMs: 200, baseDelayMs: 1, maxDelayMs: 20 }) },
    );
    const error = await failure(client.cancelBatch('batch_x', never()));
    assert.ok(error instanceof BatchApiError);
    assert.match(
      error.message,
      /^Endpoint "loopback", batch API, cancelling batch batch_x: the endpoint answered nothing for \d+ ms \(\d+ attempts\); last error: HTTP 500: injected HTTP 500$/,
    );
    assert.equal(server.apiCalls()['batches.cancel'], error.attempts);
    assert.ok(error.attempts > 3, `${error.attempts} attempts`);
  });

  it('resumes a download that broke off or stalled without handing any line on twice', async () => {
    const server = await serve({
      batch: {
        apiFault: ({ route, callIndex }) =>
          route !== 'files.content'
            ? undefined
            : callIndex === 0
              ? { kind: 'cutOff', afterBytes: 1500 }
              : callIndex === 1
                ? { kind: 'stall', afterBytes: 3000 }
                : undefined,
      },
    });
    const client = clientFor(server, { timeoutMs: 300 });
    const prompts = Array.from({ length: 40 }, (_, i) => `prompt number ${i}`);
    const uploaded = await client.uploadRequestFile(requestFile(prompts), never());
    const done = await settle(client, (await client.createBatch(uploaded.id, { smart_run: 'r' }, never())).id);
    const got = await records(client, done.outputFileId);
    assert.equal(got.length, 40);
    assert.equal(new Set(got.map((r) => r.customId)).size, 40);
    assert.equal(server.apiCalls()['files.content'], 3);
    assert.match(logs[0], /reading file .*: attempt 1 failed \(the download broke off: terminated/);
    assert.match(logs[1], /reading file .*: attempt 2 failed \(no data for 300 ms\)/);
  });

  it('stops on a line that is not JSON, naming the file and the line, without fetching again', async () => {
    const server = await serve();
    const client = clientFor(server);
    const file = join(dir, 'garbled.jsonl');
    writeFileSync(file, `${requestLine('a', 'x')}\n{not json\n`);
    const uploaded = await client.uploadRequestFile(file, never());
    // The server serves any file it holds: a garbled one stands for a garbled result file.
    const error = await failure(client.readResults(uploaded.id, () => undefined, never()));
    assert.equal(error.message, `Endpoint "loopback", batch API, reading file ${uploaded.id}: line 2 of file ${uploaded.id} is not JSON`);
    assert.equal(server.apiCalls()['files.content'], 1);
  });

  it("passes on the consumer's own failure without fetching again", async () => {
    const server = await serve();
    const client = clientFor(server);
    const uploaded = await client.uploadRequestFile(requestFile(['a', 'b']), never());
    const done = await settle(client, (await client.createBatch(uploaded.id, { smart_run: 'r' }, never())).id);
    const disk = new Error('disk full');
    await assert.rejects(
      client.readResults(done.outputFileId!, () => Promise.reject(disk), never()),
      (e) => e === disk,
    );
    assert.equal(server.apiCalls()['files.content'], 1);
  });

  it('lists batches newest first across pages, down to a creation time, and finds one by metadata', async () => {
    const server = await serve();
    const client = clientFor(server);
    const uploaded = await client.uploadRequestFile(requestFile(['a']), never());
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) ids.push((await client.createBatch(uploaded.id, { smart_run: 'r', n: String(i) }, never())).id);
    const listed: string[] = [];
    for await (const batch of client.listBatches(never())) listed.push(batch.id);
    assert.deepEqual(listed, [...ids].reverse());
    assert.equal(server.apiCalls()['batches.list'], 2);
    const future = Math.floor(Date.now() / 1000) + 60;
    assert.equal(await client.findBatch({ smart_run: 'r' }, future, never()), undefined);
    assert.equal((await client.findBatch({ smart_run: 'r', n: '3' }, 0, never()))?.id, ids[3]);
  });

  it('cancels a batch at the provider', async () => {
    const server = await serve({ batch: { stepMs: 50 } });
    const client = clientFor(server);
    const uploaded = await client.uploadRequestFile(requestFile(['a']), never());
    const created = await client.createBatch(uploaded.id, { smart_run: 'r' }, never());
    assert.equal((await client.cancelBatch(created.id, never())).status, 'cancelling');
    assert.equal((await settle(client, created.id)).status, 'cancelled');
    assert.equal(server.counts().total, 0);
  });

  it("stops promptly with the signal's reason while waiting to retry", async () => {
    const server = await serve({ batch: { apiFault: () => ({ kind: 'status', status: 429, retryAfterSeconds: 30 }) } });
    const client = clientFor(server);
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    setTimeout(() => controller.abort(reason), 50);
    const started = Date.now();
    await assert.rejects(client.retrieveBatch('batch_x', controller.signal), (e) => e === reason);
    assert.ok(Date.now() - started < 2000);
  });
});
