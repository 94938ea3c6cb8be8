/**
 * One end-to-end run of the packaged extension, as the e2e scripts share it:
 * fresh temp folders (workspace, extensions, user data), the .vsix installed
 * with code-server's own installer, code-server and headless Chromium started
 * on the workspace, one deadline for the whole run, everything stopped and
 * removed at the end or on Ctrl-C, and on failure the artifacts a person needs
 * (a screenshot, the browser console, code-server's output, the frames, the
 * extension host's logs).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { CodeServer, installVsix, launchChromium, QUIET_SETTINGS, REPO_ROOT, since, startCodeServer, TIMEOUT_OPTION, timeoutMs } from '../support/codeServer';
import { saveFailureArtifacts } from './costPanelPage';

/** How long one step in the workbench may take; VS Code in headless Chromium on a busy machine can be slow. */
export const STEP_TIMEOUT_MS = 60_000;

const MANIFEST = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** The `--vsix FILE` option of every e2e script, for `parseArgs`: the packaged extension, `npm run package`'s by default. */
export const VSIX_OPTION = { vsix: { type: 'string', default: join(REPO_ROOT, 'dist', `${MANIFEST.name}-${MANIFEST.version}.vsix`) } } as const;

/** What an e2e script is told on its command line when it takes no more than `--vsix` and `--timeout-seconds`. */
export interface E2eOptions {
  readonly vsix: string;
  readonly timeoutMs: number;
}

/** Reads `--vsix FILE` and `--timeout-seconds N`. */
export function parseE2eOptions(argv: string[]): E2eOptions {
  const { values } = parseArgs({ args: argv, options: { ...VSIX_OPTION, ...TIMEOUT_OPTION } });
  return { vsix: resolve(values.vsix), timeoutMs: timeoutMs(values['timeout-seconds']) };
}

export interface WorkbenchRunOptions {
  /** Names the temp folder and the failure artifacts (`<name>-failure-<time>.*`). */
  readonly name: string;
  readonly vsix: string;
  readonly timeoutMs: number;
  readonly log: (message: string) => void;
  /** The browser window's size (default 1600 x 1000). */
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** What a run's body gets. */
export interface WorkbenchRun {
  /** The folder code-server opens: the body fills it before {@link open}. */
  readonly workspace: string;
  /** Time left of the run's deadline, in ms (at least 1). */
  left(): number;
  /** Something to close when the run ends (a test server), after Chromium and code-server. */
  closeAtEnd(close: () => Promise<void>): void;
  /** Installs the .vsix with these user settings (over the quiet ones), starts code-server and Chromium, and opens the workbench. */
  open(settings: Readonly<Record<string, unknown>>): Promise<Page>;
}

/** Runs `body`; resolves with the exit code: 0 when it returned, 1 when it threw (the artifacts saved), 130 or 143 on a signal. */
export async function runInWorkbench(options: WorkbenchRunOptions, body: (run: WorkbenchRun) => Promise<void>): Promise<number> {
  const { log } = options;
  const start = Date.now();
  const temp = mkdtempSync(join(tmpdir(), `smart-${options.name}-`));
  const workspace = join(temp, 'workspace');
  const extensionsDir = join(temp, 'extensions');
  const userDataDir = join(temp, 'user-data');
  mkdirSync(workspace, { recursive: true });
  const consoleLines: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    cleaning ??= (async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      for (const close of closers) await close();
      rmSync(temp, { recursive: true, force: true });
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    log(`${signal}: stopping Chromium, code-server and the test server`);
    void cleanUp().finally(() => process.exit(code));
  };
  const onInt = onSignal('SIGINT', 130);
  const onTerm = onSignal('SIGTERM', 143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);

  const run: WorkbenchRun = {
    workspace,
    left: () => Math.max(1, start + options.timeoutMs - Date.now()),
    closeAtEnd: (close) => closers.push(close),
    async open(settings) {
      let step = Date.now();
      mkdirSync(join(userDataDir, 'User'), { recursive: true });
      writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2)}\n`);
      await installVsix(options.vsix, { extensionsDir, userDataDir, configFile: join(temp, 'install-config.yaml') });
      log(`installed ${options.vsix} in ${since(step)}`);
      step = Date.now();
      server = await startCodeServer({ workspace, extensionsDir, userDataDir });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: options.viewport ?? { width: 1600, height: 1000 } });
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
      page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.stack ?? error.message}`));
      await page.goto(server.url, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
      log(`code-server on port ${server.port} and Chromium ready in ${since(step)}`);
      return page;
    },
  };

  try {
    await body(run);
    log(`PASS in ${since(start)}`);
    return 0;
  } catch (error) {
    if (cleaning !== undefined) return 1;
    log(`FAIL after ${since(start)}: ${(error as Error).message}`);
    const prefix = await saveFailureArtifacts(options.name, page, consoleLines, server, log);
    // The extension host's log says whether the extension activated, and what it did.
    if (existsSync(join(userDataDir, 'logs'))) cpSync(join(userDataDir, 'logs'), `${prefix}.logs`, { recursive: true });
    log(`artifacts: ${prefix}.*`);
    return 1;
  } finally {
    const stopStart = Date.now();
    await cleanUp();
    log(`Chromium, code-server and the test server stopped in ${since(stopStart)}`);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
