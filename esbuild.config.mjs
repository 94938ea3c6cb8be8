// Bundles what ships: the command line (dist/cli.js), the extension host
// (dist/extension.js) and the cost panel's browser code (dist/webview.js).
// Type-checking is separate (`npm run typecheck`); `--watch` rebuilds on
// change, `--production` minifies.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  outdir: 'dist',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, platform: 'node', target: 'node20', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: { webview: 'src/webview/main.ts' }, platform: 'browser', target: 'es2022', format: 'iife' },
];

if (watch) {
  for (const build of builds) await (await esbuild.context(build)).watch();
} else {
  await Promise.all(builds.map((build) => esbuild.build(build)));
}
