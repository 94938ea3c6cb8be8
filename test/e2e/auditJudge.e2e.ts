/**
 * End-to-end test of a person's audit of the judge in the packaged
 * extension: a workspace whose answers are free text, so that a judge model
 * decides agreement (and errs: it says yes to some wrong answers). The test
 * profiles the file from the explorer and waits for the finished run; the
 * cost panel's "Audit of the judge" section shows a pair with its prompt and
 * both outputs. It labels three pairs with the keys A, D and S as a person
 * would, reloads the window, opens the last report with Smart: Open Last
 * Report, finds the audit where it was left, labels the rest with the
 * buttons (by the truth the test knows), and checks the audited guarantee the
 * panel states against the CLI's words for the same labels and against the
 * outputs written. Saves a screenshot of the panel mid-audit (the
 * disagreement sample under it) to test/e2e/artifacts/e2e-audit-panel.png.
 *
 *   npm run compile && node scripts/package.mjs && node out/test/e2e/auditJudge.e2e.js
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { REPO_ROOT, runMain, since } from '../support/codeServer';
import { capitalsAnswers, cityOf, writeCapitalsWorkspace } from '../support/capitalsWorkload';
import { ARTIFACTS_DIR, panelWhen, screenshotPanel } from './costPanelPage';
import { check, finishedPanel, inWorkbench, profileFromExplorer, runFromPalette } from './workbenchPage';
import { parseE2eOptions, type E2eOptions } from './workbenchRun';

/** Items per plan the person labels (the judge rule's auditItems): small, so that the test labels them all. */
const AUDIT_ITEMS = 8;
const CLI = join(REPO_ROOT, 'dist', 'cli.js');

function log(message: string): void {
  console.log(`[e2e audit] ${message}`);
}

/** The judge says yes to half of mid's wrong answers (those naming a city 6 more than a multiple of 16), and no to the other half, which the panel's "Where they disagreed" then shows. */
const answer = capitalsAnswers((city) => city % 16 === 6);

function writeWorkspace(dir: string, baseURL: string): void {
  writeCapitalsWorkspace(dir, baseURL, { auditItems: AUDIT_ITEMS });
}

/** What the audit section shows. */
interface AuditFacts {
  readonly statement: string;
  readonly last: string;
  readonly heading: string;
  readonly key: string;
  readonly reference: string;
  readonly candidate: string;
}

function readAudit(panel: Frame): Promise<AuditFacts> {
  return panel.evaluate(() => {
    const text = (selector: string): string => document.querySelector(selector)?.textContent?.trim() ?? '';
    const blocks = [...document.querySelectorAll('.audit-pair .audit-text')].map((b) => b.textContent ?? '');
    return {
      statement: text('.audit-statement'),
      last: text('.audit-last'),
      heading: text('.audit-heading'),
      key: document.querySelector<HTMLElement>('.audit-pair')?.dataset.key ?? '',
      reference: blocks[1] ?? '',
      candidate: blocks[2] ?? '',
    };
  });
}

/** The panel's frame once its audit section shows `labelled` pairs labelled (or, past the last, the audited statement). */
async function auditWhen(page: Page, accept: (facts: AuditFacts) => boolean, timeoutMs: number, what: string): Promise<{ panel: Frame; facts: AuditFacts }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no audit section';
  while (Date.now() < deadline) {
    const panel = await panelWhen(page, (state) => state.status === 'done', Math.max(1, deadline - Date.now()), 'a finished run');
    const facts = await readAudit(panel).catch(() => undefined);
    if (facts) {
      if (accept(facts)) return { panel, facts };
      last = `${facts.statement} | ${facts.last} | ${facts.heading}`;
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
  throw new Error(`the audit did not show ${what}; last seen: ${last}`);
}

const labelled =
  (n: number) =>
  (facts: AuditFacts): boolean =>
    facts.statement.startsWith(`Audit of the judge: ${n} of `);

async function main(options: E2eOptions): Promise<number> {
  const setup = {
    name: 'e2e-audit',
    vsix: options.vsix,
    timeoutMs: options.timeoutMs,
    answer,
    settings: () => ({ 'smart.openOutputsWhenDone': false }),
    workspace: writeWorkspace,
    log,
  };
  return inWorkbench(setup, async ({ page, workspace, left }) => {
    let step = Date.now();
    await profileFromExplorer(page, 'countries.jsonl', log);
    const quickPick = page.locator('.quick-input-widget');
    await quickPick.getByRole('option', { name: /Use smart\.config\.json/ }).click();
    await quickPick.getByRole('option', { name: /^Online/ }).click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText('Smart: start paid calls?').waitFor({ timeout: left() });
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await finishedPanel(page, left());
    let { panel, facts } = await auditWhen(page, labelled(0), left(), 'its first pair');
    const total = Number(/of (\d+) pairs? labelled/.exec(facts.statement)![1]);
    log(`run finished in ${since(step)}; ${facts.statement}`);
    check(total >= 4, `only ${total} pairs to label`);
    check(/^Pair 1 of \d+ \(plan mid, line \d+\)$/.test(facts.heading), `the pair's heading: ${facts.heading}`);
    check(cityOf(facts.reference) !== '' && facts.candidate.startsWith('City '), `the pair shows ${facts.reference} / ${facts.candidate}`);
    check(!/judge/i.test(await panel.locator('.audit-pair').innerText()), "the pair shows the judge's verdict before it is labelled");

    // Three pairs by keyboard, as a person would: the panel's page takes the keys once focused.
    step = Date.now();
    const keys = ['a', 'd', 's'];
    const given: string[] = [];
    for (const [i, key] of keys.entries()) {
      await panel.locator('.audit-heading').click();
      await page.keyboard.press(key);
      given.push(facts.key);
      ({ panel, facts } = await auditWhen(page, labelled(i + 1), left(), `${i + 1} pairs labelled`));
    }
    check(facts.last.endsWith('you skipped it (counted as a disagreement); the judge had said yes.'), `after S the panel says ${facts.last}`);
    log(`three pairs labelled by A, D, S in ${since(step)}: ${facts.last}`);
    const disagreements = await panel.locator('.disagreements li').allInnerTexts();
    check(
      disagreements.length > 0 && disagreements.every((d) => d.startsWith('mid, line ') && d.includes('the judge said no')),
      `where they disagreed: ${disagreements.join(' | ')}`,
    );
    await screenshotPanel(page, panel, join(ARTIFACTS_DIR, 'e2e-audit-panel.png'), left());

    // The labels are on disk: a reload and Open Last Report find the audit where it was left.
    step = Date.now();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByRole('treeitem', { name: 'countries.jsonl', exact: true }).waitFor({ timeout: left() });
    await runFromPalette(page, 'Smart: Open Last Report');
    ({ panel, facts } = await auditWhen(page, labelled(3), left(), 'the audit where it was left, after a reload'));
    log(`after a reload and Open Last Report in ${since(step)}: ${facts.statement}`);

    // The rest by the buttons, labelled by the truth.
    let wrong = 0;
    for (let n = 3; n < total; n++) {
      const same = cityOf(facts.reference) === cityOf(facts.candidate);
      if (!same) wrong++;
      await panel.getByRole('button', { name: same ? 'Agree (A)' : 'Disagree (D)' }).click();
      ({ panel, facts } = await auditWhen(
        page,
        n + 1 < total ? labelled(n + 1) : (f) => f.statement.startsWith('With 95% confidence'),
        left(),
        `${n + 1} pairs labelled`,
      ));
    }
    log(`audited: ${facts.statement}`);
    check(/as a person would judge/.test(facts.statement), `the audited statement: ${facts.statement}`);
    check((await panel.locator('.audit-pair').count()) === 0, 'a pair is still shown once every pair is labelled');

    // One voice: the CLI states the same guarantee from the same labels.
    const cli = spawnSync(process.execPath, [CLI, 'audit', join(workspace, 'countries.jsonl')], { encoding: 'utf8' });
    check(cli.status === 0, `smart audit failed: ${cli.stderr}`);
    check(cli.stdout.trim() === facts.statement, `the CLI says\n${cli.stdout.trim()}\nthe panel\n${facts.statement}`);
    const labels = readFileSync(join(workspace, '.smart', 'countries.jsonl.audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; label: string });
    check(labels.length === total, `${labels.length} labels kept, not ${total}`);
    check(
      labels
        .slice(0, 3)
        .map((l) => `${l.key}:${l.label}`)
        .join(',') === given.map((k, i) => `${k}:${['agree', 'disagree', 'skip'][i]}`).join(','),
      'the keys did not label the pairs shown',
    );

    // What a person would find in the outputs written: at least the audited count agree.
    const claimed = Number(/at least ([\d,]+) of the whole file/.exec(facts.statement)![1].replace(/,/g, ''));
    const written = readFileSync(join(workspace, 'countries.smart.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { country: string; smart: { raw: string } });
    const agreeing = written.filter((w) => cityOf(w.smart.raw) === /\d+/.exec(w.country)![0]).length;
    log(`${agreeing} of ${written.length} outputs truly agree; the audit claims at least ${claimed} (${wrong} of the buttons' pairs were wrong)`);
    check(agreeing >= claimed, `${agreeing} outputs agree; the audit claims at least ${claimed}`);
  });
}

runMain('[e2e audit]', parseE2eOptions, main);
