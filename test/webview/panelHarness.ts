/**
 * A stand-in for the VS Code webview that hosts the cost panel: the page the
 * extension host writes (same markup, same strict CSP with a nonce, sent here
 * as a header), a fake `acquireVsCodeApi` that records what the panel posts
 * and keeps its state across reloads, and VS Code's default light and dark
 * theme colours as CSS variables. Served on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';

/** The folder holding package.json, found by walking up (tests run from out/ or a temp folder). */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'webview', 'main.ts'))) return dir;
    if (dirname(dir) === dir) break;
  }
  // Compiled elsewhere (e.g. tsc --outDir /tmp/...): fall back to the working directory.
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'webview', 'main.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no project folder (package.json with src/webview/main.ts) above ${__dirname} or ${process.cwd()}`);
  }
}

/** Bundles the panel's entry point as shipped (a browser IIFE) into `outDir` and returns the bundle's path. */
export async function buildPanelBundle(root: string, outDir: string): Promise<string> {
  const outfile = join(outDir, 'webview.js');
  await esbuild.build({
    entryPoints: [join(root, 'src', 'webview', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  return outfile;
}

/** VS Code's default themes (Light Modern, Dark Modern), as the variables a webview receives. */
export const THEMES = {
  light: {
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    foreground: '#3b3b3b',
    'editor-background': '#ffffff',
    descriptionForeground: '#3b3b3b',
    errorForeground: '#f85149',
    focusBorder: '#005fb8',
    'panel-border': '#e5e5e5',
    'progressBar-background': '#005fb8',
    'textBlockQuote-background': '#f8f8f8',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-border': '#0000001a',
    'button-hoverBackground': '#0258a8',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc',
    'charts-foreground': '#3b3b3b',
    'charts-red': '#e51400',
    'charts-blue': '#1a85ff',
    'charts-yellow': '#bf8803',
    'charts-orange': '#d18616',
    'charts-green': '#388a34',
    'charts-purple': '#652d90',
  },
  dark: {
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    foreground: '#cccccc',
    'editor-background': '#1f1f1f',
    descriptionForeground: '#9d9d9d',
    errorForeground: '#f85149',
    focusBorder: '#0078d4',
    'panel-border': '#2b2b2b',
    'progressBar-background': '#0078d4',
    'textBlockQuote-background': '#2b2b2b',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-border': '#ffffff1a',
    'button-hoverBackground': '#026ec1',
    'button-secondaryBackground': '#00000000',
    'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#2b2b2b',
    'charts-foreground': '#cccccc',
    'charts-red': '#f14c4c',
    'charts-blue': '#3794ff',
    'charts-yellow': '#cca700',
    'charts-orange': '#d18616',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
  },
} as const;

export type ThemeName = keyof typeof THEMES;

function themeCss(theme: ThemeName): string {
  const vars = Object.entries(THEMES[theme]).map(([name, value]) => `  --vscode-${name}: ${value};`);
  return `:root {\n${vars.join('\n')}\n}\n`;
}

// Runs before the panel's script, under the same nonce. Violations are also
// logged as console errors so that the test sees them across reloads.
const FAKE_VSCODE_API = `
window.__posted = [];
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const text = e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline');
  window.__cspViolations.push(text);
  console.error('CSP violation: ' + text);
});
let acquired = false;
window.acquireVsCodeApi = () => {
  if (acquired) throw new Error('acquireVsCodeApi may only be called once');
  acquired = true;
  return {
    postMessage: (message) => { window.__posted.push(JSON.parse(JSON.stringify(message))); },
    getState: () => { const saved = sessionStorage.getItem('vscodeState'); return saved === null ? undefined : JSON.parse(saved); },
    setState: (state) => { sessionStorage.setItem('vscodeState', JSON.stringify(state)); return state; },
  };
};`;

/** The running harness server. */
export interface Harness {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The page's address for a theme. */
  url(theme: ThemeName): string;
  close(): Promise<void>;
}

/** Serves the harness page, the bundle and the stylesheet on 127.0.0.1 (a free port). */
export async function startHarness(bundle: string, css: string): Promise<Harness> {
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const send = (type: string, body: string, headers: Record<string, string> = {}): void => {
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', ...headers });
      response.end(body);
    };
    if (url.pathname === '/') {
      const theme: ThemeName = url.searchParams.get('theme') === 'dark' ? 'dark' : 'light';
      const nonce = randomBytes(16).toString('base64');
      // The host's policy, with the harness origin standing in for webview.cspSource.
      const csp = [`default-src 'none'`, `style-src ${origin}`, `script-src 'nonce-${nonce}'`, `img-src ${origin} data:`].join('; ');
      send(
        'text/html',
        `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="/theme-${theme}.css">
<link rel="stylesheet" href="/panel.css">
<title>Smart: Cost</title>
<script nonce="${nonce}">${FAKE_VSCODE_API}</script>
</head>
<body class="vscode-${theme}">
<main id="app"></main>
<script nonce="${nonce}" src="/webview.js"></script>
</body>
</html>`,
        { 'content-security-policy': csp },
      );
    } else if (url.pathname === '/webview.js') send('text/javascript', bundle);
    else if (url.pathname === '/panel.css') send('text/css', css);
    else if (url.pathname === '/theme-light.css') send('text/css', themeCss('light'));
    else if (url.pathname === '/theme-dark.css') send('text/css', themeCss('dark'));
    else if (url.pathname === '/favicon.ico') {
      // Chromium asks for it on its own; a webview never does. Answer so it logs no 404.
      response.writeHead(204);
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (theme) => `${origin}/?theme=${theme}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Reads the panel's stylesheet. */
export function readPanelCss(root: string): string {
  return readFileSync(join(root, 'media', 'panel.css'), 'utf8');
}
