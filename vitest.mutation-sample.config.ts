import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The tests scripts/mutation-sample.mjs runs against mutants of src/sim, src/file,
// src/fdtable and src/explore: the whole node suite except what does not exercise those
// folders' logic through the model — the CLI (child processes), the host conformance
// harness (a C compiler and the host kernel), the docs and API-docs checks — and without
// the type tests. Fewer tests can only kill fewer mutants: the score is a lower bound of
// the full suite's.
export default mergeConfig(base, defineConfig({
  test: {
    exclude: [
      'test/cli.test.ts', 'test/conformance.test.ts', 'test/conformance-uring.test.ts', 'test/conformance-checked.test.ts',
      'test/docs-blocks.test.ts', 'test/api-docs.test.ts',
    ],
    typecheck: { enabled: false },
  },
}));
