/**
 * The integration suite's entry point, loaded by VS Code's extension host
 * (`extensionTestsPath`) with the development extension installed: it runs
 * every `*.test.js` beside it (compiled from test/integration/suite/) with
 * mocha, where `require('vscode')` is the real API.
 *
 * Run it with `node out/test/integration/runInCodeServer.js` (code-server and
 * Chromium, works offline) or `node out/test/integration/runInElectron.js`
 * (a desktop VS Code named by VSCODE_EXECUTABLE_PATH).
 */
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

/**
 * The environment variable naming a file the mocha report is written to.
 * In code-server the extension host's stdout reaches no terminal, so the
 * runner sets it and prints the file as it grows; without it the report goes
 * to the console, which @vscode/test-electron forwards to the terminal.
 */
export const REPORT_ENV = 'SMART_INTEGRATION_REPORT';

/** How long one test or hook may take: the extension host is slower than plain Node. */
const TEST_TIMEOUT_MS = 60_000;

/** Runs the suite; rejects when a test failed (VS Code then exits with code 1). */
export async function run(): Promise<void> {
  const reportFile = process.env[REPORT_ENV];
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: TEST_TIMEOUT_MS, color: reportFile === undefined });
  const files = testFiles(__dirname);
  if (files.length === 0) {
    // Passing with no test would hide a build that compiled nothing.
    throw new Error(`No *.test.js file in ${__dirname}: compile the tests first.`);
  }
  for (const file of files) {
    mocha.addFile(file);
  }

  // Every built-in reporter prints through Base.consoleLog; pointing it at the
  // file sends the usual spec report there. Appends are synchronous, so the
  // file is complete before run() settles and the runner is told the result.
  const base = Mocha.reporters.Base;
  const consoleLog = base.consoleLog;
  if (reportFile !== undefined) {
    writeFileSync(reportFile, '');
    base.consoleLog = (...data: unknown[]) => appendFileSync(reportFile, `${format(...data)}\n`);
  }
  let failures: number;
  try {
    failures = await new Promise<number>((resolve) => mocha.run(resolve));
  } catch (error) {
    // A test file that does not load: say why in the report, not only in the
    // extension host's log.
    base.consoleLog('The integration suite could not run:', error);
    throw error;
  } finally {
    base.consoleLog = consoleLog;
  }
  if (failures > 0) {
    throw new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed.`);
  }
}

/** The compiled test files under `dir`, sorted so the order is the same everywhere. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.js'))
    .sort()
    .map((file) => join(dir, file));
}
