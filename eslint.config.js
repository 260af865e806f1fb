// Type-aware lint: the rules that catch money bugs (a promise nobody awaits, a misused promise)
// on top of the recommended sets. Formatting is prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      '**/dist',
      '.wrangler',
      'bench/results',
      'bench/.tmp',
      'public/build',
      // A project's files that type-check only once the client's tarball is installed beside them
      // (npm run test:client does that, in a temporary directory, with tsc).
      'packages/client/test/fresh-project',
      '**/*.mjs',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The house's direction: money rules ← account ← Worker. A lower side never imports a higher one.
  {
    files: ['src/money/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/account/**', '**/worker/**', '**/env'] }],
    },
  },
  {
    files: ['src/account/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/worker/**'] }] },
  },
  // Tests read JSON bodies loosely; the runtime, not the type, is what they check.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    files: ['test/env.d.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off', '@typescript-eslint/no-empty-object-type': 'off' },
  },
);
