import * as assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { REORDER_CHUNK } from '../../support/batchTestApi';
import { OpenAiTestServer, OpenAiTestServerOptions, requestKey, startOpenAiTestServer, TestMessage } from '../../support/openaiTestServer';

const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** A batch input line asking `model` about `prompt`. */
const requestLine = (customId: string, model: string, prompt: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: prompt }], temperature: 0 },
    ...extra,
  });

interface OutputLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    request_id: string;
    body: { choices?: { message: { content: string } }[]; usage?: unknown; error?: { message: string } };
  } | null;
  error: { code: string; message: string } | null;
}

describe('OpenAI test server: Files and Batch APIs', () => {
  let dir: string;
  let servers: OpenAiTestServer[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-batch-server-'));
  });

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(options: Partial<OpenAiTestServerOptions> = {}): Promise<{ server: OpenAiTestServer; sdk: OpenAI }> {
    const server = await startOpenAiTestServer({ answer, ...options });
    servers.push(server);
    return { server, sdk: new OpenAI({ baseURL: server.baseURL, apiKey: 'test', maxRetries: 0 }) };
  }

  /** Writes the lines to a file and uploads it, streamed from disk. */
  async function uploadLines(sdk: OpenAI, lines: readonly string[], name = 'requests.jsonl'): Promise<string> {
    const path = join(dir, name);
    writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    const file = await sdk.files.create({ file: toStreamingFile(createReadStream(path), name), purpose: 'batch' });
    return file.id;
  }

  async function submit(sdk: OpenAI, lines: readonly string[], metadata?: Record<string, string>): Promise<Batch> {
    const input = await uploadLines(sdk, lines);
    return sdk.batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h', ...(metadata ? { metadata } : {}) });
  }

  /** Polls until the batch ends; returns every status seen, in order, and the last batch. */
  async function settle(sdk: OpenAI, id: string): Promise<{ statuses: string[]; batch: Batch }> {
    const statuses: string[] = [];
    for (;;) {
      const batch = await sdk.batches.retrieve(id);
      if (statuses[statuses.length - 1] !== batch.status) statuses.push(batch.status);
      if (TERMINAL.has(batch.status)) return { statuses, batch };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async function lines(sdk: OpenAI, fileId: string | null | undefined): Promise<OutputLine[]> {
    assert.ok(fileId, 'the batch has no such file');
    const text = await (await sdk.files.content(fileId)).text();
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as OutputLine);
  }

  it('stores an upload on disk and serves it back byte for byte', async () => {
    const filesDir = join(dir, 'files');
    mkdirSync(filesDir);
    const { sdk } = await serve({ batch: { filesDir } });
    const content = [requestLine('a', 'm', 'héllo'), requestLine('b', 'm', 'wörld')];
    const id = await uploadLines(sdk, content);
    const file = await sdk.files.retrieve(id);
    assert.equal(file.purpose, 'batch');
    assert.equal(file.filename, 'requests.jsonl');
    assert.equal(file.bytes, Buffer.byteLength(content.join('\n') + '\n'));
    assert.equal(await (await sdk.files.content(id)).text(), content.join('\n') + '\n');
    assert.deepEqual(readdirSync(filesDir), [`${id}.jsonl`]);
  });

  it('refuses an upload without purpose "batch", a body that is not multipart, and an unknown file', async () => {
    const { server, sdk } = await serve();
    const path = join(dir, 'x.jsonl');
    writeFileSync(path, `${requestLine('a', 'm', 'x')}\n`);
    await assert.rejects(sdk.files.create({ file: toStreamingFile(createReadStream(path), 'x.jsonl'), purpose: 'fine-tune' }), /400 purpose must be "batch"/);
    const notMultipart = await fetch(`${server.baseURL}/files`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(notMultipart.status, 400);
    await assert.rejects(sdk.files.content('file-missing'), /404 No such File object: file-missing/);
  });

  it('drops an upload that breaks off part way, keeping nothing of it', async () => {
    const { server, sdk } = await serve();
    const url = new URL(`${server.baseURL}/files`);
    const broken = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XX' },
    });
    broken.on('error', () => undefined);
    broken.write('--XX\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n{"custom_id":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    broken.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(readdirSync(server.filesDir), []);
    await assert.rejects(sdk.files.retrieve('file-test-1'), /404/);
    // The server goes on serving.
    assert.match(await uploadLines(sdk, [requestLine('a', 'm', 'x')]), /^file-test-\d+$/);
  });

  it('walks a batch through validating, in_progress and finalizing to completed, answering each request once', async () => {
    const { server, sdk } = await serve({ batch: { stepMs: 40 } });
    const prompts = Array.from({ length: 2 * REORDER_CHUNK + 3 }, (_, i) => `item ${i}`);
    const created = await submit(
      sdk,
      prompts.map((p, i) => requestLine(`k${i}`, 'small', p)),
      { smart_run: 'r1' },
    );
    assert.equal(created.status, 'validating');
    assert.deepEqual(created.metadata, { smart_run: 'r1' });

    const { statuses, batch } = await settle(sdk, created.id);
    assert.deepEqual(statuses, ['validating', 'in_progress', 'finalizing', 'completed']);
    assert.deepEqual(batch.request_counts, { total: prompts.length, completed: prompts.length, failed: 0 });
    assert.equal(batch.model, 'small');
    assert.equal(batch.error_file_id, null);
    for (const field of ['in_progress_at', 'finalizing_at', 'completed_at'] as const) assert.equal(typeof batch[field], 'number', field);

    const output = await lines(sdk, batch.output_file_id);
    assert.notDeepEqual(
      output.map((l) => l.custom_id),
      prompts.map((_, i) => `k${i}`),
      'output lines come in input order',
    );
    assert.deepEqual(output.map((l) => l.custom_id).sort(), prompts.map((_, i) => `k${i}`).sort());
    const first = output.find((l) => l.custom_id === 'k0')!;
    assert.equal(first.response?.status_code, 200);
    assert.equal(first.error, null);
    assert.equal(first.response?.body.choices?.[0].message.content, 'small: ITEM 0');
    assert.deepEqual(first.response?.body.usage, { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });

    const counts = server.counts();
    assert.equal(counts.paid, prompts.length);
    assert.equal(counts.paidPerModel.small, prompts.length);
    const key = requestKey('small', [{ role: 'user', content: 'item 0' }]);
    assert.equal(counts.paidPerKey[key], 1);
    // The same request online lands on the same counter: paying twice shows.
    await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'item 0' }] }),
    });
    assert.equal(server.counts().paidPerKey[key], 2);
    assert.equal(server.requests.length, 1, 'batch requests are counted, not kept');
  });

  it('reports the counts once per batch, not once per request', async () => {
    const reported: number[] = [];
    const { sdk } = await serve({ onCountsChanged: (counts) => reported.push(counts.paid) });
    await settle(
      sdk,
      (
        await submit(
          sdk,
          ['a', 'b', 'c', 'd', 'e'].map((id) => requestLine(id, 'm', id)),
        )
      ).id,
    );
    assert.deepEqual(reported, [5]);
  });

  describe('validation', () => {
    const failure = async (options: OpenAiTestServerOptions['batch'], content: readonly string[]): Promise<Batch> => {
      const { server, sdk } = await serve({ batch: options });
      const { statuses, batch } = await settle(sdk, (await submit(sdk, content)).id);
      assert.deepEqual(statuses.slice(-1), ['failed']);
      assert.equal(server.counts().total, 0, 'nothing of a failed batch runs');
      assert.equal(typeof batch.failed_at, 'number');
      return batch;
    };

    it('fails a file with a second model, naming the line', async () => {
      const batch = await failure({}, [requestLine('a', 'small', 'x'), requestLine('b', 'large', 'y'), requestLine('c', 'small', 'z')]);
      assert.deepEqual(batch.errors?.data, [
        {
          code: 'mismatched_model',
          message: "The model 'large' differs from 'small' of the first line: a batch file holds requests for one model only.",
          line: 2,
          param: 'body.model',
        },
      ]);
    });

    it('fails a file over the request limit or the byte limit', async () => {
      const content = ['a', 'b', 'c', 'd'].map((id) => requestLine(id, 'm', id));
      const tooMany = await failure({ maxRequests: 3 }, content);
      assert.equal(tooMany.errors?.data?.[0].code, 'too_many_requests');
      assert.equal(tooMany.errors?.data?.[0].line, 4);
      const tooBig = await failure({ maxBytes: 100 }, content);
      assert.match(tooBig.errors?.data?.[0].message ?? '', /^The input file is \d+ bytes; a batch input file may hold at most 100 bytes\.$/);
    });

    it('fails repeated custom ids, other endpoints and lines that are not JSON', async () => {
      const batch = await failure({}, [
        requestLine('a', 'm', 'x'),
        requestLine('a', 'm', 'y'),
        requestLine('b', 'm', 'z', { url: '/v1/embeddings' }),
        '{"custom_id": ',
      ]);
      assert.deepEqual(
        batch.errors?.data?.map((e) => [e.code, e.line]),
        [
          ['duplicate_custom_id', 2],
          ['invalid_url', 3],
          ['invalid_json_line', 4],
        ],
      );
    });
  });

  it('expires after answering the requests it was told to, leaving the rest without a line', async () => {
    const { server, sdk } = await serve({ batch: { expireAfter: ({ total }) => Math.floor(total / 2) } });
    const { batch } = await settle(
      sdk,
      (
        await submit(
          sdk,
          ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => requestLine(id, 'm', id)),
        )
      ).id,
    );
    assert.equal(batch.status, 'expired');
    assert.equal(typeof batch.expired_at, 'number');
    assert.deepEqual(batch.request_counts, { total: 6, completed: 3, failed: 0 });
    assert.deepEqual((await lines(sdk, batch.output_file_id)).map((l) => l.custom_id).sort(), ['a', 'b', 'c']);
    assert.equal(batch.error_file_id, null);
    assert.equal(server.counts().total, 3);
  });

  it('puts faulted requests in the error file, with a status or with an error and no response', async () => {
    const { server, sdk } = await serve({
      batch: {
        lineFault: ({ customId, keyCallIndex }) =>
          customId === 'b'
            ? { kind: 'status', status: 500, message: 'overloaded' }
            : customId === 'c' && keyCallIndex === 0
              ? { kind: 'error', code: 'server_error', message: 'try again' }
              : undefined,
      },
    });
    const { batch } = await settle(
      sdk,
      (
        await submit(
          sdk,
          ['a', 'b', 'c'].map((id) => requestLine(id, 'm', id)),
        )
      ).id,
    );
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 3, completed: 1, failed: 2 });
    assert.deepEqual(
      (await lines(sdk, batch.output_file_id)).map((l) => l.custom_id),
      ['a'],
    );
    const errors = await lines(sdk, batch.error_file_id);
    const b = errors.find((l) => l.custom_id === 'b')!;
    assert.equal(b.response?.status_code, 500);
    assert.equal(b.response?.body.error?.message, 'overloaded');
    const c = errors.find((l) => l.custom_id === 'c')!;
    assert.equal(c.response, null);
    assert.deepEqual(c.error, { code: 'server_error', message: 'try again' });
    const counts = server.counts();
    assert.equal(counts.total, 3);
    assert.equal(counts.paid, 1);
  });

  it('cancels a batch before it runs, and refuses to cancel one that ended', async () => {
    const { server, sdk } = await serve({ batch: { stepMs: 60 } });
    const created = await submit(sdk, [requestLine('a', 'm', 'x')]);
    const cancelling = await sdk.batches.cancel(created.id);
    assert.equal(cancelling.status, 'cancelling');
    const { statuses, batch } = await settle(sdk, created.id);
    assert.deepEqual(statuses, ['cancelling', 'cancelled']);
    assert.equal(batch.output_file_id, null);
    assert.equal(server.counts().total, 0);
    await assert.rejects(sdk.batches.cancel(created.id), /409 Cannot cancel a batch with status 'cancelled'/);
  });

  it('lists batches newest first, a page at a time', async () => {
    const { sdk } = await serve();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(sdk, [requestLine('a', 'm', `x${i}`)], { n: String(i) })).id);
    const first = await sdk.batches.list({ limit: 2 });
    assert.deepEqual(
      first.data.map((b) => b.id),
      [ids[4], ids[3]],
    );
    assert.equal(first.has_more, true);
    const all: string[] = [];
    for await (const batch of sdk.batches.list({ limit: 2 })) all.push(batch.id);
    assert.deepEqual(all, [...ids].reverse());
    const rest = await sdk.batches.list({ limit: 10, after: ids[2] });
    assert.deepEqual(
      rest.data.map((b) => b.metadata?.n),
      ['1', '0'],
    );
    assert.equal(rest.has_more, false);
  });

  it('refuses metadata beyond the provider limits and unknown input files', async () => {
    const { sdk } = await serve();
    const input = await uploadLines(sdk, [requestLine('a', 'm', 'x')]);
    const create = (body: Partial<Parameters<OpenAI['batches']['create']>[0]>): Promise<Batch> =>
      sdk.batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h', ...body });
    await assert.rejects(create({ metadata: { long: 'x'.repeat(513) } }), /400 Invalid 'metadata.long'/);
    await assert.rejects(create({ metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), /at most 16 pairs/);
    await assert.rejects(create({ input_file_id: 'file-nope' }), /400 Invalid 'input_file_id'/);
  });

  it('injects faults on API calls: before the call acts, after it acts, and part way through a download', async () => {
    const { server, sdk } = await serve({
      batch: {
        apiFault: ({ route, callIndex }) => {
          if (route === 'batches.retrieve' && callIndex === 0) return { kind: 'status', status: 429, retryAfterMs: 5 };
          if (route === 'batches.create' && callIndex === 0) return { kind: 'reset', afterEffect: true };
          if (route === 'files.content' && callIndex === 0) return { kind: 'cutOff', afterBytes: 10 };
          return undefined;
        },
      },
    });
    const input = await uploadLines(sdk, [requestLine('a', 'm', 'x')]);
    await assert.rejects(sdk.batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h' }), /Connection error/);
    assert.equal(server.batches().length, 1, 'the batch was created although its answer was lost');
    const id = String(server.batches()[0].id);
    const limited = await fetch(`${server.baseURL}/batches/${id}`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after-ms'), '5');
    const { batch } = await settle(sdk, id);
    const cut = await sdk.files.content(batch.output_file_id!);
    await assert.rejects(cut.text(), /terminated/);
    assert.equal((await lines(sdk, batch.output_file_id)).length, 1);
    const { 'batches.retrieve': polls, ...calls } = server.apiCalls();
    assert.deepEqual(calls, { 'files.create': 1, 'batches.create': 1, 'files.content': 2 });
    assert.ok(polls !== undefined && polls >= 2, `retrieved ${polls} times`);
  });

  it('stops running batches on close and removes its files', async () => {
    const { server, sdk } = await serve({ batch: { stepMs: 10_000 } });
    await submit(sdk, [requestLine('a', 'm', 'x')]);
    assert.equal(readdirSync(server.filesDir).length, 1);
    const started = Date.now();
    await server.close();
    servers = [];
    assert.ok(Date.now() - started < 2000, 'close waited for the batch');
    assert.equal(server.counts().total, 0);
    assert.equal(existsSync(server.filesDir), false);
  });
});
