/**
 * End-to-end test of the packaged extension, used as a person would use it:
 * the .vsix is installed into a fresh code-server, which opens a workspace
 * holding `messages.jsonl`, `prompt.txt` and a `smart.config.json` that points
 * at an OpenAI-compatible test server on 127.0.0.1. In headless Chromium the
 * test right-clicks the file in the explorer, chooses Profile Dataset, picks
 * "Use smart.config.json" and "Online", and declines the cost preview: the
 * panel and the status bar say the run waits for the go-ahead, then that it
 * did not start, listing the candidate all along. It profiles again and clicks
 * Run; the endpoint refuses the key part way (the run fails, the panel still
 * lists the candidate), then accepts it again: Resume Run shows the cost
 * preview, less what the cache holds, and after Run the test waits for the
 * cost panel to show the finished run (the default strategy, auto): the
 * models, their intervals, the plan and the guarantee, a count of the file's
 * outputs. It then checks the output file and saves screenshots of the
 * workbench (notifications cleared) and of the panel to test/e2e/artifacts/
 * (git-ignored).
 *
 *   npm run test:e2e        # compile, package, set up code-server, run
 *
 * or by hand:
 *
 *   npm run compile                     # this file, to out/test/e2e/
 *   node scripts/package.mjs            # dist/smart-llm-<version>.vsix
 *   node out/test/e2e/profileDataset.e2e.js [--vsix FILE] [--timeout-seconds N]
 *
 * Every run uses fresh temp folders (extensions, user data, workspace),
 * removed at the end. Exit code 0 when every check passed, 1 otherwise (2 for
 * a bad command line, 130 on Ctrl-C). On failure a screenshot, the browser
 * console, code-server's output and a list of the page's frames are saved to
 * test/e2e/artifacts/e2e-failure-<time>.*.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { runMain, since } from '../support/codeServer';
import { panelWhen, screenshotPanel } from './costPanelPage';
import { ARTIFACTS_DIR, check, finishedPanel, inWorkbench, profileFromExplorer, runFromPalette, STEP_TIMEOUT_MS } from './workbenchPage';
import { parseE2eOptions, type E2eOptions } from './workbenchRun';
import type { TestMessage } from '../support/openaiTestServer';

/** The extension's manifest: its name and version name the default .vsix. */

/** Lines in the dataset. */
const ITEMS = 400;
/** The reference model and the cheaper candidate, as named in smart.config.json and served by the test server. */
const REFERENCE = 'ref';
const CANDIDATE = 'cheap';
/** The paid run's requests from this one on are refused (401) until the test lets them through again. */
const REFUSED_FROM = 60;

function log(message: string): void {
  console.log(`[e2e] ${message}`);
}

/**
 * The scripted models: `ref` says spam for every fourth message, `cheap`
 * agrees except on one message in 33 (about 97% agreement), so the plan can
 * hand most items to `cheap` and still meet a 90% target.
 */
function answer(model: string, messages: readonly TestMessage[]): string {
  const match = /message (\d+)/.exec(messages[messages.length - 1].content);
  if (match === null) throw new Error('the prompt names no message');
  const i = Number(match[1]);
  const spam = i % 4 === 0;
  const wrong = model === CANDIDATE && i % 33 === 7;
  return spam !== wrong ? 'spam' : 'ham';
}

/** Writes the dataset, the prompt and a smart.config.json that points at `baseURL` (no API key: a loopback server needs none). */
function writeWorkspace(dir: string, baseURL: string): void {
  mkdirSync(dir, { recursive: true });
  const lines = Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ id: i, text: `message ${i}` }));
  writeFileSync(join(dir, 'messages.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'prompt.txt'), 'Is this spam or ham? Answer with one word.\n\n{{text}}\n');
  const config = {
    endpoints: { loopback: { baseURL } },
    models: [
      { id: REFERENCE, endpoint: 'loopback', inputPer1M: 10, outputPer1M: 30 },
      { id: CANDIDATE, endpoint: 'loopback', inputPer1M: 0.2, outputPer1M: 0.6 },
    ],
    reference: REFERENCE,
    candidates: [CANDIDATE],
    template: 'prompt.txt',
    labels: ['spam', 'ham'],
    accuracy: 0.9,
    confidence: 0.95,
    seed: 3,
  };
  writeFileSync(join(dir, 'smart.config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** What the finished panel shows, read from its page. */
interface PanelFacts {
  readonly status: string;
  readonly models: {
    readonly id: string;
    readonly status: string;
    readonly agreed: string;
    readonly interval: string;
    readonly outputs: string;
    readonly use: string;
  }[];
  readonly plan: string[];
  readonly guarantee: string;
  readonly savings: string;
}

/** Reads what the finished panel shows, through its rendered text only. */
function readPanel(frame: Frame): Promise<PanelFacts> {
  return frame.evaluate(() => {
    const text = (element: Element | null): string => element?.textContent?.trim() ?? '';
    const cell = (row: Element, label: string): string => text(row.querySelector(`td[data-label="${label}"]`));
    return {
      status: text(document.querySelector('.status-line .badge')),
      models: [...document.querySelectorAll('table.models tbody tr')].map((row) => ({
        id: text(row.querySelector('th')),
        status: text(row.querySelector('.status-word')),
        agreed: cell(row, 'Agreed'),
        interval: cell(row, 'Interval'),
        outputs: cell(row, 'Outputs'),
        use: cell(row, 'Use'),
      })),
      plan: [...document.querySelectorAll('.section-plan .plan-entries li')].map((li) => [...li.children].map(text).filter(Boolean).join(' ')),
      guarantee: text(document.querySelector('.section-guarantee .guarantee')),
      savings: text(document.querySelector('.section-cost .figure-key .figure-value')),
    };
  });
}

/** Saves a screenshot of the whole workbench, and of the panel grown to its full height so that nothing is cut off. */
async function saveScreenshots(page: Page, panel: Frame): Promise<string[]> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const workbench = join(ARTIFACTS_DIR, 'e2e-workbench.png');
  const panelShot = join(ARTIFACTS_DIR, 'e2e-panel.png');
  // The refused key's error from earlier in the test would cover the panel.
  await runFromPalette(page, 'Notifications: Clear All Notifications');
  await page.locator('.notification-toast').first().waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  await page.screenshot({ path: workbench });
  await screenshotPanel(page, panel, panelShot, STEP_TIMEOUT_MS);
  return [workbench, panelShot];
}

/** Checks the output file: one JSON line per input line, in order, each with an answer from a profiled model. */
function checkOutput(workspace: string): void {
  const output = join(workspace, 'messages.smart.jsonl');
  check(existsSync(output), 'messages.smart.jsonl was not written');
  const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
  check(lines.length === ITEMS, `messages.smart.jsonl has ${lines.length} lines, not ${ITEMS}`);
  lines.forEach((line, i) => {
    const item = JSON.parse(line) as { id?: unknown; smart?: { output?: unknown; model?: unknown } };
    check(item.id === i, `line ${i + 1} of messages.smart.jsonl is item ${String(item.id)}`);
    check(item.smart?.output === 'spam' || item.smart?.output === 'ham', `line ${i + 1} has no answer: ${line}`);
    check(item.smart.model === REFERENCE || item.smart.model === CANDIDATE, `line ${i + 1} names an unknown model: ${line}`);
  });
}

/** Runs the test once; resolves with the exit code. */
async function main(options: E2eOptions): Promise<number> {
  check(existsSync(options.vsix), `${options.vsix} is missing: run \`npm run package\` first.`);
  const setup = {
    name: 'e2e',
    vsix: options.vsix,
    timeoutMs: options.timeoutMs,
    answer,
    // The panel and the output opened when the run ends (the extension's default, made explicit).
    settings: () => ({ 'smart.openOutputsWhenDone': true }),
    workspace: writeWorkspace,
    log,
  };
  let refusing = true;
  const fault = (info: { callIndex: number }): { kind: 'status'; status: number; message: string } | undefined =>
    refusing && info.callIndex >= REFUSED_FROM ? { kind: 'status', status: 401, message: 'Incorrect API key provided' } : undefined;
  return inWorkbench({ ...setup, fault }, async ({ page, workspace, models, left }) => {
    let step = Date.now();
    const dialog = page.locator('.monaco-dialog-box');
    const statusBar = (words: string): Promise<number> =>
      page
        .locator('.statusbar-item')
        .filter({ hasText: `Smart: ${words}` })
        .count();
    const startProfile = async (): Promise<void> => {
      await profileFromExplorer(page, 'messages.jsonl', log);
      const quickPick = page.locator('.quick-input-widget');
      await quickPick.getByRole('option', { name: /Use smart\.config\.json/ }).click();
      // The endpoint could serve batches: the run is asked to go online.
      await quickPick.getByRole('option', { name: /^Online/ }).click();
      await dialog.getByText('Smart: start paid calls?').waitFor({ timeout: left() });
    };
    /** The models the panel lists, each with its standing. */
    const listed = (panel: Frame): Promise<string> =>
      panel.evaluate(() =>
        [...document.querySelectorAll('table.models tbody tr')]
          .map((row) => `${row.querySelector('th')?.textContent ?? ''} ${row.querySelector('.status-word')?.textContent ?? ''}`)
          .join(', '),
      );

    await startProfile();
    log(`explorer shown, Profile Dataset chosen, settings picked in ${since(step)}`);
    step = Date.now();
    const waiting = await panelWhen(page, (state) => state.status === 'confirming', left(), 'the cost preview waiting for the go-ahead');
    const waitingModels = await listed(waiting);
    log(`while the preview waits: panel "${(await waiting.locator('.status-line').innerText()).replace(/\s+/g, ' ')}", models ${waitingModels}`);
    check(waitingModels === `${REFERENCE} the reference, ${CANDIDATE} not profiled`, `while the preview waits the panel lists ${waitingModels}`);
    check((await statusBar('waiting for your go-ahead')) === 1, 'the status bar does not say the run waits for the go-ahead');
    check(models.counts().total === 0, 'calls were made before the cost preview was confirmed');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    const declined = await panelWhen(page, (state) => state.status === 'declined', left(), 'the declined run');
    check((await listed(declined)) === waitingModels, `after the decline the panel lists ${await listed(declined)}`);
    await page.locator('.statusbar-item').filter({ hasText: 'Smart: not started' }).waitFor({ timeout: left() });
    check((await statusBar('failed')) === 0 && (await statusBar('cancelled')) === 0, 'declining the preview reads as a failure or a cancel');
    log(`declined in ${since(step)}: panel and status bar say the run did not start`);

    step = Date.now();
    await startProfile();
    const preview = (await dialog.locator('.dialog-message-detail').innerText()).replace(/\s+/g, ' ');
    log(`cost preview: ${preview}`);
    check(models.counts().total === 0, 'calls were made before the cost preview was confirmed');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    const failed = await panelWhen(page, (state) => state.status === 'failed', left(), 'the run stopped by the refused key');
    const failedModels = await listed(failed);
    check(failedModels.startsWith(`${REFERENCE} the reference, ${CANDIDATE} `), `after the failure the panel lists ${failedModels}`);
    await page.locator('.statusbar-item').filter({ hasText: 'Smart: failed' }).waitFor({ timeout: left() });
    const paidBeforeResume = models.counts().paid;
    log(`the run failed at the refused key in ${since(step)}, after ${paidBeforeResume} paid calls; the panel lists ${failedModels}`);

    step = Date.now();
    refusing = false;
    await runFromPalette(page, 'Smart: Resume Run');
    await dialog.getByText('Smart: start paid calls?').waitFor({ timeout: left() });
    const resumePreview = (await dialog.locator('.dialog-message-detail').innerText()).replace(/\s+/g, ' ');
    log(`Resume Run's cost preview: ${resumePreview}`);
    check(
      resumePreview.includes(`The response cache already holds ${paidBeforeResume} answers`),
      "the resumed run's preview does not leave out the answers the cache holds",
    );
    check(models.counts().paid === paidBeforeResume, 'Resume Run paid calls before its cost preview was confirmed');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    log(`Resume Run confirmed in ${since(step)}`);

    step = Date.now();
    await finishedPanel(page, left());
    log(`run finished and shown in ${since(step)}`);
    // Then the run opens the output, in the panel's editor group, and reveals
    // the panel again: hidden in between, the panel's page is rebuilt, so the
    // checks read the page that shows once the output's tab is there.
    step = Date.now();
    await page.getByRole('tab', { name: /messages\.smart\.jsonl/ }).waitFor({ timeout: left() });
    const panel = await finishedPanel(page, left());
    const facts = await readPanel(panel);
    log(`output opened and panel shown again in ${since(step)}: ${facts.status}, savings ${facts.savings}`);
    for (const m of facts.models) log(`  model ${m.id}: ${m.status}; agreed ${m.agreed}; interval ${m.interval}; outputs ${m.outputs}; use ${m.use}`);
    for (const entry of facts.plan) log(`  plan: ${entry}`);
    log(`  guarantee: ${facts.guarantee}`);

    check(facts.status === 'Done', `the panel's status is ${facts.status}`);
    check(facts.models.map((m) => m.id).join(',') === `${REFERENCE},${CANDIDATE}`, `the panel lists models ${facts.models.map((m) => m.id).join(', ')}`);
    const candidate = facts.models[1];
    check(/\d/.test(candidate.interval) && /\d+\/\d+/.test(candidate.agreed), `the panel shows no interval for ${CANDIDATE}`);
    check(
      facts.plan.some((entry) => entry.includes(CANDIDATE)),
      `the chosen mix does not use ${CANDIDATE}: ${facts.plan.join('; ')}`,
    );
    check(/^(answers|in a gate on) /.test(candidate.use), `the plan uses ${CANDIDATE} but its Use says ${candidate.use}`);
    check(
      /^With 95% confidence, at least [\d,]+ of the whole file's 400 outputs \([\d.]+%\) agree with ref \(target 90%\)/.test(facts.guarantee),
      `the panel's guarantee is not a count of the file's outputs: ${facts.guarantee}`,
    );
    const outputsShown = facts.models.reduce((sum, m) => sum + Number(m.outputs.replace(/\D/g, '')), 0);
    check(outputsShown === ITEMS, `the panel counts ${outputsShown} outputs, not ${ITEMS}`);

    checkOutput(workspace);
    const counts = models.counts();
    log(`output checked: ${ITEMS} lines; calls paid ${JSON.stringify(counts.paidPerModel)}`);
    check(models.maxPaidPerRequest() === 1, 'a call was paid twice across the failed run and its resume');
    check((counts.paidPerModel[REFERENCE] ?? 0) < ITEMS, `${REFERENCE} was called on every item: nothing was saved`);

    const shots = await saveScreenshots(page, panel);
    log(`screenshots: ${shots.join(', ')}`);
  });
}

runMain('[e2e]', parseE2eOptions, main);
