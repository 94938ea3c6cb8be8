import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GEMINI_REQUEST_LINES, GeminiBatchClient } from '../../../src/llm/geminiBatches';
import { BatchApiError } from '../../../src/llm/batchCalls';
import { FINAL_STATUSES, type BatchInfo, type BatchResultRecord } from '../../../src/llm/batchProvider';
import type { ChatRequest } from '../../../src/llm/chatBackend';
import { RetryPolicy } from '../../../src/llm/retryPolicy';
import { useLoopbackServers } from '../../support/loopbackHarness';
import { estimateTokens, OpenAiTestServer, requestKey, TestMessage } from '../../support/openaiTestServer';

const KEY = 'AIza-test-batch-77e1-do-not-leak';
const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const never = (): AbortSignal => new AbortController().signal;
const SYSTEM = 'Answer in capitals.';
const request = (prompt: string, model = 'gemini-small'): ChatRequest => ({
  model,
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: prompt },
  ],
});
/** Custom ids as Smart writes them: request keys, 64 hex digits. */
const idOf = (i: number): string => i.toString(16).padStart(64, '0');

describe("GeminiBatchClient against the loopback server's batch jobs", () => {
  const { serve, failure, log } = useLoopbackServers(KEY, answer);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-anthropic-batches-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function clientFor(server: OpenAiTestServer): GeminiBatchClient {
    return new GeminiBatchClient(
      { name: 'gemini', baseURL: server.baseURL.replace(/\/v1$/, ''), apiKey: KEY },
      { retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }), log },
    );
  }

  /** A request file in Anthropic's lines, one request per prompt (custom ids idOf(0), idOf(1), ...). */
  function requestFile(prompts: readonly string[], models: readonly string[] = []): string {
    const file = join(dir, 'requests.jsonl');
    writeFileSync(file, prompts.map((p, i) => `${GEMINI_REQUEST_LINES.write(idOf(i), request(p, models[i]))}\n`).join(''));
    return file;
  }

  async function createFrom(client: GeminiBatchClient, file: string): Promise<BatchInfo> {
    const named = await client.uploadRequestFile(file);
    return client.createBatch(named.id, { smart_run: 'r1', smart_file: 'requests.jsonl' }, never());
  }

  async function settle(client: GeminiBatchClient, id: string): Promise<BatchInfo> {
    for (;;) {
      const batch = await client.retrieveBatch(id, never());
      if (FINAL_STATUSES.has(batch.status)) return batch;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async function records(client: GeminiBatchClient, fileId: string | undefined): Promise<BatchResultRecord[]> {
    assert.ok(fileId !== undefined, 'no such file');
    const seen: BatchResultRecord[] = [];
    const count = await client.readResults(fileId, (record) => void seen.push(record), never());
    assert.equal(count, seen.length);
    return seen;
  }

  it("writes Gemini's batch lines, and reads back the request each holds", () => {
    const asked = { ...request('hi'), maxTokens: 12, logprobs: true };
    const line = JSON.parse(GEMINI_REQUEST_LINES.write(idOf(7), asked)) as Record<string, unknown>;
    assert.deepEqual(line, {
      key: idOf(7),
      request: {
        model: 'models/gemini-small',
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        systemInstruction: { parts: [{ text: SYSTEM }] },
        generationConfig: { temperature: 0, maxOutputTokens: 12, responseLogprobs: true },
      },
    });
    assert.deepEqual(GEMINI_REQUEST_LINES.read(line), { customId: idOf(7), request: asked });
  });

  it('runs a job inline and reads the answers with their usage and probability, each request paid once', async () => {
    const server = await serve({ confidence: () => 0.8 });
    const client = clientFor(server);
    const prompts = ['good film', 'bad film', 'so-so film'];
    const file = join(dir, 'requests.jsonl');
    writeFileSync(file, prompts.map((p, i) => `${GEMINI_REQUEST_LINES.write(idOf(i), { ...request(p), logprobs: i === 0 })}\n`).join(''));
    const created = await client.createBatch((await client.uploadRequestFile(file)).id, { smart_run: 'r1', smart_file: 'requests.jsonl' }, never());
    assert.deepEqual(created.metadata, { smart_run: 'r1', smart_file: 'requests.jsonl' });
    assert.equal(created.model, 'gemini-small');
    assert.equal(server.apiCalls()['files.create'], undefined, 'a file was uploaded');
    const done = await settle(client, created.id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.counts, { total: 3, completed: 3, failed: 0 });
    assert.equal(done.errorFileId, undefined);
    const answers = await records(client, done.outputFileId);
    assert.equal(answers.length, 3);
    for (const [i, prompt] of prompts.entries()) {
      const record = answers.find((r) => r.customId === idOf(i));
      assert.ok(record?.ok === true, `no answer to ${i}`);
      assert.equal(record.text, `gemini-small: ${prompt.toUpperCase()}`);
      assert.deepEqual(record.usage, { inputTokens: estimateTokens(SYSTEM + prompt), outputTokens: estimateTokens(record.text) });
      assert.equal(record.confidence === undefined ? undefined : Math.round(record.confidence * 100) / 100, i === 0 ? 0.8 : undefined);
      const key = requestKey('gemini-small', request(prompt).messages);
      assert.equal(server.counts().paidPerKey[key], 1, 'the system prompt did not travel as the online call sends it');
    }
  });

  it('refuses a file of two models: a job is for one', async () => {
    const server = await serve();
    await assert.rejects(createFrom(clientFor(server), requestFile(['a', 'b'], ['gemini-small', 'gemini-big'])), /a Gemini batch job is for one model/);
    assert.equal(server.batches().length, 0);
  });

  it('reads errored requests as failures with the HTTP status of their code, apart from the answers', async () => {
    const server = await serve({
      batch: {
        lineFault: ({ line }) =>
          line === 1 ? { kind: 'status', status: 400, message: 'prompt is too long' } : line === 2 ? { kind: 'status', status: 503 } : undefined,
      },
    });
    const client = clientFor(server);
    const done = await settle(client, (await createFrom(client, requestFile(['a', 'b', 'c']))).id);
    assert.deepEqual(done.counts, { total: 3, completed: 1, failed: 2 });
    assert.deepEqual(
      (await records(client, done.outputFileId)).map((r) => r.customId),
      [idOf(2)],
    );
    const failed = await records(client, done.errorFileId);
    assert.deepEqual(failed.map((r) => (r.ok ? 'ok' : `${r.customId.slice(-1)} ${r.status} ${r.message}`)).sort(), [
      '0 400 prompt is too long',
      '1 503 injected HTTP 503',
    ]);
  });

  it('an expired job hands on what it answered and leaves the rest unanswered, never failed', async () => {
    const server = await serve({ batch: { expireAfter: () => 2 } });
    const client = clientFor(server);
    const done = await settle(client, (await createFrom(client, requestFile(['a', 'b', 'c', 'd', 'e']))).id);
    assert.equal(done.status, 'expired');
    assert.deepEqual(done.counts, { total: 2, completed: 2, failed: 0 });
    assert.equal(done.errorFileId, undefined);
    assert.deepEqual((await records(client, done.outputFileId)).map((r) => r.customId).sort(), [idOf(0), idOf(1)]);
  });

  it('cancels a running job, which ends cancelled with what it answered before', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await serve({ batch: { holdRunning: () => held } });
    const client = clientFor(server);
    const created = await createFrom(client, requestFile(['a', 'b']));
    const cancelling = await client.cancelBatch(created.id, never());
    // The cancel call answers nothing; the job read after it is running still, or already cancelled.
    assert.ok(['in_progress', 'cancelled'].includes(cancelling.status), cancelling.status);
    release();
    const done = await settle(client, created.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.outputFileId, undefined);
    assert.equal(server.counts().paid, 0);
  });

  it('does not create a second job when the answer to a create was lost: it finds it by its display name', async () => {
    const server = await serve({
      batch: { apiFault: ({ route, callIndex }) => (route === 'geminiBatches.create' && callIndex === 0 ? { kind: 'reset', afterEffect: true } : undefined) },
    });
    const client = clientFor(server);
    const created = await createFrom(client, requestFile(['a', 'b']));
    assert.equal(server.batches().length, 1);
    assert.equal(created.id, server.batches()[0].name);
    assert.equal(server.apiCalls()['geminiBatches.create'], 1);
    const since = created.createdAt - 1;
    assert.equal((await client.findBatch({ smart_run: 'r1', smart_file: 'requests.jsonl' }, since, never()))?.id, created.id);
    assert.equal(await client.findBatch({ smart_run: 'r2' }, since, never()), undefined);
    assert.equal(await client.findBatch({ smart_run: 'r1' }, created.createdAt + 3600, never()), undefined);
    assert.equal(await client.findBatch({ smart_run: 'r1' }, since, never(), new Set([created.id])), undefined, 'a job taken was found');
  });

  it('lists jobs newest first across pages', async () => {
    const server = await serve();
    const client = clientFor(server);
    const file = requestFile(['a']);
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) ids.push((await client.createBatch(file, { smart_run: 'r', n: String(i) }, never())).id);
    const listed: string[] = [];
    for await (const job of client.listBatches(never())) listed.push(job.id);
    assert.deepEqual(listed, [...ids].reverse());
    assert.equal((await client.findBatch({ smart_run: 'r', n: '3' }, 0, never()))?.id, ids[3]);
    assert.equal(server.apiCalls()['geminiBatches.list'], 2 + 2, 'two pages for the listing, two for the find (job 3 is on the second)');
  });

  it('fails at once on a refused create, naming endpoint and operation, with the key redacted', async () => {
    const server = await serve({ batch: { apiFault: () => ({ kind: 'status', status: 403, message: `API key not valid: ${KEY}` }) } });
    const error = await failure(createFrom(clientFor(server), requestFile(['a'])));
    assert.ok(error instanceof BatchApiError);
    assert.equal(error.status, 403);
    assert.match(error.message, /^Endpoint "gemini", batch API, creating a batch of requests\.jsonl: HTTP 403: API key not valid: \[redacted\]/);
  });
});
