import { Random } from '../sim/random.js';
import type { Chooser } from './drive.js';

/**
 * The seed of run `run` of a sampled search with seed `seed`: every run has its own
 * generator, so a shard can run any subset of the runs and get the same schedules.
 * @internal
 */
export function runSeed(seed: number, run: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(run + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/**
 * Seeded uniform random scheduling: at every step, each runnable thread is equally
 * likely (the "random walk" baseline of shuttle and fast-check's scheduler).
 * @internal
 */
export function randomChooser(seed: number): Chooser {
  const rng = new Random(seed);
  return (enabled, n) => enabled[rng.below(n)]!;
}

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * "A randomized scheduler with probabilistic guarantees of finding bugs", ASPLOS 2010):
 * threads get random distinct priorities at least `depth`; `depth - 1` change points are
 * drawn uniformly from steps 1..k; the highest-priority runnable thread always runs, and
 * at the i-th change point the running thread's priority drops to i. A bug of depth d
 * is found with probability at least 1 / (n k^(d-1)) per run.
 *
 * @param seed - the run's seed
 * @param depth - bug depth d (at least 1)
 * @param k - the expected number of steps of a run
 * @internal
 */
export function pctChooser(seed: number, depth: number, k: number): Chooser {
  const rng = new Random(seed);
  const prio: number[] = [];
  const changeAt: number[] = [];
  const d = Math.max(1, Math.floor(depth));
  const span = Math.max(1, Math.floor(k));
  while (changeAt.length < Math.min(d - 1, span)) {
    const c = 1 + rng.below(span);
    if (!changeAt.includes(c)) changeAt.push(c);
  }
  const priority = (t: number): number => {
    let p = prio[t];
    if (p === undefined) prio[t] = p = d + rng.next() * 1e6;
    return p;
  };
  const best = (enabled: readonly number[], n: number): number => {
    let tid = enabled[0]!;
    let bp = priority(tid);
    for (let i = 1; i < n; i++) {
      const t = enabled[i]!;
      const pt = priority(t);
      if (pt > bp) {
        bp = pt;
        tid = t;
      }
    }
    return tid;
  };
  return (enabled, n, step) => {
    let tid = best(enabled, n);
    const ci = changeAt.indexOf(step + 1);
    if (ci >= 0) {
      prio[tid] = ci + 1;
      tid = best(enabled, n);
    }
    return tid;
  };
}
