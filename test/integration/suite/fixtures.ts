// What the integration tests share: the workspace folder and the scripted models.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestMessage } from '../../support/openaiTestServer';
import { refCheapConfig } from '../../support/spamJob';

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

/** A fresh folder of the workspace holding `items` messages in messages.jsonl. */
export function dataset(name: string, items: number): { dir: string; input: string } {
  const dir = path.join(workspaceRoot(), name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const input = path.join(dir, 'messages.jsonl');
  writeFileSync(input, Array.from({ length: items }, (_, i) => JSON.stringify({ id: i, text: `message ${i}` })).join('\n') + '\n');
  return { dir, input };
}

/** A job folder of the workspace: `items` messages, a prompt and a config of `ref` and `cheap` at `baseURL`, with `extra` on top. */
export function job(
  name: string,
  items: number,
  baseURL: string,
  extra: Readonly<Record<string, unknown>> = {},
): { input: string; config: string; dir: string } {
  const { dir, input } = dataset(name, items);
  writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(config, JSON.stringify(refCheapConfig(baseURL, { seed: 3, ...extra })));
  return { input, config, dir };
}
