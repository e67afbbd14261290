// Bundle smoke test: load the BUILT package (dist/) the way a consumer does, through the package's
// own name and its "exports" map, with both `import` and `require`. Run after `npm run build`.
//
// Checks, per subpath and per format:
//  - the module loads and has at least one export;
//  - the root exports KernelError, and every subpath that re-exports KernelError hands out the very
//    same class object as the root of the same format (one shared chunk; research gotcha G2).
//    ESM and CJS copies differ from each other by nature (dual-package hazard); not checked.
// Also checks that the CLI bin exists, starts with a shebang and parses.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const require = createRequire(join(root, 'package.json'));

const subpaths = Object.keys(pkg.exports)
  .filter((key) => key !== './package.json')
  .sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a.localeCompare(b))) // root first
  .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));

let failures = 0;
let checks = 0;
const check = (ok, message) => {
  checks += 1;
  if (ok) {
    console.log(`  ok   ${message}`);
  } else {
    failures += 1;
    console.log(`  FAIL ${message}`);
  }
};

const loaders = {
  esm: (specifier) => import(specifier),
  cjs: async (specifier) => require(specifier),
};

for (const [format, load] of Object.entries(loaders)) {
  console.log(`${format}:`);
  let rootModule;
  for (const specifier of subpaths) {
    let mod;
    try {
      mod = await load(specifier);
    } catch (error) {
      check(false, `${specifier} loads (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const names = Object.keys(mod).filter((name) => name !== 'default' && name !== '__esModule');
    check(names.length > 0, `${specifier} loads, ${names.length} export(s)`);
    if (specifier === pkg.name) {
      rootModule = mod;
      check(typeof mod.KernelError === 'function', `${specifier} exports class KernelError`);
    } else if ('KernelError' in mod) {
      check(
        rootModule !== undefined && mod.KernelError === rootModule.KernelError,
        `${specifier}.KernelError === ${pkg.name}.KernelError`,
      );
    }
  }
}

console.log('bin:');
for (const [name, target] of Object.entries(pkg.bin ?? {})) {
  const file = join(root, target);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // reported below
  }
  check(text.startsWith('#!/usr/bin/env node\n'), `${name} -> ${target} exists and starts with a node shebang`);
  const parsed = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  check(parsed.status === 0, `${name} -> ${target} parses${parsed.status === 0 ? '' : `: ${parsed.stderr}`}`);
}

console.log(`smoke-dist: ${checks - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
