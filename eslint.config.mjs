import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'demo-scan/**', 'bench-data/**', 'test/vscode/node_modules/**', 'test/vscode/.tools/**', 'src/engine/wasm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['test/vscode/**/*.js', 'test/vscode/**/*.mjs', 'test/*.mjs', 'scripts/*.mjs'],
    languageOptions: { globals: { describe: 'readonly', it: 'readonly', before: 'readonly', after: 'readonly', exports: 'writable', performance: 'readonly' } },
  },
  { files: ['webview/**/*.ts'], languageOptions: { globals: { window: 'readonly', document: 'readonly', performance: 'readonly', Option: 'readonly', HTMLElement: 'readonly', MessageEvent: 'readonly' } } },
);
