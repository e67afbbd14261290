import { O_DIRECTORY, O_RDONLY, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

/** A thread that closes `fd` (a module-level generator: see docs/writing-a-scenario.md, "Writing cheap scenarios"). */
function* closeBody(sys: Sys, fd: number): KernelPath<void> {
  yield* sys.close(fd);
}

/**
 * A counterfactual: what fget()'s recheck protects against since v6.7. Thread T1 of a
 * multithreaded process looks up an fd (dup → fget_raw → the RCU path) while T2 closes
 * it and another process opens a file that recycles the same struct file memory. With
 * SLAB_TYPESAFE_BY_RCU (0ede61d8589c, v6.7) and no recheck, the inc-not-zero succeeds on
 * the recycled object and the lookup returns someone else's file; with the recheck,
 * the slot is reloaded and the lookup retries (returning the old file or EBADF).
 *
 * No released kernel had the `before` combination: the recheck (054aa8d439b9, v5.16)
 * came years before the filp cache became SLAB_TYPESAFE_BY_RCU, and until then a file
 * was freed by call_rcu, so an RCU reader could not see it recycled. CVE-2021-4083
 * itself was a different race — fget() against close() while the AF_UNIX garbage
 * collector runs — which is the `unix-gc-close-race` scenario; the same `fgetRecheck`
 * values fix both.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { fgetStaleRecycle } from 'fdlab/scenarios';
 * explore(fgetStaleRecycle, { policy: 'before' }).violations[0]?.kind; // 'stale-file'
 * ```
 */
export const fgetStaleRecycle = /* @__PURE__ */ defineScenario({
  name: 'fget-stale-recycle',
  title: 'counterfactual: fget() without a recheck on SLAB_TYPESAFE_BY_RCU files returns a recycled struct file',
  source: 'counterfactual (no release had it): 0ede61d8589c (v6.7) without 054aa8d439b9 (v5.16, the CVE-2021-4083 fix)',
  before: { fgetRecheck: 'none', slabTypesafeByRcu: true },
  after: 'current',
  expected: { before: ['stale-file'], after: 'clean' },
  setup(k) {
    const p1 = k.spawnProcess({ name: 'P1' });
    const fd = p1.open('/data/log', O_RDONLY);
    const p2 = k.spawnProcess({ name: 'P2' });
    p1.thread((sys) => sys.dup(fd));
    p1.thread((sys) => closeBody(sys, fd));
    p2.thread((sys) => sys.open('/srv', O_DIRECTORY));
  },
});
