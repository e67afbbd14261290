import type { Fdtable } from '../fdtable/fdtable.js';
import type { LookupContext } from '../fdtable/fget.js';
import type { RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import { access } from '../sim/step.js';
import type { SimThread } from '../sim/thread.js';
import type { Process } from './process.js';
import { Sys } from './sys.js';
import type { TaskWorld } from './world.js';

/**
 * A task (thread) of a process: its fd table pointer, its deferred work and its
 * schedulable thread.
 *
 * Models the parts of `struct task_struct` that file lifetime involves: `->files`
 * (NULL after exit_files()), `PF_EXITING`, task_work for deferred fput.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * p.main.files === p.files; // true
 * ```
 */
export class Task implements LookupContext {
  /** Thread id. */
  readonly tid: number;
  /** The process (thread group). */
  readonly process: Process;
  /** The schedulable thread. */
  readonly sim: SimThread;
  /** The fd table (task->files); null after exit_files(). */
  files: Fdtable | null;
  /** Deferred __fput work (task_work). */
  readonly taskWork: RefFile[] = [];
  /** Why the last fdget_pos() took or skipped f_pos_lock. */
  posWhy = '';
  /** PF_EXITING: set at the start of do_exit(). */
  exiting = false;
  /** True once the task has exited. */
  exited = false;
  /** The world. */
  readonly world: TaskWorld;
  /**
   * The field of the process's object that is this task's `task->files` pointer: fixed at
   * creation, so a declaration made before an exec reorders or reaps the group's threads
   * still names the location the step touches. @internal
   */
  readonly filesField: number;
  private sysObj: Sys | null = null;

  /**
   * @param world - the kernel
   * @param process - the thread group
   * @param tid - thread id
   * @param sim - its engine thread
   * @param files - its fd table
   */
  constructor(world: TaskWorld, process: Process, tid: number, sim: SimThread, files: Fdtable | null) {
    this.world = world;
    this.process = process;
    this.tid = tid;
    this.sim = sim;
    sim.user = true;
    this.files = files;
    this.filesField = TASK_FILES_FIELD + process.nextTaskOrdinal();
  }

  /** Display name, e.g. `P1.T1`. */
  get name(): string {
    return this.sim.name;
  }

  /** The syscall surface handed to thread bodies. */
  get sys(): Sys {
    return (this.sysObj ??= new Sys(this));
  }

  /** task->files, or EBADF/ESRCH-style failure if the task has none. @internal */
  filesOrThrow(syscall: string): Fdtable {
    const f = this.files;
    if (f === null) throw new KernelError('EBADF', syscall, `${this.name} has no files_struct (exited)`);
    return f;
  }
}

/** The first field of a process's object id that holds a task->files pointer (0 and 1 are its signal and exit state). @internal */
export const TASK_FILES_FIELD = 2;

/**
 * The location of `task->files` (a field of the task's process, one per task): written by
 * exit_files(), unshare_files(), exec's unshare and de_thread()'s reaping; read by a step
 * that looks at another task's table under task_lock (fget_task(), kcmp()). A task reading
 * its own pointer needs no declaration — only the task itself changes it, and a task that
 * de_thread() reaps runs no more steps.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { taskFilesAccess } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * taskFilesAccess(p.main, false) % 2; // 0: a read
 * ```
 */
export function taskFilesAccess(t: Task, write: boolean): number {
  return access(t.process.simId, t.filesField, write);
}

/**
 * Another task's `task->files`, read as the kernel reads it under task_lock (fget_task(),
 * kcmp()): the read is recorded, so the step doing it must declare
 * `taskFilesAccess(t, false)` and checked mode says so when it does not.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { taskFilesOf } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * taskFilesOf(p.main) === p.files; // true
 * ```
 */
export function taskFilesOf(t: Task): Fdtable | null {
  t.world.engine.touch(taskFilesAccess(t, false));
  return t.files;
}

/**
 * The location of PF_EXITING of the tasks of `p`: the process's exit state (field 1),
 * written by exit_signals(), de_thread()'s reaping and an io-wq worker's exit, read by a
 * step that asks whether another task is exiting (__pidfd_fget(), a pidfd's poll).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { exitStateAccess } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * exitStateAccess(p, true) % 2; // 1: a write
 * ```
 */
export function exitStateAccess(p: Process, write: boolean): number {
  return access(p.simId, 1, write);
}

/**
 * Whether another task has PF_EXITING, read as a recorded access of its process's exit
 * state: the step doing it must declare `exitStateAccess(t.process, false)`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { taskExitingOf } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * taskExitingOf(p.main); // false
 * ```
 */
export function taskExitingOf(t: Task): boolean {
  t.world.engine.touch(exitStateAccess(t.process, false));
  return t.exiting;
}

/** Sets PF_EXITING in a step that declared `exitStateAccess(t.process, true)`, recording the write. @internal */
export function setTaskExiting(t: Task): void {
  t.world.engine.touch(exitStateAccess(t.process, true));
  t.exiting = true;
}

/** Sets `task->files` in a step that declared `taskFilesAccess(t, true)`, recording the write. @internal */
export function setTaskFiles(t: Task, files: Fdtable | null): void {
  t.world.engine.touch(taskFilesAccess(t, true));
  t.files = files;
}
