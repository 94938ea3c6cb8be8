// Bundles what ships: the command line (dist/cli.js). Type-checking is separate
// (`npm run typecheck`); `--watch` rebuilds on change, `--production` minifies.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const cli = {
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'info',
};

if (watch) {
  const context = await esbuild.context(cli);
  await context.watch();
} else {
  await esbuild.build(cli);
}
