// `npm run bench [-- group...]`: bundles bench/index.ts with esbuild and runs the bundle.
// The figures then measure the code as tsup ships it: tsx (which runs the sources in tests
// and examples) compiles with keepNames, wrapping every function it creates in a
// `__name()` call, and that costs a quarter of a short exploration run — not the
// library's cost. The bundle sits in bench/ (gitignored) so that its `import.meta.url`
// finds bench/results.json and the repository root as the sources do; it is started
// through `node -e` so that no group's "run me alone" check (argv[1] === this file) fires.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/.bench.mjs');
await build({
  entryPoints: [join(root, 'bench/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  tsconfig: join(root, 'tsconfig.json'),
  external: ['esbuild'],
  keepNames: false,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __fdlabRequire } from 'node:module'; const require = __fdlabRequire(import.meta.url);" },
});
const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(out).href)});`, 'bench', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
