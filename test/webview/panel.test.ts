/**
 * The cost panel in a real browser (Debian's Chromium through playwright-core),
 * under the host's strict CSP: what it posts, what it shows for each kind of
 * state, that strings from files stay text, that nothing breaks the policy or
 * leaves 127.0.0.1, and that it fits a narrow panel. Saves screenshots to
 * test/e2e/artifacts/panel-*.png for a person to look at, and the 630 px ones
 * (light and dark) to media/screenshots/panel-630-*.png.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { formatReport } from '../../src/cli/reportSummary';
import type { RunReport } from '../../src/core/report';
import type { PanelMessage, PanelState } from '../../src/protocol/panelProtocol';
import { intervalBound } from '../../src/core/types';
import { describeGuarantee } from '../../src/text/guarantee';
import {
  APPLYING,
  AUDITED,
  AUDITING,
  AUTO_REPORT,
  BATCHES,
  CANCELLED,
  CONFIRMING,
  DECLINED,
  FAILED,
  FAILED_AT_ONCE,
  FINISHED,
  FINISHED_AUTO,
  HOSTILE,
  PREPARING,
  PREVIEW_LINES,
  PROFILING,
  REPORT,
  RUNNING,
  WAITING,
  manyCandidates,
} from '../support/runFixtures';
import { buildPanelBundle, readPanelCss, repoRoot, startHarness, type Harness, type ThemeName } from './panelHarness';

const CHROMIUM = '/usr/bin/chromium';

declare global {
  interface Window {
    __posted: PanelMessage[];
    __cspViolations: string[];
    __injected?: number;
  }
}

describe('cost panel (webview) in Chromium', function () {
  this.timeout(60_000);

  let root = '';
  let tmp = '';
  let bundlePath = '';
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  /** Console errors, page errors, CSP violations and requests that left 127.0.0.1, for the current test. */
  let problems: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    Skipping the cost panel's browser tests: ${CHROMIUM} is missing (apt-get install -y chromium).`);
      this.skip();
    }
    root = repoRoot();
    tmp = mkdtempSync(join(tmpdir(), 'smart-panel-'));
    bundlePath = await buildPanelBundle(root, tmp);
    harness = await startHarness(readFileSync(bundlePath, 'utf8'), readPanelCss(root));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(() => {
    problems = [];
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  /** Opens the panel as the host would and waits for it to say ready. */
  async function openPanel(theme: ThemeName = 'light', width = 900): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width, height: 900 }, colorScheme: theme });
    contexts.push(context);
    const origin = harness!.origin;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`)) return route.continue();
      problems.push(`request left 127.0.0.1: ${url}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(harness!.url(theme));
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    return page;
  }

  /** Sends a state as the host does; resolves once the panel's own listener (registered first) has drawn it. */
  async function postState(page: Page, state: PanelState): Promise<void> {
    await page.evaluate(
      (s) =>
        new Promise<void>((resolve) => {
          window.addEventListener('message', () => resolve(), { once: true });
          window.postMessage({ type: 'state', state: s }, '*');
        }),
      state,
    );
    // Let layout and the chart's resize redraw settle.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  }

  const posted = (page: Page): Promise<PanelMessage[]> => page.evaluate(() => window.__posted);
  const text = (page: Page, selector: string): Promise<string> => page.locator(selector).innerText();
  const ariaLabels = (page: Page, selector: string): Promise<string[]> =>
    page.locator(selector).evaluateAll((elements) => elements.map((e) => e.getAttribute('aria-label') ?? ''));

  function assertNoProblems(): void {
    assert.deepEqual(problems, [], 'no console errors, CSP violations or requests leaving 127.0.0.1');
  }

  it('reports CSP violations (so the clean runs below mean something)', async () => {
    const page = await openPanel();
    await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
    await page.waitForFunction(() => window.__cspViolations.length > 0);
    assert.match((await page.evaluate(() => window.__cspViolations))[0], /^style-src/);
    assert.ok(problems.some((p) => p.includes('CSP violation')));
  });

  it('posts ready once on load, and its empty state asks the host to profile a dataset', async () => {
    const page = await openPanel();
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await postState(page, {});
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'No run yet');
    assert.equal(await page.locator('.run').isVisible(), false);
    await page.getByRole('button', { name: 'Profile a dataset…' }).click();
    assert.deepEqual(await posted(page), [{ type: 'ready' }, { type: 'profile' }]);
    assertNoProblems();
  });

  it('shows a run being profiled: a row per model, intervals against the target, costs, and Cancel', async () => {
    const page = await openPanel();
    await postState(page, RUNNING);

    assert.equal(await text(page, '.run h1'), 'data/support-tickets.jsonl');
    assert.equal(await text(page, '.run-target'), 'Target: agree with gpt-4o on ≥ 95% of items, 95% confidence');
    assert.equal(await text(page, '.run-settings'), 'Strategy modelmix · anytime-valid bound');
    const headings = await page.locator('h2:visible').allInnerTexts();
    assert.deepEqual(
      headings.map((h) => h.toLowerCase()),
      ['cost', 'agreement with gpt-4o', 'plan', 'guarantee', 'models'],
    );

    const status = page.locator('[role="status"]');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    assert.equal((await status.innerText()).replace(/\s+/g, ' '), 'Running profiling');
    assert.equal(await text(page, '.run-counts'), '132 of 2,400 items (6%), 132 profiled');

    const rows = page.locator('table.models tbody tr');
    assert.equal(await rows.count(), 3);
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.trim())));
    assert.deepEqual(cells[0].slice(0, 4), ['gpt-4o', 'the reference', '–', '–']);
    // No plan yet: the Use column has no figure.
    assert.deepEqual(cells[1], ['gpt-4o-mini', 'profiling', '127/132', '93.1%–98%', '132 (0)', '9,768 / 396', '$0.00168', '0', '–']);
    assert.deepEqual(cells[2].slice(0, 4), ['gpt-3.5-turbo', 'below the target', '101/120', '74.2%–91.2%']);

    // The chart: one row per candidate, described in words, and drawn where the numbers say.
    assert.equal(await page.locator('svg.interval-chart').count(), 1);
    assert.deepEqual(await ariaLabels(page, 'svg.interval-chart g.chart-row'), [
      'gpt-4o-mini: agreement 96.2% (127 of 132), interval 93.1%–98%, target 95%; profiling',
      'gpt-3.5-turbo: agreement 84.2% (101 of 120), interval 74.2%–91.2%, target 95%; below the target',
    ]);
    assert.equal(await page.locator('svg.interval-chart g.chart-row title').count(), 2);
    const geometry = await page.evaluate(() => {
      const n = (el: Element | null, attr: string): number => Number(el?.getAttribute(attr));
      const target = n(document.querySelector('.chart-target line'), 'x1');
      return {
        target,
        bars: [...document.querySelectorAll('.chart-interval')].map((r) => [n(r, 'x'), n(r, 'x') + n(r, 'width')]),
        dots: [...document.querySelectorAll('.chart-dot')].map((c) => n(c, 'cx')),
      };
    });
    assert.ok(geometry.bars[0][0] < geometry.target && geometry.target < geometry.bars[0][1], 'the target lies inside the undecided interval');
    assert.ok(geometry.dots[0] > geometry.target, 'the observed 96.2% is right of the 95% line');
    assert.ok(geometry.bars[1][1] < geometry.target, 'the too-weak interval ends left of the target');
    assert.ok(geometry.bars[0][0] < geometry.dots[0] && geometry.dots[0] < geometry.bars[0][1]);

    const cost = await text(page, '.section-cost');
    for (const expected of [
      'Cost so far',
      '$0.03433',
      'gpt-4o alone: $0.02772 for these 132 items',
      'Projected total',
      '$0.06454',
      'gpt-4o alone: $0.5041',
      'Projected savings',
      '7.81x cheaper',
      '$0.4395 less (87.2%)',
    ]) {
      assert.ok(cost.includes(expected), `cost section shows ${expected}: ${cost}`);
    }
    assert.equal(await text(page, '.section-guarantee .section-body'), 'The guarantee is decided when profiling ends.');
    assert.equal(await text(page, '.section-plan .section-body'), 'The plan is chosen when profiling ends.');

    assert.equal(await page.getByRole('button', { name: 'Open output' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Open report' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Profile a dataset…' }).count(), 0, 'no new run while one runs');
    const cancel = page.getByRole('button', { name: 'Cancel run' });
    await cancel.focus();

    // A later event in the same phase: the focused button stays focused, the live region stays quiet.
    await page.evaluate(() => {
      const observer = new MutationObserver((records) => ((window as unknown as { liveChanges: number }).liveChanges += records.length));
      (window as unknown as { liveChanges: number }).liveChanges = 0;
      observer.observe(document.querySelector('[role="status"]')!, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await postState(page, { run: { ...RUNNING.run!, progress: { ...PROFILING, itemsDone: 140, profiledItems: 140 } } });
    assert.equal(await page.evaluate(() => (window as unknown as { liveChanges: number }).liveChanges), 0);
    assert.equal(await text(page, '.run-counts'), '140 of 2,400 items (6%), 140 profiled');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel run');

    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).slice(1), [{ type: 'cancel' }]);
    assertNoProblems();
  });

  it('shows a finished mix run: the plan, the guarantee, savings and the Open buttons, without Cancel', async () => {
    const page = await openPanel();
    await postState(page, FINISHED);

    assert.equal((await page.locator('[role="status"]').innerText()).trim(), 'Done');
    assert.equal(await text(page, '.run-counts'), '2,400 items, 390 profiled');
    assert.equal(await text(page, '.run-settings'), 'Strategy modelmix · anytime-valid bound · seed 7 · CSV rows');

    const plan = page.locator('.plan-entries li');
    assert.equal(await plan.count(), 3, 'entries with no items are left out');
    const entries = (await plan.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.deepEqual(entries, [
      'gpt-4o-mini 34.7% · 698 items expected agreement rate with gpt-4o on the 698 items it answers at least 95.5%; $0.0001 per item',
      'gpt-4.1-nano 28.4% · 570 items expected agreement rate with gpt-4o on the 570 items it answers at least 94.1%, below the 95% target, which is for the whole file; $0.0001 per item',
      'gpt-4o 36.9% · 742 items the reference itself',
    ]);
    assert.match(
      await text(page, '.section-plan .section-body > p'),
      /^A mix of models for the 2,010 items left after profiling \(the 390 profiled items keep gpt-4o's output\)\.$/,
    );
    const widths = await page.locator('svg.plan-bar rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
    assert.equal(widths.length, 3);
    assert.ok(Math.abs(widths.reduce((a, b) => a + b, 0) - 1000) < 1e-6, 'the stacked bar is full');
    assert.deepEqual(await ariaLabels(page, 'svg.plan-bar'), [
      'Shares of the items after profiling: gpt-4o-mini 34.7% (698 items), gpt-4.1-nano 28.4% (570 items), gpt-4o 36.9% (742 items)',
    ]);

    // The sentence the report file holds (its words are pinned in test/unit/text/guarantee.test.ts).
    assert.equal(await text(page, '.guarantee'), describeGuarantee(REPORT));
    assert.match(await text(page, '.guarantee'), /expected agreement rate with gpt-4o over the whole file's 2,400 items/);
    const cost = await text(page, '.section-cost');
    for (const expected of [
      'Total cost',
      '$0.2646',
      'paid now $0.2631, $0.00152 from the cache',
      'gpt-4o alone',
      '$0.504',
      'on all 2,400 items',
      'Savings',
      '1.90x cheaper',
      '$0.2394 less (47.5%)',
    ]) {
      assert.ok(cost.includes(expected), `cost section shows ${expected}: ${cost}`);
    }

    // Two facts per model, in two columns: what profiling concluded, and how much of the rest the plan gives it.
    assert.deepEqual(await page.locator('table.models thead th').allInnerTexts(), [
      'Model',
      'Profiling',
      'Agreed',
      'Interval',
      'Calls (cached)',
      'Tokens in / out',
      'Cost',
      'Outputs',
      'Use',
    ]);
    const facts = await page
      .locator('table.models tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => ['Profiling', 'Outputs', 'Use'].map((label) => tr.querySelector<HTMLElement>(`[data-label="${label}"]`)!.innerText.trim())),
      );
    assert.deepEqual(facts, [
      ['the reference', '1,132', 'answers the profiled items and 36.9% of the rest'],
      ['meets the target', '698', 'answers 34.7% of the rest'],
      ['profiling stopped to save cost', '570', 'answers 28.4% of the rest'],
      ['below the target', '0', 'not used'],
      ['not profiled', '0', 'not used'],
    ]);
    assert.equal(await text(page, 'table.models tbody tr:nth-child(2) td:nth-child(5)'), '1,088 (120)');
    assert.deepEqual(await ariaLabels(page, 'g.chart-row'), [
      'gpt-4o-mini: agreement 98.5% (384 of 390), interval 95.5%–99.7%, target 95%; meets the target',
      'gpt-4.1-nano: agreement 97.2% (379 of 390), interval 94.1%–99%, target 95%; profiling stopped to save cost',
      'gpt-3.5-turbo: agreement 84.2% (101 of 120), interval 74.2%–91.2%, target 95%; below the target',
      'claude-3-5-haiku: no items profiled yet, target 95%; not profiled',
    ]);
    assert.deepEqual(await page.locator('.legend li').allInnerTexts(), [
      'meets the target',
      'profiling stopped to save cost',
      'below the target',
      'not profiled',
    ]);

    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
    await page.getByRole('button', { name: 'Open output' }).click();
    await page.getByRole('button', { name: 'Open report' }).click();
    await page.getByRole('button', { name: 'Profile a dataset…' }).click();
    assert.deepEqual((await posted(page)).slice(1), [{ type: 'openOutput' }, { type: 'openReport' }, { type: 'profile' }]);
    assertNoProblems();
  });

  it("lists the batches a run waits for: model, stage, requests done and failed, age and the provider's id", async () => {
    const page = await openPanel();
    await postState(page, WAITING);
    assert.equal((await page.locator('[role="status"]').innerText()).replace(/\s+/g, ' ').trim(), 'Running waiting for 3 batches');
    const headings = await page.locator('h2:visible').allInnerTexts();
    assert.deepEqual(headings.map((h) => h.toLowerCase()).slice(0, 2), ['batches', 'cost']);
    assert.equal(await text(page, '.batches-summary'), 'waiting for 3 batches: 50,000 requests of 63,087 answered (79%)');
    const cells = await page
      .locator('table.batches tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())));
    assert.equal(cells.length, BATCHES.batches.length);
    assert.deepEqual(cells[1].slice(0, 5), ['gpt-4o-mini openai', 'running', '12,345', '8,100', '12']);
    assert.match(cells[1][5], /^\d+ (s|min|h|d)/);
    assert.equal(cells[1][6], 'batch_68a1f0c2d4e9');
    assert.deepEqual(cells[3], ['gpt-4o openai, attempt 2', 'to send', '80', '0', '0', '–', '–']);
    assert.deepEqual(await page.locator('table.batches tbody tr').evaluateAll((trs) => trs.map((tr) => tr.className)), [
      'batch-done',
      'batch-open',
      'batch-open',
      'batch-waiting',
    ]);
    assert.equal(await page.locator('table.models tbody tr').count(), 3, 'the model table is apart');

    // A run without batches shows no batch section.
    await postState(page, RUNNING);
    assert.equal(await page.locator('.section-batches').isVisible(), false);
    assertNoProblems();
  });

  it('shows a failed run with its message, what it cost so far, and no guarantee', async () => {
    const page = await openPanel();
    await postState(page, RUNNING);
    await postState(page, FAILED);
    assert.equal(
      (await page.locator('[role="status"]').innerText()).replace(/\s+/g, ' ').trim(),
      "Failed gpt-4o: 401 Unauthorized from endpoint 'openai'; set its key with Smart: Set API Key.",
    );
    assert.equal(await text(page, '.section-guarantee .section-body'), 'No guarantee: the run did not finish.');
    assert.equal(await text(page, '.section-plan .section-body'), 'No plan: profiling did not finish.');
    const cost = await text(page, '.section-cost');
    assert.ok(cost.includes('Cost so far') && !cost.includes('Projected'), cost);
    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Open output' }).isDisabled(), true);
    assert.deepEqual(await page.locator('table.models tbody tr td:nth-child(2)').allInnerTexts(), ['the reference', 'undecided', 'below the target']);
    assertNoProblems();
  });

  it('shows a cancelled run with its message and the plan it had chosen', async () => {
    const page = await openPanel();
    await postState(page, CANCELLED);
    assert.equal(
      (await page.locator('[role="status"]').innerText()).replace(/\s+/g, ' ').trim(),
      'Cancelled Cancelled after 900 of 2,400 items; rerun to resume from the cache.',
    );
    assert.equal(await page.locator('.plan-entries li').count(), 3);
    assert.equal(await text(page, '.run-counts'), '900 of 2,400 items (38%), 132 profiled');
    assertNoProblems();
  });

  it('lists the configured candidates, not profiled yet, and never says Running before the person agreed to the cost preview (issue 11, item 4)', async () => {
    const page = await openPanel();
    const status = async (): Promise<string> => (await page.locator('[role="status"]').innerText()).replace(/\s+/g, ' ').trim();
    const candidates = ['gpt-4o-mini', 'gpt-4.1-nano', 'gpt-3.5-turbo', 'claude-3-5-haiku'];
    const listed = async (state: string): Promise<void> => {
      assert.deepEqual(await page.locator('table.models tbody tr th').allInnerTexts(), ['gpt-4o', ...candidates], `${state}: the models table`);
      assert.deepEqual(
        await page.locator('table.models tbody tr td:nth-child(2)').allInnerTexts(),
        ['the reference', ...candidates.map(() => 'not profiled')],
        `${state}: their standing`,
      );
      assert.equal(await page.locator('svg.interval-chart g.chart-row').count(), candidates.length, `${state}: a chart row per candidate`);
      assert.ok(!(await text(page, '.section-agreement')).includes('No candidates'), `${state}: says there are no candidates`);
    };

    await postState(page, PREPARING);
    assert.equal(await status(), 'Preparing checking the file and estimating the cost');
    await listed('preparing');
    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).isVisible(), true);
    assert.equal(await text(page, '.section-plan .section-body'), 'The plan is chosen when profiling ends.');
    assert.equal(await text(page, '.section-guarantee .section-body'), 'The guarantee is decided when profiling ends.');

    await postState(page, CONFIRMING);
    assert.equal(await status(), 'Cost preview waiting for your go-ahead');
    await listed('confirming');
    assert.deepEqual(await page.locator('.section-cost li').allInnerTexts(), PREVIEW_LINES);
    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0, "the preview's dialog takes the answer");
    assert.equal(await page.getByRole('button', { name: 'Profile a dataset…' }).count(), 0);

    await postState(page, DECLINED);
    assert.equal(await status(), 'Not started Stopped before any paid call: the cost preview was declined.');
    await listed('declined');
    assert.equal(await text(page, '.section-plan .section-body'), 'No plan: the run did not start.');
    assert.equal(await page.getByRole('button', { name: 'Profile a dataset…' }).isVisible(), true);

    await postState(page, FAILED_AT_ONCE);
    assert.match(await status(), /^Failed gpt-4o: 401 Unauthorized/);
    await listed('failed before any progress');

    // Agreed: running, still every candidate listed until the first progress event names them.
    await postState(page, { run: { ...CONFIRMING.run!, status: 'running' } });
    assert.equal(await status(), 'Running starting');
    await listed('running');
    assertNoProblems();
  });

  /** What a person compares between the two views: per model its two facts, interval and cost; the run's money, savings, plan lines and guarantee. */
  interface Figures {
    readonly models: ReadonlyArray<readonly [id: string, profiling: string, interval: string, cost: string, use: string]>;
    readonly money: readonly string[];
    readonly savings: readonly string[];
    /** Per plan entry: its name, share and what it rests on. */
    readonly plan: ReadonlyArray<readonly [name: string, share: string, detail: string]>;
    readonly guarantee: string;
  }

  const MONEY = /-?\$[\d,]+\.\d+/g;
  const SAVINGS = /[\d,]+\.\d\dx (?:cheaper|more expensive)/g;
  const PLAN_LINE = /^ {2}(.+?) (\d+(?:\.\d)?% · [\d,]+ items?): (.+)$/;

  /** The command line's summary, read as a person reads it: the table's columns, the plan's lines, the figures in its sentences. */
  function cliFigures(summary: string): Figures {
    const lines = summary.split('\n');
    const end = lines.indexOf('');
    const rows = lines.slice(1, end).map((line) => line.trim().split(/\s{2,}/));
    const costLine = lines.find((l) => l.startsWith('Cost '))!;
    return {
      // model, profiling, agreed, interval, calls, cached, cost, outputs, use (no batch column in these runs)
      models: rows.map(([id, profiling, , interval, , , cost, , use]) => [id, profiling, interval, cost, use] as const),
      money: costLine.match(MONEY) ?? [],
      savings: costLine.match(SAVINGS) ?? [],
      plan: lines.flatMap((l) => {
        const m = PLAN_LINE.exec(l);
        return m ? [[m[1], m[2], m[3]] as const] : [];
      }),
      guarantee: lines.find((l) => l.startsWith('Guarantee: '))!.slice('Guarantee: '.length),
    };
  }

  async function panelFigures(page: Page): Promise<Figures> {
    const rows = await page.locator('table.models tbody tr').evaluateAll((trs) =>
      trs.map((tr) => {
        const text = (selector: string): string => tr.querySelector<HTMLElement>(selector)?.innerText.trim() ?? '';
        return [
          text('th'),
          text('[data-label="Profiling"]'),
          text('[data-label="Interval"]'),
          text('[data-label="Cost"]'),
          text('[data-label="Use"]'),
        ] as const;
      }),
    );
    const values = await page.locator('.section-cost .figure-value').allInnerTexts();
    const notes = await page.locator('.section-cost .figure-note').allInnerTexts();
    const plan = await page
      .locator('.plan-entries li')
      .evaluateAll((lis) =>
        lis.map(
          (li) => ['.plan-model', '.plan-share', '.plan-detail'].map((c) => li.querySelector<HTMLElement>(c)!.innerText.trim()) as [string, string, string],
        ),
      );
    return {
      models: rows,
      money: [...values, ...notes].join(' ').match(MONEY) ?? [],
      savings: values.join(' ').match(SAVINGS) ?? [],
      plan,
      guarantee: await text(page, '.guarantee'),
    };
  }

  it('shows the same figures and words as the command line for the same run', async () => {
    const page = await openPanel();
    // The finished mix, the same run had it cost more than the reference alone, and an auto run with a gate.
    const dearer: RunReport = { ...REPORT, totalCost: 0.5192, paidCost: 0.5192, savings: REPORT.referenceOnlyCost / 0.5192 };
    for (const report of [REPORT, dearer, AUTO_REPORT]) {
      await postState(page, { run: { ...FINISHED_AUTO.run!, strategy: report.strategy, bound: report.bound, intervals: intervalBound(report.bound), report } });
      const cli = cliFigures(formatReport(report));
      const panel = await panelFigures(page);
      assert.deepEqual(panel.models, cli.models, 'each model: what profiling concluded, interval, cost, use in the plan');
      assert.deepEqual(panel.savings, cli.savings, 'the savings ratio');
      for (const figure of cli.money) assert.ok(panel.money.includes(figure), `the panel shows ${figure} as the command line does: ${panel.money.join(', ')}`);
      assert.deepEqual(panel.plan, cli.plan, "the plan's lines");
      assert.equal(panel.guarantee, cli.guarantee);
    }
    // What the comparison saw, so that it cannot pass on empty lists.
    const cli = cliFigures(formatReport(dearer));
    assert.deepEqual(cli.savings, ['1.03x more expensive']);
    assert.deepEqual(cli.money, ['$0.5192', '$0.504', '$0.0152']);
    assert.deepEqual(
      cli.plan.map((p) => `${p[0]} ${p[1]}`),
      ['gpt-4o-mini 34.7% · 698 items', 'gpt-4.1-nano 28.4% · 570 items', 'gpt-4o 36.9% · 742 items'],
    );
    assert.deepEqual(
      cli.models.map((m) => m[1]),
      ['the reference', 'meets the target', 'profiling stopped to save cost', 'below the target', 'not profiled'],
    );
    assert.deepEqual(cli.models[2], ['gpt-4.1-nano', 'profiling stopped to save cost', '94.1%–99%', '$0.00818', 'answers 28.4% of the rest']);
    assert.deepEqual(
      cliFigures(formatReport(AUTO_REPORT)).models.map((m) => m[4]),
      [
        'answers the profiled items, 15% of the rest and the items gates pass on',
        'in a gate on 60% of the rest',
        'in a gate on 60% of the rest',
        'answers 25% of the rest',
        'not used',
        'not used',
      ],
    );
    assertNoProblems();
  });

  it('shows a finished auto run: certified plans, a piloted model left out, a gate, and a bound below the target explained', async () => {
    const page = await openPanel();
    await postState(page, FINISHED_AUTO);
    const facts = await page
      .locator('table.models tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => ['Profiling', 'Use'].map((label) => tr.querySelector<HTMLElement>(`[data-label="${label}"]`)!.innerText.trim()).join(' | ')),
      );
    assert.deepEqual(facts, [
      'the reference | answers the profiled items, 15% of the rest and the items gates pass on',
      'in a certified plan | in a gate on 60% of the rest',
      'in a certified plan | in a gate on 60% of the rest',
      'in a certified plan | answers 25% of the rest',
      'piloted, not chosen | not used',
      'not profiled | not used',
    ]);
    assert.deepEqual(await page.locator('.legend li').allInnerTexts(), ['in a certified plan', 'piloted, not chosen', 'not profiled']);
    const entries = (await page.locator('.plan-entries li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.equal(
      entries[1],
      'gpt-4o-mini 25% · 502 items at least 452 of its 502 outputs (90%) agree with gpt-4o, below the 95% target, which is for the whole file; $0.0000127 per item',
    );
    assert.match(
      await text(page, '.guarantee'),
      /^With 95% confidence, at least 2,320 of the whole file's 2,400 outputs \(96.6%\) agree with gpt-4o \(target 95%\)/,
    );
    assert.match(
      await text(page, '.section-agreement'),
      /confidence intervals \(exact Clopper-Pearson bound\) on each candidate's agreement with gpt-4o over the items profiled, to compare them/,
    );
    // Where they disagreed: each sample with its line, what decided it, the prompt and both outputs.
    const samples = (await page.locator('.disagreements li').allInnerTexts()).map((t) =>
      t
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    assert.deepEqual(samples[0], [
      'gpt-4o-mini, line 118: the answers "billing" and "orders"',
      'Prompt: Route this ticket: my card was charged twice for one order',
      'gpt-4o: billing',
      'gpt-4o-mini: orders',
    ]);
    assert.equal(samples.length, 2);
    assertNoProblems();
  });

  it("audits the judge: shows the pair with the judge's verdict held back, labels it by button or key, once per pair", async () => {
    const page = await openPanel();
    await postState(page, AUDITING);
    assert.match(await text(page, '.audit-statement'), /^Audit of the judge: 3 of 40 pairs labelled\. Once every pair is labelled/);
    assert.equal(await text(page, '.audit-last'), 'Line 87 (gpt-4o-mini): you said they disagree; the judge had said yes.');
    const blocks = (await page.locator('.audit-block').allInnerTexts()).map((t) => t.split('\n')[0]);
    assert.deepEqual(blocks, ['Prompt', 'gpt-4o', 'gpt-4o-mini']);
    assert.equal(await text(page, '.audit-heading'), 'Pair 4 of 40 (plan gpt-4o-mini, line 412)');
    assert.ok((await text(page, '.audit-pair')).includes('I was charged twice for order 1182'));
    // The pair's own text never says what the judge answered.
    assert.ok(!/judge/i.test(await text(page, '.audit-pair')));
    assert.deepEqual(await page.locator('.audit-actions button').allInnerTexts(), ['Agree (A)', 'Disagree (D)', 'Skip (S)']);

    await page.getByRole('button', { name: 'Agree (A)' }).click();
    // A second answer before the next pair arrives is not taken for it: modified keys are not labels at all.
    await page.keyboard.press('d');
    await page.keyboard.press('Control+s');
    const labels = (await posted(page)).filter((m) => m.type === 'auditLabel');
    assert.deepEqual(labels, [{ type: 'auditLabel', key: 'gpt-4o-mini:412', label: 'agree' }]);

    // The next pair: a key labels it, and focus stays in the section for keyboard users.
    const next = {
      run: {
        ...AUDITING.run!,
        audit: {
          ...AUDITING.run!.audit!,
          labelled: 4,
          pair: { ...AUDITING.run!.audit!.pair!, key: 'gpt-4o-mini:977', line: 977 },
          last: { label: 'agree' as const, line: 412, model: 'gpt-4o-mini' },
        },
      },
    };
    await postState(page, next);
    assert.equal(await text(page, '.audit-last'), 'Line 412 (gpt-4o-mini): you said they agree; the judge had said yes.');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Agree (A)');
    await page.keyboard.press('s');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'auditLabel').at(-1), { type: 'auditLabel', key: 'gpt-4o-mini:977', label: 'skip' });
    assertNoProblems();
  });

  it('states the audited guarantee once every pair is labelled, marked when it falls below the target', async () => {
    const page = await openPanel();
    await postState(page, AUDITED);
    assert.match(
      await text(page, '.audit-statement'),
      /^With 95% confidence, at least 2,279 of the whole file's 2,400 outputs \(94\.9%\) are known to agree with gpt-4o as a person would judge \(target 95%\): of the 40 pairs you labelled/,
    );
    assert.equal(await page.locator('.audit-statement.guarantee-unmet').count(), 1);
    assert.equal(await page.locator('.audit-pair, .audit-actions button').count(), 0);
    await page.keyboard.press('a');
    assert.equal((await posted(page)).filter((m) => m.type === 'auditLabel').length, 0);
    assertNoProblems();
  });

  it('draws the last state at once after a reload, and says ready again', async () => {
    const page = await openPanel();
    await postState(page, FINISHED);
    await page.reload();
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    // Nothing was sent since the reload: what shows comes from the saved state.
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    assert.equal(await text(page, '.run h1'), 'data/support-tickets.jsonl');
    assert.equal(await page.locator('.plan-entries li').count(), 3);
    assertNoProblems();
  });

  it('shows file names, model ids and messages as text, never as markup', async () => {
    const page = await openPanel();
    await postState(page, HOSTILE);
    assert.equal(await text(page, '.run h1'), HOSTILE.run!.input);
    assert.equal(await page.locator('#injected, .run img, .run script, .run-header svg').count(), 0);
    assert.equal(await page.evaluate(() => window.__injected), undefined);
    assert.ok((await page.locator('[role="status"]').innerText()).includes('<script>window.__injected=1</script>'));
    assertNoProblems();
  });

  it('says so when a state cannot be drawn, and draws the next one', async () => {
    const page = await openPanel();
    // A report from disk written by another version: fields the panel needs are missing.
    const broken = { run: { ...FINISHED.run!, report: { guarantee: {} } } } as unknown as PanelState;
    await postState(page, broken);
    assert.match(await page.getByRole('alert').innerText(), /^The panel could not show this run: /);
    assert.equal(await page.locator('.run').isVisible(), false);
    await postState(page, FINISHED);
    assert.equal(await page.getByRole('alert').count(), 0);
    assert.equal(await page.locator('.plan-entries li').count(), 3);
    assertNoProblems();
  });

  it('draws twenty candidates as twenty separate chart rows and table rows', async () => {
    const page = await openPanel();
    await postState(page, manyCandidates());
    assert.equal(await page.locator('table.models tbody tr').count(), 21);
    const boxes = await page.locator('g.chart-row').evaluateAll((rows) =>
      rows.map((r) => {
        const box = (r as SVGGElement).getBBox();
        return { y: box.y, height: box.height };
      }),
    );
    assert.equal(boxes.length, 20);
    for (let i = 1; i < boxes.length; i++) assert.ok(boxes[i].y >= boxes[i - 1].y + boxes[i - 1].height - 0.5, `row ${i} does not overlap row ${i - 1}`);
    assertNoProblems();
  });

  it('fits narrow and wide panels in light and dark themes (screenshots in test/e2e/artifacts)', async () => {
    const artifacts = join(root, 'test', 'e2e', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    const states: Record<string, PanelState> = {
      empty: {},
      confirming: CONFIRMING,
      running: RUNNING,
      batches: WAITING,
      done: FINISHED,
      failed: FAILED,
      audit: AUDITING,
    };
    for (const theme of ['light', 'dark'] as const) {
      const page = await openPanel(theme);
      for (const width of [1200, 900, 640, 480, 300]) {
        await page.setViewportSize({ width, height: 900 });
        for (const [name, state] of Object.entries(states)) {
          await postState(page, state);
          const overflow = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
          assert.ok(overflow.scroll <= overflow.inner + 1, `${name} at ${width}px (${theme}): page is ${overflow.scroll}px wide`);
          const chartRight = await page.evaluate(() => document.querySelector('svg.interval-chart')?.getBoundingClientRect().right ?? 0);
          assert.ok(chartRight <= width + 1, `${name} at ${width}px: the chart fits`);
          if (width === 1200 || width === 300) {
            const size = width === 1200 ? 'wide' : 'narrow';
            await page.screenshot({ path: join(artifacts, `panel-${name}-${size}-${theme}.png`), fullPage: true });
          }
        }
      }
    }
    assertNoProblems();
  });

  /**
   * Words of the panel's HTML (not the chart's SVG) that the layout split over
   * two lines: a word is a run of non-spaces in a text node (so "gpt-4o's"
   * broken after its hyphen counts), drawn in more than one line box (its
   * rectangles' tops differ).
   */
  function brokenWords(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const broken: string[] = [];
      const walker = document.createTreeWalker(document.querySelector('.run')!, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest('svg, [hidden]') || parent.getClientRects().length === 0) continue;
        for (const match of node.textContent!.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(match[0]);
        }
      }
      return broken;
    });
  }

  /**
   * The cards' labels (drawn by the stylesheet from `data-label`) whose box is
   * narrower than their longest word: the label is broken mid-word ("Stat us").
   */
  function squeezedLabels(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
      document.body.append(probe);
      const squeezed: string[] = [];
      for (const cell of document.querySelectorAll<HTMLElement>('.run td[data-label]')) {
        const label = getComputedStyle(cell, '::before');
        if (label.content === 'none' || label.display === 'none') continue;
        probe.style.font = label.font;
        const longest = Math.max(
          ...cell.dataset.label!.split(/\s+/).map((word) => {
            probe.textContent = word;
            return probe.getBoundingClientRect().width;
          }),
        );
        if (parseFloat(label.width) + 0.5 < longest) squeezed.push(`${cell.dataset.label} (${label.width} for ${longest.toFixed(1)}px)`);
      }
      probe.remove();
      return squeezed;
    });
  }

  /** How many lines an element's text takes. */
  function lineCount(page: Page, selector: string): Promise<number[]> {
    return page.locator(selector).evaluateAll((elements) =>
      elements.map((e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
      }),
    );
  }

  it('at 630 px breaks no label or word mid-word, keeps the savings on one line, and greys out a disabled primary button (screenshots in media/screenshots)', async () => {
    const shots = join(root, 'media', 'screenshots');
    for (const theme of ['light', 'dark'] as const) {
      const page = await openPanel(theme, 630);
      await postState(page, FINISHED);
      const primary = page.getByRole('button', { name: 'Open output' });
      const enabled = await primary.evaluate((b) => ({ background: getComputedStyle(b).backgroundColor, color: getComputedStyle(b).color }));

      const dearer: PanelState = {
        run: { ...FINISHED.run!, report: { ...REPORT, totalCost: 0.5192, paidCost: 0.5192, savings: REPORT.referenceOnlyCost / 0.5192 } },
      };
      for (const [name, state] of Object.entries({ done: FINISHED, dearer, auto: FINISHED_AUTO, applying: APPLYING, failed: FAILED })) {
        await postState(page, state);
        assert.equal(
          await page
            .locator('table.models tbody tr')
            .first()
            .evaluate((tr) => getComputedStyle(tr).display),
          'block',
          'the models show as cards at 630 px',
        );
        assert.deepEqual(await squeezedLabels(page), [], `${name} (${theme}): card labels broken mid-word`);
        assert.deepEqual(await brokenWords(page), [], `${name} (${theme}): words broken over two lines`);
        assert.ok(
          (await lineCount(page, '.figure-value')).every((n) => n === 1),
          `${name} (${theme}): a cost figure wraps`,
        );
      }
      // Running: Open output is disabled and must not look like the primary action.
      await postState(page, APPLYING);
      assert.equal(await text(page, '.figure-key .figure-value'), '2.70x cheaper');
      assert.equal(await primary.isDisabled(), true);
      const disabled = await primary.evaluate((b) => ({ background: getComputedStyle(b).backgroundColor, color: getComputedStyle(b).color }));
      assert.notEqual(disabled.background, enabled.background, `${theme}: a disabled primary button keeps the primary background ${enabled.background}`);
      assert.notEqual(disabled.color, enabled.color, `${theme}: a disabled primary button keeps the primary text colour`);
      await page.screenshot({ path: join(shots, `panel-630-${theme}.png`), fullPage: true });
    }
    assertNoProblems();
  });

  it('ships a small bundle with no Node or editor dependencies', async () => {
    // What ships is minified (`esbuild.config.mjs --production`, as the .vsix is packaged).
    const shipped = await esbuild.build({
      entryPoints: [join(root, 'src', 'webview', 'main.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const size = shipped.outputFiles[0].contents.byteLength;
    assert.ok(size < 40 * 1024, `the shipped dist/webview.js is ${size} bytes`);
    const code = readFileSync(bundlePath, 'utf8');
    assert.doesNotMatch(code, /\brequire\(|from "vscode"|jstat|innerHTML/);
  });
});
