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
 * Which of the model's system calls, commands, opcodes and flags exist: the uapi of a
 * kernel release, as far as the model has things that came later than linux-3.14. Each
 * value is named for the newest release whose additions it holds. What a table lacks is
 * answered as that kernel answers: a system call ENOSYS, before anything else (the
 * syscall table's sys_ni_syscall()); an fcntl command, an io_uring opcode or register
 * command, or a flag it does not know, EINVAL, at the check that rejects it there; a
 * field it does not know is ignored where that kernel did not look at it.
 *
 * - `'v3.14'`: none of copy_file_range (v4.5), io_uring (v5.1), pidfd_open (v5.3),
 *   pidfd_getfd (v5.6, 8649c322f75c — the call seed 000's race needs), seccomp user
 *   notification (v5.0; its ADDFD v5.9) or close_range (v5.9, with CLOSE_RANGE_CLOEXEC
 *   from v5.11);
 * - `'v5.11'`: all of those; io_uring's OPENAT, CLOSE, READ, WRITE (v5.6) and file
 *   registration with IORING_REGISTER_FILES and FILES_UPDATE (v5.1, v5.5), but no direct
 *   descriptors: `file_index` is padding that OPENAT and CLOSE do not look at, so an open
 *   returns a normal fd and a close closes `fd`;
 * - `'v5.15'`: IORING_REGISTER_FILES_SKIP in updates (v5.12; before, -2 is a bad fd,
 *   EBADF), IORING_REGISTER_FILES2 and FILES_UPDATE2 (v5.13), direct descriptors through
 *   OPENAT and CLOSE with `file_index` (v5.15), SECCOMP_ADDFD_FLAG_SEND (v5.14), io_uring
 *   READ/WRITE of an O_NONBLOCK pollable file waiting for its poll (5d329e1286b0, v5.15;
 *   before, REQ_F_NOWAIT: -EAGAIN);
 * - `'v6.0'`: IORING_RSRC_REGISTER_SPARSE and IORING_FILE_INDEX_ALLOC (v5.19; before, the
 *   flag is a reserved field, EINVAL, and the index a slot past the table, EINVAL after
 *   the open), IORING_REGISTER_FILE_ALLOC_RANGE (v6.0);
 * - `'v6.9'`: IORING_OP_FIXED_FD_INSTALL (dc18b89ab113, v6.8 — seed 004) and
 *   pidfd_open(PIDFD_THREAD) (v6.9);
 * - `'v6.10'`: also fcntl F_DUPFD_QUERY.
 *
 * EPOLLEXCLUSIVE (v4.5) is in every table from `'v5.11'`: under `'v3.14'` epoll_ctl()
 * ignores the flag, as kernels before it did. Not versioned: the io_uring ops the model
 * has from v5.6 on; the GETDENTS op of seed 000 was never merged and exists in every table.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel({ policy: 'linux-3.14' }).spawnProcess();
 * p.closeRange(3, 10, 0); // throws KernelError ENOSYS: close_range() came in v5.9
 * ```
 */
export type SyscallTable = 'v3.14' | 'v5.11' | 'v5.15' | 'v6.0' | 'v6.9' | 'v6.10';

/**
 * The tables of {@link SyscallTable}, oldest first.
 * @internal
 */
export const SYSCALL_TABLES: readonly SyscallTable[] = ['v3.14', 'v5.11', 'v5.15', 'v6.0', 'v6.9', 'v6.10'];

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
