import type { FdtablePolicy } from '../fdtable/policy.js';
import type { FdtableWorld } from '../fdtable/world.js';
import type { FilePolicy } from '../file/world.js';
import type { Vfs } from '../file/vfs.js';
import type { Fdtable } from '../fdtable/fdtable.js';
import type { Creds } from './creds.js';
import type { Process } from './process.js';
import type { TaskPolicy } from './policy.js';
import type { HookList } from '../sim/hooks.js';
import type { KernelPath } from '../sim/step.js';
import type { Task } from './task.js';

/**
 * What the task layer needs from its world. `Kernel` implements it.
 *
 * @example
 * ```ts
 * import { Kernel, type TaskWorld } from 'fdlab';
 * const w: TaskWorld = new Kernel();
 * ```
 */
export interface TaskWorld extends FdtableWorld {
  /** Behaviour switches of the file, fd-table and task layers. */
  readonly policy: FilePolicy & FdtablePolicy & TaskPolicy;
  /** The file namespace. */
  readonly vfs: Vfs;
  /** Live processes by pid. */
  readonly processes: ReadonlyMap<number, Process>;
  /** Allocates the next pid/tid (a write of the pid namespace). @internal */
  allocPid(): number;
  /** The pid namespace's location as an encoded access. */
  pidNsAccess(write: boolean): number;
  /** RLIMIT_NOFILE soft limit for new processes. */
  readonly rlimitNofile: number;
  /** Creates a process. */
  spawnProcess(opts?: SpawnOptions): Process;
  /** A fresh display name for a table of process `p`. @internal */
  nextFilesName(p: Process): string;
  /**
   * Run by do_exit() of a task before it sets PF_EXITING, as io_uring_files_cancel() is:
   * each returns the steps to run, or undefined for none.
   */
  readonly taskExitHooks: HookList<(t: Task) => KernelPath | undefined>;
}

/**
 * Options of `Kernel.spawnProcess()`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * new Kernel().spawnProcess({ name: 'supervisor', creds: { uid: 0 }, rlimitNofile: 16 });
 * ```
 */
export interface SpawnOptions {
  /** Display name (default `P<pid>`). */
  readonly name?: string;
  /** Credentials (default uid/gid 1000). */
  readonly creds?: Partial<Creds>;
  /** RLIMIT_NOFILE soft limit (default the kernel's). */
  readonly rlimitNofile?: number;
  /** RLIMIT_NOFILE hard limit (default 4096 or the soft limit if higher). */
  readonly rlimitNofileMax?: number;
  /** Parent process (fork). */
  readonly parent?: Process;
  /** Builds the initial fd table (fork: a dup_fd copy); default an empty table. */
  readonly files?: (name: string) => Fdtable;
}
