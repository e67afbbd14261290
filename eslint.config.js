// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'reports/', '.stryker-tmp/', 'docs/api/', 'docs/api-md/', 'node_modules/', '**/*.tgz', 'test/.docs-blocks/', 'bench/.bench.mjs']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // Kernel paths are generators; a path that has nothing to preempt may not yield.
      'require-yield': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Plugins extend fdlab the way any downstream tool must: through the public API only.
    files: ['src/plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^\\.\\./\\.\\./(?!(index|extend)\\.js$)',
          message: 'Plugins import only the public API: ../../index.js (fdlab) and ../../extend.js (fdlab/extend)',
        }],
      }],
    },
  },
  {
    // Layering (DESIGN.md §3): the engine knows nothing about files, and lower layers never import higher ones.
    files: ['src/sim/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(file|fdtable|task|kernel|explore|trace|scenarios|plugins|cli)/', message: 'src/sim is the bottom layer' }] }] },
  },
  {
    files: ['src/trace/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(file|fdtable|task|kernel|explore|scenarios|plugins|cli)/', message: 'src/trace reads events only' }] }] },
  },
  {
    files: ['src/file/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(fdtable|task|kernel|explore|scenarios|plugins|cli)/', message: 'src/file must not import higher layers' }] }] },
  },
  {
    files: ['src/fdtable/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(task|kernel|explore|scenarios|plugins|cli)/', message: 'src/fdtable must not import higher layers' }] }] },
  },
  {
    files: ['src/task/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(epoll|kernel|explore|scenarios|plugins|cli)/', message: 'src/task must not import higher layers' }] }] },
  },
  {
    files: ['src/epoll/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(kernel|explore|scenarios|plugins|cli)/', message: 'src/epoll must not import higher layers' }] }] },
  },
  {
    files: ['src/unix/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(kernel|epoll|explore|scenarios|plugins|cli)/', message: 'src/unix must not import higher layers' }] }] },
  },
  {
    // Node-side code: configs, scripts, the CLI.
    files: ['*.js', '*.mjs', '*.cjs', 'scripts/**', 'src/cli/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The browser example: plain ESM for a page, no build step.
    files: ['examples/browser/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Users' scenario modules as the CLI tests load them: CommonJS too.
    files: ['test/fixtures/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
);
