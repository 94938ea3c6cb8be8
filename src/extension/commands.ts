/**
 * Every command Smart contributes (package.json, `contributes.commands`), in
 * one table: its id and what it does. `extension.ts` registers them all the
 * same way (a failure is logged and shown, never thrown at the workbench).
 */
import * as vscode from 'vscode';
import type { AbortChoice } from '../job/batch/batchCoordinator';
import { addEndpointOrModel } from './addEndpointOrModel';
import type { ApiKeys } from './apiKeys';
import type { CostPanel } from './costPanel';
import { DATA_WRANGLER, dataWranglerOpens, openInDataWrangler } from './dataViewer';
import { endpointChoices } from './endpointChoices';
import { prepareRun, type ProfileOptions } from './profileDataset';
import type { RunController } from './runController';
import { EXAMPLE_FOLDER, tickStep } from './walkthroughSteps';
import { newestReport, readReport } from './workspaceReports';

/** What the commands act on. */
export interface CommandHost {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  readonly keys: ApiKeys;
  readonly runs: RunController;
  showPanel(): CostPanel;
}

/** A command's handler: called with what the workbench, a link or a test passes. */
type Handler = (...args: never[]) => unknown;

/** The commands, by id. */
export function commands(host: CommandHost): Readonly<Record<string, Handler>> {
  const { extensionUri, log, keys, runs, showPanel } = host;
  return {
    'smart.profileDataset': async (uri?: vscode.Uri, _selected?: vscode.Uri[], options?: ProfileOptions) => {
      const prepared = await prepareRun(uri instanceof vscode.Uri ? uri : undefined, options);
      if (!prepared) return undefined;
      showPanel();
      const report = await runs.start(prepared);
      if (report) tickStep('run');
      return report;
    },
    'smart.openExample': () => openExample(extensionUri),
    // A command of its own (not openExample with an argument) so that the walkthrough's step can complete on it.
    'smart.runExample': async () => {
      const input = await openExample(extensionUri);
      if (!input) return undefined;
      const config = vscode.Uri.joinPath(input, '..', 'smart.config.json').fsPath;
      return vscode.commands.executeCommand('smart.profileDataset', input, undefined, { config, yes: true, force: true } satisfies ProfileOptions);
    },
    'smart.openCostPanel': () => {
      showPanel();
    },
    'smart.cancelRun': (options?: { batches?: AbortChoice }) => {
      if (!runs.isRunning) void vscode.window.showInformationMessage('Smart: no run is going.');
      return runs.cancel(options?.batches);
    },
    'smart.resumeRun': () => {
      showPanel();
      return runs.resume();
    },
    'smart.setApiKey': async (endpointArg?: string, keyArg?: string) => {
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
    },
    'smart.addEndpointOrModel': async () => {
      const added = await addEndpointOrModel();
      if (added) tickStep('endpoint');
      return added;
    },
    'smart.clearApiKey': async (endpointArg?: string) => {
      const endpoint = endpointArg ?? (await pickEndpoint('Clear the API key of which endpoint?'));
      if (!endpoint) return;
      await keys.delete(endpoint);
      log.info(`API key cleared for endpoint "${endpoint}".`);
    },
    'smart.openOutputInDataWrangler': async () => {
      const output = runs.lastOutput;
      if (!output) return void vscode.window.showInformationMessage('Smart: no run has written an output yet.');
      if (dataWranglerOpens(output)) return openInDataWrangler(output);
      if (vscode.extensions.getExtension(DATA_WRANGLER.id)) {
        return void vscode.window.showInformationMessage(
          `Smart: ${DATA_WRANGLER.name} opens CSV, TSV and Parquet files, not ${vscode.workspace.asRelativePath(output)}.`,
        );
      }
      const show = 'Show It';
      const choice = await vscode.window.showInformationMessage(`Smart: ${DATA_WRANGLER.name} (${DATA_WRANGLER.id}) is not installed.`, show);
      if (choice === show) await vscode.commands.executeCommand('workbench.extensions.search', `@id:${DATA_WRANGLER.id}`);
    },
    'smart.openLastReport': async () => {
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
    },
  };
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
