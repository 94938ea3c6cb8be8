/**
 * A stand-in for Microsoft's Data Wrangler in the integration suite: the real
 * extension cannot be downloaded here, so the runner installs this one under
 * Data Wrangler's id (`ms-toolsai.datawrangler`) with an editor of its view
 * type (`jupyter-data-wrangler`, see manifest.ts), which shows the file it
 * was given. It
 * imitates only what Smart relies on: the id it finds Data Wrangler by and the
 * view type it opens an output with.
 */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const provider: vscode.CustomReadonlyEditorProvider = {
    openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
    resolveCustomEditor: (document, panel) => {
      panel.webview.html = `<p>Data Wrangler stand-in: ${document.uri.path.replace(/[<>&]/g, '')}</p>`;
    },
  };
  context.subscriptions.push(vscode.window.registerCustomEditorProvider('jupyter-data-wrangler', provider));
}
