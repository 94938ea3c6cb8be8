// Bundles what ships: the command line (dist/cli.js), the extension host
// (dist/extension.js) and the cost panel's browser code (dist/webview.js).
// Type-checking is separate (`npm run typecheck`); `--watch` rebuilds on
// change, `--production` minifies.
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

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, platform: 'node', target: 'node20', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: { webview: 'src/webview/main.ts' }, platform: 'browser', target: 'es2022', format: 'iife' },
];

if (watch) {
  const reporter = watchReporter();
  const contexts = await Promise.all(builds.map((build) => esbuild.context({ ...build, plugins: [reporter(Object.keys(build.entryPoints)[0])] })));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(builds.map((build) => esbuild.build(build)));
}
