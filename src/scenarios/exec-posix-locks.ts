import { F_SETLK, F_WRLCK, O_RDWR, posixLocksOf, type KernelPath, type Process, type Sys, type Task } from '../index.js';
import type { Scenario } from '../explore/scenario.js';
import { defineScenario } from '../explore/scenario.js';

/** A thread that execs (a module-level generator: see docs/writing-a-scenario.md, "Writing cheap scenarios"). */
function* execBody(sys: Sys): KernelPath<void> {
  yield* sys.exec();
}

/**
 * What the exec-posix-locks scenario's setup hands its check.
 *
 * @example
 * ```ts
 * import type { ExecPosixLocksContext } from 'fdlab/scenarios';
 * const lockTaken = (c: ExecPosixLocksContext) => c.locker.sim.result === 0;
 * ```
 */
export interface ExecPosixLocksContext {
  /** The process whose threads lock and exec. */
  readonly p: Process;
  /** The fd of the locked file. */
  readonly fd: number;
  /** The thread that takes the lock. */
  readonly locker: Task;
}

/**
 * Seed 001, "exec: Move unshare_files and guarantee files_struct.count is correct"
 * (Eric W. Biederman, 2020): thread T1 holds a POSIX lock (owned by the shared fd
 * table); thread T2 calls exec. With unshare_files() before de_thread(), exec copies
 * the still-shared table, T1 dies in de_thread(), the old table's last put closes its
 * files and locks_remove_posix() drops the lock — though POSIX says it survives exec.
 * With unshare after de_thread() the table is no longer shared, no copy is made, and the
 * lock survives.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { execPosixLocks } from 'fdlab/scenarios';
 * explore(execPosixLocks, { policy: 'before' }).violations[0]?.kind; // 'assertion'
 * ```
 */
export const execPosixLocks: Scenario<ExecPosixLocksContext> = /* @__PURE__ */ defineScenario<ExecPosixLocksContext>({
  name: 'exec-posix-locks',
  title: 'a multithreaded exec loses the POSIX lock another thread took',
  source: 'seed 001: Biederman, "exec: Move unshare_files to fix posix file locking during exec" (v5.11)',
  before: { execUnshare: 'before-de_thread' },
  after: { execUnshare: 'after-de_thread' },
  expected: { before: ['assertion'], after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const fd = p.open('/data/log', O_RDWR);
    const locker = p.thread((sys) => sys.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 0 }));
    p.thread(execBody);
    return { p, fd, locker };
  },
  check(_k, { p, fd, locker }) {
    // Only a lock that was taken can be lost: if exec killed T1 first, nothing to check.
    if (locker.sim.result !== 0) return;
    const inode = p.fileOf(fd).inode;
    const mine = posixLocksOf(inode).filter((l) => l.owner === p.main.files || p.tasks.some((t) => t.files === l.owner));
    if (mine.length === 0) throw new Error(`POSIX lock of ${locker.name} on ${inode.path} vanished across exec`);
  },
});
