// Proves the integration pipeline: this file runs inside VS Code's extension
// host, with the real API and the extension under development loaded.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** `<publisher>.<name>` from package.json. */
const EXTENSION_ID = 'smart-llm.smart-llm';

describe('integration pipeline', () => {
  it('runs with the real vscode API', () => {
    assert.equal(typeof vscode.version, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('loads the extension under development', () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} is not loaded`);
  });
});
