/**
 * Linux errno values used by the model, as in include/uapi/asm-generic/errno-base.h
 * and errno.h (x86-64 numbering).
 *
 * @example
 * ```ts
 * import { ERRNO } from 'fdlab';
 * ERRNO.EBADF; // 9
 * ```
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ESPIPE: 29,
  EDEADLK: 35,
  ENOSYS: 38,
  ELOOP: 40,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EINPROGRESS: 115,
} as const;

/**
 * The name of an errno value the model can return, e.g. `'EBADF'`.
 *
 * @example
 * ```ts
 * import type { ErrnoName } from 'fdlab';
 * const e: ErrnoName = 'EMFILE';
 * ```
 */
export type ErrnoName = keyof typeof ERRNO;
