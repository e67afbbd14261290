/**
 * Where exec unshares the fd table relative to killing the other threads.
 *
 * - `'before-de_thread'`: "[PATCH] sanitize handling of shared descriptor tables in
 *   failing execve()" moved unshare_files() to the start of execve, before de_thread():
 *   with other threads alive the table is copied, POSIX locks stay owned by the old
 *   table and vanish when the killed threads drop it — the regression of seed 001.
 * - `'after-de_thread'`: Eric W. Biederman, "exec: Move unshare_files to fix posix file
 *   locking during exec" (v5.11): unshare after de_thread(), when the count is 1.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * new Kernel({ policy: { execUnshare: 'before-de_thread' } });
 * ```
 */
export type ExecUnshare = 'before-de_thread' | 'after-de_thread';

/**
 * Which of the model's system calls (and fcntl commands) exist: the table of a kernel
 * release, as far as the model has calls that came later than linux-3.14. A call the
 * table lacks answers ENOSYS (an fcntl command, EINVAL), before anything else, as the
 * kernel's syscall table and do_fcntl()'s default case do.
 *
 * - `'v3.14'`: none of copy_file_range (v4.5), io_uring (v5.1), pidfd_open (v5.3),
 *   pidfd_getfd (v5.6, 8649c322f75c — the call seed 000's race needs) or close_range
 *   (v5.9, with CLOSE_RANGE_CLOEXEC from v5.11);
 * - `'v5.11'`: all of those;
 * - `'v6.10'`: also fcntl F_DUPFD_QUERY.
 *
 * Flags and opcodes within a call are not versioned (EPOLLEXCLUSIVE v4.5, PIDFD_THREAD
 * v6.9, io_uring's later opcodes and registration commands): they work in every table.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel({ policy: 'linux-3.14' }).spawnProcess();
 * p.closeRange(3, 10, 0); // throws KernelError ENOSYS: close_range() came in v5.9
 * ```
 */
export type SyscallTable = 'v3.14' | 'v5.11' | 'v6.10';

/**
 * The tables of {@link SyscallTable}, oldest first.
 * @internal
 */
export const SYSCALL_TABLES: readonly SyscallTable[] = ['v3.14', 'v5.11', 'v6.10'];

/**
 * The behaviour switches the task layer reads.
 *
 * @example
 * ```ts
 * import type { TaskPolicy } from 'fdlab';
 * const p: TaskPolicy = { execUnshare: 'after-de_thread', syscalls: 'v6.10' };
 * ```
 */
export interface TaskPolicy {
  /** Where exec calls unshare_files(). */
  readonly execUnshare: ExecUnshare;
  /** Which of the model's system calls exist. */
  readonly syscalls: SyscallTable;
}
