/**
 * `npm run fuzz`: the long profile of the model-based fuzz (test/model-fuzz.test.ts runs
 * the CI profile). Usage: npm run fuzz -- [programs=100000] [seed=1] [size=1]
 * Prints the figures docs/reliability.md quotes; exits 1 with the shrunk counterexample
 * on the first broken invariant.
 */
import fc from 'fast-check';
import { freshStats, programArb, runProgram } from '../test/fuzz/runner.js';

const [programs = 100_000, seed = 1, size = 1] = process.argv.slice(2).map(Number);
const stats = freshStats();
const t0 = performance.now();
let last = t0;
try {
  fc.assert(
    fc.property(programArb(size), (prog) => {
      runProgram(prog, stats);
      const t = performance.now();
      if (t - last > 10_000) {
        last = t;
        console.error(`${stats.programs} programs, ${stats.steps} steps, ${((t - t0) / 1000).toFixed(0)} s`);
      }
    }),
    { numRuns: programs, seed },
  );
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ ...stats, seed, size, seconds: Math.round(s), programsPerSecond: Math.round(stats.programs / s) }));
