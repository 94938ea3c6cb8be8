import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AbortChoice } from '../job/batch/batchCoordinator';
import { BatchSession } from '../job/batch/batchSession';
import { loadConfig, withBatch } from '../job/config';
import { readReportFile } from '../job/reportSchema';
import type { JobReport } from '../job/runJob';
import { addEndpointOrModel } from './addEndpointOrModel';
import { pendingRun } from '../text/batch';
import { ApiKeys } from './apiKeys';
import { CostPanel } from './costPanel';
import { endpointChoices } from './endpointChoices';
import { watchJsonlFiles } from './jsonlContext';
import { prepareRun, type ProfileOptions } from './profileDataset';
import { PANEL_VIEW_TYPE } from '../protocol/panelProtocol';
import { RunController, type RunRequest } from './runController';
import { readSettings } from './settings';
import { EXAMPLE_FOLDER, tickStep, tickStepsDoneBefore } from './walkthroughSteps';
import { newestReport } from './workspaceReports';

/**
 * Activation does little: it wires the commands, the panel's serializer and
 * the run controller; the work happens in the shared engine (src/core, src/job)
 * that the command line uses too.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Smart', { log: true });
  const keys = new ApiKeys(context.secrets);
  const runs = new RunController(keys, log, () => readSettings().openOutputsWhenDone);
  const showPanel = (): CostPanel => CostPanel.show(context.extensionUri, runs);

  const command = (id: string, run: (...args: never[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await run(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`${id}: ${message}`);
        void vscode.window.showErrorMessage(`Smart: ${message}`);
        return undefined;
      }
    });

  context.subscriptions.push(
    log,
    runs,
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, CostPanel.serializer(context.extensionUri, runs)),
    command('smart.profileDataset', async (uri?: vscode.Uri, _selected?: vscode.Uri[], options?: ProfileOptions) => {
      const prepared = await prepareRun(uri instanceof vscode.Uri ? uri : undefined, options);
      if (!prepared) return undefined;
      showPanel();
      const report = await runs.start(prepared);
      if (report) tickStep('run');
      return report;
    }),
    command('smart.openExample', () => openExample(context.extensionUri)),
    // A command of its own (not openExample with an argument) so that the walkthrough's step can complete on it.
    command('smart.runExample', async () => {
      const input = await openExample(context.extensionUri);
      if (!input) return undefined;
      const config = vscode.Uri.joinPath(input, '..', 'smart.config.json').fsPath;
      return vscode.commands.executeCommand('smart.profileDataset', input, undefined, { config, yes: true, force: true } satisfies ProfileOptions);
    }),
    command('smart.openCostPanel', () => {
      showPanel();
    }),
    command('smart.cancelRun', (options?: { batches?: AbortChoice }) => {
      if (!runs.isRunning) void vscode.window.showInformationMessage('Smart: no run is going.');
      return runs.cancel(options?.batches);
    }),
    command('smart.resumeRun', () => {
      showPanel();
      return runs.resume();
    }),
    command('smart.setApiKey', async (endpointArg?: string, keyArg?: string) => {
      const endpoint = endpointArg ?? (await pickEndpoint('Set the API key of which endpoint?'));
      if (!endpoint) return undefined;
      const key =
        keyArg ??
        (await vscode.window.showInputBox({
          title: `Smart: API key for "${endpoint}"`,
          prompt: 'Stored in VS Code secret storage, never in settings or files',
          password: true,
          ignoreFocusOut: true,
        }));
      if (!key) return undefined;
      await keys.store(endpoint, key.trim());
      tickStep('endpoint');
      log.info(`API key stored for endpoint "${endpoint}".`);
      void vscode.window.showInformationMessage(`Smart: the key of endpoint "${endpoint}" is stored in VS Code's secret storage.`);
      return endpoint;
    }),
    command('smart.addEndpointOrModel', async () => {
      const added = await addEndpointOrModel();
      if (added) tickStep('endpoint');
      return added;
    }),
    command('smart.clearApiKey', async (endpointArg?: string) => {
      const endpoint = endpointArg ?? (await pickEndpoint('Clear the API key of which endpoint?'));
      if (!endpoint) return;
      await keys.delete(endpoint);
      log.info(`API key cleared for endpoint "${endpoint}".`);
    }),
    command('smart.openLastReport', async () => {
      const uri =
        runs.lastReport ??
        (await newestReport()) ??
        (
          await vscode.window.showOpenDialog({
            title: 'Smart: open a run report',
            filters: { 'Smart report': ['json'] },
            canSelectMany: false,
          })
        )?.[0];
      if (!uri) return;
      // The panel shows it; its Open report button opens the JSON.
      runs.showReport(readReport(uri));
      showPanel();
    }),
  );
  // Keeps Profile Dataset in the palette only while a .jsonl file is at hand.
  context.subscriptions.push(watchJsonlFiles((present) => vscode.commands.executeCommand('setContext', 'smart.jsonlInWorkspace', present)));
  void offerPendingBatches(runs, log);
  void showNewestReport(runs, log);
  tickStepsDoneBefore(readSettings());
}

/** A run report read from disk, checked against its schema. @throws StateFileError naming the file and the field when it is not one. */
function readReport(uri: vscode.Uri): JobReport {
  return readReportFile(uri.fsPath);
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
      log.warn(`Cannot offer to resume the batch run in ${vscode.workspace.asRelativePath(path.dirname(record.fsPath))}: ${error instanceof Error ? error.message : String(error)}`);
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

/**
 * Copies the bundled offline example (real recorded answers, replayed: no key,
 * no cost) into the first workspace folder, unless it is already there, and
 * returns its input file.
 */
async function copyExample(extensionUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('Smart: open a folder first; the example is copied into it.');
    return undefined;
  }
  const target = vscode.Uri.joinPath(folder.uri, EXAMPLE_FOLDER);
  const input = vscode.Uri.joinPath(target, 'items.jsonl');
  try {
    await vscode.workspace.fs.stat(input);
  } catch {
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'examples', 'toxicity'), target, { overwrite: false });
  }
  return input;
}

/**
 * Copies the example (see {@link copyExample}) and shows its input beside the
 * editor in front, without taking the focus: a walkthrough that ran this
 * stays where it was, with its next step.
 */
async function openExample(extensionUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const input = await copyExample(extensionUri);
  if (input) {
    tickStep('example');
    await vscode.window.showTextDocument(input, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }
  return input;
}

/** An endpoint of the settings or of any config in the workspace, or typed in when there is none. */
async function pickEndpoint(placeHolder: string): Promise<string | undefined> {
  const choices = await endpointChoices();
  if (choices.length === 0) {
    return vscode.window.showInputBox({ title: 'Smart: endpoint name', prompt: 'The endpoint name as in smart.config.json or the smart.endpoints setting' });
  }
  const picked = await vscode.window.showQuickPick(
    choices.map((c) => ({ label: c.name, description: c.definedIn.join(', ') })),
    { title: 'Smart', placeHolder },
  );
  return picked?.label;
}
