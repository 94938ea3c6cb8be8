/**
 * Entry point of the cost panel's browser code (bundled to dist/webview.js).
 * The host owns the state: the panel says `ready`, then draws every state the
 * host sends. The last state is kept with `setState`, so a panel that was
 * hidden or restored draws at once, before the host replays the current one.
 */
import type { HostMessage, PanelMessage, PanelState } from '../protocol/panelProtocol';
import { PanelView } from './panelView';

/** The part of VS Code's webview API the panel uses. */
interface VsCodeApi {
  postMessage(message: PanelMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A state as far as the panel can tell: messages and saved state are not type-checked on their way in. */
function isPanelState(value: unknown): value is PanelState {
  return isRecord(value) && (value.run === undefined || isRecord(value.run));
}

function isHostMessage(value: unknown): value is HostMessage {
  return isRecord(value) && value.type === 'state' && isPanelState(value.state);
}

function start(): void {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('main'));
  const view = new PanelView(root, (message) => vscode.postMessage(message));

  const saved = vscode.getState();
  if (isPanelState(saved)) view.render(saved);

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isHostMessage(event.data)) return;
    vscode.setState(event.data.state);
    view.render(event.data.state);
  });
  vscode.postMessage({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
