import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The tests Stryker runs against mutants of src/fdtable in a short session: the fd-table
// unit tests, the reference-model comparison, errors and equivalence. `npm run mutation`
// uses the full suite (vitest.config.ts).
export default mergeConfig(base, defineConfig({
  test: {
    include: [
      'test/fdtable-alloc.test.ts', 'test/fdtable-ref.test.ts', 'test/syscalls-dup.test.ts', 'test/close-range.test.ts',
      'test/fdget.test.ts', 'test/syscalls-open-close.test.ts', 'test/errors.test.ts', 'test/refcount.test.ts',
    ],
    typecheck: { enabled: false },
  },
}));
