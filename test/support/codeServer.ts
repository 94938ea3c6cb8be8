/**
 * A real VS Code for tests on machines without a desktop VS Code: code-server
 * (VS Code served to a browser, installed into .cache/code-server/ by
 * scripts/setup-code-server.sh) and Debian's Chromium driven by playwright-core.
 * How code-server is installed offline: scripts/setup-code-server.sh.
 *
 *   const server = await startCodeServer({ workspace });
 *   const browser = await launchChromium();
 *   const page = await browser.newPage();
 *   await page.goto(server.url);
 *   ...
 *   await browser.close();
 *   await server.stop();
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { seconds } from '../../src/text/numbers';

/** The code-server version that scripts/setup-code-server.sh installs. */
export const CODE_SERVER_VERSION = '4.100.3';

/** The repo root: this file runs as out/test/support/codeServer.js. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Where scripts/setup-code-server.sh installs code-server. */
export const CODE_SERVER_DIR = join(REPO_ROOT, '.cache', 'code-server');

const ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const COMPLETE_MARKER = join(CODE_SERVER_DIR, `.complete-${CODE_SERVER_VERSION}`);

/** Debian's Chromium, which scripts/setup-code-server.sh installs. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** How long code-server may take to answer HTTP after it is spawned. */
const START_TIMEOUT_MS = 90_000;
/** How long code-server may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** How much of code-server's output is kept for error messages and artifacts. */
const MAX_OUTPUT_CHARS = 200_000;

/**
 * User settings that keep the workbench quiet and offline, so that nothing
 * opens, pops up or reaches for the network while a test drives it.
 */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
};

/** Options of {@link startCodeServer}. */
export interface CodeServerOptions {
  /** The folder the workbench opens. */
  readonly workspace: string;
  /** Installed extensions (`<publisher>.<name>-<version>/` folders); a fresh empty temp folder by default. */
  readonly extensionsDir?: string;
  /** VS Code's user data (settings, state, logs); a fresh temp folder by default. {@link QUIET_SETTINGS} are written to its User/settings.json. */
  readonly userDataDir?: string;
  /** The port on 127.0.0.1; a free one by default. */
  readonly port?: number;
  /** Extra environment for code-server, which its extension host inherits. */
  readonly env?: Record<string, string>;
}

/** A running code-server. */
export interface CodeServer {
  /** The workbench URL with the workspace open: `http://127.0.0.1:PORT/?folder=<workspace>`. */
  readonly url: string;
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** The last {@link MAX_OUTPUT_CHARS} characters code-server printed (stdout and stderr), for diagnostics. */
  output(): string;
  /** Stops code-server and every process it started, and removes the temp folders it created. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts code-server on 127.0.0.1 with no authentication, opening `workspace`,
 * and resolves once it answers HTTP. Throws, naming scripts/setup-code-server.sh,
 * when code-server is not installed.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  if (!existsSync(COMPLETE_MARKER) || !existsSync(ENTRY)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${CODE_SERVER_DIR}: run \`bash scripts/setup-code-server.sh\` first.`);
  }
  if (!existsSync(options.workspace)) {
    throw new Error(`The workspace ${options.workspace} does not exist.`);
  }

  // What this instance creates goes in `state`, removed on stop; folders given
  // by the caller are kept.
  const state = mkdtempSync(join(tmpdir(), 'smart-code-server-'));
  const ownDir = (given: string | undefined, name: string): string => {
    if (given !== undefined) {
      mkdirSync(given, { recursive: true });
      return given;
    }
    const dir = join(state, name);
    mkdirSync(dir);
    return dir;
  };
  const userDataDir = ownDir(options.userDataDir, 'user-data');
  const extensionsDir = ownDir(options.extensionsDir, 'extensions');
  writeQuietSettings(userDataDir);

  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      ENTRY,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      // Without --config, code-server writes a config file with a generated
      // password into ~/.config/code-server/.
      '--config',
      join(state, 'config.yaml'),
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      options.workspace,
    ],
    {
      // An empty gallery turns off extension queries to open-vsx.org, which
      // cannot answer here and would only add DNS failures to the logs.
      env: { ...childEnv(), EXTENSIONS_GALLERY: '{}', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that stop() can signal the whole tree: the
      // wrapper, the server and the extension hosts it forks.
      detached: true,
    },
  );

  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // How it ended, once it has: set by 'exit', or by 'error' when it never started.
  let ended: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      ended = signal ?? `code ${code}`;
      resolveExit();
    });
    child.once('error', (error) => {
      ended ??= error.message;
      resolveExit();
    });
  });

  // Last resort when this process ends without calling stop() (an uncaught
  // error, process.exit): 'exit' handlers must be synchronous, so SIGKILL.
  const killOnExit = (): void => killGroup(child, 'SIGKILL');
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (ended === undefined) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      // The wrapper may exit before the processes it forked: make sure none is left.
      killGroup(child, 'SIGKILL');
      rmSync(state, { recursive: true, force: true });
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, () => ended !== undefined);
  } catch (error) {
    await stop();
    const why = ended !== undefined ? `it ended (${ended})` : (error as Error).message;
    throw new Error(`code-server did not start: ${why}. Its output:\n${output}`);
  }
  return { url, port, output: () => output, stop };
}

/** How long installing a .vsix may take. */
const INSTALL_TIMEOUT_MS = 60_000;

/**
 * Installs a .vsix with code-server's own `--install-extension`, as a user
 * would, and checks that it landed as `<publisher>.<name>-<version>/` (read
 * from the repo's package.json). `configFile` keeps code-server from writing
 * a config into ~/.config.
 */
export async function installVsix(vsix: string, dirs: { extensionsDir: string; userDataDir: string; configFile: string }): Promise<void> {
  const args = [ENTRY, '--config', dirs.configFile, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--install-extension', vsix];
  // An empty gallery: nothing to look up online for an extension without dependencies.
  const env = { ...childEnv(), EXTENSIONS_GALLERY: '{}' };
  const output = await new Promise<string>((resolveInstall, reject) => {
    execFile(process.execPath, args, { env, timeout: INSTALL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`code-server --install-extension failed: ${error.message}\n${stdout}${stderr}`));
      else resolveInstall(`${stdout}${stderr}`);
    });
  });
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };
  const installed = join(dirs.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`, 'package.json');
  if (!existsSync(installed)) throw new Error(`the extension is not in ${dirs.extensionsDir} after installing it:\n${output}`);
}

/**
 * Launches Debian's Chromium headless with the flags this offline machine
 * needs. The caller closes it.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run \`bash scripts/setup-code-server.sh\` first.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      // Root (CI) cannot use Chromium's sandbox.
      '--no-sandbox',
      '--disable-gpu',
      // With no network but loopback, Chromium's background connections
      // (updates, sync, QUIC probes) fail by the dozen and slow it down.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
    // The callers clean up on signals themselves (browser first, then code-server).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/**
 * Throws a clear error unless `dir` holds an extension VS Code can load: a
 * package.json with `engines.vscode`, whose `main` (when it has one) is built.
 */
export function checkExtension(dir: string): void {
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${dir} has no package.json: it is not an extension.`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { engines?: { vscode?: string }; main?: string };
  if (manifest.engines?.vscode === undefined) {
    throw new Error(`${manifestPath} has no engines.vscode: VS Code would not load it as an extension.`);
  }
  if (manifest.main !== undefined) {
    const main = resolve(dir, manifest.main);
    if (!existsSync(main) && !existsSync(`${main}.js`)) {
      throw new Error(`The extension's main file ${main} is missing: build it first (\`node esbuild.config.mjs\`).`);
    }
  }
}

/**
 * Creates the folder `dir` as a test workspace: a copy of the folder `fixture`
 * when given, else empty. Returns `dir`.
 */
export function createWorkspace(dir: string, fixture?: string): string {
  if (fixture === undefined) {
    mkdirSync(dir, { recursive: true });
  } else {
    if (!existsSync(fixture)) {
      throw new Error(`The fixture folder ${fixture} does not exist.`);
    }
    cpSync(fixture, dir, { recursive: true });
  }
  return dir;
}

/** Writes {@link QUIET_SETTINGS} as the user settings of `userDataDir`, keeping an existing settings file. */
export function writeQuietSettings(userDataDir: string): void {
  const dir = join(userDataDir, 'User');
  const file = join(dir, 'settings.json');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) {
    writeFileSync(file, `${JSON.stringify(QUIET_SETTINGS, null, 2)}\n`);
  }
}

/**
 * This process's environment less VS Code's own variables: run from a VS Code
 * terminal, VSCODE_IPC_HOOK_CLI would make code-server hand the folder to that
 * editor and exit instead of starting a server.
 */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('VSCODE_') && key !== 'ELECTRON_RUN_AS_NODE') {
      env[key] = value;
    }
  }
  return env;
}

/** Signals the process group led by `child`; a group already gone is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

/** A port free on 127.0.0.1 right now, as the OS hands it out. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') {
          resolvePort(address.port);
        } else {
          reject(new Error('Could not find a free port.'));
        }
      });
    });
  });
}

/** Polls `url` until it answers 200; throws once `serverEnded()` or after {@link START_TIMEOUT_MS}. */
async function waitForHttp(url: string, serverEnded: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (serverEnded()) {
      throw new Error('the server ended');
    }
    if ((await httpStatus(url)) === 200) {
      return;
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(`no answer from ${url} within ${START_TIMEOUT_MS / 1000}s`);
}

/** The status of a GET to `url`, or undefined when nothing answers. */
function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolveStatus) => {
    const req = request(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolveStatus(undefined));
    req.end();
  });
}

/** The runners' `--timeout-seconds N` flag (300 by default), for parseArgs. */
export const TIMEOUT_OPTION = { 'timeout-seconds': { type: 'string', default: '300' } } as const;

/** Reads the `--timeout-seconds` value parsed with {@link TIMEOUT_OPTION}. */
export function timeoutMs(value: string): number {
  const seconds = Number(value);
  if (!(seconds > 0)) throw new Error(`--timeout-seconds must be a positive number, not ${value}`);
  return seconds * 1000;
}

/** Seconds since `start` (a Date.now()), for the runners' timing lines. */
export function since(start: number): string {
  return seconds(Date.now() - start);
}

/**
 * The entry point of a runner script: parses its flags (a bad flag exits 2
 * with the message), runs it, and exits with the code it returns (1 when it
 * throws, the error printed after `prefix`).
 */
export function runMain<O>(prefix: string, parse: (argv: string[]) => O, main: (options: O) => Promise<number>): void {
  let options: O;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  main(options).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`${prefix} ${error.message}`);
      process.exit(1);
    },
  );
}
