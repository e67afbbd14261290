import type { Worker } from 'node:worker_threads';
import type { ShardResult } from '../index.js';

/**
 * Shards per worker thread in `explore --workers N`: the search is split into 16N shards
 * that the N workers take one at a time, so a worker whose shards were small takes more
 * and no core idles long while another finishes its last one (a static
 * one-shard-per-worker split of counter-6x1 came out 52/48; with 4 shards per worker the
 * last shard left one of two workers idle for 6–14 % of the search, with 16 for ~2 %).
 * The shards re-run the prefixes above the cut (splitWidth in src/explore/explore.ts),
 * which at 32 shards adds under 1 % of the steps.
 */
export const SHARDS_PER_WORKER = 16;

/** What a pool worker posts back: a shard's result, or why it could not run it. */
export type PoolReply = ShardResult | { readonly error: string };

/**
 * Runs shards 0 … count − 1 on `workers`, each taking the next index when it posts its
 * previous result (a shard index, then `null` when none is left). Resolves with the
 * results in index order; rejects on the first error. `onResult` learns which worker ran
 * which shard (the bench's per-worker busy time).
 */
export function runShardPool(workers: readonly Worker[], count: number, onResult?: (worker: number, r: ShardResult) => void): Promise<ShardResult[]> {
  return new Promise((resolve, reject) => {
    const results: ShardResult[] = new Array<ShardResult>(count);
    let next = 0;
    let done = 0;
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e);
    };
    const feed = (w: Worker): void => {
      if (next < count) w.postMessage(next++);
      else w.postMessage(null);
    };
    for (const [i, w] of workers.entries()) {
      w.on('message', (r: PoolReply) => {
        if ('error' in r) return fail(new Error(r.error));
        results[r.index] = r;
        onResult?.(i, r);
        done++;
        if (done === count) resolve(results);
        feed(w);
      });
      w.once('error', fail);
      feed(w);
    }
  });
}

/**
 * The worker thread's side of the pool: runs `shard(index)` for every index the main
 * thread sends and posts the result, until it is sent `null`.
 */
export function servePool(port: { on(ev: 'message', f: (i: number | null) => void): unknown; postMessage(r: PoolReply): void; close(): void }, shard: (index: number) => ShardResult): void {
  port.on('message', (i) => {
    if (i === null) return port.close();
    try {
      port.postMessage(shard(i));
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? e.message : String(e) });
    }
  });
}
