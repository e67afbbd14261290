/*
 * Child process of the `parallel` bench group (bench/parallel.ts runs it as an esbuild
 * bundle): exhaustive search of a scenario with more than 10^5 runs, in one worker
 * thread and split across two, through exploreShard + mergeResults. The bundle is also
 * the workers' entry point.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { defineScenario, exploreShard, mergeResults, type KernelPath, type Scenario, type ShardResult } from '../src/index.js';
import { access } from '../src/extend.js';
import { runShardPool, servePool, SHARDS_PER_WORKER } from '../src/cli/shard-pool.js';

/** One thread's `k` non-atomic increments of the counter at engine object `id`. */
function* incrementer(id: number, ctx: { c: number }, k: number): KernelPath<void> {
  for (let i = 0; i < k; i++) {
    yield { fn: 'load', acc: access(id, 0, false) };
    const v = ctx.c;
    yield { fn: 'store', acc: access(id, 0, true) };
    ctx.c = v + 1;
  }
}

/**
 * `n` threads increment a counter non-atomically, `k` times each: many Mazurkiewicz traces.
 * The body is a module-level generator (docs/writing-a-scenario.md, "Writing cheap
 * scenarios"), as the shipped scenarios' are.
 */
export function counters(n: number, k: number): Scenario<{ c: number }> {
  return defineScenario({
    name: `counter-${n}x${k}`,
    title: `${n} threads, ${k} non-atomic increments each`,
    source: 'synthetic',
    setup(kernel) {
      const e = kernel.engine;
      const id = e.register({ simName: () => 'counter' });
      const ctx = { c: 0 };
      for (let t = 0; t < n; t++) e.startThread(e.spawn(`T${t}`), incrementer(id, ctx, k));
      return ctx;
    },
    outcome: (_k, c) => `c=${c.c}`,
  });
}

interface Job { n: number; k: number; count: number }

/**
 * `workers` worker threads sharing the shards of one search as `explore --workers` does;
 * `busy` gets each worker's time inside its shards (their `elapsedMs`).
 */
async function inWorkers(n: number, k: number, workers: number, busy: number[]): Promise<ShardResult[]> {
  const count = workers === 1 ? 1 : workers * SHARDS_PER_WORKER;
  const ws = Array.from({ length: workers }, () => new Worker(new URL(import.meta.url), { workerData: { n, k, count } satisfies Job }));
  busy.push(...ws.map(() => 0));
  return runShardPool(ws, count, (w, r) => {
    busy[w]! += r.elapsedMs;
  });
}

async function measure(): Promise<void> {
  const [n, k] = [Number(process.argv[2] ?? 6), Number(process.argv[3] ?? 1)];
  const time = async (count: number) => {
    const busy: number[] = [];
    const t0 = performance.now();
    const parts = await inWorkers(n, k, count, busy);
    return { ms: performance.now() - t0, merged: mergeResults(parts), busy };
  };
  await time(1); // warm the file cache and the JIT of the main thread
  const one: number[] = [];
  const two: number[] = [];
  // Of the two-worker searches: the time one worker sat idle at the end while the other
  // finished its last shard, and the time outside any shard (thread start, module load,
  // messages), both as a fraction of the search.
  const tail: number[] = [];
  const outside: number[] = [];
  let a = (await time(1)).merged;
  let b = (await time(2)).merged;
  // Five alternating pairs: this VM's neighbours move single timings by ±20 %, and the two
  // halves of a pair see the same machine; the figure is the median of the pairs' ratios.
  for (let i = 0; i < 5; i++) {
    const x = await time(1);
    const y = await time(2);
    one.push(x.ms);
    two.push(y.ms);
    tail.push((Math.max(...y.busy) - Math.min(...y.busy)) / y.ms);
    outside.push((y.ms - Math.max(...y.busy)) / y.ms);
    a = x.merged;
    b = y.merged;
  }
  const same = a.exhaustive === b.exhaustive && JSON.stringify(a.outcomes.map((o) => o.outcome).sort()) === JSON.stringify(b.outcomes.map((o) => o.outcome).sort())
    && JSON.stringify(a.violations.map((v) => v.kind)) === JSON.stringify(b.violations.map((v) => v.kind));
  const med = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
  const ratios = one.map((x, i) => x / two[i]!);
  console.log(JSON.stringify({ n, k, shards: 2 * SHARDS_PER_WORKER, runs1: a.runs, runs2: b.runs, ms1: med(one), ms2: med(two), ratio: med(ratios), ratios, tail: med(tail), outside: med(outside), same, cores: availableParallelism() }));
}

if (isMainThread && process.argv[2] === 'count') {
  const t0 = performance.now();
  const r = exploreShard(counters(Number(process.argv[3]), Number(process.argv[4])), { strategy: 'dpor', maxRuns: 400_000 }, 0, 1);
  console.log(JSON.stringify({ runs: r.runs, exhaustive: r.exhaustive, ms: performance.now() - t0 }));
} else if (isMainThread) await measure();
else {
  const j = workerData as Job;
  servePool(parentPort!, (index) => exploreShard(counters(j.n, j.k), { strategy: 'dpor' }, index, j.count));
}
