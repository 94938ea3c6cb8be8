import * as vscode from 'vscode';

/** Smart's own files, which are not datasets to profile: its outputs and what it keeps under .smart/. */
const SMART_FILES = '{**/node_modules/**,**/.smart/**,**/*.smart.jsonl}';
/** Events come in bursts (a folder copied, a checkout): one look after the burst is enough. */
const SETTLE_MS = 200;

/**
 * Tells `onChange` whether the workspace (or `base`, a folder of it) holds a
 * .jsonl file of the person's, now and whenever that may have changed: a
 * FileSystemWatcher hears of files created and deleted by any program, not
 * only through the editor. Smart's own outputs do not count.
 */
export function watchJsonlFiles(onChange: (present: boolean) => unknown, base?: vscode.Uri): vscode.Disposable {
  const pattern = base ? new vscode.RelativePattern(base, '**/*.jsonl') : '**/*.jsonl';
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

function isSmartFile(uri: vscode.Uri): boolean {
  return /\.smart\.jsonl$/i.test(uri.path) || uri.path.includes('/.smart/') || uri.path.includes('/node_modules/');
}
