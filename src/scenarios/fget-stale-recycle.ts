import { O_DIRECTORY, O_RDONLY } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

/**
 * CVE-2021-4083 and the SLAB_TYPESAFE_BY_RCU conversion (0ede61d8589c): thread T1 of a
 * multithreaded process looks up an fd (dup → fget_raw → the RCU path) while T2 closes
 * it and another process opens a file that recycles the same struct file memory. Without
 * the recheck of 054aa8d439b9 the inc-not-zero succeeds on the recycled object and the
 * lookup returns someone else's file; with it, the slot is reloaded and the lookup
 * retries (returning the old file or EBADF).
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { fgetStaleRecycle } from 'fdlab/scenarios';
 * explore(fgetStaleRecycle, { policy: 'before' }).violations[0]?.kind; // 'stale-file'
 * ```
 */
export const fgetStaleRecycle = defineScenario({
  name: 'fget-stale-recycle',
  title: 'fget() without a recheck returns a struct file recycled by another open',
  source: '054aa8d439b9 "fget: check that the fd still exists after getting a ref to it" (CVE-2021-4083); 0ede61d8589c',
  before: { fgetRecheck: 'none', slabTypesafeByRcu: true },
  after: 'current',
  expected: { before: ['stale-file'], after: 'clean' },
  setup(k) {
    const p1 = k.spawnProcess({ name: 'P1' });
    const fd = p1.open('/data/log', O_RDONLY);
    const p2 = k.spawnProcess({ name: 'P2' });
    p1.thread(function* (sys) {
      return yield* sys.dup(fd);
    });
    p1.thread(function* (sys) {
      yield* sys.close(fd);
    });
    p2.thread(function* (sys) {
      return yield* sys.open('/srv', O_DIRECTORY);
    });
  },
});
