/**
 * Showing an output: a text one (JSONL, CSV, TSV) in a text editor, a
 * Parquet one in the editor VS Code picks for it; and, where Microsoft's Data
 * Wrangler is installed, opening a CSV, TSV or Parquet output in it. Data
 * Wrangler is found by its extension id and opened through its editor's view
 * type (the one its users name in `workbench.editorAssociations`), so Smart
 * needs no API of its own from it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

/** Data Wrangler's extension id and the view type of its editor of data files. */
export const DATA_WRANGLER = { id: 'ms-toolsai.datawrangler', viewType: 'jupyter-data-wrangler', name: 'Data Wrangler' } as const;

/** The outputs Data Wrangler opens, by extension. */
const WRANGLED = new Set(['.csv', '.tsv', '.parquet']);

/** Outputs a text editor shows; the others (Parquet) are binary. */
const TEXT = new Set(['.jsonl', '.csv', '.tsv']);

/** Whether Data Wrangler is installed and opens this file. */
export function dataWranglerOpens(file: vscode.Uri): boolean {
  return WRANGLED.has(path.extname(file.fsPath).toLowerCase()) && vscode.extensions.getExtension(DATA_WRANGLER.id) !== undefined;
}

/** Opens a file in Data Wrangler's editor. */
export async function openInDataWrangler(file: vscode.Uri, viewColumn?: vscode.ViewColumn): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', file, DATA_WRANGLER.viewType, viewColumn);
}

/** Shows an output in `viewColumn`: in a text editor where it is text, else in the editor VS Code picks for its kind. */
export async function showOutput(file: vscode.Uri, options: vscode.TextDocumentShowOptions & { viewColumn: vscode.ViewColumn }): Promise<vscode.ViewColumn> {
  if (TEXT.has(path.extname(file.fsPath).toLowerCase())) return (await vscode.window.showTextDocument(file, options)).viewColumn ?? options.viewColumn;
  await vscode.commands.executeCommand('vscode.open', file, options);
  return options.viewColumn;
}
