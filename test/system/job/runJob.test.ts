import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BudgetExceededError } from '../../../src/core/engine';
import type { CostPreview } from '../../../src/core/report';
import { InputError } from '../../../src/io/inputError';
import { ConfigError, loadConfig } from '../../../src/job/config';
import { draftTemplate, TASK_PLACEHOLDER, taskMissing } from '../../../src/io/template';
import { environmentKey, jobFiles, runJob, type ApiKey, type JobOptions, type JobReport } from '../../../src/job/runJob';
import { stopReason } from '../../../src/job/stopReason';
import { describeGuarantee } from '../../../src/text/guarantee';
import { standing } from '../../../src/text/modelStatus';
import { describePreview, goAheadQuestion } from '../../../src/text/preview';
import { settingsSentence } from '../../../src/text/report';
import { describeStop } from '../../../src/text/stopReason';
import { filesUnder } from '../../support/files';
import { OpenAiTestServer, withOpenAiTestServer, type Fault, type FaultInfo, type TestMessage } from '../../support/openaiTestServer';
import { killWhen } from '../../support/killWhen';
import { spamJobConfig } from '../../support/spamJob';

const KEY = 'test-secret-key-7f3a9c1e5b';
const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/** Items: a message and, hidden in it, the label the reference gives. */
function items(count: number): string {
  return (
    Array.from({ length: count }, (_, i) => JSON.stringify({ id: i, msg: { body: `message ${i} ${i % 3 === 0 ? 'buy now' : 'see you'}` } })).join('\n') + '\n'
  );
}

/**
 * Scripted models: `big` labels every message correctly; `mid` is wrong on one
 * message in 25 (96% agreement); `tiny` on every other message.
 */
function answer(model: string, messages: readonly TestMessage[]): string {
  const prompt = messages[messages.length - 1].content;
  const i = Number(/message (\d+)/.exec(prompt)![1]);
  const spam = prompt.includes('buy now');
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 2 === 1);
  return (spam !== wrong ? 'Spam.' : 'Ham.') + (model === 'big' ? ' Confident.' : '');
}

function workspace(count: number, baseURL: string, extra: Record<string, unknown> = {}): { dir: string; input: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-job-'));
  const input = path.join(dir, 'tickets.jsonl');
  writeFileSync(input, items(count));
  writeFileSync(path.join(dir, 'prompt.txt'), 'Label this message as spam or ham: {{msg.body}}');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 }, { seed: 7, ...extra })));
  return { dir, input, config };
}

function withServer<R>(
  options: { fault?: (info: FaultInfo) => Fault | undefined; latencyMs?: number },
  body: (server: OpenAiTestServer) => Promise<R>,
): Promise<R> {
  return withOpenAiTestServer({ answer, ...options }, body);
}

const env = { SMART_TEST_KEY: KEY };
const keys = (_: string, name: string | undefined): ApiKey | undefined => environmentKey(name, env);

function outputLines(file: string): Array<Record<string, unknown> & { smart: { output: string; model: string; raw: string } }> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/**
 * Cancels (with "user cancelled") once the server has received `from`
 * requests, those from which on hang: a moment later, so that the client
 * takes in the answers already sent.
 */
function cancelOnceHanging(server: OpenAiTestServer, from: number): AbortController {
  const controller = new AbortController();
  const watcher = setInterval(() => {
    if (server.counts().total < from) return;
    clearInterval(watcher);
    setTimeout(() => controller.abort(new Error('user cancelled')), 300);
  }, 2);
  return controller;
}

/** The cost preview a run shows, the run declined there (nothing paid). */
async function previewDeclined(options: Omit<JobOptions, 'confirm'>): Promise<CostPreview> {
  let seen: CostPreview | undefined;
  await runJob({
    ...options,
    confirm: (preview) => {
      seen = preview;
      return Promise.resolve(false);
    },
  }).catch(() => undefined);
  assert.ok(seen !== undefined, 'no preview');
  return seen;
}

describe('runJob against an OpenAI-compatible server on 127.0.0.1', function () {
  this.timeout(60_000);

  it('runs a whole job: outputs in input order with the model used, and the report', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(600, server.baseURL);
      const { report, files } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
      const lines = outputLines(files.output);
      assert.equal(lines.length, 600);
      lines.forEach((l, i) => {
        assert.equal(l.id, i);
        assert.deepEqual(Object.keys(l), ['id', 'msg', 'smart']);
        assert.ok(['spam', 'ham'].includes(l.smart.output), l.smart.output);
        assert.ok(['big', 'mid', 'tiny'].includes(l.smart.model));
      });
      // The reference's answers are right; cheaper answers at most slightly off.
      const correct = lines.filter((l) => l.smart.output === ((l.id as number) % 3 === 0 ? 'spam' : 'ham')).length;
      assert.ok(correct / 600 >= 0.9, `agreement ${correct / 600}`);
      assert.equal(report.models.find((m) => m.id === 'tiny')!.status, 'invalid');
      assert.ok(report.savings > 1, `savings ${report.savings}`);
      const onDisk = JSON.parse(readFileSync(files.report, 'utf8')) as JobReport;
      for (const field of ['totalCost', 'referenceOnlyCost', 'savings', 'perModel', 'guarantee', 'strategy', 'seed'] as const)
        assert.ok(field in onDisk, field);
      // The file states the guarantee in the words every view uses.
      assert.equal(onDisk.guarantee.statement, describeGuarantee(report));
      assert.match(
        onDisk.guarantee.statement,
        /^With 95% confidence, at least [\d,]+ of the whole file's 600 outputs \([\d.]+%\) agree with big \(target 90%\)/,
      );
      assert.equal(onDisk.perModel.big.calls, report.models.find((m) => m.id === 'big')!.calls);
      // And each model's two facts, as the command line and the panel word them.
      assert.deepEqual(onDisk.standings, Object.fromEntries(report.models.map((m) => [m.id, standing(m, report)])));
      assert.deepEqual(onDisk.standings.big.profiling, 'the reference');
      assert.match(onDisk.standings.big.use, /^answers the profiled items/);
      assert.match(onDisk.standings.tiny.profiling, /^(below the target|profiling stopped to save cost|piloted, not chosen|in a certified plan)$/);
      assert.match(onDisk.answerRule, /label/);
      // A sample of where each candidate disagreed, with the labels the rule took from the outputs.
      const tiny = onDisk.disagreements.filter((d) => d.model === 'tiny');
      assert.ok(tiny.length > 0 && tiny.length <= 5, `${tiny.length} samples for tiny`);
      for (const d of onDisk.disagreements) {
        assert.match(d.input, /^Label this message as spam or ham: message \d+/);
        assert.notEqual(d.referenceAnswer, d.candidateAnswer);
        assert.ok(['spam', 'ham'].includes(d.referenceAnswer!) && ['spam', 'ham'].includes(d.candidateAnswer!));
        const i = Number(/message (\d+)/.exec(d.input)![1]);
        assert.equal(d.line, i + 1, 'the sample names the line of the item it shows');
      }
      assert.equal(onDisk.paidCalls, server.counts().paid);
      assert.equal(onDisk.cachedCalls, 0);
      assert.equal(server.maxPaidPerRequest(), 1);
      // The request was deterministic and authenticated.
      assert.ok(server.requests.every((r) => r.temperature === 0));
      assert.ok(server.requests.every((r) => r.authorization === `Bearer ${KEY}`));
    });
  });

  it("runs with the reference on an Anthropic endpoint and candidates on Gemini and OpenAI ones, online and in batch mode (the calls after profiling going to each kind's own batch engine), each request paid once (issue 17)", async () => {
    for (const batch of [false, true]) {
      await withServer({}, async (server) => {
        const origin = server.baseURL.replace(/\/v1$/, '');
        const ws = workspace(600, server.baseURL, {
          endpoints: {
            claude: { kind: 'anthropic', baseURL: origin, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 },
            google: { kind: 'gemini', baseURL: origin, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 },
            local: { baseURL: server.baseURL, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 },
          },
          models: [
            { id: 'big', endpoint: 'claude', model: 'big', inputPer1M: 30, outputPer1M: 60 },
            { id: 'mid', endpoint: 'local', model: 'mid', inputPer1M: 1, outputPer1M: 2 },
            { id: 'tiny', endpoint: 'google', model: 'tiny', inputPer1M: 0.1, outputPer1M: 0.2 },
          ],
          // Near mid's 96%: a mix, the reference answering part of the rest.
          accuracy: 0.95,
          ...(batch ? { batch: { pollSeconds: 0.05 } } : {}),
        });
        const paidBefore = server.counts().paid;
        const { report, files } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
        assert.equal(outputLines(files.output).length, 600);
        assert.ok(report.guarantee.met, `batch ${batch}: the guarantee was not met`);
        const big = server.requests.filter((r) => r.model === 'big');
        assert.ok(big.length > 0 && big.every((r) => r.url === '/v1/messages'), 'the reference was not asked through the Messages API');
        const tiny = server.requests.filter((r) => r.model === 'tiny');
        assert.ok(
          tiny.length > 0 && tiny.every((r) => r.url.startsWith('/v1beta/models/tiny:generateContent')),
          'the Gemini candidate was not asked through generateContent',
        );
        assert.ok(server.requests.filter((r) => r.model === 'mid').every((r) => r.url.endsWith('/chat/completions')));
        assert.equal(
          report.perModel.tiny.batchCalls > 0,
          (server.apiCalls()['geminiBatches.create'] ?? 0) > 0,
          'Gemini batch calls without a batch job, or the reverse',
        );
        if (batch) {
          assert.ok(report.perModel.mid.batchCalls > 0, 'no call of the OpenAI candidate went to the Batch API');
          assert.ok(report.perModel.big.batchCalls > 0, 'no call of the Anthropic reference went to Message Batches');
          assert.ok((server.apiCalls()['messageBatches.create'] ?? 0) > 0);
        } else assert.equal(report.perModel.big.batchCalls, 0, 'an Anthropic call went to Message Batches online');
        assert.equal(report.paidCalls, server.counts().paid - paidBefore);
        assert.equal(server.maxPaidPerRequest(), 1);
      });
    }
  });

  it('previews online and batch side by side when the run or its reference can take batches, and not otherwise (issue 17, item 4)', async () => {
    await withServer({}, async (server) => {
      const origin = server.baseURL.replace(/\/v1$/, '');
      const previewOf = async (referenceEndpoint: 'google' | 'ollama', batch: boolean): Promise<CostPreview> => {
        const ws = workspace(50, server.baseURL, {
          endpoints: {
            google: { kind: 'gemini', baseURL: origin, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 },
            // A server without a batch engine, as Ollama is.
            ollama: { baseURL: server.baseURL, batch: false, timeoutMs: 2000 },
            local: { baseURL: server.baseURL, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 },
          },
          models: [
            { id: 'big', endpoint: referenceEndpoint, model: 'big', inputPer1M: 30, outputPer1M: 60 },
            { id: 'mid', endpoint: 'local', model: 'mid', inputPer1M: 1, outputPer1M: 2 },
            { id: 'tiny', endpoint: 'local', model: 'tiny', inputPer1M: 0.1, outputPer1M: 0.2 },
          ],
          ...(batch ? { batch: { pollSeconds: 0.05 } } : {}),
        });
        return previewDeclined({ input: ws.input, config: loadConfig(ws.config), keys });
      };
      assert.deepEqual((await previewOf('google', false)).batch, { chosen: false, referenceBatches: true, discount: 0.5, maxHours: 24 });
      assert.deepEqual((await previewOf('google', true)).batch, { chosen: true, referenceBatches: true, discount: 0.5, maxHours: 24 });
      assert.deepEqual((await previewOf('ollama', true)).batch, { chosen: true, referenceBatches: false, discount: 0.5, maxHours: 24 });
      assert.equal((await previewOf('ollama', false)).batch, undefined);
      assert.equal(server.counts().paid, 0, 'a call was paid before the go-ahead');
    });
  });

  it('with batchAuto, takes batch mode where the wait is worth it and stays online where not, saying why (issue 17, item 4)', async () => {
    await withServer({}, async (server) => {
      // A reference priced so that 1,200 items cost about $55 at list price: batch prices save over $1 there, not at 900 items by the rule.
      const models = (referenceEndpoint: string): unknown[] => [
        { id: 'big', endpoint: referenceEndpoint, model: 'big', inputPer1M: 2_000, outputPer1M: 2_000 },
        { id: 'mid', endpoint: 'local', model: 'mid', inputPer1M: 1, outputPer1M: 2 },
        { id: 'tiny', endpoint: 'local', model: 'tiny', inputPer1M: 0.1, outputPer1M: 0.2 },
      ];
      const endpoints = {
        local: { baseURL: server.baseURL, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 2000 },
        ollama: { baseURL: server.baseURL, batch: false, timeoutMs: 2000 },
      };
      const previewOf = async (items: number, referenceEndpoint: string): Promise<CostPreview> => {
        const ws = workspace(items, server.baseURL, { endpoints, models: models(referenceEndpoint), batch: { pollSeconds: 0.05 } });
        return previewDeclined({ input: ws.input, config: loadConfig(ws.config), keys, batchAuto: true });
      };
      const worth = await previewOf(1200, 'local');
      assert.equal(worth.batch?.chosen, true);
      assert.ok(worth.referenceOnlyCost * 0.5 >= 1, `$${worth.referenceOnlyCost}`);
      assert.match(describePreview(worth, 'big').join('\n'), /^Batch mode, as chosen for this file \(.*; here 1,200 items, 50% off and \$[\d.]+ saved\)/m);
      const few = await previewOf(900, 'local');
      assert.equal(few.batch?.chosen, false, 'batch mode for fewer items than the rule takes');
      assert.match(describePreview(few, 'big').join('\n'), /^Online, as chosen for this file \(.*; here 900 items, /m);
      const noBatches = await previewOf(1200, 'ollama');
      assert.equal(noBatches.batch?.chosen, false, "batch mode though the reference's endpoint takes no batches");
      assert.match(describePreview(noBatches, 'big').join('\n'), /here big's endpoint takes no batches\): answers as they come\.$/m);

      const ws = workspace(1200, server.baseURL, { endpoints, models: models('local'), batch: { pollSeconds: 0.05 } });
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys, batchAuto: true });
      assert.ok(report.batchCalls > 0, 'the run chose batch mode but sent no batch');
      assert.equal(server.maxPaidPerRequest(), 1);
    });
  });

  it('refuses log-probabilities on a model of an Anthropic endpoint, naming the field (issue 17)', () => {
    const ws = workspace(3, 'http://127.0.0.1:9/v1', {
      endpoints: { claude: { kind: 'anthropic', baseURL: 'http://127.0.0.1:9' } },
      models: [
        { id: 'big', endpoint: 'claude', inputPer1M: 30, outputPer1M: 60, logprobs: true },
        { id: 'mid', endpoint: 'claude', inputPer1M: 1, outputPer1M: 2 },
      ],
      candidates: ['mid'],
    });
    assert.throws(() => loadConfig(ws.config), /models\[0\]\.logprobs: endpoint "claude" is of kind "anthropic", whose API gives no log-probabilities/);
  });

  it('a rerun with --force pays for nothing: every call comes from the cache', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(200, server.baseURL);
      const first = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
      const paid = server.counts().paid;
      const second = await runJob({ input: ws.input, config: loadConfig(ws.config), keys, force: true });
      assert.equal(server.counts().paid, paid);
      assert.equal(second.report.paidCalls, 0);
      assert.equal(second.report.cachedCalls, first.report.paidCalls);
      assert.equal(second.report.paidCost, 0);
      // Calls complete in another order when answered from the cache: the same sum, up to rounding.
      assert.ok(Math.abs(second.report.totalCost - first.report.totalCost) <= 1e-12 * first.report.totalCost);
    });
  });

  it('draws the seed of a file without one the first time, and keeps it: a rerun takes the same order and pays for nothing', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(200, server.baseURL, { seed: undefined });
      const first = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
      assert.equal(first.report.seedOrigin, 'drawn');
      assert.match(settingsSentence(first.report), new RegExp(`seed ${first.report.seed} \\(drawn at random for this file\\)`));
      const kept = JSON.parse(readFileSync(path.join(ws.dir, '.smart', 'tickets.jsonl.seed.json'), 'utf8')) as { seed: number };
      assert.equal(kept.seed, first.report.seed);
      const paid = server.counts().paid;
      const second = await runJob({ input: ws.input, config: loadConfig(ws.config), keys, force: true });
      assert.equal(second.report.seed, first.report.seed);
      assert.equal(second.report.seedOrigin, 'kept');
      assert.equal(server.counts().paid, paid, 'the same order asks the same calls, all in the cache');
      const configured = await runJob({ input: ws.input, config: loadConfig(ws.config, { seed: 12 }), keys, force: true });
      assert.equal(configured.report.seed, 12);
      assert.equal(configured.report.seedOrigin, 'config');
    });
  });

  it('gives the same outputs through 429s, 500s, timeouts, malformed bodies and resets', async () => {
    const faults: Fault[] = [
      { kind: 'status', status: 429, retryAfterMs: 20 },
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503 },
      { kind: 'hang' },
      { kind: 'malformed' },
      { kind: 'reset' },
    ];
    const clean = await withServer({}, async (server) => {
      const ws = workspace(150, server.baseURL, { endpoints: { local: { baseURL: server.baseURL, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 300 } } });
      return readFileSync((await runJob({ input: ws.input, config: loadConfig(ws.config), keys })).files.output, 'utf8');
    });
    let injected = 0;
    const faulty = await withServer(
      {
        // The first try of one request in 12 fails, in turn with each fault.
        fault: (info) => (info.keyCallIndex === 0 && info.callIndex % 12 === 5 ? faults[injected++ % faults.length] : undefined),
      },
      async (server) => {
        const ws = workspace(150, server.baseURL, { endpoints: { local: { baseURL: server.baseURL, apiKeyEnv: 'SMART_TEST_KEY', timeoutMs: 300 } } });
        const { files } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
        assert.equal(server.maxPaidPerRequest(), 1);
        return readFileSync(files.output, 'utf8');
      },
    );
    assert.ok(injected >= faults.length, `only ${injected} faults injected`);
    assert.equal(faulty, clean);
  });

  it('ends with a clear message when a call keeps failing, and writes no output', async () => {
    await withServer({ fault: (info) => (info.model === 'mid' ? { kind: 'status', status: 401, message: 'bad key' } : undefined) }, async (server) => {
      // Large enough that profiling pays, so the candidate is called.
      const ws = workspace(400, server.baseURL);
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys }), (error: Error) => {
        assert.match(error.message, /Endpoint "local", model "mid"/);
        assert.match(error.message, /401/);
        assert.ok(!error.message.includes(KEY), 'the key leaked into the error');
        assert.match(error.message, /Check the SMART_TEST_KEY environment variable\.$/);
        return true;
      });
      assert.ok(!existsSync(jobFiles(ws.input).output));
      assert.ok(!existsSync(jobFiles(ws.input).report));
      // A key from the editor's secret storage is named as such, not as the variable (issue 16, item 8).
      const stored = (): ApiKey => ({ key: KEY, source: 'the key stored for endpoint "local" with Smart: Set API Key' });
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys: stored }), (error: Error) => {
        assert.match(error.message, /401.*Check the key stored for endpoint "local" with Smart: Set API Key\.$/);
        return true;
      });
    });
  });

  it('says profiling costs at least what every strategy then pays at least (issue 16, item 2)', async () => {
    for (const strategy of ['auto', 'exhaustive', 'efficient', 'modelmix', 'naive'] as const) {
      await withServer({}, async (server) => {
        const ws = workspace(600, server.baseURL, { strategy });
        let preview: CostPreview | undefined;
        const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys, confirm: (p) => ((preview = p), Promise.resolve(true)) });
        const least = preview!.leastProfiling;
        const profiling = report.models.reduce(
          (sum, m) => sum + (m.n > 0 || m.role === 'reference' ? m.costPerItem * (m.role === 'reference' ? report.profiledItems : m.n) : 0),
          0,
        );
        assert.ok(least.items <= report.profiledItems, `${strategy}: at least ${least.items} items said, ${report.profiledItems} profiled`);
        assert.ok(
          least.cost <= profiling * 1.05 && least.cost <= report.totalCost,
          `${strategy}: at least ${least.cost} said; profiling cost about ${profiling}, the run ${report.totalCost}`,
        );
      });
    }
  });

  it('prices the reference alone on a long-tailed file as the server charges it, within 3%: preview, report and the command line (issue 16, item 1)', async function () {
    if (!existsSync(CLI)) this.skip();
    // Words a tokenizer and the test server (a token per four characters) count alike; lengths heavy-tailed (Pareto, alpha 1.5), and one item
    // 1,000 times the median, after the first 200 (the prompts the preview tokenizes).
    const words = [' the', ' and', ' for', ' you', ' are', ' not', ' but', ' all', ' can', ' was', ' one', ' our', ' out', ' day', ' get', ' has'];
    const median = 400;
    const lengthOf = (i: number): number => (i === 250 ? 1000 * median : Math.round((median / 2 ** (1 / 1.5)) * (1 - ((i * 0.6180339887) % 1)) ** (-1 / 1.5)));
    const body = (i: number): string =>
      `message ${i} ${i % 3 === 0 ? 'buy now' : 'see you'}` + Array.from({ length: lengthOf(i) }, (_, k) => words[(i + k) % words.length]).join('');
    const file = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, msg: { body: body(i) } })).join('\n') + '\n';
    await withServer({}, async (server) => {
      const alone = workspace(0, server.baseURL, { strategy: 'naive' });
      writeFileSync(alone.input, file);
      const charged = (await runJob({ input: alone.input, config: loadConfig(alone.config), keys })).report.totalCost;
      const ws = workspace(0, server.baseURL);
      writeFileSync(ws.input, file);
      // Not spawnSync: the test server answers from this process.
      const child = spawn(process.execPath, [CLI, 'profile', ws.input, '--yes'], { env: { ...process.env, ...env } });
      const cli = { stdout: '', stderr: '' };
      child.stdout.on('data', (d: Buffer) => (cli.stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (cli.stderr += d.toString()));
      assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0, cli.stderr);
      const figure = (text: string, pattern: RegExp): number => Number(pattern.exec(text)![1].replace(/,/g, ''));
      const preview = figure(cli.stderr, /big alone on every item: \$([\d,]+(?:\.\d+)?)/);
      const printed = figure(cli.stdout, /vs \$([\d,]+(?:\.\d+)?) for big alone/);
      const report = JSON.parse(readFileSync(jobFiles(ws.input).report, 'utf8')) as JobReport;
      for (const [what, value] of [
        ['preview', preview],
        ['report', report.referenceOnlyCost],
        ['command line', printed],
      ] as const) {
        assert.ok(Math.abs(value - charged) <= 0.03 * charged, `${what}: $${value} for big alone; the server charged $${charged}`);
      }
      assert.match(cli.stdout, /big alone on all 300 items: what big was charged on the [\d,]+ it answered, each other item from its own prompt's length/);
    });
  });

  it('refuses a drafted template whose task was never written, naming the template, before any call (issue 16, item 6)', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(20, server.baseURL);
      writeFileSync(path.join(ws.dir, 'prompt.txt'), draftTemplate({ id: 1, msg: {} }));
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys }), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.message, `${path.join(ws.dir, 'prompt.txt')}: ${taskMissing(TASK_PLACEHOLDER)}`);
        return true;
      });
      assert.equal(server.counts().total, 0);
    });
  });

  it('refuses a file with no item to process before asking anything: no seed drawn, nothing written (issue 16, item 3)', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(0, server.baseURL);
      const confirm = (): Promise<boolean> => Promise.reject(new Error('asked to pay for an empty file'));
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys, confirm }), (e: unknown) => {
        assert.ok(e instanceof InputError, String(e));
        assert.equal(e.message, `${ws.input}: has no items to process (it is empty, or holds only blank lines)`);
        return true;
      });
      assert.equal(server.counts().total, 0);
      assert.deepEqual(readdirSync(ws.dir).sort(), ['prompt.txt', 'smart.config.json', 'tickets.jsonl']);
    });
  });

  it('names the file, line and field of bad input, pays nothing and writes no output', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(20, server.baseURL);
      const lines = items(20).split('\n');
      lines[6] = '{"id": 6, "msg": {"body": "oops"'; // line 7: not JSON
      writeFileSync(ws.input, lines.join('\n'));
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys }), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.line, 7);
        assert.match(e.message, /tickets\.jsonl:7: not valid JSON/);
        return true;
      });
      lines[6] = '{"id": 6, "msg": {"title": "no body"}}'; // line 7: no msg.body
      writeFileSync(ws.input, lines.join('\n'));
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys }), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.field, 'msg.body');
        assert.match(e.message, /tickets\.jsonl:7: .*msg\.body/);
        return true;
      });
      assert.equal(server.counts().total, 0, 'bad input must stop the job before any call');
      assert.deepEqual(
        readdirSync(ws.dir).filter((f) => f.includes('.smart')),
        [],
      );

      const { report, files } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys, skipInvalid: true });
      assert.deepEqual(
        report.skippedLines.map((s) => s.line),
        [7],
      );
      assert.equal(outputLines(files.output).length, 19);
    });
  });

  it('never overwrites outputs unless forced', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(30, server.baseURL);
      writeFileSync(jobFiles(ws.input).output, 'precious\n');
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys }), /tickets\.smart\.jsonl already exists$/);
      assert.equal(readFileSync(jobFiles(ws.input).output, 'utf8'), 'precious\n');
      await runJob({ input: ws.input, config: loadConfig(ws.config), keys, force: true });
      assert.equal(outputLines(jobFiles(ws.input).output).length, 30);
    });
  });

  it('stops at --max-cost, then resumes without paying any call twice', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(300, server.baseURL);
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys, maxCost: 0.005 }), (error: unknown) => {
        assert.ok(error instanceof BudgetExceededError);
        assert.equal(error.limit, 0.005);
        assert.ok(error.paid >= 0.005, `paid ${error.paid}`);
        assert.match(
          describeStop(stopReason(error, false), 'Run it again'),
          /^Stopped after paying \$0\.0\d+, the most allowed \(\$0\.005\)\. Run it again to continue;/,
        );
        return true;
      });
      assert.ok(!existsSync(jobFiles(ws.input).output));
      const paidBefore = server.counts().paid;
      assert.ok(paidBefore > 0);
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
      assert.ok(report.cachedCalls >= paidBefore - 8, `cached ${report.cachedCalls} of ${paidBefore}`);
      assert.equal(server.maxPaidPerRequest(), 1);
    });
  });

  it('cancels promptly, then resumes without paying any call twice', async () => {
    // From the 100th request on, the first run's requests hang: cancelling then
    // aborts calls that were never answered, so none of them was paid.
    let hangFrom = 100;
    await withServer({ fault: (info) => (info.callIndex >= hangFrom ? { kind: 'hang' } : undefined) }, async (server) => {
      const ws = workspace(400, server.baseURL);
      const controller = cancelOnceHanging(server, 100);
      const started = Date.now();
      await assert.rejects(runJob({ input: ws.input, config: loadConfig(ws.config), keys, signal: controller.signal }), /user cancelled/);
      assert.equal(server.counts().paid, 100);
      assert.ok(Date.now() - started < 10_000, 'cancelling took too long');
      assert.ok(!existsSync(jobFiles(ws.input).output));
      hangFrom = Infinity;
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
      assert.equal(report.cachedCalls, 100);
      assert.equal(server.maxPaidPerRequest(), 1);
      assert.equal(outputLines(jobFiles(ws.input).output).length, 400);
    });
  });

  it('the API key appears in no file the run writes', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(120, server.baseURL);
      await runJob({ input: ws.input, config: loadConfig(ws.config), keys });
      const written = filesUnder(ws.dir);
      assert.ok(
        written.some((f) => f.includes(`${path.sep}.smart${path.sep}`)),
        'no cache was written',
      );
      for (const file of written) assert.ok(!readFileSync(file, 'utf8').includes(KEY), `${file} holds the key`);
      assert.ok(server.requests.some((r) => r.authorization === `Bearer ${KEY}`));
    });
  });

  it('the CLI, killed with SIGKILL part way, resumes and pays no call twice', async function () {
    if (!existsSync(CLI)) this.skip();
    // One call at a time, and the 150th request hangs: when the CLI is killed
    // there, every answer it was sent is already in its cache.
    let hangAt = 150;
    await withServer({ fault: (info) => (info.callIndex === hangAt ? { kind: 'hang' } : undefined) }, async (server) => {
      const ws = workspace(400, server.baseURL, { concurrency: 1 });
      const run = (): ReturnType<typeof spawn> =>
        spawn(process.execPath, [CLI, 'profile', ws.input, '--config', ws.config, '--yes'], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      await killWhen(run(), () => server.counts().total > hangAt);
      assert.ok(!existsSync(jobFiles(ws.input).output), 'a killed run left an output file');
      const paidBefore = server.counts().paid;
      assert.equal(paidBefore, 150);
      hangAt = -1;
      const second = run();
      let stdout = '';
      let stderr = '';
      second.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      second.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((resolve) => second.once('exit', resolve));
      assert.equal(code, 0, stderr);
      assert.equal(server.maxPaidPerRequest(), 1, 'a request was paid twice');
      const report = JSON.parse(readFileSync(jobFiles(ws.input).report, 'utf8')) as JobReport;
      assert.equal(report.cachedCalls, 150);
      assert.equal(outputLines(jobFiles(ws.input).output).length, 400);
      assert.match(stdout, /Guarantee: /);
    });
  });
});

describe('the cost preview of runJob and the response cache (issue 11, item 8)', function () {
  this.timeout(60_000);

  /** Runs the job, keeping the preview it was asked to confirm. */
  async function previewed(
    ws: { input: string; config: string },
    options: { force?: boolean; signal?: AbortSignal; answer?: boolean } = {},
  ): Promise<{ preview: CostPreview; report?: JobReport }> {
    let preview: CostPreview | undefined;
    const run = runJob({
      input: ws.input,
      config: loadConfig(ws.config),
      keys,
      force: options.force === true,
      ...(options.signal ? { signal: options.signal } : {}),
      confirm: (p) => {
        preview = p;
        return Promise.resolve(options.answer !== false);
      },
    });
    const report = await run.then(
      (r) => r.report,
      (error: unknown) => (options.answer === false || options.signal?.aborted ? undefined : Promise.reject(error)),
    );
    return { preview: preview!, ...(report ? { report } : {}) };
  }

  it('a rerun the cache answers entirely says nothing will be paid and asks nothing', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(300, server.baseURL);
      const first = await previewed(ws);
      assert.deepEqual(first.preview.cached, { reference: 0, calls: 0 });
      assert.equal(first.preview.fullyCached, false);
      assert.equal(first.preview.outputEstimate.kind, 'label');
      assert.equal(goAheadQuestion(first.preview), 'Smart: start paid calls?');
      const paid = server.counts().paid;

      const second = await previewed(ws, { force: true });
      assert.equal(second.preview.fullyCached, true);
      assert.equal(goAheadQuestion(second.preview), undefined);
      assert.match(describePreview(second.preview, 'big').join('\n'), /nothing will be paid/);
      // Every answer of the first run, the reference's among them, is counted once.
      assert.deepEqual(second.preview.cached, { reference: server.counts().paidPerModel.big, calls: paid });
      assert.equal(server.counts().paid, paid, 'the rerun paid for a call');
      assert.equal(second.report!.paidCalls, 0);
    });
  });

  it('a resumed run is quoted for the calls the cache does not hold', async () => {
    let hangFrom = 100;
    await withServer({ fault: (info) => (info.callIndex >= hangFrom ? { kind: 'hang' } : undefined) }, async (server) => {
      const ws = workspace(400, server.baseURL);
      const controller = cancelOnceHanging(server, 100);
      const fresh = await previewed(ws, { signal: controller.signal });
      const counts = server.counts();
      assert.equal(counts.paid, 100);
      hangFrom = Infinity;

      const resumed = await previewed(ws);
      assert.deepEqual(resumed.preview.cached, { reference: counts.paidPerModel.big, calls: 100 });
      assert.equal(resumed.preview.fullyCached, false);
      assert.ok(counts.paidPerModel.big > 0);
      // The reference alone stays at list price; what is left to pay of it shrinks by the calls cached, and the worst case by no more.
      const config = loadConfig(ws.config);
      const perItem = (id: string): number => {
        const m = config.models.find((x) => x.id === id)!;
        return (fresh.preview.meanInputTokens * m.inputPer1M + fresh.preview.outputTokens * m.outputPer1M) / 1e6;
      };
      const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, b), `${a} is not ${b}`);
      close(resumed.preview.referenceOnlyCost, fresh.preview.referenceOnlyCost);
      close(resumed.preview.referenceOnlyUncached, fresh.preview.referenceOnlyCost - counts.paidPerModel.big * perItem('big'));
      const cachedCost = Object.entries(counts.paidPerModel).reduce((sum, [id, n]) => sum + n * perItem(id), 0);
      // At most: each cached answer leaves out no more than the shortest prompt's cost, at most the mean's.
      assert.ok(resumed.preview.worstCaseProfilingCost < fresh.preview.worstCaseProfilingCost);
      assert.ok(resumed.preview.worstCaseProfilingCost >= fresh.preview.worstCaseProfilingCost - cachedCost - 1e-12);
      assert.equal(resumed.report!.cachedCalls, 100);
    });
  });

  it('a declined preview leaves no file behind', async () => {
    await withServer({}, async (server) => {
      const ws = workspace(50, server.baseURL);
      const { preview } = await previewed(ws, { answer: false });
      assert.equal(preview.items, 50);
      assert.equal(server.counts().total, 0);
      assert.ok(!existsSync(path.join(ws.dir, '.smart')), 'a declined run left .smart/ behind');
    });
  });
});
