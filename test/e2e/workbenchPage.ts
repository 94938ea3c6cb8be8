/**
 * What the Profile Dataset end-to-end tests (test/e2e/) do alike: run in a
 * fresh workbench with the packaged extension and the model test server
 * ({@link inWorkbench}, on {@link runInWorkbench}), and start Profile Dataset
 * from the explorer. The cost panel's frame is found with costPanelPage.ts.
 */
import type { Locator, Page } from 'playwright-core';
import { OpenAiTestServer, type OpenAiTestServerOptions } from '../support/openaiTestServer';
import { runInWorkbench, STEP_TIMEOUT_MS } from './workbenchRun';

export { ARTIFACTS_DIR, finishedPanel } from './costPanelPage';
export { STEP_TIMEOUT_MS } from './workbenchRun';

/** How long the extension's menu item may take to appear: the workbench lists it once it has scanned the extensions. */
const MENU_ATTEMPT_MS = 5_000;

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
  /** The scripted models of the test server, and the faults it injects. */
  readonly answer: OpenAiTestServerOptions['answer'];
  readonly fault?: OpenAiTestServerOptions['fault'];
  /** User settings beside the quiet ones, given the test server's base URL. */
  readonly settings: (baseURL: string) => Record<string, unknown>;
  /** Fills the workspace folder, given the test server's base URL. */
  readonly workspace: (dir: string, baseURL: string) => void;
  readonly log: (message: string) => void;
}

/**
 * Runs `test` once in a fresh workbench whose workspace `setup` fills, with
 * the model test server started first and closed at the end. Resolves with
 * the exit code.
 */
export function inWorkbench(setup: WorkbenchSetup, test: (session: WorkbenchSession) => Promise<void>): Promise<number> {
  const { name, vsix, timeoutMs, log } = setup;
  return runInWorkbench({ name, vsix, timeoutMs, log }, async (run) => {
    const models = new OpenAiTestServer({ answer: setup.answer, ...(setup.fault ? { fault: setup.fault } : {}) });
    run.closeAtEnd(() => models.close());
    const { baseURL } = await models.start();
    setup.workspace(run.workspace, baseURL);
    const page = await run.open(setup.settings(baseURL));
    await test({ page, workspace: run.workspace, models, left: () => run.left() });
  });
}

/** Throws `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * Right-clicks the file in the explorer and chooses Profile Dataset. The
 * workbench adds the extension's menu items once it has read the installed
 * extensions, which may be after the explorer shows: a menu without the item
 * is closed and opened again. The menu sometimes lets a click pass (most
 * often just after a dialog closed: the menu stays open with the item
 * highlighted and the command never runs, for up to a minute here); then
 * Enter chooses the highlighted item, as a person would press it.
 */
export async function profileFromExplorer(page: Page, fileName: string, log: (message: string) => void): Promise<void> {
  const file = page.getByRole('treeitem', { name: fileName, exact: true });
  await file.waitFor({ timeout: STEP_TIMEOUT_MS });
  const menu = page.locator('.context-view .monaco-menu');
  const item = menu.getByRole('menuitem', { name: /Profile Dataset/ });
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  const retry = async (what: string): Promise<void> => {
    if (Date.now() > deadline) throw new Error(what);
    log(`${what}; opening it again`);
    await page.keyboard.press('Escape');
  };
  for (;;) {
    await file.click({ button: 'right' });
    if (!(await shows(item, 'visible'))) {
      await retry("the explorer's context menu has no Profile Dataset item");
      continue;
    }
    log(`context menu: ${(await menu.getByRole('menuitem').allInnerTexts()).map((t) => t.split('\n')[0]).join(' | ')}`);
    await item.click();
    if (await shows(menu, 'hidden')) return;
    // The menu let the click pass; the item it highlights takes Enter.
    const focused = await item.evaluate((element) => element.closest('.action-item')?.classList.contains('focused') === true);
    if (focused) {
      log('the context menu stayed open after Profile Dataset was clicked; pressing Enter on it');
      await page.keyboard.press('Enter');
      if (await shows(menu, 'hidden')) return;
    }
    await retry('the context menu stayed open after Profile Dataset was clicked');
  }
}

/** Whether the locator reaches the state within a menu attempt's time. */
function shows(locator: Locator, state: 'visible' | 'hidden'): Promise<boolean> {
  return locator.waitFor({ state, timeout: MENU_ATTEMPT_MS }).then(
    () => true,
    () => false,
  );
}

/** Runs a command by its title from the command palette. */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible' });
  await page.keyboard.type(title, { delay: 20 });
  await widget.locator('.monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}
