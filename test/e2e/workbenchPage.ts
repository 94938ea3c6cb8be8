/**
 * What the end-to-end tests (test/e2e/) do alike: run in a fresh workbench
 * with the packaged extension and the model test server ({@link inWorkbench}),
 * start Profile Dataset from the explorer, wait for the cost panel to show a
 * finished run, and keep what explains a failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { installVsix, launchChromium, QUIET_SETTINGS, REPO_ROOT, since, startCodeServer, type CodeServer } from '../support/codeServer';
import { OpenAiTestServer, type OpenAiTestServerOptions } from '../support/openaiTestServer';

/** Where screenshots and failure logs go (git-ignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test', 'e2e', 'artifacts');
/** How long one step in the workbench may take; VS Code in headless Chromium on a busy machine can be slow. */
export const STEP_TIMEOUT_MS = 60_000;
/** How long the extension's menu item may take to appear: the workbench lists it once it has scanned the extensions. */
const MENU_ATTEMPT_MS = 5_000;
/** How often the panel's frames are checked for the run's state. */
const POLL_MS = 250;

/** What a test has in its workbench. */
export interface WorkbenchSession {
  readonly page: Page;
  /** The folder the workbench opened. */
  readonly workspace: string;
  readonly models: OpenAiTestServer;
  /** What is left of the test's deadline, in ms: each wait gets that. */
  left(): number;
}

export interface WorkbenchSetup {
  /** Names the test in its log lines and its failure artifacts. */
  readonly name: string;
  readonly vsix: string;
  readonly timeoutMs: number;
  /** The scripted models of the test server. */
  readonly answer: OpenAiTestServerOptions['answer'];
  /** User settings beside the quiet ones, given the test server's base URL. */
  readonly settings: (baseURL: string) => Record<string, unknown>;
  /** Fills the workspace folder, given the test server's base URL. */
  readonly workspace: (dir: string, baseURL: string) => void;
  readonly log: (message: string) => void;
}

/**
 * Runs `test` once in a fresh workbench: temp folders (extensions, user data,
 * workspace), the .vsix installed, the model test server, code-server and
 * headless Chromium, all stopped and removed at the end, also on Ctrl-C. A
 * failure is logged with its artifacts. Resolves with the exit code.
 */
export async function inWorkbench(setup: WorkbenchSetup, test: (session: WorkbenchSession) => Promise<void>): Promise<number> {
  const { log } = setup;
  const start = Date.now();
  const temp = mkdtempSync(join(tmpdir(), `smart-${setup.name}-`));
  const workspace = join(temp, 'workspace');
  const extensionsDir = join(temp, 'extensions');
  const userDataDir = join(temp, 'user-data');
  const consoleLines: string[] = [];
  let models: OpenAiTestServer | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    cleaning ??= (async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      await models?.close();
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

  try {
    models = new OpenAiTestServer({ answer: setup.answer });
    const { baseURL } = await models.start();
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...QUIET_SETTINGS, ...setup.settings(baseURL) }, null, 2)}\n`);
    mkdirSync(workspace, { recursive: true });
    setup.workspace(workspace, baseURL);
    await installVsix(setup.vsix, { extensionsDir, userDataDir, configFile: join(temp, 'install-config.yaml') });
    log(`installed ${setup.vsix} in ${since(start)}`);

    const step = Date.now();
    server = await startCodeServer({ workspace, extensionsDir, userDataDir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.stack ?? error.message}`));
    await page.goto(server.url, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
    log(`code-server on port ${server.port} and Chromium ready in ${since(step)}`);

    await test({ page, workspace, models, left: () => Math.max(1, start + setup.timeoutMs - Date.now()) });
    log(`PASS in ${since(start)}`);
    return 0;
  } catch (error) {
    if (cleaning !== undefined) return 1;
    log(`FAIL after ${since(start)}: ${(error as Error).message}`);
    log(`artifacts: ${await saveFailureArtifacts(setup.name, page, consoleLines, server, log)}.*`);
    return 1;
  } finally {
    const stopStart = Date.now();
    await cleanUp();
    log(`Chromium, code-server and the test server stopped in ${since(stopStart)}`);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** Throws `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}


/**
 * Right-clicks the file in the explorer and chooses Profile Dataset. The
 * workbench adds the extension's menu items once it has read the installed
 * extensions, which may be after the explorer shows: a menu without the item
 * is closed and opened again.
 */
export async function profileFromExplorer(page: Page, fileName: string, log: (message: string) => void): Promise<void> {
  const file = page.getByRole('treeitem', { name: fileName, exact: true });
  await file.waitFor({ timeout: STEP_TIMEOUT_MS });
  const item = page.locator('.context-view .monaco-menu').getByRole('menuitem', { name: /Profile Dataset/ });
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    await file.click({ button: 'right' });
    try {
      await item.waitFor({ timeout: MENU_ATTEMPT_MS });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the explorer's context menu has no Profile Dataset item: ${(error as Error).message}`);
      await page.keyboard.press('Escape');
    }
  }
  log(`context menu: ${(await page.locator('.context-view .monaco-menu').getByRole('menuitem').allInnerTexts()).map((t) => t.split('\n')[0]).join(' | ')}`);
  await item.click();
}


/**
 * The cost panel's frame once the run shown there has ended: the panel's page
 * lives in an iframe inside the webview's iframe, and is rebuilt when the
 * panel is hidden and shown again, so the frames are searched afresh on each
 * poll. Throws with the panel's message when the run failed or was cancelled.
 */
export async function finishedPanel(page: Page, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no panel yet';
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const state = await frame
        .evaluate(() => {
          const app = document.getElementById('app');
          if (document.title !== 'Smart: Cost' || app === null) return undefined;
          // 'done' counts once the last section drawn from the report is there.
          const drawn = document.querySelector('.section-guarantee .guarantee') !== null;
          const status = app.dataset.runStatus === 'done' && !drawn ? 'drawing' : (app.dataset.runStatus ?? 'loading');
          return { status, message: document.querySelector('.status-phrase')?.textContent ?? '' };
        })
        // A frame may go away between listing and evaluating it.
        .catch(() => undefined);
      if (state === undefined) continue;
      last = `run status ${state.status}`;
      if (state.status === 'done') return frame;
      if (state.status === 'failed' || state.status === 'cancelled') throw new Error(`the run ${state.status}: ${state.message}`);
    }
    await new Promise((wake) => setTimeout(wake, POLL_MS));
  }
  throw new Error(`the cost panel did not show a finished run before the deadline (--timeout-seconds); last seen: ${last}`);
}


/** Saves a screenshot of `page`, its console, code-server's output and its frames after a failure, named after `test`; returns the files' common prefix. */
async function saveFailureArtifacts(test: string, page: Page | undefined, consoleLines: readonly string[], server: CodeServer | undefined, log: (message: string) => void): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const prefix = join(ARTIFACTS_DIR, `${test}-failure-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (page !== undefined) {
    await page.screenshot({ path: `${prefix}.png`, timeout: 15_000 }).catch((error: Error) => log(`no screenshot: ${error.message}`));
  }
  writeFileSync(`${prefix}.console.log`, consoleLines.join('\n'));
  writeFileSync(`${prefix}.code-server.log`, server?.output() ?? '(code-server did not start)');
  if (page !== undefined) writeFileSync(`${prefix}.frames.txt`, await describeFrames(page));
  return prefix;
}

/** One line per frame of the page: its URL, title, and what its page holds; the webviews' frames are where a blank panel shows. */
async function describeFrames(page: Page): Promise<string> {
  const lines = await Promise.all(
    page.frames().map(async (frame) => {
      const summary = await frame
        .evaluate(() => {
          const app = document.getElementById('app');
          const body = document.body?.innerText.replace(/\s+/g, ' ').trim() ?? '';
          return `title ${JSON.stringify(document.title)}, ${app ? `#app run status ${app.dataset.runStatus ?? 'unset'}` : 'no #app'}, text ${JSON.stringify(body.slice(0, 200))}`;
        })
        .catch((error: Error) => `not readable: ${error.message.split('\n')[0]}`);
      return `${frame.url()}\n  ${summary}`;
    }),
  );
  return `${lines.join('\n')}\n`;
}
