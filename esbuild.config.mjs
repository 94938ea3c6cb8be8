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

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  outdir: 'dist',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
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
  { entryPoints: ['src/job/configSchema.ts'], bundle: true, write: false, platform: 'node', target: 'node20', format: 'esm', logLevel: 'warning', plugins: [writeConfigSchema] },
];

if (watch) {
  for (const build of builds) await (await esbuild.context(build)).watch();
} else {
  await Promise.all(builds.map((build) => esbuild.build(build)));
}
