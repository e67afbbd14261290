/**
 * When io_uring's GETDENTS request takes f_pos_lock (the op was proposed in 2023 and never
 * merged; the `fdlab/io-uring` plugin models it so seed 000's locking question can be
 * explored):
 *
 * - `'when-shared'`: as posted (Hao Xu, "io_uring: add support for getdents", July 2023),
 *   the guts of `__fdget_pos()` copied into io_uring: trylock f_pos_lock only if
 *   `file_count(file) > 1`. A fixed file's count is 1 however many requests use it, so
 *   two concurrent GETDENTS on one slot both skip the lock.
 * - `'always'`: what Christian Brauner's review (seed 000) asked for: io_uring takes
 *   f_pos_lock unconditionally (trylock inline, punting to io-wq when it is held).
 *
 * @example
 * ```ts
 * import type { UringPosLock } from 'fdlab';
 * const v: UringPosLock = 'always';
 * ```
 */
export type UringPosLock = 'when-shared' | 'always';

/**
 * How io_uring holds registered (fixed) files and whether ring fds may travel over unix
 * sockets:
 *
 * - `'scm-as-posted'`: the 2019 patch "io_uring: add file set registration" as Jann Horn
 *   reviewed it (seed 003): registered files are handed to skbs on the ring's hidden unix
 *   socket (the table borrows them), and the error paths keep the defects he pointed out
 *   — a failed registration leaks the references already taken, and `nr_user_files` is
 *   never reset, so repeated register/unregister grows it past the table.
 * - `'scm'`: the merged design (6b06314c47e1, v5.1 – v6.6): the same `ring_sock` skbs
 *   with the error paths fixed; the unix garbage collector sees the files in flight and
 *   may purge them (the classic collector: Jann Horn's use-after-free). From v6.1 the
 *   collector put io_uring skbs back instead of purging them (0091bfc81741,
 *   CVE-2022-2602); the model does not tell that apart, so the presets `linux-6.4` to
 *   `linux-6.6` show the v5.x behaviour here.
 * - `'plain'`: v6.7+ (705318a99a13 "io_uring/af_unix: disable sending io_uring over
 *   sockets"; the SCM code was removed in v6.8): each slot holds a plain `fget()`
 *   reference, and an io_uring fd cannot be sent with SCM_RIGHTS (EINVAL).
 *
 * @example
 * ```ts
 * import type { UringFileRegistration } from 'fdlab';
 * const v: UringFileRegistration = 'plain';
 * ```
 */
export type UringFileRegistration = 'scm-as-posted' | 'scm' | 'plain';

/**
 * The behaviour switches the io_uring plugin (`fdlab/io-uring`) reads, part of the
 * kernel's policy set like every subsystem's.
 *
 * @example
 * ```ts
 * import type { UringPolicy } from 'fdlab';
 * const p: UringPolicy = { uringPosLock: 'always', uringFileRegistration: 'plain' };
 * ```
 */
export interface UringPolicy {
  /** When the GETDENTS request takes f_pos_lock (see {@link UringPosLock}). */
  readonly uringPosLock: UringPosLock;
  /** How registered files are held (see {@link UringFileRegistration}). */
  readonly uringFileRegistration: UringFileRegistration;
}
