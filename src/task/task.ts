import type { Fdtable } from '../fdtable/fdtable.js';
import type { LookupContext } from '../fdtable/fget.js';
import type { RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
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
