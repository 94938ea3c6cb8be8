// What the integration tests share: the workspace folder and the scripted models.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestMessage } from '../../support/openaiTestServer';

/** The folder of the test workbench. */
export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration tests need a workspace folder');
  return folder.uri.fsPath;
}

/** The reference labels every fourth message spam; `cheap` is wrong on one in 30. */
export function spamOrHam(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const spam = i % 4 === 0;
  return (model === 'cheap' && i % 30 === 11 ? !spam : spam) ? 'spam' : 'ham';
}
