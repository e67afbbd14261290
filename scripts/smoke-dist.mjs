// Bundle smoke test: load the BUILT package (dist/) the way a consumer does, through the package's
// own name and its "exports" map, with both `import` and `require`. Run after `npm run build`.
//
// Checks, per subpath and per format:
//  - the module loads and has at least one export;
//  - the root exports KernelError, and every subpath that re-exports KernelError hands out the very
//    same class object as the root of the same format (one shared chunk; research gotcha G2).
//    ESM and CJS copies differ from each other by nature (dual-package hazard); not checked.
// Also checks that the CLI bin exists, starts with a shebang and parses, and (with the repository's
// TypeScript, strict, skipLibCheck off) that the installed tarball type-checks in scratch consumers
// under nodenext (ESM and CJS), bundler and node10 resolution, each subpath's exported names being
// the same from `import` and `require` and covering every name the runtime module has as a value.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const runtimeNames = { esm: new Map(), cjs: new Map() }; // format → specifier → export names
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
    runtimeNames[format].set(specifier, names);
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
  // The bin decides which build of the CLI to load before it loads any library code
  // (src/cli/bin-cjs.ts), so none of it runs outside the compile cache.
  check(!/require\(['"]\.\/(chunk-|index)/.test(text), `${name} -> ${target} loads no library chunk itself`);
}
// Start-up time: only `explore --workers` loads worker_threads (dynamic import), not every command.
for (const f of ['dist/cli.cjs', 'dist/cli-main.cjs', 'dist/cli.js']) {
  let text = '';
  try {
    text = readFileSync(join(root, f), 'utf8');
  } catch {
    // reported below
  }
  const eager = /^import [^;]*from ['"](?:node:)?worker_threads['"]|^var \w+ = require\(['"](?:node:)?worker_threads['"]\)/m.test(text);
  check(text !== '' && !eager, `${f} exists and does not load worker_threads at the top level`);
}

// The tarball as a user meets it: packed, installed into scratch ESM and CJS projects, imported
// there, and the bin run on a scenario module of the user's that imports "fdlab" itself. The bin
// hands such a command line to the ESM build of the CLI, which shares the library's ESM chunks,
// so the user's Kernel class is the one the CLI builds kernels with.
console.log('consumers:');
{
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const scratch = mkdtempSync(join(tmpdir(), 'fdlab-smoke-'));
  try {
    const packed = spawnSync(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' });
    check(packed.status === 0, `npm pack${packed.status === 0 ? '' : `: ${packed.stderr}`}`);
    const tarball = join(scratch, JSON.parse(packed.stdout)[0].filename);
    for (const type of ['module', 'commonjs']) {
      const dir = join(scratch, type);
      spawnSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${type}`, private: true, type }));
      const inst = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: dir, encoding: 'utf8' });
      check(inst.status === 0, `${type}: npm install fdlab.tgz${inst.status === 0 ? '' : `: ${inst.stderr}`}`);
      const program = type === 'module'
        ? `import { Kernel, O_RDWR } from 'fdlab';\nimport { errnoOf } from 'fdlab/testing';\nimport { access } from 'fdlab/extend';\nimport { scenarios } from 'fdlab/scenarios';\n`
        : `const { Kernel, O_RDWR } = require('fdlab');\nconst { errnoOf } = require('fdlab/testing');\nconst { access } = require('fdlab/extend');\nconst { scenarios } = require('fdlab/scenarios');\n`;
      writeFileSync(join(dir, 'main.js'), `${program}const p = new Kernel().spawnProcess();\nconst fd = p.open('/data/log', O_RDWR);\nconsole.log(p.read(fd, 6), errnoOf(() => p.close(42)), Object.keys(scenarios).length > 0 && typeof access === 'function');\n`);
      const ran = spawnSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8' });
      check(ran.status === 0 && ran.stdout.trim() === 'line 1 EBADF true', `${type}: the README's first calls run (${(ran.stdout + ran.stderr).trim().split('\n')[0]})`);
    }
    // A user's scenario module that imports fdlab, explored by the installed bin.
    const dir = join(scratch, 'module');
    writeFileSync(join(dir, 'race.js'), [
      "import { defineScenario, Kernel, O_RDWR } from 'fdlab';",
      'export const dupOrder = defineScenario({',
      "  name: 'dup-order', title: 'T1 assumes it gets fd 1', source: 'smoke test',",
      '  setup(k) {',
      "    if (!(k instanceof Kernel)) throw new Error('the CLI built its kernel from another copy of fdlab');",
      "    const p = k.spawnProcess(); const fd = p.open('/data/log', O_RDWR); const got = { t1: -1 };",
      '    p.thread(function* (sys) { got.t1 = yield* sys.dup(fd); return got.t1; });',
      '    p.thread(function* (sys) { return yield* sys.dup(fd); });',
      '    return got;',
      '  },',
      "  check(_k, got) { if (got.t1 !== 1) throw new Error('T1 got fd ' + got.t1); },",
      '});',
      '',
    ].join('\n'));
    const cli = spawnSync(process.execPath, [join(dir, 'node_modules/.bin/fdlab'), 'explore', './race.js', '--json'], { cwd: dir, encoding: 'utf8' });
    let verdict = '';
    try {
      verdict = JSON.parse(cli.stdout).verdict;
    } catch {
      // reported below
    }
    check(cli.status === 1 && verdict === 'violation', `bin: fdlab explore ./race.js → exit ${cli.status}, verdict ${verdict || cli.stderr.trim()}`);
    // Worker threads start the installed bin again, marked as workers (src/cli/bin-cjs.ts).
    const par = spawnSync(process.execPath, [join(dir, 'node_modules/.bin/fdlab'), 'explore', 'pidfd-getfd-fpos', '--policy', 'before', '--workers', '2', '--json'], { cwd: dir, encoding: 'utf8' });
    let shards = 0;
    try {
      shards = JSON.parse(par.stdout).shards;
    } catch {
      // reported below
    }
    // 16 shards per worker (SHARDS_PER_WORKER in src/cli/shard-pool.ts).
    check(par.status === 1 && shards === 32, `bin: fdlab explore pidfd-getfd-fpos --workers 2 → exit ${par.status}, ${shards || par.stderr.trim()} shards`);
    // The compile cache: saved by the first command, used by the next, same output.
    const cache = join(scratch, 'compile-cache');
    const env = { ...process.env, FDLAB_COMPILE_CACHE: cache };
    const runs = [0, 1].map(() => spawnSync(process.execPath, [join(dir, 'node_modules/.bin/fdlab'), 'explore', 'pidfd-getfd-fpos', '--policy', 'after', '--json'], { cwd: dir, encoding: 'utf8', env }));
    const saved = existsSync(cache) ? readdirSync(cache).flatMap((d) => readdirSync(join(cache, d))) : [];
    check(runs.every((r) => r.status === 0) && runs[0].stdout === runs[1].stdout && saved.some((f) => f.startsWith('cli-main.cjs-') && f.endsWith('.search')),
      `bin: the compile cache is saved by the first run and gives the same output (${saved.length} entries)`);
    typeCheckConsumers(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// The declarations as a TypeScript user meets them. The `.d.ts` of each subpath is a re-export of
// its `.d.cts` (scripts/dts-shims.mjs), so this is where a lost name or a broken `import` side shows.
function typeCheckConsumers(scratch) {
  console.log('types:');
  const ts = require('typescript');
  // Modes of a consumer's tsconfig: the package.json "type" of the project decides ESM or CJS
  // under nodenext; bundler always takes the `import` condition, node10 the top-level `types` and
  // `typesVersions`.
  const modes = [
    { name: 'nodenext, ESM', dir: 'module', format: 'esm', options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext } },
    { name: 'nodenext, CJS', dir: 'commonjs', format: 'cjs', options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext } },
    { name: 'bundler', dir: 'module', format: 'esm', options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler } },
    { name: 'node10', dir: 'commonjs', format: 'cjs', options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 } },
  ];
  const common = { strict: true, skipLibCheck: false, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [] };
  // Values, types, a class's instanceof narrowing, a plugin from one subpath used with the Kernel of
  // another, and an error that must be reported (so the check fails if the types went missing).
  const consumer = [
    "import { Kernel, KernelError, O_RDWR, explore, type ExploreResult, type Scenario } from 'fdlab';",
    "import * as fdlab from 'fdlab';",
    "import { pidfd, type PidfdApi } from 'fdlab/pidfd';",
    "import { ioUring } from 'fdlab/io-uring';",
    "import { pidfdGetfdFpos, scenarios } from 'fdlab/scenarios';",
    "import { errnoOf } from 'fdlab/testing';",
    "import { access } from 'fdlab/extend';",
    'const k: fdlab.Kernel = new Kernel();',
    'const api: PidfdApi = k.use(pidfd());',
    'k.use(ioUring());',
    "const p = k.spawnProcess();",
    "const fd: number = p.open('/data/log', O_RDWR);",
    'try { p.close(fd + 1); } catch (e: unknown) { if (e instanceof KernelError) { const name: string = e.code; const no: number = e.errno; void [name, no]; } }',
    'const scenario: Scenario<never> | undefined = scenarios[pidfdGetfdFpos.name];',
    "const result: ExploreResult = explore(pidfdGetfdFpos, { policy: 'before' });",
    "const name: string = errnoOf(() => p.close(42)) ?? '';",
    '// @ts-expect-error -- an fd is a number',
    'const wrong: string = fd;',
    'void [api, scenario, result, name, wrong, access];',
    '',
  ].join('\n');
  const specifiers = [...runtimeNames.esm.keys()];
  const names = new Map(); // mode → specifier → export names
  for (const mode of modes) {
    const dir = join(scratch, mode.dir);
    const file = join(dir, 'consumer.ts');
    const probe = join(dir, 'probe.ts');
    writeFileSync(file, consumer);
    writeFileSync(probe, `${specifiers.map((spec, i) => `import * as m${i} from '${spec}';`).join('\n')}\nvoid [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`);
    const program = ts.createProgram([file, probe], { ...common, ...mode.options });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const text = ts.formatDiagnostics(diagnostics.slice(0, 3), { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' });
    check(diagnostics.length === 0, `${mode.name}: a strict consumer type-checks${diagnostics.length === 0 ? '' : `: ${diagnostics.length} error(s)\n${text}`}`);
    const checker = program.getTypeChecker();
    const perSpec = new Map();
    for (const statement of program.getSourceFile(probe).statements) {
      if (!ts.isImportDeclaration(statement)) continue;
      const spec = statement.moduleSpecifier.text;
      const moduleSymbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
      const exported = moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol);
      perSpec.set(spec, new Map(exported.map((sym) => {
        const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
        return [sym.name, (target.flags & ts.SymbolFlags.Value) !== 0];
      })));
    }
    names.set(mode.name, perSpec);
    const missing = [];
    for (const spec of specifiers) {
      const typed = perSpec.get(spec) ?? new Map();
      for (const runtime of runtimeNames[mode.format].get(spec) ?? []) {
        if (typed.get(runtime) !== true) missing.push(`${spec}:${runtime}`);
      }
    }
    check(missing.length === 0, `${mode.name}: every runtime export of every subpath is a typed value${missing.length === 0 ? '' : ` (missing: ${missing.slice(0, 10).join(', ')})`}`);
  }
  const [first, ...rest] = [...names.keys()];
  for (const spec of specifiers) {
    const reference = [...(names.get(first).get(spec)?.keys() ?? [])].sort().join(',');
    const differ = rest.filter((mode) => [...(names.get(mode).get(spec)?.keys() ?? [])].sort().join(',') !== reference);
    const count = names.get(first).get(spec)?.size ?? 0;
    check(count > 0 && differ.length === 0 && !names.get(first).get(spec).has('default'), `${spec}: the same ${count} typed export(s), no default, in ${[first, ...rest].join(' / ')}${differ.length === 0 ? '' : ` (differs in ${differ.join(', ')})`}`);
  }
}

console.log(`smoke-dist: ${checks - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
