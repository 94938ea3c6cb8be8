// The JSON Schema the extension contributes for smart.config.json
// (package.json's jsonValidation, dist/smart.config.schema.json written by the
// build), as VS Code's own JSON language service applies it: mistakes are
// underlined, settings completed and explained.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** How long the JSON language server may take to start and read the schema. */
const LANGUAGE_SERVER_MS = 60_000;

/** A smart.config.json in a fresh folder of the workspace. */
function configFile(folder: string, text: string): vscode.Uri {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(root, 'the integration tests need a workspace folder');
  const dir = path.join(root, folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'smart.config.json');
  writeFileSync(file, text);
  return vscode.Uri.file(file);
}

/** Calls `read` until `done` holds of its result or the time is up; returns the last result. */
async function poll<T>(read: () => T | Thenable<T>, done: (value: T) => boolean, timeoutMs = LANGUAGE_SERVER_MS): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const labelOf = (item: vscode.CompletionItem): string => (typeof item.label === 'string' ? item.label : item.label.label);
const textOf = (value: vscode.MarkdownString | string | undefined): string => (typeof value === 'string' ? value : (value?.value ?? ''));

describe('smart.config.json in the editor', function () {
  this.timeout(2 * LANGUAGE_SERVER_MS);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('underlines a misspelt setting and a value of the wrong type, naming the field', async () => {
    const uri = configFile(
      'schema-diagnostics',
      [
        '{',
        '  "acuracy": 0.9,',
        '  "seed": "seven",',
        '  "models": [{ "id": "big", "endpoint": "local" }],',
        '  "reference": "big",',
        '  "template": "prompt.txt"',
        '}',
        '',
      ].join('\n'),
    );
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const diagnostics = await poll(
      () => vscode.languages.getDiagnostics(uri),
      (found) => found.length >= 2,
    );
    const described = diagnostics.map((d) => `line ${d.range.start.line + 1} (${d.source ?? '?'}): ${d.message}`).join('; ');
    assert.equal(diagnostics.length, 2, described);

    const typo = diagnostics.find((d) => /acuracy/.test(d.message));
    assert.ok(typo, `no diagnostic names "acuracy": ${described}`);
    assert.match(typo.message, /Property acuracy is not allowed/);
    assert.equal(document.getText(typo.range), '"acuracy"');

    const wrongType = diagnostics.find((d) => d !== typo);
    assert.ok(wrongType);
    assert.match(wrongType.message, /Incorrect type\. Expected "integer"/);
    assert.match(document.lineAt(wrongType.range.start.line).text, /^\s*"seed": "seven"/, 'the type error is not on the "seed" line');
  });

  it('completes the settings of the schema, with their descriptions, and explains one on hover', async () => {
    const uri = configFile('schema-completion', '{\n  \n  "seed": 1\n}\n');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const list = await poll(
      () => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(1, 2)),
      (found) => found.items.some((item) => labelOf(item) === 'accuracy'),
    );
    const labels = list.items.map(labelOf);
    for (const key of ['accuracy', 'candidates', 'models', 'reference', 'answer', 'strategy'])
      assert.ok(labels.includes(key), `${key} is not offered: ${labels.join(', ')}`);
    assert.ok(!labels.includes('seed'), 'a setting already present is offered again');
    const accuracy = list.items.find((item) => labelOf(item) === 'accuracy')!;
    assert.match(textOf(accuracy.documentation), /share of items whose output must agree with the reference/);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 4));
    const shown = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n');
    assert.match(shown, /seed of the random order/);
  });
});
