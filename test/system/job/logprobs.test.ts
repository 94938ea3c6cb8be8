import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../../src/job/config';
import { jobFiles, runJob, type ApiKey } from '../../../src/job/runJob';
import { verifyReport } from '../../../src/job/verifyReport';
import { tempFolderPerTest } from '../../support/files';
import { withOpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';
import { spamJobConfig } from '../../support/spamJob';

const KEY = 'test-secret-key-logprobs-41c';
const keys = (): ApiKey => ({ key: KEY, source: 'the test' });

/** `mid` is wrong on every fifth message, and unsure exactly there. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const wrong = model === 'mid' && i % 5 === 2;
  return (i % 3 === 0) !== wrong ? 'spam' : 'ham';
}
const confidence = (model: string, messages: readonly TestMessage[]): number =>
  model === 'mid' && Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]) % 5 === 2 ? 0.55 : 0.995;

describe('runJob with answer probabilities', () => {
  const folder = tempFolderPerTest('smart-logprobs-');

  it('asks the models marked `logprobs` for them, keeps confident answers, and caches the probability', async function () {
    // Thousands of real HTTP calls, twice: slow on a loaded machine.
    this.timeout(120_000);
    await withOpenAiTestServer({ answer, confidence }, async (server) => {
      const dir = folder();
      const input = path.join(dir, 'items.jsonl');
      writeFileSync(input, Array.from({ length: 1500 }, (_, i) => JSON.stringify({ id: i, text: `message ${i}` })).join('\n') + '\n');
      writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
      const config = spamJobConfig(
        { baseURL: server.baseURL, apiKeyEnv: 'SMART_TEST_KEY' },
        { candidates: ['mid'], accuracy: 0.97, seed: 3, concurrency: 32 },
      ) as { models: Array<Record<string, unknown>> };
      config.models.find((m) => m.id === 'mid')!.logprobs = true;
      writeFileSync(path.join(dir, 'smart.config.json'), JSON.stringify(config));

      const { report } = await runJob({ input, config: loadConfig(path.join(dir, 'smart.config.json')), keys });
      assert.ok(server.requests.some((r) => r.model === 'mid'));
      const used = report.plan.entries.filter((e) => e.items > 0);
      assert.ok(
        used.some((e) => e.plan.kind === 'confident'),
        `plan: ${used.map((e) => e.id).join(', ')}`,
      );
      // One model's confidence gates are certified in sequence, and `smart verify` recomputes that from the evidence.
      const certified = report.plan.certification!.plans;
      assert.ok(certified.length > 1 && certified.every((p) => p.inSequence === true), certified.map((p) => p.id).join(', '));
      const verified = verifyReport(jobFiles(input).report);
      assert.deepEqual(verified.problems, []);
      assert.ok(verified.checked.some((c) => /plans certified in sequence, in order/.test(c)));
      // A report whose sequence is listed out of order is refused.
      const reportFile = jobFiles(input).report;
      const original = readFileSync(reportFile, 'utf8');
      const edited = JSON.parse(original) as { plan: { certification: { plans: unknown[] } } };
      edited.plan.certification.plans.reverse();
      writeFileSync(reportFile, JSON.stringify(edited));
      assert.ok(verifyReport(reportFile).problems.some((p) => /not in their order/.test(p)));
      writeFileSync(reportFile, original);
      const cached = readFileSync(jobFiles(input).cache, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { p?: number });
      assert.ok(cached.some((e) => e.p === 0.55) && cached.some((e) => e.p === 0.995), "the cache keeps each answer's probability");

      const paid = server.counts().paid;
      const again = await runJob({ input, config: loadConfig(path.join(dir, 'smart.config.json')), keys, force: true });
      assert.equal(server.counts().paid, paid, 'the rerun is answered from the cache, probabilities included');
      assert.deepEqual(
        again.report.plan.entries.map((e) => e.id),
        report.plan.entries.map((e) => e.id),
      );
    });
  });
});
