/**
 * Runs the integration suite (out/test/integration/suite) with
 * @vscode/test-electron in a desktop VS Code, where one is installed:
 *
 *   VSCODE_EXECUTABLE_PATH=/path/to/code node out/test/integration/runInElectron.js [--fixture DIR]
 *
 * It never downloads VS Code (that cannot work offline): without
 * VSCODE_EXECUTABLE_PATH it says the suite is skipped and exits 0. On machines
 * without a desktop VS Code, runInCodeServer.js runs the same suite. VS Code
 * gets a fresh user-data and extensions folder and a fresh workspace (a copy of
 * --fixture DIR, else empty), all removed afterwards. The exit code is VS
 * Code's: 0 when every test passed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import { checkExtension, createWorkspace, REPO_ROOT, writeQuietSettings } from '../support/codeServer';

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { fixture: { type: 'string' } } });
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
  if (vscodeExecutablePath === undefined || vscodeExecutablePath === '') {
    console.log('skipped: no desktop VS Code (set VSCODE_EXECUTABLE_PATH to run this suite with @vscode/test-electron)');
    return 0;
  }
  checkExtension(REPO_ROOT);

  const temp = mkdtempSync(join(tmpdir(), 'smart-integration-electron-'));
  // On 'exit' rather than in a finally: test-electron calls process.exit()
  // itself after a Ctrl-C.
  process.on('exit', () => rmSync(temp, { recursive: true, force: true }));
  try {
    const workspace = createWorkspace(join(temp, 'workspace'), values.fixture === undefined ? undefined : resolve(values.fixture));
    const userDataDir = join(temp, 'user-data');
    writeQuietSettings(userDataDir);
    // Our own profile folders: by default test-electron would put them in
    // .vscode-test/ under the current folder, and reuse them between runs.
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: join(__dirname, 'suite'),
      launchArgs: [workspace, `--user-data-dir=${userDataDir}`, `--extensions-dir=${join(temp, 'extensions')}`, '--disable-extensions'],
    });
  } catch (error) {
    if (error instanceof TestRunFailedError) {
      return error.code ?? 1;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[integration] ${error.message}`);
    process.exit(1);
  },
);
