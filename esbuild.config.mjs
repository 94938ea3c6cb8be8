// Bundles what ships: the command line (dist/cli.js), the extension host
// (dist/extension.js) and the cost panel's browser code (dist/webview.js),
// and writes the JSON Schema of smart.config.json (dist/smart.config.schema.json,
// contributed to the editor by package.json's `jsonValidation`) from the zod
// schema in src/job/configSchema.ts. Type-checking is separate (`npm run
// typecheck`); `--watch` rebuilds on change, `--production` minifies.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/**
 * In watch mode, prints the lines VS Code's background problem matcher reads
 * (.vscode/tasks.json): "[watch] build started" when the first bundle starts
 * rebuilding, then every bundle's current problems as
 * `file:line:column: error: message`, then "[watch] build finished" once no
 * bundle is building. The bundles rebuild on their own schedules, and the
 * matcher forgets problems at each start line, so each round prints the
 * latest problems of all bundles, not just of those that rebuilt.
 */
function watchReporter() {
  let building = 0;
  /** Problem lines by bundle, from its latest build. */
  const problems = new Map();
  return (bundle) => ({
    name: 'watch-reporter',
    setup(build) {
      build.onStart(() => {
        if (building++ === 0) console.log('[watch] build started');
      });
      build.onEnd((result) => {
        problems.set(bundle, [
          ...result.errors.map((message) => problemLine('error', message)),
          ...result.warnings.map((message) => problemLine('warning', message)),
        ]);
        if (--building > 0) return;
        for (const line of new Set([...problems.values()].flat())) console.error(line);
        console.log('[watch] build finished');
      });
    },
  });
}

/** One problem as the matcher's pattern reads it (esbuild's columns count from 0, VS Code's from 1). */
function problemLine(severity, { text, location }) {
  return location ? `${location.file}:${location.line}:${location.column + 1}: ${severity}: ${text}` : `${severity}: ${text}`;
}

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  outdir: 'dist',
  sourcemap: !production,
  minify: production,
  // In watch mode the reporter prints problems in the form the problem matcher reads.
  logLevel: watch ? 'silent' : 'info',
};

const CONFIG_SCHEMA = 'dist/smart.config.schema.json';

/**
 * Bundles src/job/configSchema.ts in memory, runs its configJsonSchema() and
 * writes the result, after every (re)build.
 * @type {esbuild.Plugin}
 */
const writeConfigSchema = {
  name: 'write-config-schema',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const code = result.outputFiles[0].text;
      const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
      mkdirSync('dist', { recursive: true });
      writeFileSync(CONFIG_SCHEMA, `${JSON.stringify(module.configJsonSchema(), null, 2)}\n`);
      console.log(`  ${CONFIG_SCHEMA}`);
    });
  },
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, platform: 'node', target: 'node20', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: { webview: 'src/webview/main.ts' }, platform: 'browser', target: 'es2022', format: 'iife' },
  {
    entryPoints: ['src/job/configSchema.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    plugins: [writeConfigSchema],
  },
];

if (watch) {
  const reporter = watchReporter();
  const contexts = await Promise.all(builds.map((build) => esbuild.context({ ...build, plugins: [reporter(Object.keys(build.entryPoints)[0])] })));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(builds.map((build) => esbuild.build(build)));
}
