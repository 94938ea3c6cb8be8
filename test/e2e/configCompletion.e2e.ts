/**
 * The packaged extension's JSON Schema at work in the editor, seen as a person
 * sees it: the .vsix is installed into a fresh code-server whose workspace
 * holds a half-written `smart.config.json`; in headless Chromium the test
 * opens it, starts a new setting, opens the details of the completion
 * widget, checks that the widget offers the schema's settings with their
 * descriptions, and saves a screenshot of the editor.
 *
 *   npm run compile && node scripts/package.mjs
 *   node out/test/e2e/configCompletion.e2e.js [--vsix FILE] [--out PNG]
 *
 * The screenshot goes to test/e2e/artifacts/config-completion.png (git-ignored)
 * unless --out names another file; README's is made with
 * `--out media/screenshots/config-completion.png`. Exit code 0 when every
 * check passed, 1 otherwise (2 for a bad command line); on failure a
 * screenshot, the browser console and code-server's output are saved to
 * test/e2e/artifacts/config-completion-failure-<time>.*.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { runMain, since, TIMEOUT_OPTION, timeoutMs } from '../support/codeServer';
import { ARTIFACTS_DIR } from './costPanelPage';
import { check } from './workbenchPage';
import { runInWorkbench, STEP_TIMEOUT_MS, VSIX_OPTION } from './workbenchRun';

/** The config as the user has it so far; the cursor goes on the blank line. */
const CONFIG_LINES = [
  '{',
  '  "endpoints": {',
  '    "openai": { "baseURL": "https://api.openai.com/v1", "apiKeyEnv": "OPENAI_API_KEY" }',
  '  },',
  '  "models": [',
  '    { "id": "gpt-4o", "endpoint": "openai" },',
  '    { "id": "gpt-4o-mini", "endpoint": "openai" }',
  '  ],',
  '  "reference": "gpt-4o",',
  '  "template": "prompt.txt",',
  '  "labels": ["toxic", "not toxic"],',
  '  ',
  '  "seed": 7',
  '}',
  '',
];
const BLANK_LINE = CONFIG_LINES.indexOf('  ') + 1;
/** What the user types there: the quote that starts a setting's name. */
const TYPED = '"';
/** Settings the widget must offer, and the one whose description it must show. */
const OFFERED = ['accuracy', 'answer', 'bound', 'candidates', 'confidence'];
const DESCRIBED = { setting: 'accuracy', text: "the share of items whose output must agree with the reference model's" };

interface Options {
  readonly vsix: string;
  readonly out: string;
  readonly timeoutMs: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...VSIX_OPTION,
      out: { type: 'string', default: join(ARTIFACTS_DIR, 'config-completion.png') },
      ...TIMEOUT_OPTION,
    },
  });
  return { vsix: resolve(values.vsix), out: resolve(values.out), timeoutMs: timeoutMs(values['timeout-seconds']) };
}

function log(message: string): void {
  console.log(`[config-completion] ${message}`);
}

/** The editor shown plainly for the screenshot: no minimap, no breadcrumbs, no activity bar. */
const ROOMY_SETTINGS = { 'editor.minimap.enabled': false, 'breadcrumbs.enabled': false, 'workbench.activityBar.location': 'hidden' };

/** Opens smart.config.json from the explorer, puts the cursor on the blank line and starts a setting's name. */
async function typeInConfig(page: Page): Promise<void> {
  await page.getByRole('treeitem', { name: 'smart.config.json', exact: true }).click();
  const editor = page.locator('.monaco-editor[data-uri$="smart.config.json"]');
  await editor.waitFor();
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+G');
  await page.keyboard.type(`${BLANK_LINE}:3`);
  await page.keyboard.press('Enter');
  await page.keyboard.type(TYPED, { delay: 50 });
}

/**
 * The completion widget's rows, once it lists the settings the schema offers:
 * until the JSON language server has started and read the schema, the widget
 * is closed and asked for again.
 */
async function completionRows(page: Page): Promise<string[]> {
  const widget = page.locator('.editor-widget.suggest-widget');
  const rows = widget.locator('.monaco-list-row .label-name');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (!(await widget.isVisible())) await page.keyboard.press('Control+Space');
    const shown = await rows
      .first()
      .waitFor({ timeout: 5_000 })
      .then(() => rows.allInnerTexts())
      .catch(() => [] as string[]);
    if (OFFERED.every((name) => shown.includes(name))) return shown;
    if (Date.now() > deadline) throw new Error(`the completion widget does not offer ${OFFERED.join(', ')}: it shows ${shown.join(', ') || 'nothing'}`);
    await page.keyboard.press('Escape');
    await new Promise((wake) => setTimeout(wake, 1_000));
  }
}

/** Moves the widget's focus to `setting` and opens its details; returns the details' text. */
async function showDetails(page: Page, setting: string): Promise<string> {
  const widget = page.locator('.editor-widget.suggest-widget');
  const details = page.locator('.suggest-details');
  for (let i = 0; i < 20; i++) {
    const focused = await widget.locator('.monaco-list-row.focused .label-name').innerText();
    if (focused === setting) break;
    await page.keyboard.press('ArrowDown');
  }
  if (!(await details.isVisible())) await page.keyboard.press('Control+Space');
  await details.waitFor({ state: 'visible' });
  await page.waitForFunction((want) => document.querySelector('.suggest-details')?.textContent?.includes(want) ?? false, DESCRIBED.text, {
    timeout: STEP_TIMEOUT_MS,
  });
  // Opened, the pane may keep the height of an empty one until the focus
  // moves: move it away and back, then wait until the pane's size holds.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  let size = '';
  for (let same = 0; same < 3;) {
    await new Promise((wake) => setTimeout(wake, 200));
    const box = JSON.stringify(await details.boundingBox());
    same = box === size ? same + 1 : 0;
    size = box;
  }
  return details.innerText();
}

/** Saves the editor with the widget and its details, cut to the part of the workbench that holds them. */
async function saveScreenshot(page: Page, out: string): Promise<void> {
  mkdirSync(dirname(out), { recursive: true });
  const editor = await page.locator('.part.editor').boundingBox();
  check(editor !== null, 'the editor is not shown');
  await page.screenshot({ path: out, clip: { x: editor.x, y: editor.y, width: editor.width, height: Math.min(editor.height, 560) } });
}

async function main(options: Options): Promise<number> {
  check(existsSync(options.vsix), `${options.vsix} is missing: run \`node scripts/package.mjs\` first.`);
  const viewport = { width: 1280, height: 720 };
  return runInWorkbench({ name: 'config-completion', vsix: options.vsix, timeoutMs: options.timeoutMs, log, viewport }, async (run) => {
    writeFileSync(join(run.workspace, 'smart.config.json'), CONFIG_LINES.join('\n'));
    writeFileSync(join(run.workspace, 'prompt.txt'), 'Is this comment toxic? {{text}}\n');
    const start = Date.now();
    const page = await run.open(ROOMY_SETTINGS);
    log(`code-server and Chromium ready in ${since(start)}`);

    await typeInConfig(page);
    const rows = await completionRows(page);
    log(`offered for ${TYPED}: ${rows.join(', ')}`);
    const details = await showDetails(page, DESCRIBED.setting);
    log(`details of ${DESCRIBED.setting}: ${details.replace(/\s+/g, ' ')}`);
    await saveScreenshot(page, options.out);
    log(`screenshot: ${options.out}`);
  });
}

runMain('[config-completion]', parseOptions, main);
