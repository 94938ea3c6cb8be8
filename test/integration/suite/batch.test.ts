import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobReport } from '../../../src/job/runJob';
import { OpenAiTestServer, withOpenAiTestServer } from '../../support/openaiTestServer';
import { job, spamOrHam } from './fixtures';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** No request file went to the provider twice: each (run, file) of the metadata names one batch. */
function assertEachFileOnce(server: OpenAiTestServer): void {
  const files = server.batches().map((b) => JSON.stringify(b.metadata));
  assert.equal(new Set(files).size, files.length, files.join('\n'));
}

describe('Batch mode in VS Code', function () {
  this.timeout(120_000);

  for (const choice of ['leave', 'cancel'] as const) {
    it(`cancelled while its batches run (${choice === 'leave' ? 'left running' : 'cancelled at the provider'}), Resume Run finishes it paying nothing twice`, async () => {
      await withOpenAiTestServer({ answer: spamOrHam, batch: { stepMs: 600 } }, async (server) => {
        const { input, config } = job(`batch-${choice}`, 1200, server.baseURL, { batch: { pollSeconds: 0.05 } });
        const running = vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
          config,
          yes: true,
          force: true,
          batch: true,
        });
        await until(() => server.batches().some((b) => b.status === 'validating' || b.status === 'in_progress'));
        await vscode.commands.executeCommand('smart.cancelRun', { batches: choice });
        assert.equal(await running, undefined, 'a cancelled run returned a report');
        const statuses = server.batches().map((b) => b.status);
        if (choice === 'leave')
          assert.ok(
            statuses.every((s) => s !== 'cancelling' && s !== 'cancelled'),
            statuses.join(', '),
          );
        else
          assert.ok(
            statuses.every((s) => s === 'cancelling' || s === 'cancelled'),
            statuses.join(', '),
          );
        assert.ok(existsSync(path.join(path.dirname(input), '.smart', 'messages.jsonl.batch', 'run.json')), 'the batch run was kept for a resume');

        const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.resumeRun');
        assert.ok(report, 'Resume Run returned no report (see the Smart log)');
        assert.ok(report.batchCalls > 0, `${report.batchCalls} batch calls`);
        assert.equal(
          report.paidCalls + report.cachedCalls,
          Object.values(report.perModel).reduce((n, m) => n + m.calls, 0),
        );
        assertEachFileOnce(server);
        assert.equal(server.maxPaidPerRequest(), 1, 'a request was paid twice');
        if (choice === 'cancel')
          assert.ok(
            server.batches().some((b) => b.status === 'completed'),
            'what the cancelled batches left was submitted again',
          );
        assert.equal(
          readFileSync(input.replace(/\.jsonl$/, '.smart.jsonl'), 'utf8')
            .trim()
            .split('\n').length,
          1200,
        );
        assert.ok(!existsSync(path.join(path.dirname(input), '.smart', 'messages.jsonl.batch')), 'the finished batch run was cleared');
      });
    });
  }

  it('runs from the editor with the reference on an Anthropic endpoint and the candidate on a Gemini one, in batch mode: Message Batches and batch jobs, each request paid once (issue 17)', async () => {
    await withOpenAiTestServer({ answer: spamOrHam, batch: { stepMs: 50 } }, async (server) => {
      const origin = server.baseURL.replace(/\/v1$/, '');
      const { input, config } = job('batch-two-providers', 1200, server.baseURL, {
        endpoints: { claude: { kind: 'anthropic', baseURL: origin }, google: { kind: 'gemini', baseURL: origin } },
        models: [
          { id: 'ref', endpoint: 'claude', inputPer1M: 10, outputPer1M: 30 },
          { id: 'cheap', endpoint: 'google', inputPer1M: 0.2, outputPer1M: 0.6 },
        ],
        // Just above cheap's 96.7%: a mix, each model answering part of the rest.
        accuracy: 0.97,
        batch: { pollSeconds: 0.05 },
      });
      const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
        config,
        yes: true,
        force: true,
        batch: true,
      });
      assert.ok(report, 'the run returned no report (see the Smart log)');
      assert.ok(report.perModel.ref.batchCalls > 0 && report.perModel.cheap.batchCalls > 0, JSON.stringify(report.perModel));
      assert.ok((server.apiCalls()['messageBatches.create'] ?? 0) > 0 && (server.apiCalls()['geminiBatches.create'] ?? 0) > 0);
      assert.equal(server.maxPaidPerRequest(), 1, 'a request was paid twice');
      assert.equal(
        readFileSync(input.replace(/\.jsonl$/, '.smart.jsonl'), 'utf8')
          .trim()
          .split('\n').length,
        1200,
      );
    });
  });
});
