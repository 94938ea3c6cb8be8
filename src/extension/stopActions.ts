/**
 * What a person can do about a run that stopped with an error, offered as
 * buttons on its notification: set the key an endpoint refused, replace the
 * outputs that are in the way, go to the bad line of the input or rerun
 * without the bad lines.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { InputChangedError, InputError } from '../io/inputError';
import { FileExistsError } from '../io/writeFileAtomic';
import { LlmCallError } from '../llm/retryPolicy';

/** One button. */
export interface StopAction {
  readonly title: string;
  run(): Thenable<unknown>;
}

/** How a stopped run starts again, with some of its options changed. */
export type Restart = (changes: { readonly force?: true; readonly skipInvalid?: true }) => Thenable<unknown>;

/** The actions that fit `error`, from a run on `input`. */
export function stopActions(error: unknown, input: vscode.Uri, restart: Restart): StopAction[] {
  if (error instanceof LlmCallError && error.status === 401) return [setKeyAction(error.endpoint)];
  if (error instanceof FileExistsError) return [{ title: 'Replace', run: () => restart({ force: true }) }];
  if (error instanceof InputError && !(error instanceof InputChangedError) && error.line !== undefined) {
    const actions: StopAction[] = [goToLineAction(error.file, error.line)];
    // Only lines of the input can be skipped (not, say, of a recording the run replays).
    if (path.resolve(error.file) === input.fsPath) actions.push({ title: 'Skip invalid lines', run: () => restart({ skipInvalid: true }) });
    return actions;
  }
  return [];
}

/** Shows the error with the actions that fit it, and runs the one chosen. */
export async function showStopped(message: string, error: unknown, input: vscode.Uri, restart: Restart): Promise<void> {
  const actions = stopActions(error, input, restart);
  const chosen = await vscode.window.showErrorMessage(message, ...actions.map((a) => a.title));
  try {
    await actions.find((a) => a.title === chosen)?.run();
  } catch (failure) {
    // Nothing awaits this notification: say what went wrong here (e.g. another run already going).
    void vscode.window.showErrorMessage(`Smart: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
}

function setKeyAction(endpoint: string): StopAction {
  return {
    title: 'Set API Key',
    run: async () => {
      const stored = await vscode.commands.executeCommand<string | undefined>('smart.setApiKey', endpoint);
      if (stored === undefined) return;
      const resume = await vscode.window.showInformationMessage(`Smart: the API key of "${endpoint}" is stored.`, 'Resume Run');
      if (resume) await vscode.commands.executeCommand('smart.resumeRun');
    },
  };
}

function goToLineAction(file: string, line: number): StopAction {
  return {
    title: 'Go to Line',
    run: () => {
      const at = new vscode.Position(line - 1, 0);
      return vscode.window.showTextDocument(vscode.Uri.file(path.resolve(file)), { selection: new vscode.Range(at, at) });
    },
  };
}
