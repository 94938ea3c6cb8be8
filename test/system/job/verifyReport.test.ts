import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../../src/job/config';
import { readEvidence } from '../../../src/job/evidence';
import { runJob } from '../../../src/job/runJob';
import { verifyReport } from '../../../src/job/verifyReport';
import { withOpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';
import { scriptedJudge } from '../../support/scriptedJudge';
import { spamJobConfig } from '../../support/spamJob';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/** `big` labels every message right; `mid` is wrong on one message in 25, `tiny` on one in 6. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const prompt = messages[messages.length - 1].content;
  const i = Number(/message (\d+)/.exec(prompt)![1]);
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 6 === 1);
  return (i % 3 === 0) !== wrong ? 'Spam.' : 'Ham.';
}

function workspace(count: number, baseURL: string, extra: Record<string, unknown> = {}): { input: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-verify-'));
  const input = path.join(dir, 'messages.jsonl');
  writeFileSync(input, Array.from({ length: count }, (_, i) => JSON.stringify({ msg: { body: `message ${i}` } })).join('\n') + '\n');
  writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{msg.body}}');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL }, { seed: 9, ...extra })));
  return { input, config };
}

/** Rewrites the evidence file with one outcome changed. */
function editEvidence(file: string, change: (outcomes: Array<Record<string, unknown>>) => void): void {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const outcomes = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  change(outcomes);
  writeFileSync(file, [header, ...outcomes.map((o) => JSON.stringify(o))].join('\n') + '\n');
}

describe('verifyReport', () => {
  it("recomputes auto's bounds and guarantee from the evidence, and refuses once one outcome is edited", async () => {
    await withOpenAiTestServer({ answer }, async (server) => {
      const ws = workspace(1200, server.baseURL);
      const { report, files } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      const { header, outcomes } = readEvidence(files.evidence);
      assert.equal(header.seed, 9);
      assert.equal(outcomes.length, report.profiledItems);
      assert.ok(outcomes.some((o) => o.stage === 'pilot') && outcomes.some((o) => o.stage === 'certification'));
      const verified = verifyReport(files.report);
      assert.deepEqual(verified.problems, []);
      assert.ok(
        verified.checked.some((c) => /^at least [\d,]+ of the 1200 outputs agree$/.test(c)),
        verified.checked.join('\n'),
      );

      // A certification item the certified plan's model got wrong, marked as agreeing.
      const plan = report.plan.certification!.plans[0];
      const model = plan.plan.kind === 'single' ? plan.plan.model : plan.plan.kind === 'gated' ? plan.plan.members[0] : plan.plan.model;
      editEvidence(files.evidence, (all) => {
        const wrong = all.find((o) => o.stage === 'certification' && (o.agrees as Record<string, boolean>)[model] === false);
        assert.ok(wrong, 'the certification holds an item the model got wrong');
        (wrong.agrees as Record<string, boolean>)[model] = true;
      });
      const refused = verifyReport(files.report);
      assert.ok(
        refused.problems.some((p) => new RegExp(`^line \\d+: ${model} is marked agreeing, but its output does not agree$`).test(p)),
        refused.problems.join('\n'),
      );

      // The same item's output changed too, so that the flag follows from it: the counts no longer match the report.
      editEvidence(files.evidence, (all) => {
        const edited = all.find(
          (o) =>
            o.stage === 'certification' &&
            (o.agrees as Record<string, boolean>)[model] === true &&
            (o.outputs as Record<string, string>)[model] !== (o.outputs as Record<string, string>).big,
        );
        (edited!.outputs as Record<string, string>)[model] = (edited!.outputs as Record<string, string>).big;
      });
      const recounted = verifyReport(files.report);
      assert.ok(
        recounted.problems.some((p) => p.startsWith(`${model}: the report says`)),
        recounted.problems.join('\n'),
      );

      const cli = spawnSync(process.execPath, [CLI, 'verify', files.report], { encoding: 'utf8' });
      assert.equal(cli.status, 1);
      assert.match(cli.stdout, /its claims do not follow from the run's evidence:\n  - /);
    });
  });

  it("verifies a run whose agreement a judge decided, and the paper's strategies' bounds", async () => {
    const judge = scriptedJudge({ same: (a, b) => a.toLowerCase().startsWith(b.toLowerCase().slice(0, 3)) });
    const answers = (model: string, messages: readonly TestMessage[]): string =>
      model === 'judge' ? judge(messages) : answer(model, messages) + (model === 'mid' ? ' (certain)' : '');
    await withOpenAiTestServer({ answer: answers }, async (server) => {
      const judged = workspace(900, server.baseURL, {
        models: [
          { id: 'big', endpoint: 'local', inputPer1M: 30, outputPer1M: 60 },
          { id: 'mid', endpoint: 'local', inputPer1M: 1, outputPer1M: 2 },
          { id: 'judge', endpoint: 'local', inputPer1M: 0.1, outputPer1M: 0.1 },
        ],
        candidates: ['mid'],
        labels: undefined,
        answer: { kind: 'judge', model: 'judge' },
      });
      const { files } = await runJob({ input: judged.input, config: loadConfig(judged.config) });
      assert.ok(readEvidence(files.evidence).outcomes.some((o) => o.judged?.mid === 'yes'));
      assert.deepEqual(verifyReport(files.report).problems, []);
      const cli = spawnSync(process.execPath, [CLI, 'verify', files.report], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /its claims follow from the run's evidence:\n  - the evidence is of this run/);

      const paper = workspace(900, server.baseURL, { strategy: 'modelmix' });
      const run = await runJob({ input: paper.input, config: loadConfig(paper.config) });
      assert.deepEqual(verifyReport(run.files.report).problems, []);
    });
  });
});
