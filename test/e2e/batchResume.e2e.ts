/**
 * End-to-end test of batch mode as a person lives it: the command line starts
 * a batch run on `messages.jsonl` against the OpenAI-compatible test server
 * (with its Files and Batch APIs) and is killed with SIGKILL while its batch
 * waits at the provider. Then the packaged extension, installed into a fresh
 * code-server on that workspace, finds the pending batch when it activates
 * and offers to resume; the test clicks Resume and checks that the cost
 * panel lists the batch (with its stage and the provider's id) and the
 * status bar says what the run waits for, saves screenshots, and waits for
 * the run to finish: every line answered, no request paid twice, no request
 * file sent twice.
 *
 *   npm run compile && node scripts/package.mjs
 *   node out/test/e2e/batchResume.e2e.js [--vsix FILE] [--timeout-seconds N]
 *
 * Screenshots: test/e2e/artifacts/e2e-batches-panel.png (the batch list while
 * the batch runs), e2e-batches-workbench.png, e2e-batches-done.png. Exit code
 * 0 when every check passed, 1 otherwise (2 for a bad command line); on
 * failure a screenshot, the browser console, code-server's output and the
 * page's frames are saved to test/e2e/artifacts/e2e-batches-failure-<time>.*.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, runMain, since } from '../support/codeServer';
import { OpenAiTestServer, TestMessage } from '../support/openaiTestServer';
import { refCheapConfig } from '../support/spamJob';
import { ARTIFACTS_DIR, finishedPanel, panelWhen, screenshotPanel } from './costPanelPage';
import { check } from './workbenchPage';
import { parseE2eOptions, runInWorkbench, STEP_TIMEOUT_MS, type E2eOptions } from './workbenchRun';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const ITEMS = 600;
/** Each stage of a batch at the test server lasts this long (it is held running until the panel was seen waiting). */
const BATCH_STEP_MS = 1000;

function log(message: string): void {
  console.log(`[e2e batches] ${message}`);
}

/** `ref` says spam for every fourth message; `cheap` agrees but on one message in 33. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const spam = i % 4 === 0;
  return spam !== (model === 'cheap' && i % 33 === 7) ? 'spam' : 'ham';
}

/** The dataset, the prompt and a smart.config.json in batch mode against `baseURL`. */
function writeWorkspace(dir: string, baseURL: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'messages.jsonl'), `${Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ id: i, text: `message ${i}` })).join('\n')}\n`);
  writeFileSync(join(dir, 'prompt.txt'), 'Is this spam or ham? Answer with one word.\n\n{{text}}\n');
  const config = refCheapConfig(baseURL, { seed: 3, batch: { pollSeconds: 0.5 } });
  writeFileSync(join(dir, 'smart.config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** Runs the command line in batch mode and kills it with SIGKILL once its batch waits at the provider. */
async function startAndKillCli(workspace: string, server: OpenAiTestServer, deadline: number): Promise<void> {
  const cli = spawn(process.execPath, [CLI, 'profile', 'messages.jsonl', '--yes'], { cwd: workspace, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => cli.once('exit', done));
  while (!server.batches().some((b) => b.status === 'validating' || b.status === 'in_progress')) {
    check(Date.now() < deadline, `the command line sent no batch in time:\n${stderr}`);
    check(cli.exitCode === null, `the command line ended before sending a batch:\n${stderr}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
  cli.kill('SIGKILL');
  await exited;
  check(existsSync(join(workspace, '.smart', 'messages.jsonl.batch', 'run.json')), 'the killed run left no batch run to resume');
}

/**
 * Accepts the offer to resume the run with a pending batch: Resume on its
 * notification, or, once the notification has hidden itself, the status bar
 * item that keeps the offer. Returns the offer's words.
 */
async function acceptOffer(page: Page): Promise<string> {
  const toast = page.locator('.notification-toast').filter({ hasText: /pending at the provider/ });
  const item = page.locator('.statusbar-item').filter({ hasText: /pending, resume\?/ });
  await toast.or(item).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  if (await toast.isVisible()) {
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    await toast.getByRole('button', { name: 'Resume' }).click();
    return text;
  }
  const text = (await item.innerText()).trim();
  await item.click();
  return `status bar: ${text}`;
}

/** The request files sent: each (run, file) of the batches' metadata names one batch. */
function checkEachFileOnce(server: OpenAiTestServer): void {
  const files = server.batches().map((b) => JSON.stringify(b.metadata));
  check(new Set(files).size === files.length, `a request file was sent twice:\n${files.join('\n')}`);
}

async function main(options: E2eOptions): Promise<number> {
  check(existsSync(options.vsix), `${options.vsix} is missing: run \`npm run package\` first.`);
  check(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first.`);
  return runInWorkbench({ name: 'e2e-batches', vsix: options.vsix, timeoutMs: options.timeoutMs, log }, async (run) => {
    // The batch runs at the provider until the panel has been seen waiting for it.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const models = new OpenAiTestServer({ answer, batch: { stepMs: BATCH_STEP_MS, holdRunning: () => held } });
    run.closeAtEnd(() => {
      release();
      return models.close();
    });
    const { baseURL } = await models.start();
    writeWorkspace(run.workspace, baseURL);
    let step = Date.now();
    await startAndKillCli(run.workspace, models, Date.now() + run.left());
    log(`the command line sent ${models.batches().length} batch(es) and was killed in ${since(step)}; ${models.counts().paid} calls paid so far`);

    const page = await run.open({ 'smart.openOutputsWhenDone': false });
    step = Date.now();
    const offer = await acceptOffer(page);
    log(`offered on activation (${since(step)}): ${offer}`);
    check(
      /messages\.jsonl has 1 batch pending at the provider\. Resume the run to collect their answers\?|Smart: 1 batch pending, resume\?/.test(offer),
      `the offer reads: ${offer}`,
    );

    step = Date.now();
    const waiting = await panelWhen(
      page,
      (s) => s.status === 'running' && s.batchStages.some((stage) => stage === 'running') && /^waiting for/.test(s.phrase),
      run.left(),
      'the batch running at the provider',
    );
    const rows = await waiting.evaluate(() =>
      [...document.querySelectorAll('.section-batches tbody tr')].map((tr) =>
        [...tr.children].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
      ),
    );
    const statusBar = (await page.locator('.statusbar-item').filter({ hasText: 'Smart: waiting for' }).first().innerText()).trim();
    log(`panel shows the wait in ${since(step)}; status bar: "${statusBar}"`);
    for (const row of rows) log(`  batch: ${row.join(' | ')}`);
    check(
      rows.some((r) => /^batch_test_\d+$/.test(r[6] ?? '')),
      `no batch row names the provider's id: ${JSON.stringify(rows)}`,
    );
    check(/waiting for \d+ batch/.test(statusBar), `the status bar says "${statusBar}"`);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const shots = [join(ARTIFACTS_DIR, 'e2e-batches-workbench.png'), join(ARTIFACTS_DIR, 'e2e-batches-panel.png'), join(ARTIFACTS_DIR, 'e2e-batches-done.png')];
    await page.screenshot({ path: shots[0] });
    await screenshotPanel(page, waiting, shots[1], STEP_TIMEOUT_MS);

    release();
    step = Date.now();
    const done = await finishedPanel(page, run.left());
    log(`run finished in ${since(step)}`);
    await screenshotPanel(page, done, shots[2], STEP_TIMEOUT_MS);
    // The panel names the bound the run used, as the report and the command line do: auto certifies with exact hypergeometric bounds.
    const settings = (await done.locator('.run-settings').innerText()).trim();
    const report = JSON.parse(readFileSync(join(run.workspace, 'messages.smart-report.json'), 'utf8')) as { strategy: string; bound: string };
    log(`panel: "${settings}"; report: strategy ${report.strategy}, bound ${report.bound}`);
    check(
      report.strategy === 'auto' && report.bound === 'hypergeometric' && settings.startsWith('Strategy auto · exact hypergeometric bound'),
      `the panel says "${settings}" of an auto run`,
    );
    const output = readFileSync(join(run.workspace, 'messages.smart.jsonl'), 'utf8').trimEnd().split('\n');
    check(output.length === ITEMS, `messages.smart.jsonl has ${output.length} lines, not ${ITEMS}`);
    output.forEach((line, i) => check((JSON.parse(line) as { id: number }).id === i, `line ${i + 1} is out of order`));
    check(models.maxPaidPerRequest() === 1, 'a request was paid twice');
    checkEachFileOnce(models);
    log(`output checked; ${models.batches().length} batch(es), ${models.counts().paid} calls paid, none twice`);
    log(`screenshots: ${shots.join(', ')}`);
  });
}

runMain('[e2e batches]', parseE2eOptions, main);
