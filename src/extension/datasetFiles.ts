import * as vscode from 'vscode';
import { formatOf } from '../io/records';

/** Smart's own files, which are not datasets to profile: its outputs and reports, and what it keeps under .smart/. */
const SMART_FILES = '{**/node_modules/**,**/.smart/**,**/*.smart.*,**/*.smart-report.json}';
/**
 * The datasets looked for in the workspace: every format Smart reads but
 * JSON, which a workspace holds for much else (settings, manifests); a JSON
 * array of items is profiled from its own right-click.
 */
export const DATASET_GLOB = '**/*.{jsonl,ndjson,csv,tsv,tab,parquet}';
/** Events come in bursts (a folder copied, a checkout): one look after the burst is enough. */
const SETTLE_MS = 200;

/**
 * Tells `onChange` whether the workspace (or `base`, a folder of it) holds a
 * dataset of the person's (see {@link DATASET_GLOB}), now and whenever that
 * may have changed: a FileSystemWatcher hears of files created and deleted
 * by any program, not only through the editor. Smart's own outputs do not
 * count.
 */
export function watchDatasetFiles(onChange: (present: boolean) => unknown, base?: vscode.Uri): vscode.Disposable {
  const pattern = base ? new vscode.RelativePattern(base, DATASET_GLOB) : DATASET_GLOB;
  let timer: NodeJS.Timeout | undefined;
  let last: boolean | undefined;
  const look = async (): Promise<void> => {
    const found = await vscode.workspace.findFiles(pattern, SMART_FILES, 1);
    if (found.length > 0 === last) return;
    last = found.length > 0;
    await onChange(last);
  };
  const soon = (uri: vscode.Uri): void => {
    if (isSmartFile(uri)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void look(), SETTLE_MS);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(pattern, false, true, false);
  watcher.onDidCreate(soon);
  watcher.onDidDelete(soon);
  void look();
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    watcher.dispose();
  });
}

/** Whether a file is one of Smart's own: an output, a report, or under .smart/. */
export function isSmartFile(uri: vscode.Uri): boolean {
  return /\.smart(\.[a-z]+|-report\.json)$/i.test(uri.path) || uri.path.includes('/.smart/') || uri.path.includes('/node_modules/');
}

/** Whether a file is a dataset Smart can profile: of a format it reads, and not one of its own. */
export function isDataset(uri: vscode.Uri): boolean {
  return formatOf(uri.fsPath) !== undefined && !isSmartFile(uri);
}

/** The datasets of the workspace, Smart's own files aside. */
export function findDatasets(limit: number): Thenable<vscode.Uri[]> {
  return vscode.workspace.findFiles(DATASET_GLOB, SMART_FILES, limit);
}
