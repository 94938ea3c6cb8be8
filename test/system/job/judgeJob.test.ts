import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/job/config';
import { jobFiles, runJob, type JobReport } from '../../../src/job/runJob';
import { verifyReport } from '../../../src/job/verifyReport';
import { describeGuarantee } from '../../../src/text/guarantee';
import { describeJudge } from '../../../src/text/judge';
import { describePreview } from '../../../src/text/preview';
import { withOpenAiTestServer, type Fault, type FaultInfo, type OpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
import { killWhen } from '../../support/killWhen';
import { scriptedJudge } from '../../support/scriptedJudge';

/** Free-text work: name the capital of country i. Country i's capital is city i. */
function items(count: number): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ id: i, country: `country ${i}` })).join('\n') + '\n';
}

/** The city an answer names. */
const cityOf = (text: string): string => /city (\d+)/i.exec(text)?.[1] ?? '';

/**
 * `big` answers in a sentence; `mid` words it differently and names the
 * wrong city for one country in 15; `copy` answers exactly as `big` does;
 * `left` and `right` word it in ways of their own and name the wrong city
 * for one country in five each, never the same country; `judge` judges from
 * the cities named, as the test says.
 */
function models(judge: (messages: readonly TestMessage[]) => string) {
  return (model: string, messages: readonly TestMessage[]): string => {
    if (model === 'judge') return judge(messages);
    const i = Number(/country (\d+)/.exec(messages[messages.length - 1].content)![1]);
    if (model === 'big' || model === 'copy') return `The capital of country ${i} is city ${i}.`;
    if (model === 'left') return `Country ${i} is governed from city ${i % 5 === 1 ? i + 1 : i}`;
    if (model === 'right') return `Its capital: city ${i % 5 === 2 ? i + 1 : i}`;
    return `City ${model === 'mid' && i % 15 === 7 ? i + 1 : i} is where the government of country ${i} sits`;
  };
}

const TRUTH = { same: (a: string, b: string) => cityOf(a) === cityOf(b) };

function workspace(
  count: number,
  baseURL: string,
  answer: Record<string, unknown>,
  candidates: string[] = ['mid'],
): { dir: string; input: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-judge-'));
  const input = path.join(dir, 'countries.jsonl');
  writeFileSync(input, items(count));
  writeFileSync(path.join(dir, 'prompt.txt'), 'What is the capital of {{country}}? Answer in a sentence.');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      endpoints: { local: { baseURL } },
      models: [
        { id: 'big', endpoint: 'local', inputPer1M: 30, outputPer1M: 60 },
        { id: 'mid', endpoint: 'local', inputPer1M: 0.5, outputPer1M: 1 },
        { id: 'copy', endpoint: 'local', inputPer1M: 0.5, outputPer1M: 1 },
        { id: 'left', endpoint: 'local', inputPer1M: 0.3, outputPer1M: 0.6 },
        { id: 'right', endpoint: 'local', inputPer1M: 0.4, outputPer1M: 0.8 },
        { id: 'judge', endpoint: 'local', inputPer1M: 0.2, outputPer1M: 0.4 },
      ],
      reference: 'big',
      candidates,
      template: 'prompt.txt',
      answer,
      accuracy: 0.9,
      confidence: 0.95,
      seed: 11,
    }),
  );
  return { dir, input, config };
}

function withServer<R>(judge: (messages: readonly TestMessage[]) => string, body: (server: OpenAiTestServer) => Promise<R>): Promise<R> {
  return withOpenAiTestServer({ answer: models(judge) }, body);
}

const JUDGE = { kind: 'judge', model: 'judge', question: 'equivalent' };

describe('runJob with a judge', () => {
  it('asks the judge where outputs differ in wording, states the guarantee as the judge decides, and counts and prices its calls apart', async () => {
    await withServer(scriptedJudge(TRUTH), async (server) => {
      const ws = workspace(1500, server.baseURL, JUDGE);
      const previews: string[][] = [];
      const { report } = await runJob({
        input: ws.input,
        config: loadConfig(ws.config),
        confirm: (p) => (previews.push(describePreview(p, 'big')), Promise.resolve(true)),
      });
      assert.match(
        previews[0].at(-1)!,
        /^The judge judge costs about \$[\d.]+ a call: nothing where a candidate's output is the same as the reference's but for case, punctuation and spacing, up to about \$[\d.]+ if it judges every candidate's output on every item\.$/,
      );
      const judge = report.judge!;
      assert.equal(judge.model, 'judge');
      const mid = report.models.find((m) => m.id === 'mid')!;
      assert.equal(judge.comparisons, mid.n, 'one comparison per profiled item of the one candidate');
      assert.equal(judge.judged, mid.n, 'mid never words it as big does, so every comparison went to the judge');
      assert.equal(judge.calls, server.counts().paidPerModel.judge);
      assert.ok(
        judge.cost > 0 && Math.abs(report.totalCost - report.models.reduce((s, m) => s + m.cost, 0) - judge.cost) < 1e-12,
        'the judge is in the total, apart from the models',
      );
      // mid agrees as the judge decides (14 items in 15), though its words never match.
      assert.ok(mid.agreements / mid.n > 0.9, `mid agreed on ${mid.agreements} of ${mid.n}`);
      assert.ok(
        report.plan.entries.some((e) => e.id === 'mid' && e.items > 0),
        'the plan uses mid',
      );
      assert.deepEqual(report.guarantee.judgedBy, { model: 'judge', question: 'equivalent' });
      assert.match(describeGuarantee(report), /\(target 90%\), as judge judges agreement \(the same meaning\): /);
      assert.equal(report.guarantee.statement, describeGuarantee(report));
      assert.deepEqual(report.unreadableVerdicts, []);
      const samples = report.disagreements.filter((d) => d.model === 'mid');
      assert.equal(samples.length, Math.min(5, mid.n - mid.agreements), 'the first five of its disagreements, or all');
      assert.ok(samples.length > 0);
      for (const d of samples) {
        assert.equal(d.verdict, 'no');
        assert.equal(d.referenceAnswer, undefined, 'a judge compares the outputs themselves');
        assert.notEqual(cityOf(d.referenceOutput), cityOf(d.candidateOutput));
      }
      assert.match(
        describeJudge(judge),
        /^Judge judge \(the same meaning\): asked on [\d,]+ of [\d,]+ comparisons, [\d,]+ calls, \$[\d.]+ \(all paid in this run\)\.$/,
      );
      assert.ok(!('judge' in report.perModel), "the judge is not one of the run's models");
    });
  });

  it('needs no judge where a candidate answers word for word as the reference', async () => {
    await withServer(scriptedJudge(TRUTH), async (server) => {
      const ws = workspace(600, server.baseURL, JUDGE, ['copy']);
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      assert.ok(report.judge!.comparisons > 0);
      assert.equal(report.judge!.judged, 0);
      assert.equal(server.counts().paidPerModel.judge ?? 0, 0);
      assert.match(
        describeJudge(report.judge!),
        /asked on 0 of [\d,]+ comparisons \(the others were the same but for case, punctuation and spacing\), 0 calls/,
      );
    });
  });

  it('asks once more when it cannot read a verdict, then counts it as disagreement and lists it by line', async () => {
    const judge = scriptedJudge({ ...TRUTH, unreadable: (candidate) => /country (\d+)/.exec(candidate)![1].endsWith('3') });
    await withServer(judge, async (server) => {
      const ws = workspace(600, server.baseURL, JUDGE);
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      const unreadable = report.unreadableVerdicts!;
      assert.ok(unreadable.length > 0);
      for (const u of unreadable) {
        assert.equal(u.model, 'mid');
        assert.ok(String(u.line - 1).endsWith('3'), `line ${u.line} holds an item whose verdict could be read`);
      }
      assert.equal(report.judge!.unreadable.length, unreadable.length);
      assert.equal(report.judge!.calls, report.judge!.judged + unreadable.length, 'asked twice where it could not be read');
      assert.match(describeJudge(report.judge!), new RegExp(`; ${unreadable.length} verdicts? could not be read and count as disagreement\\.$`));
      void server;
    });
  });

  it('pays no judge call twice: a rerun answers every verdict from the cache', async () => {
    await withServer(scriptedJudge(TRUTH), async (server) => {
      const ws = workspace(800, server.baseURL, JUDGE);
      const first = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      const paid = server.counts().paid;
      const second = await runJob({ input: ws.input, config: loadConfig(ws.config), force: true });
      assert.equal(server.counts().paid, paid);
      assert.equal(server.maxPaidPerRequest(), 1);
      assert.equal(second.report.judge!.cachedCalls, first.report.judge!.calls);
      assert.equal(second.report.judge!.paidCost, 0);
      assert.deepEqual(second.report.plan, first.report.plan);
    });
  });

  it('runs in batch mode: the judge online on the profiled items only, the rest as batches, each request paid once', async () => {
    await withOpenAiTestServer({ answer: models(scriptedJudge(TRUTH)), batch: { stepMs: 20 } }, async (server) => {
      const ws = workspace(3000, server.baseURL, JUDGE);
      writeFileSync(ws.config, JSON.stringify({ ...(JSON.parse(readFileSync(ws.config, 'utf8')) as object), batch: { pollSeconds: 0.02 } }));
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      assert.ok(report.batchCalls > 0, 'no batch calls');
      const batchedModels = new Set(server.batches().map((b) => String(b.model)));
      assert.ok(!batchedModels.has('judge'), `batches for ${[...batchedModels].join(', ')}`);
      assert.ok(
        report.judge!.calls > 0 && report.judge!.calls <= report.profiledItems,
        `${report.judge!.calls} judge calls for ${report.profiledItems} profiled items`,
      );
      assert.equal(server.counts().paidPerModel.judge, report.judge!.calls);
      assert.equal(server.maxPaidPerRequest(), 1);
      assert.equal(readFileSync(jobFiles(ws.input).output, 'utf8').trim().split('\n').length, 3000);
      assert.match(describeGuarantee(report), /as judge judges agreement/);
    });
  });

  it("the CLI, killed with SIGKILL while the judge is being asked, resumes and pays no call twice, the judge's included", async function () {
    if (!existsSync(CLI)) this.skip();
    // One call at a time; the 40th judge request hangs, so that the CLI is killed with judge verdicts already in its cache.
    let hangAtJudge = 40;
    let judgeCalls = 0;
    const fault = (info: FaultInfo): Fault | undefined => (info.model === 'judge' && judgeCalls++ === hangAtJudge ? { kind: 'hang' } : undefined);
    await withOpenAiTestServer({ answer: models(scriptedJudge(TRUTH)), fault }, async (server) => {
      const ws = workspace(800, server.baseURL, JUDGE);
      writeFileSync(ws.config, JSON.stringify({ ...(JSON.parse(readFileSync(ws.config, 'utf8')) as object), concurrency: 1 }));
      const run = (): ReturnType<typeof spawn> =>
        spawn(process.execPath, [CLI, 'profile', ws.input, '--config', ws.config, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
      await killWhen(run(), () => judgeCalls > hangAtJudge);
      assert.ok(!existsSync(jobFiles(ws.input).output), 'a killed run left an output file');
      const judgePaidBefore = server.counts().paidPerModel.judge;
      assert.equal(judgePaidBefore, hangAtJudge);
      hangAtJudge = -1;
      const second = run();
      let stderr = '';
      second.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((resolve) => second.once('exit', resolve));
      assert.equal(code, 0, stderr);
      assert.equal(server.maxPaidPerRequest(), 1, 'a request was paid twice');
      const report = JSON.parse(readFileSync(jobFiles(ws.input).report, 'utf8')) as JobReport;
      assert.equal(report.judge!.cachedCalls, judgePaidBefore, 'the verdicts paid before the kill come from the cache');
      assert.equal(report.judge!.calls, server.counts().paidPerModel.judge, 'every verdict the resumed run used was paid once, before the kill or after');
    });
  });

  describe('a gate the judge decides', () => {
    /** The output file's lines: the country's number, the model kept and its output. */
    const outputLines = (input: string): Array<{ id: number; smart: { output: string; model: string } }> =>
      readFileSync(jobFiles(input).output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: number; smart: { output: string; model: string } });

    for (const batch of [false, true]) {
      it(`keeps left's answer where the judge finds left and right say the same, else asks big${batch ? ', in batch mode' : ''}; verify replays its verdicts`, async () => {
        await withOpenAiTestServer({ answer: models(scriptedJudge(TRUTH)), ...(batch ? { batch: { stepMs: 20 } } : {}) }, async (server) => {
          const ws = workspace(3000, server.baseURL, JUDGE, ['left', 'right']);
          if (batch) writeFileSync(ws.config, JSON.stringify({ ...(JSON.parse(readFileSync(ws.config, 'utf8')) as object), batch: { pollSeconds: 0.02 } }));
          const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
          const entry = report.plan.entries.findIndex((e) => e.id === 'left~right>big' && e.items > 0);
          assert.ok(entry >= 0, `plan: ${report.plan.entries.map((e) => `${e.id} ${e.items}`).join(', ')}`);
          assert.ok(report.judge!.gateVerdicts >= report.plan.entries[entry].items, `${report.judge!.gateVerdicts} gate verdicts`);
          assert.match(describeJudge(report.judge!), /, and on [\d,]+ pairs of cheap models' outputs in gates, /);
          const lines = outputLines(ws.input);
          assert.equal(lines.length, 3000);
          // left is kept only where it names the right city (right disagrees wherever left is wrong).
          // Where left and right differ, big answers: left's wrong cities (one country in five) come only from items left answers alone, about a fifth of them.
          const alone = report.plan.entries.find((e) => e.id === 'left')?.items ?? 0;
          const wrong = lines.filter((l) => cityOf(l.smart.output) !== String(l.id));
          assert.ok(wrong.every((l) => l.smart.model === 'left' && l.id % 5 === 1));
          assert.ok(wrong.length <= 0.3 * alone, `${wrong.length} wrong cities; left alone answers ${alone} items`);
          const agreeing = lines.filter((l) => cityOf(l.smart.output) === String(l.id)).length;
          assert.ok(
            agreeing >= report.plan.agreeingOutputs!,
            `${agreeing} outputs name the right city; the plan claims at least ${report.plan.agreeingOutputs}`,
          );
          assert.equal(server.maxPaidPerRequest(), 1, 'a request was paid twice');
          assert.equal(server.counts().paidPerModel.judge, report.judge!.calls);
          if (batch) assert.ok(report.batchCalls > 0 && !server.batches().some((b) => String(b.model) === 'judge'), 'models in batches, the judge online');
          const verified = verifyReport(jobFiles(ws.input).report);
          assert.deepEqual(verified.problems, []);
          // Without one of the gate's "no" verdicts a certification item would replay as escalated, and agree: verify refuses.
          const evidence = readFileSync(jobFiles(ws.input).evidence, 'utf8').split('\n');
          const at = evidence.findIndex((l) => l.includes('"stage":"certification"') && l.includes('"left~right>big":"no"'));
          assert.ok(at > 0, 'a certification item where the judge told left and right apart');
          evidence[at] = evidence[at].replace(/,"gates":\{[^}]*\}/, '');
          writeFileSync(jobFiles(ws.input).evidence, evidence.join('\n'));
          assert.match(verifyReport(jobFiles(ws.input).report).problems.join('; '), /left~right>big: the judge's verdict on its gate is missing on line \d+/);
        });
      });
    }
  });

  it('refuses a judge the config cannot use, naming the setting', () => {
    const dir = workspace(10, 'http://127.0.0.1:1/v1', { ...JUDGE, model: 'nobody' }).config;
    assert.throws(
      () => loadConfig(dir),
      (error: unknown) => error instanceof ConfigError && /answer\.model: unknown model id "nobody"/.test(error.message),
    );
    const ws = workspace(10, 'http://127.0.0.1:1/v1', { ...JUDGE, template: 'judge.txt' });
    writeFileSync(path.join(ws.dir, 'judge.txt'), 'Is {{candidate_output}} right? yes or no');
    assert.throws(
      () => loadConfig(ws.config),
      (error: unknown) =>
        error instanceof ConfigError && /answer\.template: judge\.txt must show the judge both outputs: it has no \{\{reference_output\}\}/.test(error.message),
    );
  });
});
