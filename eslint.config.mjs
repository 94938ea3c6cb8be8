// Lint carries the architecture (ARCHITECTURE.md, "Code map"): each folder of
// src/ may import only the layers below it, the engine touches neither the
// file system nor the network, only the extension host imports `vscode`, and
// the panel imports the engine's types but none of its code. Type-aware rules
// catch promises left floating and switches that miss a case.
import tseslint from 'typescript-eslint';

/** Import patterns for "this folder must not reach into those". */
const layers = (...folders) => folders.map((f) => `**/${f}/**`).concat(folders.map((f) => `../${f}`));

const noEditor = { name: 'vscode', message: 'Only src/extension talks to the editor.' };
const noSystem = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
  'child_process',
  'node:child_process',
  'openai',
  '@anthropic-ai/sdk',
  '@google/genai',
].map((name) => ({ name, message: 'src/core is the engine: no file system, no network (see ARCHITECTURE.md).' }));

/** One no-restricted-imports rule: forbidden modules and forbidden folders. */
const restrict = (paths, folders, message) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns: folders.length ? [{ group: layers(...folders), message }] : [] }],
});

/** Type-only access to the engine: its types cross, its code does not. */
const typesOnly = (paths, folders, message) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths,
      patterns: [
        { group: layers(...folders), message },
        // The plan vocabulary (planSpec: types and the pure functions that read them) is data, not engine.
        {
          regex: '^(\.\./)+core/(?!plans/planSpec$)',
          allowTypeImports: true,
          message: "Import the engine's types only (import type), not its code (src/core/plans/planSpec is the exception: plain data).",
        },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './src/webview/tsconfig.json', './test/tsconfig.browser.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'test/unit/**/*.ts', 'test/system/**/*.ts', 'test/support/**/*.ts', 'test/webview/**/*.ts', 'test/e2e/**/*.ts'],
    ignores: ['src/extension/**'],
    rules: restrict([noEditor], [], ''),
  },
  {
    files: ['test/unit/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            noEditor,
            ...['child_process', 'node:child_process', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net'].map((name) => ({
              name,
              message: 'test/unit holds pure tests (npm run test:fast): a test that needs a server or a process goes in test/system.',
            })),
          ],
          patterns: [
            {
              group: [
                '**/support/openaiTestServer',
                '**/support/batchTestApi',
                '**/support/loopbackHarness',
                '**/support/batchRunProcess',
                '**/support/killWhen',
                '**/support/codeServer',
                '**/support/testHttp',
              ],
              message: 'test/unit holds pure tests (npm run test:fast): a test that needs a server or a process goes in test/system.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(
      [noEditor, ...noSystem],
      ['io', 'llm', 'job', 'cli', 'extension', 'webview', 'protocol', 'text'],
      'src/core is the bottom layer: it imports nothing of the project outside itself.',
    ),
  },
  {
    files: ['src/io/**/*.ts'],
    rules: restrict(
      [noEditor],
      ['llm', 'job', 'cli', 'extension', 'webview', 'protocol', 'text'],
      'src/io reads and writes files for the layers above it; it imports only src/core.',
    ),
  },
  {
    files: ['src/llm/**/*.ts'],
    rules: restrict(
      [noEditor],
      ['job', 'cli', 'extension', 'webview', 'protocol', 'text'],
      'src/llm talks to model endpoints; it imports only src/core and src/io.',
    ),
  },
  {
    files: ['src/text/**/*.ts'],
    rules: typesOnly(
      [noEditor],
      ['io', 'llm', 'job', 'cli', 'extension', 'webview', 'protocol'],
      "src/text turns the engine's numbers into words; it imports only the engine's types.",
    ),
  },
  {
    files: ['src/job/**/*.ts'],
    rules: restrict([noEditor], ['cli', 'extension', 'webview', 'protocol'], 'src/job runs one file; the command line and the editor sit above it.'),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict([noEditor], ['extension', 'webview', 'protocol'], 'The command line is a peer of the extension, not its user.'),
  },
  { files: ['src/extension/**/*.ts'], rules: restrict([], ['cli', 'webview'], 'The extension host talks to the panel through src/protocol only.') },
  {
    files: ['src/protocol/**/*.ts'],
    rules: typesOnly([noEditor], ['io', 'llm', 'job', 'cli', 'extension', 'webview', 'text'], 'The panel protocol holds types that both sides import.'),
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: typesOnly(
      [noEditor, { name: 'node:fs', message: 'The panel runs in a browser.' }],
      ['io', 'llm', 'job', 'cli', 'extension'],
      'The panel sees the host only through src/protocol.',
    ),
  },
);
