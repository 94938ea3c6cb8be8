// Lint rules that carry the architecture: src/core is the engine and must stay
// free of the editor (no `vscode`), so the CLI, the benchmark and the unit tests
// can run it in plain Node.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core must not depend on the editor: put editor glue in src/extension.' }],
        patterns: [{ group: ['../extension/*', '../webview/*', '**/extension/**', '**/webview/**'], message: 'src/core must not depend on the editor layers.' }],
      }],
    },
  },
);
