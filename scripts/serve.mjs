#!/usr/bin/env node
// `npm run serve`: Smart as a user gets it, in a VS Code that runs in the
// browser (code-server), with the offline examples open, on this machine only.
//
//   node scripts/serve.mjs [--port N]
//
// 1. installs code-server (scripts/setup-code-server.sh) if it is missing;
// 2. compiles the test helpers it reuses (out/test/support/codeServer.js) if
//    they are missing or older than their source;
// 3. packages dist/smart-llm-<version>.vsix (scripts/package.mjs) if it is
//    missing or older than anything it is built from;
// 4. installs the .vsix into .cache/serve/extensions with code-server's own
//    --install-extension;
// 5. copies examples/toxicity and examples/policy-topics into
//    .cache/serve/workspace/ (each only when absent, so edits and run outputs
//    survive a restart);
// 6. starts code-server on 127.0.0.1 (port N, else 8080, else the first free
//    port above it) with that workspace open, prints the URL and runs until
//    Ctrl-C, then stops code-server and every process it started.
//
// Settings and state persist in .cache/serve/user-data (git-ignored).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isVsixStale, packageExtension, ROOT, vsixPath } from './package.mjs';

const SERVE_DIR = join(ROOT, '.cache', 'serve');
const EXAMPLES = ['toxicity', 'policy-topics'];
const DEFAULT_PORT = 8080;
/** How many ports above the default are tried when it is taken. */
const PORT_TRIES = 100;
/** How often code-server is checked to be still answering, and how many misses in a row end the session. */
const HEALTH_EVERY_MS = 5_000;
const HEALTH_MISSES = 3;
/** The compiled helper this script reuses to start and stop code-server, and its source. */
const HELPER = join(ROOT, 'out', 'test', 'support', 'codeServer.js');
const HELPER_SOURCE = join(ROOT, 'test', 'support', 'codeServer.ts');

function log(message) {
  console.log(`[serve] ${message}`);
}

/** Runs a command in the repo root with its output shown; throws when it fails. */
function run(step, command, args) {
  log(step);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${step} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}).`);
}

/** Whether `port` can be listened on at 127.0.0.1 right now. */
function isFree(port) {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
  });
}

/** The port asked for (which must be free), else the default or the first free port above it. */
async function choosePort(asked) {
  if (asked !== undefined) {
    if (!(await isFree(asked))) throw new Error(`port ${asked} is in use on 127.0.0.1: pick another with --port.`);
    return asked;
  }
  for (let port = DEFAULT_PORT; port < DEFAULT_PORT + PORT_TRIES; port++) {
    if (await isFree(port)) return port;
  }
  throw new Error(`ports ${DEFAULT_PORT}-${DEFAULT_PORT + PORT_TRIES - 1} are all in use: pick one with --port.`);
}

/**
 * Installs the .vsix with code-server's --install-extension (--force: the
 * same version is replaced by the new build). The config file goes in a temp
 * folder, or code-server would write one with a generated password into
 * ~/.config/code-server/.
 */
function installVsix(codeServerDir, vsix, extensionsDir, userDataDir) {
  const entry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const temp = mkdtempSync(join(tmpdir(), 'smart-serve-install-'));
  try {
    const env = { ...process.env, EXTENSIONS_GALLERY: '{}' };
    // From a VS Code terminal, these would hand the command to that editor.
    for (const key of Object.keys(env)) if (key.startsWith('VSCODE_')) delete env[key];
    const result = spawnSync(
      process.execPath,
      [entry, '--config', join(temp, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (result.status !== 0) throw new Error(`installing ${vsix} failed:\n${result.stdout}${result.stderr}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Whether `url` answers 200 within HEALTH_EVERY_MS. (Not fetch(), which
 * refuses ports that browsers block, such as 1 or 6000, even on loopback.)
 */
function answers(url) {
  return new Promise((resolveAnswer) => {
    const req = get(url, { timeout: HEALTH_EVERY_MS }, (res) => {
      res.resume();
      resolveAnswer(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolveAnswer(false));
  });
}

/**
 * Calls `onGone` once code-server has stopped answering HEALTH_MISSES checks
 * in a row (it crashed or was killed); returns a function that stops checking.
 */
function watchHealth(port, onGone) {
  let misses = 0;
  const timer = setInterval(async () => {
    const ok = await answers(`http://127.0.0.1:${port}/healthz`);
    misses = ok ? 0 : misses + 1;
    if (misses >= HEALTH_MISSES) {
      clearInterval(timer);
      onGone();
    }
  }, HEALTH_EVERY_MS);
  return () => clearInterval(timer);
}

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const askedPort = values.port === undefined ? undefined : Number(values.port);
  if (askedPort !== undefined && !(Number.isInteger(askedPort) && askedPort > 0 && askedPort < 65536)) {
    throw new Error(`--port must be a port number, not ${values.port}`);
  }

  // Chosen first, so that a port taken fails before any work.
  const port = await choosePort(askedPort);
  let compiled = false;
  if (!existsSync(HELPER) || statSync(HELPER).mtimeMs < statSync(HELPER_SOURCE).mtimeMs) {
    run('compiling (tsc -p .)', process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT]);
    compiled = true;
  }
  const codeServer = createRequire(import.meta.url)(HELPER);
  // The setup script marks a complete install; without the marker it (re)installs.
  if (!existsSync(join(codeServer.CODE_SERVER_DIR, `.complete-${codeServer.CODE_SERVER_VERSION}`))) {
    run('installing code-server (scripts/setup-code-server.sh)', 'bash', [join(ROOT, 'scripts', 'setup-code-server.sh')]);
  }

  const vsix = vsixPath();
  if (isVsixStale(vsix)) {
    log(`packaging ${vsix}`);
    // A compile just now type-checked everything.
    const packaged = packageExtension({ typecheck: !compiled });
    log(`packaged ${packaged.entries} entries, ${(packaged.bytes / 1024 / 1024).toFixed(2)} MB`);
  }

  const extensionsDir = join(SERVE_DIR, 'extensions');
  const userDataDir = join(SERVE_DIR, 'user-data');
  const workspace = join(SERVE_DIR, 'workspace');
  mkdirSync(extensionsDir, { recursive: true });
  codeServer.writeQuietSettings(userDataDir);
  installVsix(codeServer.CODE_SERVER_DIR, vsix, extensionsDir, userDataDir);
  log(`installed ${vsix}`);
  for (const example of EXAMPLES) {
    const target = join(workspace, example);
    if (!existsSync(target)) {
      cpSync(join(ROOT, 'examples', example), target, { recursive: true });
      log(`copied examples/${example} into ${target}`);
    }
  }

  // Ctrl-C while code-server starts is handled once it has: code-server runs
  // in a process group of its own, which only server.stop() ends.
  let server;
  let stopping = false;
  let stopWatching = () => {};
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    stopWatching();
    log('stopping code-server');
    await server.stop();
    log('stopped');
    process.exit(code);
  };
  let interrupted = false;
  const onSignal = () => {
    if (server === undefined) interrupted = true;
    else void stop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  server = await codeServer.startCodeServer({ workspace, extensionsDir, userDataDir, port });
  if (interrupted) await stop(0);
  stopWatching = watchHealth(port, () => {
    log(`code-server stopped answering; its last output:\n${server.output().slice(-4000)}`);
    void stop(1);
  });

  console.log('');
  console.log(`  Smart is running in VS Code at ${server.url}`);
  console.log('');
  console.log(`  The workspace holds the examples: right-click an items.jsonl and choose "Profile Dataset".`);
  console.log('  Press Ctrl-C to stop.');
  console.log('');
}

main().catch((error) => {
  console.error(`[serve] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
