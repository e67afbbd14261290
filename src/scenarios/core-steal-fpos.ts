import { O_DIRECTORY, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

// Thread bodies here are arrows returning a system call's path, or module-level generators:
// an inline function* would be a new generator closure per explored run, which V8 keeps
// alive through minor GCs (docs/writing-a-scenario.md, "Writing cheap scenarios").

function* dupThenGetdents(sys: Sys, fd: number): KernelPath<unknown> {
  const copy = yield* sys.dup(fd);
  return yield* sys.getdents(copy, 2);
}

/**
 * The invariant the f_count optimisation relied on: with core syscalls only (fork,
 * dup, threads sharing the table — no pidfd_getfd, no SCM_RIGHTS), a new reference to a
 * file can only come from the task that owns the fd table, so a single-threaded
 * getdents() that saw f_count == 1 cannot race. P1.T1 iterates a directory while its
 * sibling thread dups the fd and iterates the copy, and a forked child iterates its
 * inherited fd: clean under the v3.14–v6.4 rule, for every interleaving.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { coreStealFpos } from 'fdlab/scenarios';
 * explore(coreStealFpos, { policy: 'before' }).violations.length; // 0
 * ```
 */
export const coreStealFpos = /* @__PURE__ */ defineScenario({
  name: 'core-steal-fpos',
  title: 'sharing a directory fd with core syscalls only keeps the f_count == 1 optimisation sound',
  source: '9c225f2655e3 "vfs: atomic f_pos accesses as per POSIX" (the v3.14 invariant seed 000 discusses)',
  before: 'linux-6.4',
  after: 'current',
  expected: { before: 'clean', after: 'clean' },
  setup(k) {
    const p1 = k.spawnProcess({ name: 'P1' });
    const fd = p1.open('/srv', O_DIRECTORY);
    const child = p1.fork();
    p1.thread((sys) => sys.getdents(fd, 2));
    p1.thread((sys) => dupThenGetdents(sys, fd));
    child.thread((sys) => sys.getdents(fd, 2));
  },
});

/**
 * Issue 2's acceptance case: two threads of one process (a shared files_struct) read
 * the same fd under the v3.14–v6.4 rule. fdget() does not borrow when files->count > 1,
 * so each read holds its own reference, f_count is above one, and f_pos_lock is taken.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { fposThreadsShared } from 'fdlab/scenarios';
 * explore(fposThreadsShared, { policy: 'before' }).violations.length; // 0
 * ```
 */
export const fposThreadsShared = /* @__PURE__ */ defineScenario({
  name: 'fpos-threads-shared',
  title: 'two threads sharing an fd table read one fd: fdget clones, so f_pos_lock is taken',
  source: '9c225f2655e3 "vfs: atomic f_pos accesses as per POSIX"; __fget_light() in fs/file.c',
  before: 'linux-6.4',
  after: 'current',
  expected: { before: 'clean', after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const fd = p.open('/data/log', 0);
    p.thread((sys) => sys.read(fd, 7));
    p.thread((sys) => sys.read(fd, 7));
  },
});
