#!/usr/bin/env node
// Packages the extension as dist/<name>-<version>.vsix, offline:
//
//   node scripts/package.mjs [--skip-build | --skip-typecheck] [--out FILE]
//
// 1. type-checks the project (unless --skip-typecheck, for a caller that has
//    just compiled it) and bundles it with esbuild (`--production`: minified,
//    no source maps), unless --skip-build;
// 2. checks that dist/extension.js needs nothing at run time but Node's own
//    modules and `vscode`, since the package ships without node_modules;
// 3. runs vsce with --no-dependencies (no network, no signing: signing needs
//    the optional vsce-sign binary, which is only for publishing);
// 4. reads the .vsix back and checks that what must be in is, and that no
//    source, test, map or dependency got in (.vscodeignore is an allowlist).
//
// scripts/serve.mjs imports packageExtension(), vsixPath() and isVsixStale().
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const VSCE = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/**
 * Entries the .vsix must hold (paths inside it): what the manifest names (main
 * file, icon, walkthrough media, the JSON Schema of smart.config.json) and
 * what the code loads by path (the panel's script and stylesheet, the
 * examples the walkthrough copies). A missing one fails silently in the
 * user's editor, as a blank panel, an empty step or a config file unchecked.
 */
const REQUIRED = [
  'package.json',
  MANIFEST.main,
  MANIFEST.icon,
  ...(MANIFEST.contributes?.walkthroughs ?? []).flatMap((walkthrough) =>
    walkthrough.steps.flatMap((step) => [step.media?.markdown, step.media?.image, step.media?.svg].filter((path) => typeof path === 'string')),
  ),
  ...(MANIFEST.contributes?.jsonValidation ?? []).map((validation) => validation.url),
  'dist/webview.js',
  'dist/cli.js',
  'media/panel.css',
  'examples/toxicity/items.jsonl',
  'examples/policy-topics/items.jsonl',
].map((path) => `extension/${path.replace(/^\.\//, '')}`);
/** Entries the .vsix must not hold. */
const FORBIDDEN = /^extension\/(?:src|test|bench|out|node_modules|demo|scripts|\.cache|\.ci|\.vscode)\/|\.map$|\.ts$|\.vsix$/;

/** What the package is built from: a .vsix older than any of these is stale. */
const INPUTS = [
  'src',
  'media',
  'examples/toxicity',
  'examples/policy-topics',
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  '.vscodeignore',
  'esbuild.config.mjs',
];

/** The default .vsix: dist/<name>-<version>.vsix. */
export function vsixPath() {
  return join(ROOT, 'dist', `${MANIFEST.name}-${MANIFEST.version}.vsix`);
}

/** Whether `vsix` is missing or older than a file it is built from. */
export function isVsixStale(vsix = vsixPath()) {
  if (!existsSync(vsix)) return true;
  const built = statSync(vsix).mtimeMs;
  return INPUTS.some((input) => newestMtime(join(ROOT, input)) > built);
}

/** The newest modification time under `path` (a file or a folder), 0 when it does not exist. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds (unless `build` is false; `typecheck: false` skips only the type
 * check) and packages the extension into
 * `out`; returns the .vsix's path, entry count and size. Throws when a
 * step fails or the contents are wrong.
 */
export function packageExtension({ build = true, typecheck = true, out = vsixPath() } = {}) {
  if (build) {
    if (typecheck) run('type-check', process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT, '--noEmit']);
    run('bundle', process.execPath, [join(ROOT, 'esbuild.config.mjs'), '--production']);
  }
  checkBundle(join(ROOT, 'dist', 'extension.js'));
  if (!existsSync(VSCE)) throw new Error(`${relative(ROOT, VSCE)} is missing: run \`npm ci\` first.`);
  run('vsce package', process.execPath, [VSCE, 'package', '--no-dependencies', '--out', out]);

  const entries = zipEntries(readFileSync(out));
  const missing = REQUIRED.filter((name) => !entries.includes(name));
  const unwanted = entries.filter((name) => FORBIDDEN.test(name));
  if (missing.length > 0 || unwanted.length > 0) {
    throw new Error(
      `${relative(ROOT, out)} has the wrong contents (see .vscodeignore):` +
        (missing.length > 0 ? `\n  missing: ${missing.join(', ')}` : '') +
        (unwanted.length > 0 ? `\n  should not be there: ${unwanted.join(', ')}` : ''),
    );
  }
  return { path: out, entries: entries.length, bytes: statSync(out).size };
}

/** Runs a step in the repo root with its output shown; throws when it fails. */
function run(step, command, args) {
  console.log(`[package] ${step}`);
  // stdin is closed so that a question from a tool fails at once instead of waiting for an answer that never comes.
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${step} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}).`);
}

/**
 * Modules a bundled package asks for only inside a try/catch, falling back to
 * code of its own when they are absent: `ws` (through `@google/genai`) tries
 * the native `bufferutil` and `utf-8-validate`, which are not installed.
 */
const OPTIONAL = new Set(['bufferutil', 'utf-8-validate']);

/**
 * Throws unless every `require` in the bundle names a Node built-in,
 * `vscode`, or an optional module a package tries and does without
 * (`OPTIONAL`): the .vsix has no node_modules, so anything else would fail
 * to load in the user's editor, and only there.
 */
function checkBundle(bundle) {
  if (!existsSync(bundle)) throw new Error(`${relative(ROOT, bundle)} is missing: build first (drop --skip-build).`);
  const builtins = new Set(builtinModules);
  const external = [...readFileSync(bundle, 'utf8').matchAll(/\brequire\(\s*([^)]*?)\s*\)/g)]
    .map((match) => match[1])
    .filter((arg) => {
      const name = /^["']([^"']+)["']$/.exec(arg)?.[1];
      // A non-literal argument cannot be checked: treat it as external.
      if (name === undefined) return true;
      const bare = name.replace(/^node:/, '');
      return bare !== 'vscode' && !OPTIONAL.has(bare) && !builtins.has(bare) && !builtins.has(bare.split('/')[0]);
    });
  if (external.length > 0) {
    throw new Error(
      `${relative(ROOT, bundle)} requires modules the .vsix does not ship: ${[...new Set(external)].join(', ')}. Bundle them (esbuild.config.mjs).`,
    );
  }
}

/** The entry names of a zip file, read from its central directory (no zip64: a .vsix is far below 4 GB). */
function zipEntries(zip) {
  const END_SIGNATURE = 0x06054b50;
  const ENTRY_SIGNATURE = 0x02014b50;
  // The end record is 22 bytes plus a comment of up to 64 KiB, at the very end.
  let end = zip.length - 22;
  while (end >= Math.max(0, zip.length - 22 - 0xffff) && zip.readUInt32LE(end) !== END_SIGNATURE) end--;
  if (end < 0 || zip.readUInt32LE(end) !== END_SIGNATURE) throw new Error('not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== ENTRY_SIGNATURE) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

function parseArgs(argv) {
  const options = { build: true, typecheck: true, out: vsixPath() };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--skip-build') options.build = false;
    else if (argv[i] === '--skip-typecheck') options.typecheck = false;
    else if (argv[i] === '--out' && argv[i + 1] !== undefined) options.out = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}: usage: node scripts/package.mjs [--skip-build | --skip-typecheck] [--out FILE]`);
  }
  return options;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const start = Date.now();
  try {
    const result = packageExtension(parseArgs(process.argv.slice(2)));
    console.log(
      `[package] ${relative(process.cwd(), result.path)}: ${result.entries} entries, ` +
        `${(result.bytes / 1024 / 1024).toFixed(2)} MB, in ${((Date.now() - start) / 1000).toFixed(1)}s`,
    );
  } catch (error) {
    console.error(`[package] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
