import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BatchSession } from '../job/batch/batchSession';
import { loadConfig, withBatch } from '../job/config';
import { PANEL_VIEW_TYPE } from '../protocol/panelProtocol';
import { pendingRun } from '../text/batch';
import { ApiKeys } from './apiKeys';
import { commands, type CommandHost } from './commands';
import { CostPanel } from './costPanel';
import { watchDatasetFiles } from './datasetFiles';
import { RunController, type RunRequest } from './runController';
import { readSettings } from './settings';
import { tickStep, tickStepsDoneBefore } from './walkthroughSteps';
import { newestReport, readReport } from './workspaceReports';

/**
 * Activation does little: it registers the commands (`commands.ts`, one
 * table), the panel's serializer and the run controller; the work happens in
 * the shared engine (src/core, src/job) that the command line uses too.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Smart', { log: true });
  const keys = new ApiKeys(context.secrets);
  const runs = new RunController(keys, log, () => readSettings().openOutputsWhenDone);
  const host: CommandHost = { extensionUri: context.extensionUri, log, keys, runs, showPanel: () => CostPanel.show(context.extensionUri, runs) };
  context.subscriptions.push(log, runs, vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, CostPanel.serializer(context.extensionUri, runs)));
  for (const [id, run] of Object.entries(commands(host))) context.subscriptions.push(registerCommand(id, run, log));
  // Keeps Profile Dataset in the palette only while a .jsonl file is at hand.
  context.subscriptions.push(watchDatasetFiles((present) => vscode.commands.executeCommand('setContext', 'smart.datasetInWorkspace', present)));
  void offerPendingBatches(runs, log);
  void showNewestReport(runs, log);
  tickStepsDoneBefore(readSettings());
}

/** Registers a command whose failure is logged and shown, never thrown at the workbench. */
function registerCommand(id: string, run: (...args: never[]) => unknown, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: never[]) => {
    try {
      return await run(...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(`Smart: ${message}`);
      return undefined;
    }
  });
}

/**
 * In a new session (a window reloaded, the editor opened again), the panel
 * shows the workspace's last run rather than nothing, so that its audit and
 * its figures are where they were left, and Open Last Report is offered.
 */
async function showNewestReport(runs: RunController, log: vscode.LogOutputChannel): Promise<void> {
  const uri = await newestReport();
  if (!uri) return;
  await vscode.commands.executeCommand('setContext', 'smart.hasReport', true);
  tickStep('run');
  if (runs.state.run !== undefined) return;
  try {
    runs.showReport(readReport(uri));
  } catch (error) {
    log.warn(`The last report, ${vscode.workspace.asRelativePath(uri)}, could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Offers to resume a batch run left with batches pending at the provider (VS
 * Code closed, or the run cancelled, while they ran): found by its folder
 * under `.smart/` in the workspace. Resuming polls the same batches.
 */
async function offerPendingBatches(runs: RunController, log: vscode.LogOutputChannel): Promise<void> {
  const records = await vscode.workspace.findFiles('**/.smart/*.batch/run.json', '**/node_modules/**', 20);
  for (const record of records) {
    let session: BatchSession | undefined;
    let pending: number;
    try {
      session = BatchSession.read(path.dirname(record.fsPath));
      if (session === undefined || !existsSync(session.record.input)) continue;
      pending = (await session.pendingBatches()).length;
    } catch (error) {
      // Its record or a journal does not read back: say so, and leave it as it is for a person to look at.
      log.warn(
        `Cannot offer to resume the batch run in ${vscode.workspace.asRelativePath(path.dirname(record.fsPath))}: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    if (pending === 0) continue;
    const input = vscode.Uri.file(session.record.input);
    const name = vscode.workspace.asRelativePath(input);
    log.info(`${name} has a batch run with ${pending} batch(es) pending (${session.folder}).`);
    let request: RunRequest;
    try {
      request = { input, config: withBatch(loadConfig(session.record.config), true), force: true, yes: true };
    } catch (error) {
      log.warn(`Cannot offer to resume the batch run on ${name}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    runs.offerResume(request, pending);
    const choice = await vscode.window.showInformationMessage(`Smart: ${pendingRun(name, pending)}`, 'Resume', 'Not now');
    if (choice === 'Resume') {
      await vscode.commands.executeCommand('smart.openCostPanel');
      await vscode.commands.executeCommand('smart.resumeRun');
    }
    return;
  }
}
