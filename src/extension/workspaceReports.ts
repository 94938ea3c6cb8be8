/**
 * The run reports in the workspace, for the panel to show the last run after
 * a window reload and for Open Last Report in a new session.
 */
import { statSync } from 'node:fs';
import * as vscode from 'vscode';
import { readReportFile } from '../job/reportSchema';
import { REPORT_SUFFIX, type JobReport } from '../job/runJob';

/** The report written last in the workspace's folders, if any. */
export async function newestReport(): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(`**/*${REPORT_SUFFIX}`, '**/{node_modules,.git}/**');
  let newest: { uri: vscode.Uri; mtime: number } | undefined;
  for (const uri of found) {
    // A report removed between the search and now is passed over.
    const mtime = statSync(uri.fsPath, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime !== undefined && (newest === undefined || mtime > newest.mtime)) newest = { uri, mtime };
  }
  return newest?.uri;
}

/** A run report read from disk, checked against its schema. @throws StateFileError naming the file and the field when it is not one. */
export function readReport(uri: vscode.Uri): JobReport {
  return readReportFile(uri.fsPath);
}
