/**
 * The walkthrough's steps (package.json, `contributes.walkthroughs`), ticked
 * by Smart itself when a person does what a step teaches, however it was
 * done. The workbench ticks a step on its completion events only while its
 * walkthrough service is running, which it starts when a walkthrough is
 * first shown, and an `onContext` event that already holds then is recorded
 * without a tick: so a run made before the walkthrough was opened, or a panel
 * opened by a run rather than by the step's command, would never tick.
 * `welcome.markStepComplete` is the workbench's own command for ticking a
 * step; it records the tick even before the service has shown the
 * walkthrough. In an editor without it, nothing happens.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './extensionId';

/** The walkthrough's id and its steps' ids, as package.json has them. */
const WALKTHROUGH = 'smart.gettingStarted';
export type WalkthroughStep = 'example' | 'run' | 'panel' | 'endpoint';

/** Where the offline example is copied in the first workspace folder. */
export const EXAMPLE_FOLDER = 'smart-example';

/** Ticks a step of the walkthrough (best effort: never fails the action that did it). */
export function tickStep(step: WalkthroughStep): void {
  void vscode.commands.executeCommand('welcome.markStepComplete', `${EXTENSION_ID}#${WALKTHROUGH}#${step}`).then(undefined, () => undefined);
}

/**
 * Ticks the steps done before this session that leave a trace Smart can see
 * at once: the example copied (its folder is there), an endpoint with two
 * models configured. (A run's report is found with the workspace's newest
 * report, which ticks "Profile it".)
 */
export function tickStepsDoneBefore(settings: { readonly endpoints: readonly unknown[]; readonly models: readonly unknown[] }): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && existsSync(path.join(folder.uri.fsPath, EXAMPLE_FOLDER))) tickStep('example');
  if (settings.endpoints.length > 0 && settings.models.length >= 2) tickStep('endpoint');
}
