// A sampled mutation score for the folders issue 13 names (src/sim, src/file, src/fdtable,
// src/explore): a full `npm run mutation` runs every mutant against every test that covers
// it, hours on two cores. This script picks code lines at random (seeded, uniform over the
// lines that can hold a mutant), runs StrykerJS on exactly those lines against the test
// config given (default vitest.mutation-sample.config.ts: the suite without the host
// conformance harness, the CLI, the docs and the browser tests), and prints the score of
// the sample with a 95 % confidence interval.
//
//   node scripts/mutation-sample.mjs [--lines 150] [--seed 1] [--config FILE] [--concurrency 2]
//
// Every mutant on a sampled line is tested, so the sample is a cluster sample by line; the
// interval is the normal approximation over mutants, a little narrow for clustered data.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '150' },
    seed: { type: 'string', default: '1' },
    config: { type: 'string', default: 'vitest.mutation-sample.config.ts' },
    concurrency: { type: 'string', default: '2' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const FOLDERS = ['src/sim', 'src/file', 'src/fdtable', 'src/explore'];

function* files(dir) {
  for (const name of readdirSync(join(root, dir)).sort()) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) yield* files(p);
    else if (name.endsWith('.ts') && name !== 'index.ts') yield p;
  }
}

// A line that can hold a mutant: code, not a comment, an import, a declaration of types only
// or a lone bracket.
function isCode(line) {
  const t = line.trim();
  if (t === '' || /^(\/\/|\/\*|\*|import |export type |export interface |type |interface |readonly [\w$]+[?]?: )/.test(t)) return false;
  if (/^[{}()[\];,]+$/.test(t)) return false;
  return /[\w'"`]/.test(t);
}

const candidates = [];
for (const folder of FOLDERS) {
  for (const f of files(folder)) {
    readFileSync(join(root, f), 'utf8').split('\n').forEach((l, i) => {
      if (isCode(l)) candidates.push([f, i + 1]);
    });
  }
}

// mulberry32: a small seeded generator, so the sample is reproducible.
let s = Number(values.seed) >>> 0;
const rand = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const n = Math.min(Number(values.lines), candidates.length);
const picked = new Set();
while (picked.size < n) picked.add(Math.floor(rand() * candidates.length));
const mutate = [...picked].sort((a, b) => a - b).map((i) => `${candidates[i][0]}:${candidates[i][1]}-${candidates[i][1]}`);

const out = join(root, 'reports/mutation');
mkdirSync(out, { recursive: true });
const report = join(out, `sample-${values.seed}-${n}.json`);
const config = {
  $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: values.config },
  coverageAnalysis: 'perTest',
  mutate,
  ignoreStatic: true,
  concurrency: Number(values.concurrency),
  timeoutMS: 30000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: relative(root, report) },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
const configFile = join(out, 'stryker.sample.config.json');
writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
console.log(`${n} of ${candidates.length} code lines in ${FOLDERS.join(', ')} (seed ${values.seed}); config ${relative(root, configFile)}`);
if (values['dry-run']) process.exit(0);

execFileSync('npx', ['stryker', 'run', configFile], { cwd: root, stdio: 'inherit' });

const r = JSON.parse(readFileSync(report, 'utf8'));
const counts = {};
const survivors = [];
for (const [file, { mutants }] of Object.entries(r.files)) {
  for (const m of mutants) {
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    if (m.status === 'Survived' || m.status === 'NoCoverage') survivors.push(`${file}:${m.location.start.line} ${m.mutatorName}: ${m.replacement ?? ''}`.slice(0, 160));
  }
}
const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
const p = detected / valid;
const half = 1.96 * Math.sqrt((p * (1 - p)) / valid);
console.log(JSON.stringify(counts));
console.log(`sampled mutation score: ${(100 * p).toFixed(1)} % of ${valid} mutants (95 % CI ${(100 * (p - half)).toFixed(1)}–${(100 * (p + half)).toFixed(1)} %)`);
for (const x of survivors) console.log(`  survived: ${x}`);
