import { defineConfig } from 'tsup';

export default defineConfig([
  // The library: platform-neutral (runs unchanged in browsers), ESM + CJS, declarations per format.
  {
    entry: {
      index: 'src/index.ts',
      pidfd: 'src/plugins/pidfd/index.ts',
      scenarios: 'src/scenarios/index.ts',
      testing: 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    // Also for CJS: one shared chunk, so KernelError is ONE class across "fdlab", "fdlab/pidfd"
    // and "fdlab/scenarios" (tsup's default splits ESM only; see research gotcha G2).
    splitting: true,
    sourcemap: true,
    // Keep dist/cli.js: both configs build in parallel into the same dist/.
    clean: ['!cli.js', '!cli.js.map'],
    treeshake: true,
    target: ['node20', 'es2022'],
    platform: 'neutral',
    tsconfig: 'tsconfig.lib.json',
  },
  // The CLI: the only Node-specific code. It imports the library through relative paths, so the
  // bundle carries its own copy of the library; within the CLI process there is one KernelError.
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    splitting: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
