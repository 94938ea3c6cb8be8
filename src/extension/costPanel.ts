import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { showOutput } from './dataViewer';
import { PANEL_VIEW_TYPE, type HostMessage, type PanelState } from '../protocol/panelProtocol';
import type { RunController } from './runController';
import { parsePanelMessage } from './panelMessages';
import { tickStep } from './walkthroughSteps';

/**
 * The cost panel's host side: one webview panel at a time, loaded with the
 * panel's own bundle (dist/webview.js) under a strict nonce-based CSP and no
 * remote resources. The host owns the state: when the panel's script says
 * `ready` (first load, shown again, or restored after a reload by the
 * serializer) the host sends it the whole state, and again after each change.
 */
export class CostPanel implements vscode.Disposable {
  private static current: CostPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunController,
  ) {
    panel.webview.options = CostPanel.webviewOptions(extensionUri);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
      runs.onDidChangeState((state) => this.post(state)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Shows the panel, creating it if needed. */
  static show(extensionUri: vscode.Uri, runs: RunController): CostPanel {
    tickStep('panel');
    if (CostPanel.current) {
      CostPanel.current.panel.reveal(undefined, true);
      return CostPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'Smart: Cost',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        ...CostPanel.webviewOptions(extensionUri),
        retainContextWhenHidden: false,
      },
    );
    CostPanel.current = new CostPanel(panel, extensionUri, runs);
    return CostPanel.current;
  }

  /** Restores the panel after a window reload (registered as the view type's serializer). */
  static serializer(extensionUri: vscode.Uri, runs: RunController): vscode.WebviewPanelSerializer {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        CostPanel.current?.dispose();
        CostPanel.current = new CostPanel(panel, extensionUri, runs);
      },
    };
  }

  private static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private onMessage(received: unknown): void {
    const message = parsePanelMessage(received);
    if ('problem' in message) {
      this.runs.log.warn(`The cost panel sent a message the host does not know (${message.problem}): ${JSON.stringify(received)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.post(this.runs.state);
        break;
      case 'cancel':
        void vscode.commands.executeCommand('smart.cancelRun');
        break;
      // Beside the panel, not in its group, where they would hide it.
      case 'openOutput':
        if (this.runs.lastOutput) void showOutput(this.runs.lastOutput, { preview: true, viewColumn: this.besidePanel() });
        break;
      case 'openReport':
        if (this.runs.lastReport) void vscode.window.showTextDocument(this.runs.lastReport, { preview: true, viewColumn: this.besidePanel() });
        break;
      case 'profile':
        void vscode.commands.executeCommand('smart.profileDataset');
        break;
      case 'auditLabel':
        this.runs.labelPair(message.key, message.label);
        break;
    }
  }

  /** A column other than the panel's: the one before it, or a new one after it when the panel is in the first. */
  private besidePanel(): vscode.ViewColumn {
    const column = this.panel.viewColumn ?? vscode.ViewColumn.One;
    return column > vscode.ViewColumn.One ? column - 1 : column + 1;
  }

  private post(state: PanelState): void {
    const message: HostMessage = { type: 'state', state };
    void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource} data:`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Smart: Cost</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (CostPanel.current === this) CostPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
