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
 * The behaviour switches the task layer reads.
 *
 * @example
 * ```ts
 * import type { TaskPolicy } from 'fdlab';
 * const p: TaskPolicy = { execUnshare: 'after-de_thread' };
 * ```
 */
export interface TaskPolicy {
  /** Where exec calls unshare_files(). */
  readonly execUnshare: ExecUnshare;
}
