import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ColumnTypes, writeParquetFile } from '../../../src/io/parquetFile';
import type { JobReport } from '../../../src/job/runJob';
import { filesUnder } from '../../support/files';
import { OpenAiTestServer, withOpenAiTestServer, type Fault, type FaultInfo } from '../../support/openaiTestServer';
import { job, spamOrHam, workspaceRoot } from './fixtures';

const KEY = 'integration-secret-key-5d8e2f';
const COMMANDS = [
  'smart.profileDataset',
  'smart.openCostPanel',
  'smart.cancelRun',
  'smart.resumeRun',
  'smart.setApiKey',
  'smart.clearApiKey',
  'smart.openLastReport',
  'smart.openOutputInDataWrangler',
  'smart.openExample',
  'smart.runExample',
  'smart.addEndpointOrModel',
];

/** Runs `body` with `smart.openOutputsWhenDone` on, then turns it off and closes every editor, whatever happened. */
async function withOutputsOpened(body: () => Promise<void>): Promise<void> {
  const settings = vscode.workspace.getConfiguration('smart');
  await settings.update('openOutputsWhenDone', true, vscode.ConfigurationTarget.Global);
  try {
    await body();
  } finally {
    await settings.update('openOutputsWhenDone', false, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
}

/** The objects of a JSONL file the fixtures wrote. */
function rowsOf(jsonl: string): Array<Record<string, unknown>> {
  return readFileSync(jsonl, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Profile Dataset on `input` as the Explorer's right-click runs it, the key stored and every editor closed first; its report. */
async function profileFromExplorer(input: string, config: string): Promise<JobReport> {
  await vscode.commands.executeCommand('smart.setApiKey', 'loopback', KEY);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
    config,
    yes: true,
    force: true,
  });
  assert.ok(report, 'the run returned no report (see the Smart log)');
  return report;
}

function withServer<R>(fault: ((info: FaultInfo) => Fault | undefined) | undefined, body: (server: OpenAiTestServer) => Promise<R>): Promise<R> {
  return withOpenAiTestServer({ answer: spamOrHam, ...(fault ? { fault } : {}) }, body);
}

describe('Smart in VS Code', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.workspace.getConfiguration('smart').update('openOutputsWhenDone', false, vscode.ConfigurationTarget.Global);
  });

  it('registers its commands', async () => {
    await vscode.commands.executeCommand('smart.openCostPanel');
    const all = await vscode.commands.getCommands(true);
    for (const id of COMMANDS) assert.ok(all.includes(id), `${id} is not registered`);
  });

  it('runs a .jsonl file against an OpenAI-compatible server and writes the outputs and report', async () => {
    await withServer(undefined, async (server) => {
      const { input, config } = job('run', 300, server.baseURL, { candidates: ['cheap'] });
      await vscode.commands.executeCommand('smart.setApiKey', 'loopback', KEY);
      const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
        config,
        yes: true,
        force: true,
      });
      assert.ok(report, 'the run returned no report (see the Smart log)');
      const output = input.replace(/\.jsonl$/, '.smart.jsonl');
      const lines = readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: number; smart: { output: string; model: string } });
      assert.equal(lines.length, 300);
      lines.forEach((l, i) => assert.equal(l.id, i));
      assert.ok(lines.every((l) => ['spam', 'ham'].includes(l.smart.output)));
      const onDisk = JSON.parse(readFileSync(input.replace(/\.jsonl$/, '.smart-report.json'), 'utf8')) as JobReport;
      assert.equal(onDisk.items, 300);
      assert.ok(onDisk.guarantee.statement.length > 0);
      assert.ok(server.requests.length > 0 && server.requests.every((r) => r.authorization === `Bearer ${KEY}`), 'the stored key was not sent');
    });
  });

  it('profiles a .csv file as the Explorer offers it, and opens the output .csv, every row and column kept (issue 18)', async () => {
    await withOutputsOpened(async () => {
      await withServer(undefined, async (server) => {
        const { input: jsonl, config } = job('csv-run', 200, server.baseURL, { candidates: ['cheap'] });
        // The same rows as a CSV with a header, a quoted comma in each text.
        const rows = rowsOf(jsonl) as Array<{ id: number; text: string }>;
        const input = jsonl.replace(/\.jsonl$/, '.csv');
        writeFileSync(input, ['id,text', ...rows.map((r) => `${r.id},"${r.text}, as written"`)].join('\n') + '\n');
        await profileFromExplorer(input, config);
        const output = input.replace(/\.csv$/, '.smart.csv');
        const shown = vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === output);
        assert.ok(shown, 'the output .csv is not shown');
        const lines = readFileSync(output, 'utf8').trim().split('\n');
        assert.equal(lines[0], 'id,text,smart_output,smart_model,smart_raw');
        assert.equal(lines.length, 201);
        lines.slice(1).forEach((line, i) => assert.ok(line.startsWith(`${rows[i].id},"${rows[i].text}, as written",`), line));

        // Where Data Wrangler is installed (here its stand-in, under its id), the output opens in its editor.
        assert.ok(vscode.extensions.getExtension('ms-toolsai.datawrangler'), 'the Data Wrangler stand-in is not installed');
        await vscode.commands.executeCommand('smart.openOutputInDataWrangler');
        const wrangled = vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .some((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === 'jupyter-data-wrangler' && t.input.uri.fsPath === output);
        assert.ok(wrangled, 'the output .csv did not open in Data Wrangler');
      });
    });
  });

  it('profiles a .parquet file and shows its .parquet output in the editor VS Code picks for it (issue 18)', async () => {
    await withOutputsOpened(async () => {
      await withServer(undefined, async (server) => {
        const { input: jsonl, config } = job('parquet-run', 120, server.baseURL, { candidates: ['cheap'] });
        const rows = rowsOf(jsonl);
        const input = jsonl.replace(/\.jsonl$/, '.parquet');
        const types = new ColumnTypes();
        rows.forEach((row) => types.see(row));
        await writeParquetFile(
          input,
          types.columns(),
          (async function* () {
            yield* rows;
          })(),
        );
        const report = await profileFromExplorer(input, config);
        assert.equal(report.inputFormat, 'parquet');
        const output = input.replace(/\.parquet$/, '.smart.parquet');
        assert.equal(report.output, output);
        const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath === output);
        // A text document cannot hold a binary file: opening it as one would fail the run after it was paid for.
        assert.ok(tab, 'the output .parquet is not shown');
      });
    });
  });

  it("shows each run's output in the group of the last one, not in yet another group (issue 16, item 12)", async () => {
    await withOutputsOpened(async () => {
      await withServer(undefined, async (server) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const groups: number[] = [];
        for (const name of ['groups-a', 'groups-b', 'groups-c']) {
          const { input, config } = job(name, 60, server.baseURL, { candidates: ['cheap'] });
          const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
            config,
            yes: true,
            force: true,
          });
          assert.ok(report, 'the run returned no report (see the Smart log)');
          groups.push(vscode.window.tabGroups.all.length);
          const shown = vscode.window.tabGroups.all
            .flatMap((g) => g.tabs)
            .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath.endsWith('.smart.jsonl'));
          assert.ok(
            shown.some((t) => (t.input as vscode.TabInputText).uri.fsPath === input.replace(/\.jsonl$/, '.smart.jsonl')),
            'the output is not shown',
          );
        }
        assert.deepEqual(groups, [groups[0], groups[0], groups[0]], `editor groups after each run: ${groups.join(', ')}`);
      });
    });
  });

  it('cancels a run, then Resume Run finishes it without paying any call twice', async () => {
    // From the 80th request on, the first attempt hangs until cancelled: no hung call is ever answered, so none was paid.
    let hangFrom = 80;
    await withServer(
      (info) => (info.callIndex >= hangFrom ? { kind: 'hang' } : undefined),
      async (server) => {
        const { input, config } = job('resume', 400, server.baseURL, { candidates: ['cheap'] });
        const running = vscode.commands.executeCommand('smart.profileDataset', vscode.Uri.file(input), undefined, { config, yes: true, force: true });
        while (server.counts().total < 80) await new Promise((resolve) => setTimeout(resolve, 10));
        // Give the answers already sent a moment to arrive and be cached.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await vscode.commands.executeCommand('smart.cancelRun');
        assert.equal(await running, undefined, 'a cancelled run returned a report');
        assert.ok(!existsSync(input.replace(/\.jsonl$/, '.smart.jsonl')), 'a cancelled run left an output');
        const paidBefore = server.counts().paid;
        hangFrom = Infinity;
        const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.resumeRun');
        assert.ok(report, 'Resume Run returned no report');
        assert.equal(report.cachedCalls, paidBefore);
        assert.equal(server.maxPaidPerRequest(), 1, 'a call was paid twice');
        assert.equal(
          readFileSync(input.replace(/\.jsonl$/, '.smart.jsonl'), 'utf8')
            .trim()
            .split('\n').length,
          400,
        );
      },
    );
  });

  it('reruns a file the response cache answers entirely without asking to pay (issue 11, item 8)', async () => {
    await withServer(undefined, async (server) => {
      const { input, config } = job('rerun', 200, server.baseURL, { candidates: ['cheap'] });
      const first = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
        config,
        yes: true,
        force: true,
      });
      assert.ok(first, 'the first run returned no report');
      const paid = server.counts().paid;
      // Not told yes: a run that would pay would wait on the cost preview's dialog, and this test time out.
      const rerun = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
        config,
        force: true,
      });
      assert.ok(rerun, 'the rerun returned no report');
      assert.equal(rerun.paidCalls, 0);
      assert.equal(rerun.cachedCalls, first.paidCalls);
      assert.equal(rerun.preview.fullyCached, true);
      assert.equal(server.counts().paid, paid, 'the rerun paid for a call');
    });
  });

  it('copies the offline example into the workspace and runs it from recordings (the walkthrough)', async () => {
    const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.runExample');
    assert.ok(report, 'the example run returned no report');
    const dir = path.join(workspaceRoot(), 'smart-example');
    assert.ok(existsSync(path.join(dir, 'items.smart.jsonl')));
    assert.equal(report.items, 750);
    assert.ok(report.savings > 1.5, `savings ${report.savings}`);
    assert.ok(report.guarantee.met);
  });

  it('keeps API keys in SecretStorage: never in a file of the workspace', async () => {
    await vscode.commands.executeCommand('smart.setApiKey', 'loopback', KEY);
    for (const file of filesUnder(workspaceRoot())) {
      assert.ok(!readFileSync(file, 'utf8').includes(KEY), `${file} holds the API key`);
    }
    const settings = JSON.stringify(vscode.workspace.getConfiguration('smart'));
    assert.ok(!settings.includes(KEY), 'the key is in the settings');
    await vscode.commands.executeCommand('smart.clearApiKey', 'loopback');
  });
});
