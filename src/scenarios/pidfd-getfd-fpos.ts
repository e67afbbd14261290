import { O_DIRECTORY, O_RDONLY, type Kernel, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';
import { pidfd, type PidfdApi } from '../plugins/pidfd/index.js';

function* readIt(sys: Sys, fd: number, dir: boolean): KernelPath<unknown> {
  return dir ? yield* sys.getdents(fd, 2) : yield* sys.read(fd, 7);
}

function* stealThenRead(sys: Sys, pf: PidfdApi, pid: number, fd: number, dir: boolean): KernelPath<unknown> {
  const s = pf.on(sys);
  const pfd = yield* s.pidfdOpen(pid, 0);
  const stolen = yield* s.pidfdGetfd(pfd, fd, 0);
  return yield* readIt(sys, stolen, dir);
}

function stealAndRead(k: Kernel, path: string, flags: number, dir: boolean): void {
  const pf = k.use(pidfd());
  const p1 = k.spawnProcess({ name: 'P1' });
  const fd = p1.open(path, flags);
  const p2 = k.spawnProcess({ name: 'P2', creds: { uid: 0 } });
  // Bodies are module-level generators called from arrows (see docs/writing-a-scenario.md,
  // "Writing cheap scenarios"): an inline function* is a new generator closure per explored run.
  p1.thread((sys) => readIt(sys, fd, dir));
  p2.thread((sys) => stealThenRead(sys, pf, p1.pid, fd, dir));
}

/**
 * Seed 000, "fs/file.c: remove f_pos_lock optimization" (Christian Brauner, Jul 2023):
 * P1, single-threaded, calls getdents() on a directory; fdget_pos() sees f_count == 1
 * and skips f_pos_lock. P2 steals the fd with pidfd_getfd() (f_count 2), calls
 * getdents() on its copy, takes the lock — and both iterate the same directory
 * position. Fixed by 20ea1e7d13c1 (always lock) and kept fixed for directories by
 * 797964253d35 and the iterate_shared rule.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { pidfdGetfdFpos } from 'fdlab/scenarios';
 * explore(pidfdGetfdFpos, { policy: 'before' }).violations[0]?.kind; // 'fpos-race'
 * ```
 */
export const pidfdGetfdFpos = /* @__PURE__ */ defineScenario({
  name: 'pidfd-getfd-fpos',
  title: 'pidfd_getfd() steals a directory fd while getdents() skipped f_pos_lock',
  source: 'seed 000: "fs/file.c: remove f_pos_lock optimization" (20ea1e7d13c1, fixes 8649c322f75c)',
  before: 'linux-6.4',
  after: 'current',
  expected: { before: ['fpos-race'], after: 'clean' },
  setup: (k) => stealAndRead(k, '/srv', O_DIRECTORY, true),
});

/**
 * The documented trade-off of 797964253d35 "file: reinstate f_pos locking optimization
 * for regular files": the same steal on a *regular* file. With the lock always taken
 * (the v6.5-rc rule) it is clean; under the current rule a regular file with f_count 1
 * is read without f_pos_lock again, so the POSIX-semantics f_pos race is possible and
 * fdlab reports it — Linus judged it acceptable for regular files.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { pidfdGetfdFposRegular } from 'fdlab/scenarios';
 * explore(pidfdGetfdFposRegular, { policy: 'after' }).violations.length > 0; // true
 * ```
 */
export const pidfdGetfdFposRegular = /* @__PURE__ */ defineScenario({
  name: 'pidfd-getfd-fpos-regular',
  title: 'the same steal on a regular file: the accepted POSIX f_pos race of the current rule',
  source: '797964253d35 "file: reinstate f_pos locking optimization for regular files"',
  before: 'linux-6.5-rc',
  after: 'current',
  expected: { before: 'clean', after: ['fpos-race'] },
  setup: (k) => stealAndRead(k, '/data/log', O_RDONLY, false),
});
