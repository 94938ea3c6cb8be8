/**
 * The cost panel as the end-to-end tests see it in code-server: its page
 * lives in an iframe inside the webview's iframe and is rebuilt whenever the
 * panel is hidden and shown again, so it is searched for afresh among the
 * page's frames each time; and what a failing test leaves behind for a person
 * (a screenshot, the browser console, code-server's output, the frames).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { REPO_ROOT, type CodeServer } from '../support/codeServer';

/** Where screenshots and failure logs go (git-ignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test', 'e2e', 'artifacts');

/** What a poll reads of the panel's page. */
export interface PanelPageState {
  /** The run's status (`data-run-status`), or `drawing` while a finished run's last section is not drawn yet. */
  readonly status: string;
  /** The words after the status badge. */
  readonly phrase: string;
  /** The stage of each batch the batch table shows. */
  readonly batchStages: readonly string[];
}

const POLL_MS = 250;

/**
 * The panel's frame once `accept` holds for what it shows. Throws with the
 * panel's message when the run failed or was cancelled, and after the
 * deadline with the last state seen.
 */
export async function panelWhen(page: Page, accept: (state: PanelPageState) => boolean, timeoutMs: number, what: string): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no panel yet';
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const state = await frame
        .evaluate((): PanelPageState | undefined => {
          const app = document.getElementById('app');
          if (document.title !== 'Smart: Cost' || app === null) return undefined;
          // 'done' counts once the last section drawn from the report is there.
          const drawn = document.querySelector('.section-guarantee .guarantee') !== null;
          const status = app.dataset.runStatus === 'done' && !drawn ? 'drawing' : (app.dataset.runStatus ?? 'loading');
          const batches = document.querySelector('.section-batches');
          const rows = batches !== null && !(batches as HTMLElement).hidden ? [...batches.querySelectorAll('tbody tr')] : [];
          const batchStages = rows.map((row) => row.querySelector('td[data-label="Stage"]')?.textContent?.trim() ?? '');
          return { status, phrase: document.querySelector('.status-phrase')?.textContent ?? '', batchStages };
        })
        // A frame may go away between listing and evaluating it.
        .catch(() => undefined);
      if (state === undefined) continue;
      last = `run status ${state.status}${state.phrase ? ` (${state.phrase})` : ''}${state.batchStages.length > 0 ? `, batches ${state.batchStages.join(', ')}` : ''}`;
      if (accept(state)) return frame;
      if (state.status === 'failed' || state.status === 'cancelled') throw new Error(`the run ${state.status}: ${state.phrase}`);
    }
    await new Promise((wake) => setTimeout(wake, POLL_MS));
  }
  throw new Error(`the cost panel did not show ${what} before the deadline (--timeout-seconds); last seen: ${last}`);
}

/** The panel's frame once it shows a finished run. */
export function finishedPanel(page: Page, timeoutMs: number): Promise<Frame> {
  return panelWhen(page, (state) => state.status === 'done', timeoutMs, 'a finished run');
}

/** Saves a screenshot of the panel grown to its full height, so that nothing is cut off; notifications floating over it are left out. */
export async function screenshotPanel(page: Page, panel: Frame, file: string, timeoutMs: number): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const viewport = page.viewportSize() ?? { width: 1600, height: 1000 };
  const { inner, full } = await panel.evaluate(() => ({ inner: window.innerHeight, full: document.documentElement.scrollHeight }));
  if (full > inner) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height + (full - inner) });
    await panel.waitForFunction(() => window.innerHeight >= document.documentElement.scrollHeight, undefined, { timeout: timeoutMs });
  }
  await (await panel.frameElement()).screenshot({ path: file, style: '.notifications-toasts { visibility: hidden !important; }' });
  await page.setViewportSize(viewport);
}

/** Saves a screenshot of `page`, its console, code-server's output and the page's frames after a failure; returns the files' common prefix. */
export async function saveFailureArtifacts(
  name: string,
  page: Page | undefined,
  consoleLines: readonly string[],
  server: CodeServer | undefined,
  log: (message: string) => void,
): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const prefix = join(ARTIFACTS_DIR, `${name}-failure-${new Date().toISOString().replace(/[:.]/g, '-')}`);
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
