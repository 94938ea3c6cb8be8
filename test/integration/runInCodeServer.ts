/**
 * Runs the integration suite (out/test/integration/suite) inside a real VS Code
 * on a machine with no desktop VS Code: code-server serves the workbench,
 * headless Chromium opens it with a `payload` that names the extension under
 * development and the tests, and VS Code runs the suite in its Node extension
 * host, as it does for its own browser integration tests.
 *
 *   bash scripts/setup-code-server.sh            # once: Chromium, code-server
 *   npm run compile && node esbuild.config.mjs   # the tests and the extension
 *   node out/test/integration/runInCodeServer.js [--fixture DIR]
 *        [--extension-development-path DIR] [--timeout-seconds N]
 *
 * --fixture DIR copies DIR as the workspace (default: an empty folder);
 * --extension-development-path defaults to the repo root. The mocha report is
 * printed as it is written; the exit code is the suite's (0 when every test
 * passed), 1 on a failure to start or a timeout, 130 on Ctrl-C. On failure a
 * screenshot, the browser console and code-server's output are saved to
 * test/e2e/artifacts/.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Browser, Page } from 'playwright-core';
import {
  checkExtension,
  CodeServer,
  createWorkspace,
  launchChromium,
  REPO_ROOT,
  runMain,
  since,
  startCodeServer,
  TIMEOUT_OPTION,
  timeoutMs,
} from '../support/codeServer';
import { STAND_IN_MANIFEST } from './dataWranglerStandIn/manifest';
import { REPORT_ENV } from './suite/index';

/** Where failure screenshots and logs go (git-ignored). */
const ARTIFACTS_DIR = join(REPO_ROOT, 'test', 'e2e', 'artifacts');
const TESTS_PATH = join(__dirname, 'suite');
/** How often the report file is checked for new output. */
const REPORT_POLL_MS = 250;

interface Options {
  readonly fixture: string | undefined;
  readonly extensionDevelopmentPath: string;
  readonly timeoutMs: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      fixture: { type: 'string' },
      'extension-development-path': { type: 'string' },
      ...TIMEOUT_OPTION,
    },
  });
  return {
    fixture: values.fixture === undefined ? undefined : resolve(values.fixture),
    extensionDevelopmentPath: resolve(values['extension-development-path'] ?? REPO_ROOT),
    timeoutMs: timeoutMs(values['timeout-seconds']),
  };
}

function log(message: string): void {
  console.log(`[integration] ${message}`);
}

/**
 * Copies what is appended to `file` to stdout, checking every
 * {@link REPORT_POLL_MS}; `stop()` copies the rest and stops.
 */
function followFile(file: string): { stop(): void } {
  let offset = 0;
  const copyNew = (): void => {
    if (!existsSync(file)) {
      return;
    }
    const size = statSync(file).size;
    if (size <= offset) {
      return;
    }
    const buffer = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    try {
      offset += readSync(fd, buffer, 0, buffer.length, offset);
    } finally {
      closeSync(fd);
    }
    process.stdout.write(buffer);
  };
  const timer = setInterval(copyNew, REPORT_POLL_MS);
  return {
    stop(): void {
      clearInterval(timer);
      copyNew();
    },
  };
}

/**
 * An extensions folder holding the Data Wrangler stand-in (see
 * dataWranglerStandIn/extension.ts), installed as an extension folder is
 * (`<publisher>.<name>-<version>`), which code-server takes in on its first
 * start; returns the extensions folder.
 */
function withDataWranglerStandIn(temp: string): string {
  const extensions = join(temp, 'extensions');
  const { publisher, name, version } = STAND_IN_MANIFEST;
  const folder = join(extensions, `${publisher}.${name}-${version}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify(STAND_IN_MANIFEST, null, 2));
  copyFileSync(join(__dirname, 'dataWranglerStandIn', 'extension.js'), join(folder, 'extension.js'));
  return extensions;
}

/** Saves a screenshot of `page`, its console and code-server's output; returns the files' common prefix. */
async function saveArtifacts(page: Page | undefined, consoleLines: readonly string[], server: CodeServer): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const prefix = join(ARTIFACTS_DIR, `integration-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (page !== undefined) {
    await page.screenshot({ path: `${prefix}.png`, timeout: 15_000 }).catch((error: Error) => {
      log(`no screenshot: ${error.message}`);
    });
  }
  writeFileSync(`${prefix}.console.log`, consoleLines.join('\n'));
  writeFileSync(`${prefix}.code-server.log`, server.output());
  return prefix;
}

/** Runs the suite once; resolves with the process exit code. */
async function main(options: Options): Promise<number> {
  checkExtension(options.extensionDevelopmentPath);
  if (!existsSync(join(TESTS_PATH, 'index.js'))) {
    throw new Error(`${TESTS_PATH}/index.js is missing: compile the tests first (\`npm run compile\`).`);
  }

  const temp = mkdtempSync(join(tmpdir(), 'smart-integration-'));
  const workspace = createWorkspace(join(temp, 'workspace'), options.fixture);
  const reportFile = join(temp, 'report.txt');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const consoleLines: string[] = [];

  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    cleaning ??= (async () => {
      const cleanStart = Date.now();
      await browser?.close().catch(() => undefined);
      await server?.stop();
      rmSync(temp, { recursive: true, force: true });
      log(`Chromium and code-server stopped in ${since(cleanStart)}`);
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    log(`${signal}: stopping code-server and Chromium`);
    void cleanUp().finally(() => process.exit(code));
  };
  const onInt = onSignal('SIGINT', 130);
  const onTerm = onSignal('SIGTERM', 143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);

  const start = Date.now();
  let report: { stop(): void } | undefined;
  try {
    server = await startCodeServer({ workspace, extensionsDir: withDataWranglerStandIn(temp), env: { [REPORT_ENV]: reportFile } });
    log(`code-server ready on port ${server.port} in ${since(start)}`);

    const browserStart = Date.now();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.stack ?? error.message}`));

    // VS Code's workbench calls window.codeAutomationExit(code) once the
    // extension host has run the suite: 0 when run() resolved.
    let exited: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolveExit) => (exited = resolveExit));
    await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));

    const authority = `127.0.0.1:${server.port}`;
    const remote = (path: string): string => `vscode-remote://${authority}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(TESTS_PATH)],
      ['skipWelcome', 'true'],
    ];
    const url = `${server.url}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    report = followFile(reportFile);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    log(`Chromium opened the workbench in ${since(browserStart)}; running the suite`);

    const suiteStart = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolveTimeout) => {
      timer = setTimeout(resolveTimeout, options.timeoutMs, undefined);
    });
    const code = await Promise.race([exitCode, timedOut]);
    clearTimeout(timer);
    report.stop();

    if (code === undefined) {
      log(
        `TIMEOUT: the suite did not finish within ${options.timeoutMs / 1000}s ` +
          '(a test that never settles, or the extension host did not start; see the artifacts).',
      );
    } else {
      log(`suite finished with exit code ${code} in ${since(suiteStart)} (${since(start)} in all)`);
    }
    if (code !== 0) {
      log(`artifacts: ${await saveArtifacts(page, consoleLines, server)}.*`);
    }
    return code ?? 1;
  } catch (error) {
    report?.stop();
    if (cleaning !== undefined) {
      // Interrupted: the signal handler is tearing everything down.
      return 1;
    }
    log(`error: ${(error as Error).message}`);
    if (server !== undefined) {
      log(`artifacts: ${await saveArtifacts(page, consoleLines, server)}.*`);
    }
    return 1;
  } finally {
    await cleanUp();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

runMain('[integration]', parseOptions, main);
