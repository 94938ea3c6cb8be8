/**
 * End-to-end test of the first minutes with nothing configured (issue 16,
 * item 5), in the packaged extension: no endpoint, no model, no config; the
 * workspace holds only `messages.jsonl`. Profile Dataset from the explorer,
 * then nothing but Enter: it must end at a finished run of the offline
 * example (no key, nothing paid), not at a dead end, and never at a paid run
 * or at a prompt with no task. The panel of the example's run is
 * photographed.
 *
 *   npm run test:e2e        # compile, package, set up code-server, run
 *   node out/test/e2e/nothingConfigured.e2e.js [--vsix FILE] [--shot FILE] [--timeout-seconds N]
 *
 * Exit code 0 when every check passed, 1 otherwise; artifacts of a failure go
 * to test/e2e/artifacts/nothing-configured-failure-<time>.*.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { runMain, since, TIMEOUT_OPTION, timeoutMs } from '../support/codeServer';
import { screenshotPanel } from './costPanelPage';
import { ARTIFACTS_DIR, check, finishedPanel, inWorkbench, profileFromExplorer } from './workbenchPage';
import { VSIX_OPTION } from './workbenchRun';

/** Enter presses after which the example must have started. */
const MAX_PRESSES = 10;

interface Options {
  readonly vsix: string;
  readonly shot: string;
  readonly timeoutMs: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { ...VSIX_OPTION, shot: { type: 'string', default: join(ARTIFACTS_DIR, 'nothing-configured-example.png') }, ...TIMEOUT_OPTION },
  });
  return { vsix: resolve(values.vsix), shot: resolve(values.shot), timeoutMs: timeoutMs(values['timeout-seconds']) };
}

function log(message: string): void {
  console.log(`[nothing-configured] ${message}`);
}

function writeWorkspace(dir: string): void {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, text: `message ${i}` }));
  writeFileSync(join(dir, 'messages.jsonl'), `${lines.join('\n')}\n`);
}

/** Presses Enter on whatever question shows until the example's report is written; returns the questions seen. */
async function pressEnterUntilExample(page: Page, report: string): Promise<string[]> {
  const widget = page.locator('.quick-input-widget');
  const seen: string[] = [];
  for (let presses = 0; presses < MAX_PRESSES && !existsSync(report); presses++) {
    const shown = await widget.waitFor({ state: 'visible', timeout: 5_000 }).then(
      () => true,
      () => false,
    );
    if (!shown) continue;
    const title = (await widget.locator('.quick-input-title').textContent())?.trim() ?? '';
    const highlighted =
      (
        await widget
          .locator('.quick-input-list .monaco-list-row.focused .label-name')
          .first()
          .textContent()
          .catch(() => '')
      )?.trim() ?? '';
    seen.push(`${title}: ${highlighted}`);
    log(`question "${title}"; Enter takes "${highlighted}"`);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
  }
  return seen;
}

async function main(options: Options): Promise<number> {
  check(existsSync(options.vsix), `${options.vsix} is missing: run \`npm run package\` first.`);
  // The test server is there to count: nothing may call it.
  const setup = {
    name: 'nothing-configured',
    vsix: options.vsix,
    timeoutMs: options.timeoutMs,
    answer: () => 'ham',
    settings: () => ({}),
    workspace: writeWorkspace,
    log,
  };
  return inWorkbench(setup, async ({ page, workspace, models, left }) => {
    const phase = Date.now();
    await profileFromExplorer(page, 'messages.jsonl', log);
    const report = join(workspace, 'smart-example', 'items.smart-report.json');
    const seen = await pressEnterUntilExample(page, report);
    check(seen.length > 0 && /needs two models first/.test(seen[0]), `the first question was not the way forward: ${seen.join('; ') || 'none'}`);
    await finishedPanel(page, left());
    log(`Enter ${seen.length} time(s) from nothing configured: the example ran in ${since(phase)}`);
    check(existsSync(report), 'the example wrote no report');
    const written = JSON.parse(readFileSync(report, 'utf8')) as { guarantee: { met: boolean } };
    check(written.guarantee.met, 'the example did not meet its guarantee');
    check(models.counts().total === 0, `${models.counts().total} calls reached a model endpoint`);
    check(
      !existsSync(join(workspace, 'messages.smart.jsonl')) && !existsSync(join(workspace, 'prompt.txt')),
      'messages.jsonl was run, or a template drafted for it, with no models',
    );
    // The output opens once the run is done, which may move the panel and load its frame anew: find it again.
    await page.waitForTimeout(1500);
    await screenshotPanel(page, await finishedPanel(page, left()), options.shot, left());
    log(`screenshot of the example's panel: ${options.shot}`);
  });
}

runMain('[nothing-configured]', parseOptions, main);
