import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchProgress, BatchRunError, type StragglerOptions } from '../../../../src/job/batch/batchCoordinator';
import { OpenAiChatClient } from '../../../../src/llm/openAiChatClient';
import { BatchJournal, JournalLine } from '../../../../src/job/batch/batchJournal';
import { BatchRequest } from '../../../../src/job/batch/requestFiles';
import { estimateTokens } from '../../../../src/llm/openAiEndpoint';
import { BatchRunSettings, chatRequests, readAnswers, runBatchRun } from '../../../support/batchRunProcess';
import { OpenAiTestServer, OpenAiTestServerOptions, requestKey, startOpenAiTestServer, TestMessage } from '../../../support/openaiTestServer';
import { OPENAI_REQUEST_LINES } from '../../../../src/llm/batchApi';

const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const prompts = (n: number, prefix = 'item'): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
/** The test server's own key of a request, to read its counts. */
const serverKey = (request: BatchRequest): string => requestKey(request.model, request.request.messages);

describe('runBatches against the loopback server', () => {
  let dir: string;
  let servers: OpenAiTestServer[] = [];
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-batch-run-'));
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(options: Partial<OpenAiTestServerOptions> = {}): Promise<OpenAiTestServer> {
    const server = await startOpenAiTestServer({ answer, ...options });
    servers.push(server);
    return server;
  }

  function settingsFor(server: OpenAiTestServer, requests: readonly BatchRequest[], extra: Partial<BatchRunSettings> = {}): BatchRunSettings {
    return {
      baseURL: server.baseURL,
      journal: join(dir, '.smart', 'input.jsonl.batches.jsonl'),
      folder: join(dir, '.smart', 'batches'),
      requests,
      answers: join(dir, 'answers.jsonl'),
      pollSeconds: 0.01,
      ...extra,
    };
  }

  const journalLines = (settings: BatchRunSettings): JournalLine[] =>
    readFileSync(settings.journal, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as JournalLine);

  /** Every request answered with the scripted text, and paid for exactly once at the server. */
  function assertAnsweredOnce(server: OpenAiTestServer, settings: BatchRunSettings, requests: readonly BatchRequest[]): void {
    const answers = readAnswers(settings.answers);
    const byKey = new Map(answers.map((a) => [a.customId, a]));
    const unique = new Map(requests.map((r) => [r.key, r]));
    assert.equal(byKey.size, unique.size, 'every request answered');
    const counts = server.counts();
    for (const request of unique.values()) {
      const got = byKey.get(request.key);
      const messages = request.request.messages as TestMessage[];
      assert.equal(got?.text, answer(request.model, messages));
      assert.equal(got?.model, request.model);
      assert.equal(counts.paidPerKey[serverKey(request)], 1, `paid once: ${request.key}`);
    }
    assert.equal(counts.paid, unique.size);
  }

  it('answers every request through one batch per model, each paid once, reporting progress', async () => {
    // Each status lasts ten polls, so progress shows them all.
    const server = await serve({ batch: { stepMs: 100 } });
    const small = chatRequests(server.baseURL, 'small', prompts(5));
    const large = chatRequests(server.baseURL, 'large', prompts(3));
    const requests = [small[0], large[0], small[1], small[0], ...small.slice(2), ...large.slice(1)];
    const settings = settingsFor(server, requests);
    const progress: BatchProgress[] = [];
    const summary = await runBatchRun(settings, { onProgress: (p) => progress.push(p) });

    assert.deepEqual(summary, { answered: 8, batches: 2 });
    assertAnsweredOnce(server, settings, requests);
    assert.equal(readAnswers(settings.answers).length, 8, 'each answer handed on once');
    const first = readAnswers(settings.answers).find((a) => a.customId === small[0].key)!;
    assert.deepEqual([first.inputTokens, first.outputTokens], [estimateTokens('item 0'.length), estimateTokens('small: ITEM 0'.length)]);
    assert.equal(server.batches().length, 2);

    const last = progress[progress.length - 1];
    assert.equal(last.answered, 8);
    assert.deepEqual(
      last.batches.map((b) => [b.model, b.requests, b.attempt, b.stage, b.completed, b.failed, b.downloaded]),
      [
        ['small', 5, 1, 'completed', 5, 0, true],
        ['large', 3, 1, 'completed', 3, 0, true],
      ],
    );
    assert.deepEqual(
      last.batches.map((b) => b.batchId),
      server.batches().map((b) => b.id),
    );
    assert.ok(last.batches.every((b) => typeof b.createdAt === 'number'));
    assert.deepEqual(
      progress[0].batches.map((b) => b.stage),
      ['planned', 'planned'],
    );
    assert.ok(
      progress.some((p) => p.batches.some((b) => b.stage === 'in_progress')),
      'progress shows batches running',
    );

    const types = journalLines(settings).map((l) => l.type);
    assert.deepEqual(types.slice(0, 2), ['started', 'planned']);
    assert.equal(types.filter((t) => t === 'created').length, 2);
    assert.equal(types.filter((t) => t === 'downloaded').length, 2);
  });

  it('reports a file the provider refuses at validation, naming the batch, the file and the reason', async () => {
    const server = await serve();
    const settings = settingsFor(server, []);
    const mixed = join(dir, 'mixed.jsonl');
    const content = [...chatRequests(server.baseURL, 'small', ['a']), ...chatRequests(server.baseURL, 'large', ['b'])]
      .map((r) => `${OPENAI_REQUEST_LINES.write(r.key, r.request)}\n`)
      .join('');
    writeFileSync(mixed, content);
    const plan = async (): Promise<[{ path: string; model: string; requests: number; bytes: number; sha256: string }]> => [
      {
        path: mixed,
        model: 'small',
        requests: 2,
        bytes: Buffer.byteLength(content),
        sha256: createHash('sha256').update(content).digest('hex'),
      },
    ];
    const error = await runBatchRun(settings, { plan }).then(
      () => assert.fail('the run succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof BatchRunError);
    const batchId = String(server.batches()[0].id);
    assert.deepEqual(
      error.validation.map((v) => [v.batchId, v.file, v.problems[0].code, v.problems[0].line]),
      [[batchId, mixed, 'mismatched_model', 2]],
    );
    assert.equal(
      error.message,
      'The batch run on endpoint "loopback" left requests unanswered:\n' +
        `- batch ${batchId} of ${mixed} failed validation: line 2: mismatched_model: The model 'large' differs from 'small' of the first line: a batch file holds requests for one model only.`,
    );
    assert.equal(server.counts().total, 0);
  });

  it('splits 50,001 requests of one model into two files under the 50,000 limit', async function () {
    this.timeout(120_000);
    const server = await serve();
    const requests = chatRequests(server.baseURL, 'small', prompts(50_001, 'n'));
    const settings = settingsFor(server, requests);
    const summary = await runBatchRun(settings);
    assert.deepEqual(summary, { answered: 50_001, batches: 2 });
    assert.deepEqual(
      server.batches().map((b) => (b.request_counts as { total: number }).total),
      [50_000, 1],
    );
    assertAnsweredOnce(server, settings, requests);
  });

  it('resubmits the requests an expired batch left unanswered', async () => {
    const server = await serve({ batch: { expireAfter: ({ index, total }) => (index === 0 ? Math.floor(total / 2) : undefined) } });
    const requests = chatRequests(server.baseURL, 'small', prompts(10));
    const settings = settingsFor(server, requests);
    assert.deepEqual(await runBatchRun(settings), { answered: 10, batches: 2 });
    assertAnsweredOnce(server, settings, requests);
    assert.deepEqual(
      server.batches().map((b) => [b.status, (b.request_counts as { total: number }).total]),
      [
        ['expired', 10],
        ['completed', 5],
      ],
    );
    const downloaded = journalLines(settings).filter((l) => l.type === 'downloaded');
    assert.deepEqual(
      downloaded.map((l) => l.type === 'downloaded' && [l.answered, l.failed, l.unanswered, l.leftovers.map((f) => [f.attempt, f.from?.reason, f.requests])]),
      [
        // The batch answered others: its unanswered requests were never tried, and use no attempt (issue 17, item 3).
        [5, 0, 5, [[1, 'expired', 5]]],
        [5, 0, 0, []],
      ],
    );
  });

  it('counts an attempt for the requests of an expired batch that answered nothing, so that a run cannot wait on it for ever', async () => {
    const server = await serve({ batch: { expireAfter: ({ index }) => (index === 0 ? 0 : undefined) } });
    const requests = chatRequests(server.baseURL, 'small', prompts(6));
    const settings = settingsFor(server, requests);
    assert.deepEqual(await runBatchRun(settings), { answered: 6, batches: 2 });
    const [first] = journalLines(settings).filter((l) => l.type === 'downloaded');
    assert.ok(first.type === 'downloaded');
    assert.deepEqual(
      first.leftovers.map((f) => [f.attempt, f.rounds, f.from?.reason, f.requests]),
      [[2, 1, 'expired', 6]],
    );
  });

  /** Answers a straggler online through the real client, as the job does, appending its answer as the coordinator's `onAnswer` would. */
  function onlineStragglers(server: OpenAiTestServer, settings: BatchRunSettings, answered: string[]): StragglerOptions {
    const client = new OpenAiChatClient({ name: 'loopback', baseURL: server.baseURL, apiKey: 'sk-test' });
    return {
      concurrency: 4,
      maxHours: 24,
      answer: async (customId, request, signal) => {
        if (readAnswers(settings.answers).some((a) => a.customId === customId)) return;
        const result = await client.chat(request, signal);
        answered.push(customId);
        appendFileSync(
          settings.answers,
          `${JSON.stringify({ customId, model: request.model, text: result.text, inputTokens: result.inputTokens, outputTokens: result.outputTokens })}\n`,
        );
      },
    };
  }

  for (const kind of ['openai', 'anthropic', 'gemini'] as const) {
    it(`finishes online what two batches left unanswered, when every batch expires half answered and 5% of lines fail: every request answered, each paid once (${kind}; issue 17, item 3)`, async () => {
      const server = await serve({
        batch: {
          expireAfter: ({ total }) => Math.ceil(total / 2),
          lineFault: ({ messages, keyCallIndex }) =>
            keyCallIndex === 0 && Number(/\d+/.exec(messages[0].content)![0]) % 20 === 3 ? { kind: 'status', status: 500, message: 'overloaded' } : undefined,
        },
      });
      const requests = chatRequests(server.baseURL, 'small', prompts(400));
      const settings = settingsFor(server, requests, { kind });
      const online: string[] = [];
      const summary = await runBatchRun(settings, { stragglers: onlineStragglers(server, settings, online) });
      assert.equal(summary.answered, 400);
      assertAnsweredOnce(server, settings, requests);
      // Round 1: one batch; round 2: its failed lines and its unanswered ones; then what is left goes online.
      assert.equal(server.batches().length, 3);
      assert.ok(online.length > 50, `${online.length} stragglers answered online`);
      const lines = journalLines(settings);
      const onlineFiles = lines.filter((l) => l.type === 'answeredOnline');
      assert.ok(onlineFiles.length > 0 && onlineFiles.every((l) => l.type === 'answeredOnline' && l.answered > 0));
    });

    it(`keeps resubmitting with "wait": an expired batch that made progress uses no attempt, so halving batches still finish (${kind})`, async () => {
      const server = await serve({ batch: { expireAfter: ({ total }) => Math.ceil(total / 2) } });
      const requests = chatRequests(server.baseURL, 'small', prompts(64));
      const settings = settingsFor(server, requests, { kind });
      assert.equal((await runBatchRun(settings)).answered, 64);
      assertAnsweredOnce(server, settings, requests);
      assert.equal(server.batches().length, 7, '64, 32, 16, 8, 4, 2, 1 requests');
    });
  }

  it('cancels the running batches once the run has waited maxHours, and answers what they leave online (issue 17, item 3)', async () => {
    // The batch is held running until the run cancels it (as a provider's batch that runs late would be).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await serve({
      batch: {
        holdRunning: () => held,
        apiFault: ({ route }) => {
          if (route === 'batches.cancel') setTimeout(release, 10);
          return undefined;
        },
      },
    });
    const requests = chatRequests(server.baseURL, 'small', prompts(12));
    const settings = settingsFor(server, requests);
    const online: string[] = [];
    try {
      // 0.5 s of waiting is "too long" here.
      const summary = await runBatchRun(settings, { stragglers: { ...onlineStragglers(server, settings, online), maxHours: 0.5 / 3600 } });
      assert.equal(summary.answered, 12);
    } finally {
      release();
    }
    assertAnsweredOnce(server, settings, requests);
    assert.equal(online.length, 12, 'the held batch answered nothing: everything went online');
    assert.ok(journalLines(settings).some((l) => l.type === 'cancelRequested'));
  });

  it('resubmits failed lines, gives up on refused ones and on ones still failing after the last attempt, naming them', async () => {
    const server = await serve({
      batch: {
        lineFault: ({ messages, keyCallIndex }) => {
          const prompt = messages[0].content;
          if (prompt === 'item 1' && keyCallIndex === 0) return { kind: 'status', status: 500, message: 'overloaded' };
          if (prompt === 'item 2') return { kind: 'status', status: 400, message: 'context length exceeded' };
          if (prompt === 'item 3') return { kind: 'error', code: 'server_error', message: 'always down' };
          return undefined;
        },
      },
    });
    const requests = chatRequests(server.baseURL, 'small', prompts(5));
    const settings = settingsFor(server, requests, { maxAttempts: 2 });
    const error = await runBatchRun(settings).then(
      () => assert.fail('the run succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof BatchRunError, String(error));
    assert.equal(error.unansweredCount, 2);
    assert.deepEqual(
      error.unanswered.map((u) => [u.customId, u.message]).sort(),
      [
        [requests[2].key, 'HTTP 400: context length exceeded'],
        [requests[3].key, 'server_error: always down'],
      ].sort(),
    );
    assert.match(
      error.message,
      /- 2 request\(s\) got no answer \(at most 2 attempts each; refused requests and batches cancelled at the provider are not resubmitted\)/,
    );
    assert.ok(error.message.includes(requests[2].key) && error.message.includes(requests[3].key));
    assert.equal(error.files.length, 2);

    const answered = new Set(readAnswers(settings.answers).map((a) => a.customId));
    assert.deepEqual([...answered].sort(), [requests[0].key, requests[1].key, requests[4].key].sort());
    const counts = server.counts();
    assert.equal(counts.paid, 3);
    assert.equal(counts.perKey[serverKey(requests[1])], 2, 'the failed line was tried again');
    assert.equal(counts.perKey[serverKey(requests[2])], 1, 'the refused line was not');
    assert.equal(counts.perKey[serverKey(requests[3])], 2, 'the failing line was tried maxAttempts times');
    assert.equal(server.batches().length, 2);
  });

  it('rides out rate limits and server errors on uploads, creates and polls', async () => {
    const server = await serve({
      batch: {
        stepMs: 5,
        apiFault: ({ route, callIndex }) => {
          if (route === 'files.create' && callIndex === 0) return { kind: 'status', status: 503 };
          if (route === 'batches.create' && callIndex === 0) return { kind: 'status', status: 429, retryAfterMs: 5 };
          if (route === 'batches.retrieve' && callIndex < 4) return callIndex % 2 ? { kind: 'status', status: 502 } : { kind: 'status', status: 429 };
          if (route === 'files.content' && callIndex === 0) return { kind: 'reset' };
          return undefined;
        },
      },
    });
    const requests = chatRequests(server.baseURL, 'small', prompts(4));
    const settings = settingsFor(server, requests);
    const logs: string[] = [];
    await runBatchRun(settings, { log: (level, message) => logs.push(`${level}: ${message}`) });
    assertAnsweredOnce(server, settings, requests);
    assert.equal(server.batches().length, 1);
    assert.ok((server.apiCalls()['batches.retrieve'] ?? 0) >= 5);
  });

  it('estimates the tokens of answers that come without usage, as the chat client does', async () => {
    const server = await serve({ batch: { lineFault: () => ({ kind: 'noUsage' }) } });
    const requests = chatRequests(server.baseURL, 'small', ['a longer prompt of some words']);
    const settings = settingsFor(server, requests);
    await runBatchRun(settings);
    const [got] = readAnswers(settings.answers);
    assert.deepEqual(
      [got.inputTokens, got.outputTokens],
      [estimateTokens('a longer prompt of some words'.length), estimateTokens('small: A LONGER PROMPT OF SOME WORDS'.length)],
    );
  });

  describe('stopping and resuming', () => {
    /** Runs the batch run in a child process; resolves with it once `until` holds for a progress event. */
    async function runUntil(settings: BatchRunSettings, until: (progress: BatchProgress) => boolean): Promise<ChildProcess> {
      const settingsFile = join(dir, 'settings.json');
      writeFileSync(settingsFile, JSON.stringify(settings));
      const proc = spawn(process.execPath, [join(__dirname, '../../../support/batchRunProcess.js'), settingsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await new Promise<void>((resolve, reject) => {
        const lines = createInterface({ input: proc.stdout });
        lines.on('line', (line) => {
          if (until(JSON.parse(line) as BatchProgress)) {
            lines.close();
            resolve();
          }
        });
        proc.once('exit', (code) => reject(new Error(`the run exited with ${code} first: ${stderr}`)));
      });
      return proc;
    }

    async function kill(proc: ChildProcess): Promise<void> {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
      child = undefined;
    }

    for (const kind of ['openai', 'anthropic', 'gemini'] as const) {
      it(`resumes after kill -9 polling the same batches: none created twice, none paid twice (${kind})`, async function () {
        this.timeout(60_000);
        const server = await serve({ batch: { stepMs: 300 } });
        const requests = [...chatRequests(server.baseURL, 'small', prompts(30)), ...chatRequests(server.baseURL, 'large', prompts(20))];
        const settings = settingsFor(server, requests, { kind, limits: { maxRequestsPerBatch: 15 } });
        const proc = await runUntil(settings, (p) => p.batches.length === 4 && p.batches.every((b) => b.batchId !== undefined));
        await kill(proc);
        assert.equal(server.batches().length, 4);

        const summary = await runBatchRun(settings);
        assert.deepEqual(summary, { answered: 50, batches: 4 });
        assert.equal(server.batches().length, 4, 'no batch created twice');
        assertAnsweredOnce(server, settings, requests);
        assert.equal(journalLines(settings).filter((l) => l.type === 'planned').length, 1, 'planned once');
      });

      it(`adopts a batch the provider created but the killed run never recorded (${kind})`, async function () {
        this.timeout(60_000);
        const server = await serve({ batch: { stepMs: 300 } });
        const requests = chatRequests(server.baseURL, 'small', prompts(6));
        const settings = settingsFor(server, requests, { kind, limits: { maxRequestsPerBatch: 3 } });
        const proc = await runUntil(settings, (p) => p.batches.every((b) => b.batchId !== undefined));
        await kill(proc);
        // As if killed after the provider created the batches but before their lines were written.
        const kept = readFileSync(settings.journal, 'utf8')
          .split('\n')
          .filter((l) => l !== '' && !['"created"', '"status"'].some((t) => l.includes(`"type":${t}`)));
        writeFileSync(settings.journal, `${kept.join('\n')}\n`);
        assert.equal(server.batches().length, 2);

        const logs: string[] = [];
        await runBatchRun(settings, { log: (_, message) => logs.push(message) });
        assert.equal(server.batches().length, 2, 'no batch created twice');
        assert.equal(logs.filter((l) => /was created by an earlier run; polling it$/.test(l)).length, 2, logs.join('\n'));
        assert.equal(server.apiCalls()['files.create'], kind === 'openai' ? 2 : undefined, 'nothing uploaded again');
        assertAnsweredOnce(server, settings, requests);
        const created = journalLines(settings).filter((l) => l.type === 'created');
        assert.deepEqual(
          created.map((l) => l.type === 'created' && l.adopted),
          [true, true],
        );
      });
    }

    it('plans afresh after a plan torn by a crash, and resumes a killed download handing answers on again but paying nothing twice', async function () {
      this.timeout(60_000);
      const server = await serve();
      const requests = chatRequests(server.baseURL, 'small', prompts(8));
      const settings = settingsFor(server, requests);
      const journal = await BatchJournal.open(settings.journal);
      journal.close();
      appendFileSync(settings.journal, '{"at":"2026-01-01T00:00:00.000Z","type":"planned","files":[{"path":'); // killed mid-plan
      await runBatchRun(settings);
      assertAnsweredOnce(server, settings, requests);
      // Now as if killed after the answers were handed on but before the download was recorded.
      const lines = readFileSync(settings.journal, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.includes('"type":"downloaded"'));
      writeFileSync(settings.journal, `${lines.join('\n')}\n`);
      await runBatchRun(settings);
      assert.equal(readAnswers(settings.answers).length, 16, 'handed on again');
      assert.equal(server.counts().paid, 8, 'paid once');
      assert.equal(server.batches().length, 1);
    });

    it('polls an ended batch again until it names its output file, rather than resubmit its requests', async () => {
      const server = await serve();
      const requests = chatRequests(server.baseURL, 'small', prompts(3));
      const settings = settingsFor(server, requests);
      await runBatchRun(settings);
      // As if the provider had said "completed" before naming the output file, and the run was killed then.
      const lines = readFileSync(settings.journal, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.includes('"type":"downloaded"'))
        .map((l) => l.replace(/,"outputFileId":"[^"]*"/, ''));
      writeFileSync(settings.journal, `${lines.join('\n')}\n`);
      const polls = server.apiCalls()['batches.retrieve'] ?? 0;
      assert.deepEqual(await runBatchRun(settings), { answered: 3, batches: 1 });
      assert.ok((server.apiCalls()['batches.retrieve'] ?? 0) > polls, 'polled again');
      assert.equal(server.batches().length, 1, 'nothing resubmitted');
      assert.equal(server.counts().paid, 3);
    });

    it('cancels the batches at the provider when asked, and a resume submits what they left unanswered', async () => {
      const server = await serve({ batch: { stepMs: 500 } });
      const requests = chatRequests(server.baseURL, 'small', prompts(6));
      const settings = settingsFor(server, requests, { limits: { maxRequestsPerBatch: 3 } });
      const controller = new AbortController();
      const reason = new Error('stopped by the user');
      const onProgress = (p: BatchProgress): void => {
        if (p.batches.length === 2 && p.batches.every((b) => b.batchId !== undefined)) controller.abort(reason);
      };
      await assert.rejects(runBatchRun(settings, { signal: controller.signal, onAbort: 'cancel', onProgress }), (e) => e === reason);
      assert.deepEqual(
        server.batches().map((b) => b.status),
        ['cancelling', 'cancelling'],
      );
      assert.equal(journalLines(settings).filter((l) => l.type === 'cancelRequested').length, 2);

      const summary = await runBatchRun(settings);
      assert.deepEqual(
        server.batches().map((b) => b.status),
        ['cancelled', 'cancelled', 'completed', 'completed'],
      );
      assert.deepEqual(summary, { answered: 6, batches: 4 });
      assertAnsweredOnce(server, settings, requests);
      const leftovers = journalLines(settings).flatMap((l) => (l.type === 'downloaded' ? l.leftovers : []));
      assert.deepEqual(
        leftovers.map((f) => [f.attempt, f.from?.reason]),
        [
          [1, 'cancelled'],
          [1, 'cancelled'],
        ],
      );
    });

    it('cancels a batch whose create the abort cut off after the provider made it', async () => {
      const controller = new AbortController();
      const reason = new Error('stopped by the user');
      // The provider creates the batch, then its answer never arrives: the
      // abort lands while the create is in flight, with no batch id recorded.
      const server = await serve({
        batch: {
          stepMs: 500,
          apiFault: (info) => {
            if (info.route !== 'batches.create') return undefined;
            setTimeout(() => controller.abort(reason), 100);
            return { kind: 'stall', afterBytes: 0, afterEffect: true };
          },
        },
      });
      const settings = settingsFor(server, chatRequests(server.baseURL, 'small', prompts(2)));
      await assert.rejects(runBatchRun(settings, { signal: controller.signal, onAbort: 'cancel' }), (e) => e === reason);
      assert.deepEqual(
        server.batches().map((b) => b.status),
        ['cancelling'],
      );
      const lines = journalLines(settings);
      assert.deepEqual(
        lines.filter((l) => l.type === 'created').map((l) => l.type === 'created' && l.adopted),
        [true],
      );
      assert.equal(lines.filter((l) => l.type === 'cancelRequested').length, 1);
    });

    it('leaves the batches running on abort by default', async () => {
      const server = await serve({ batch: { stepMs: 1000 } });
      const settings = settingsFor(server, chatRequests(server.baseURL, 'small', prompts(2)));
      const controller = new AbortController();
      const onProgress = (p: BatchProgress): void => {
        if (p.batches.every((b) => b.batchId !== undefined)) controller.abort(new Error('stop'));
      };
      await assert.rejects(runBatchRun(settings, { signal: controller.signal, onProgress }), /stop/);
      assert.deepEqual(
        server.batches().map((b) => b.status),
        ['validating'],
      );
      assert.equal(journalLines(settings).filter((l) => l.type === 'cancelRequested').length, 0);
    });

    it('refuses to upload a request file changed since it was planned', async () => {
      const server = await serve();
      const requests = chatRequests(server.baseURL, 'small', prompts(2));
      const settings = settingsFor(server, requests);
      const journal = await BatchJournal.open(settings.journal);
      mkdirSync(join(settings.folder, 'plan'), { recursive: true });
      const file = join(settings.folder, 'plan', '0001-small.jsonl');
      writeFileSync(file, 'changed\n');
      journal.record({ type: 'planned', files: [{ path: file, model: 'small', requests: 2, bytes: 10, sha256: '0'.repeat(64), attempt: 1 }] });
      journal.close();
      await assert.rejects(
        runBatchRun(settings),
        new Error(`the batch request file ${file} changed since it was planned; delete ${settings.journal} to plan the batches afresh`),
      );
      assert.equal(server.apiCalls()['files.create'], undefined);
    });
  });
});
