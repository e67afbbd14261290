/**
 * Runs every examples/*.ts file, in sorted order, each in its own tsx child process.
 * Prints a header per example and a summary; exits non-zero if any example fails (or if there are
 * none). Files whose name starts with `_` are helpers, not examples, and are skipped.
 *
 * Usage: npm run examples            (all)
 *        npm run examples -- fpos    (only those whose file name contains "fpos")
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = join(root, 'examples');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const filters = process.argv.slice(2);

const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.startsWith('_'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort()
  .map((name) => join(examplesDir, name));

if (examples.length === 0) {
  console.error(`no examples found in ${relative(process.cwd(), examplesDir) || '.'}`);
  process.exit(1);
}

const failed: string[] = [];
for (const file of examples) {
  const name = relative(root, file);
  console.log(`\n=== ${name} ${'='.repeat(Math.max(3, 72 - name.length))}`);
  const started = performance.now();
  // cwd = repo root, so tsx picks up tsconfig.json `paths` and 'fdlab' resolves to src/.
  const result = spawnSync(process.execPath, [tsxCli, file], { cwd: root, stdio: 'inherit' });
  const ms = Math.round(performance.now() - started);
  if (result.status === 0) {
    console.log(`--- ok: ${name} (${ms} ms)`);
  } else {
    const why = result.error?.message ?? (result.signal ? `signal ${result.signal}` : `exit ${result.status}`);
    console.log(`--- FAILED: ${name} (${why}, ${ms} ms)`);
    failed.push(name);
  }
}

console.log(`\nexamples: ${examples.length - failed.length} passed, ${failed.length} failed`);
if (failed.length > 0) {
  for (const name of failed) console.log(`  failed: ${name}`);
  process.exit(1);
}
