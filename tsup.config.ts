import { defineConfig } from 'tsup';

// The library entries, platform-neutral (they run unchanged in browsers).
const library = {
  index: 'src/index.ts',
  pidfd: 'src/plugins/pidfd/index.ts',
  'io-uring': 'src/plugins/io-uring/index.ts',
  scenarios: 'src/scenarios/index.ts',
  testing: 'src/testing/index.ts',
  extend: 'src/extend.ts',
};

const common = {
  // One shared chunk per format, also for CJS: KernelError is ONE class across "fdlab",
  // "fdlab/pidfd", "fdlab/scenarios", "fdlab/testing" and "fdlab/extend" (tsup's default splits ESM only;
  // research gotcha G2).
  splitting: true,
  // No source maps in the package: dist/ is unminified ESM/CJS whose function names are the
  // kernel's, so stack traces read as they are; maps would be 1.7 MB of the tarball and
  // point into src/, which is not shipped (docs/packaging.md).
  sourcemap: false,
  clean: false, // `npm run build` empties dist/ first; the two builds run in parallel
  treeshake: true,
  tsconfig: 'tsconfig.lib.json',
} as const;

export default defineConfig([
  // ESM: the library and the CLI in ONE build, so dist/cli.js imports the library's chunk
  // instead of carrying its own copy (one KernelError, one Kernel class with the user's
  // scenario modules that import "fdlab"). The CLI's shebang comes from src/cli/bin.ts.
  {
    ...common,
    entry: { ...library, cli: 'src/cli/bin.ts' },
    format: ['esm'],
    // No declarations here: the CJS build's `.d.cts` are the one copy, and scripts/dts-shims.mjs
    // (run after tsup by `npm run build`) writes each ESM `.d.ts` as a re-export of them.
    dts: false,
    target: ['node20', 'es2022'],
    platform: 'neutral',
    // The CLI's Node built-ins; library code imports none (tsconfig.lib.json has no Node types).
    external: [/^node:/],
  },
  // CJS: the library, with the package's declarations (with their TSDoc) in CJS form, and
  // the CLI as a module (dist/cli-main.cjs, sharing the library's CJS chunks), which the bin
  // below compiles through its V8 code cache (src/cli/compile-cache.ts).
  {
    ...common,
    entry: { ...library, 'cli-main': 'src/cli/program.ts' },
    format: ['cjs'],
    dts: { entry: library },
    target: ['node20', 'es2022'],
    platform: 'neutral',
    external: [/^node:/],
  },
  // The bin (dist/cli.cjs): decides which build of the CLI a command line needs and loads it;
  // it bundles only its own small modules (no library code, so nothing of it runs uncached).
  {
    ...common,
    splitting: false,
    entry: { cli: 'src/cli/bin-cjs.ts' },
    format: ['cjs'],
    dts: false,
    target: ['node20'],
    platform: 'node',
    external: [/^node:/, './cli-main.cjs', './cli.js'],
  },
]);
