import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANTHROPIC_REQUEST_LINES, AnthropicBatchClient } from '../../../src/llm/anthropicBatches';
import { BatchApiError } from '../../../src/llm/batchCalls';
import { FINAL_STATUSES, REQUESTS_KEY, type BatchInfo, type BatchResultRecord } from '../../../src/llm/batchProvider';
import type { ChatRequest } from '../../../src/llm/chatBackend';
import { RetryPolicy } from '../../../src/llm/retryPolicy';
import { useLoopbackServers } from '../../support/loopbackHarness';
import { estimateTokens, OpenAiTestServer, requestKey, TestMessage } from '../../support/openaiTestServer';

const KEY = 'sk-ant-test-batch-51c9-do-not-leak';
const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const never = (): AbortSignal => new AbortController().signal;
const SYSTEM = 'Answer in capitals.';
const request = (prompt: string, model = 'claude-small'): ChatRequest => ({
  model,
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: prompt },
  ],
});
/** Custom ids as Smart writes them: request keys, 64 hex digits. */
const idOf = (i: number): string => i.toString(16).padStart(64, '0');

describe("AnthropicBatchClient against the loopback server's Message Batches", () => {
  const { serve, failure, log, logs } = useLoopbackServers(KEY, answer);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-anthropic-batches-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function clientFor(server: OpenAiTestServer): AnthropicBatchClient {
    return new AnthropicBatchClient(
      { name: 'claude', baseURL: server.baseURL.replace(/\/v1$/, ''), apiKey: KEY },
      { retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }), log },
    );
  }

  /** A request file in Anthropic's lines, one request per prompt (custom ids idOf(0), idOf(1), ...). */
  function requestFile(prompts: readonly string[], models: readonly string[] = []): string {
    const file = join(dir, 'requests.jsonl');
    writeFileSync(file, prompts.map((p, i) => `${ANTHROPIC_REQUEST_LINES.write(idOf(i), request(p, models[i]))}\n`).join(''));
    return file;
  }

  async function createFrom(client: AnthropicBatchClient, file: string): Promise<BatchInfo> {
    const named = await client.uploadRequestFile(file);
    return client.createBatch(named.id, { smart_run: 'r1', smart_file: 'requests.jsonl' }, never());
  }

  async function settle(client: AnthropicBatchClient, id: string): Promise<BatchInfo> {
    for (;;) {
      const batch = await client.retrieveBatch(id, never());
      if (FINAL_STATUSES.has(batch.status)) return batch;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async function records(client: AnthropicBatchClient, fileId: string | undefined): Promise<BatchResultRecord[]> {
    assert.ok(fileId !== undefined, 'no such file');
    const seen: BatchResultRecord[] = [];
    const count = await client.readResults(fileId, (record) => void seen.push(record), never());
    assert.equal(count, seen.length);
    return seen;
  }

  it('writes request lines Anthropic takes, and reads back the request each holds', () => {
    const line = JSON.parse(ANTHROPIC_REQUEST_LINES.write(idOf(7), { ...request('hi'), maxTokens: 12 })) as Record<string, unknown>;
    assert.deepEqual(line, {
      custom_id: idOf(7),
      params: { model: 'claude-small', max_tokens: 12, system: SYSTEM, messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.deepEqual(ANTHROPIC_REQUEST_LINES.read(line), { customId: idOf(7), request: { ...request('hi'), maxTokens: 12 } });
    assert.throws(() => ANTHROPIC_REQUEST_LINES.write('a key with spaces', request('hi')), /is not one Anthropic takes/);
    assert.throws(() => ANTHROPIC_REQUEST_LINES.write('x'.repeat(65), request('hi')), /is not one Anthropic takes/);
  });

  it('runs a batch of several models inline and reads the answers with their usage, each request paid once', async () => {
    const server = await serve();
    const client = clientFor(server);
    const prompts = ['good film', 'bad film', 'so-so film'];
    const created = await createFrom(client, requestFile(prompts, ['claude-small', 'claude-big', 'claude-small']));
    assert.equal(created.status, 'in_progress');
    assert.equal(created.counts.total, 3);
    assert.equal(server.apiCalls()['files.create'], undefined, 'a file was uploaded');
    const done = await settle(client, created.id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.counts, { total: 3, completed: 3, failed: 0 });
    assert.equal(done.errorFileId, undefined);
    const answers = await records(client, done.outputFileId);
    assert.equal(answers.length, 3);
    for (const [i, prompt] of prompts.entries()) {
      const model = i === 1 ? 'claude-big' : 'claude-small';
      const record = answers.find((r) => r.customId === idOf(i));
      assert.ok(record?.ok === true, `no answer to ${i}`);
      assert.equal(record.text, `${model}: ${prompt.toUpperCase()}`);
      assert.deepEqual(record.usage, { inputTokens: estimateTokens(SYSTEM + prompt), outputTokens: estimateTokens(record.text) });
      const key = requestKey(model, request(prompt, model).messages);
      assert.equal(server.counts().paidPerKey[key], 1, 'the system prompt did not travel as the online call sends it');
    }
  });

  it('reads errored requests as failures with the status of their error type, apart from the answers', async () => {
    const server = await serve({
      batch: {
        lineFault: ({ line }) =>
          line === 1 ? { kind: 'status', status: 400, message: 'prompt is too long' } : line === 2 ? { kind: 'status', status: 529 } : undefined,
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
      '0 400 invalid_request_error: prompt is too long',
      '1 529 overloaded_error: injected HTTP 529',
    ]);
  });

  it('an expired batch hands on what it answered and leaves the rest unanswered, never failed', async () => {
    const server = await serve({ batch: { expireAfter: () => 2 } });
    const client = clientFor(server);
    const done = await settle(client, (await createFrom(client, requestFile(['a', 'b', 'c', 'd', 'e']))).id);
    assert.equal(done.status, 'expired');
    assert.deepEqual(done.counts, { total: 5, completed: 2, failed: 0 });
    assert.equal(done.errorFileId, undefined);
    assert.deepEqual((await records(client, done.outputFileId)).map((r) => r.customId).sort(), [idOf(0), idOf(1)]);
  });

  it('cancels a running batch, which ends cancelled with what it answered before', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await serve({ batch: { holdRunning: () => held } });
    const client = clientFor(server);
    const created = await createFrom(client, requestFile(['a', 'b']));
    const cancelling = await client.cancelBatch(created.id, never());
    assert.equal(cancelling.status, 'cancelling');
    release();
    const done = await settle(client, created.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.outputFileId, undefined);
    assert.equal(server.counts().paid, 0);
  });

  it('does not create a second batch when the answer to a create was lost: it finds it by its number of requests', async () => {
    const server = await serve({
      batch: { apiFault: ({ route, callIndex }) => (route === 'messageBatches.create' && callIndex === 0 ? { kind: 'reset', afterEffect: true } : undefined) },
    });
    const client = clientFor(server);
    const created = await createFrom(client, requestFile(['a', 'b']));
    assert.equal(server.batches().length, 1);
    assert.equal(created.id, server.batches()[0].id);
    assert.equal(server.apiCalls()['messageBatches.create'], 1);
    const since = created.createdAt - 1;
    assert.equal((await client.findBatch({ [REQUESTS_KEY]: '2' }, since, never()))?.id, created.id);
    assert.equal(await client.findBatch({ [REQUESTS_KEY]: '3' }, since, never()), undefined);
    assert.equal(await client.findBatch({ [REQUESTS_KEY]: '2' }, created.createdAt + 3600, never()), undefined);
    assert.equal(await client.findBatch({ smart_run: 'r1' }, since, never()), undefined, 'found without a number of requests');
    assert.equal(await client.findBatch({ [REQUESTS_KEY]: '2' }, since, never(), new Set([created.id])), undefined, 'a batch taken was found');
  });

  it('resumes a results download that broke off without handing any line on twice', async () => {
    const server = await serve({
      batch: { apiFault: ({ route, callIndex }) => (route === 'messageBatches.results' && callIndex === 0 ? { kind: 'cutOff', afterBytes: 700 } : undefined) },
    });
    const client = clientFor(server);
    const prompts = Array.from({ length: 40 }, (_, i) => `prompt number ${i}`);
    const done = await settle(client, (await createFrom(client, requestFile(prompts))).id);
    const answers = await records(client, done.outputFileId);
    assert.equal(answers.length, 40);
    assert.equal(new Set(answers.map((r) => r.customId)).size, 40);
    assert.ok((server.apiCalls()['messageBatches.results'] ?? 0) >= 2, 'the download was not cut off');
    assert.match(logs.join('\n'), /reading the answers of batch msgbatch_test_1: attempt 1 failed/);
  });

  it('fails at once on a refused create, naming endpoint and operation, with the key redacted', async () => {
    const server = await serve({ batch: { apiFault: () => ({ kind: 'status', status: 401, message: `invalid x-api-key: ${KEY}` }) } });
    const error = await failure(createFrom(clientFor(server), requestFile(['a'])));
    assert.ok(error instanceof BatchApiError);
    assert.equal(error.status, 401);
    assert.match(error.message, /^Endpoint "claude", batch API, creating a batch of requests\.jsonl: HTTP 401: invalid x-api-key: \[redacted\]/);
  });
});
