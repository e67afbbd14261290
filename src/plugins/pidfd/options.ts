/**
 * Options of the pidfd plugin: which historical behaviour of the errno returns to
 * model.
 *
 * @example
 * ```ts
 * import { pidfd } from 'fdlab/pidfd';
 * pidfd({ uapi: 'v6.9', exitingErrno: 'EBADF' });
 * ```
 */
export interface PidfdOptions {
  /**
   * pidfd_open() errno for a non-leader thread without PIDFD_THREAD: `'current'` —
   * ENOENT (2025, "pidfd: improve uapi when task isn't found"); `'v6.9'` — EINVAL (from
   * pidfd_prepare()). A missing pid is ESRCH under both: find_get_pid() fails before.
   * Default `'current'`.
   */
  readonly uapi?: 'current' | 'v6.9';
  /**
   * pidfd_getfd() errno when the target is exiting and its files are gone: `'ESRCH'`
   * (2024 fix by Tycho Andersen) or `'EBADF'` (before). Default `'ESRCH'`.
   */
  readonly exitingErrno?: 'ESRCH' | 'EBADF';
}
