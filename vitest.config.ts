import { configDefaults, defineConfig } from 'vitest/config';
import { fdlabAlias } from './scripts/vitest-alias.js';

export default defineConfig({
  resolve: { alias: fdlabAlias },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-audit.ts'],
    exclude: [...configDefaults.exclude, 'test/**/*.browser.test.ts'],
    testTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/index.ts', 'src/cli/**'], // re-export-only barrel; the CLI runs as a process
      reporter: ['text', 'html', 'json-summary'],
      reportsDirectory: 'coverage',
    },
    typecheck: {
      enabled: true, // also runs test/**/*.test-d.ts through tsc (expectTypeOf)
      include: ['test/**/*.test-d.ts'],
    },
    benchmark: {
      include: ['test/**/*.bench.ts', 'bench/**/*.bench.ts'],
    },
  },
});
