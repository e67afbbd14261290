/*
 * The explorer's benchmark group (issue 3): throughput, DPOR reduction and optimality,
 * and time to first violation against fast-check, warm and cold. Run as part of
 * `npm run bench` (group `explore`) or alone: `npx tsx bench/explore.ts`.
 *
 * The measurements run in child processes on an esbuild bundle of
 * bench/explore-measure.ts — the code as tsup ships it. Under tsx every closure is
 * wrapped by esbuild's keepNames helper, which makes building a kernel ~4x slower and
 * would misstate the figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median, record, type BenchEntry } from './results.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function child(bundle: string, args: string[]): unknown {
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

/** Runs the explorer benchmarks and merges their figures into bench/results.json. */
export async function runExplore(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-bench-'));
  try {
    const bundle = join(dir, 'explore-measure.mjs');
    await build({
      entryPoints: [join(root, 'bench/explore-measure.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      tsconfig: join(root, 'tsconfig.json'),
      logLevel: 'warning',
    });
    const figures = child(bundle, ['warm']) as BenchEntry[];
    for (const scenario of ['fpos', 'pidfd'] as const) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < 7; i++) {
        // Process i uses seed i + 1 for both tools, as the warm figure medians over seeds.
        ours.push(child(bundle, ['cold', 'fdlab', scenario, String(i + 1)]) as number);
        theirs.push(child(bundle, ['cold', 'fc', scenario, String(i + 1)]) as number);
      }
      const a = median(ours);
      const b = median(theirs);
      figures.push({
        name: `vs-fast-check.first-violation.speedup.cold${scenario === 'pidfd' ? '.pidfd-getfd-fpos' : ''}`,
        value: b / a,
        unit: 'x',
        baseline: b,
        ratio: b / a,
        target: '>= 3',
        note: `first search in a fresh process (7 processes each, seeds 1-7, medians): fast-check ${b.toFixed(2)} ms, fdlab ${a.toFixed(2)} ms`,
      });
    }
    record(figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await runExplore();
