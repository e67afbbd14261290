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
  /** Operation not permitted. */
  EPERM: 1,
  /** No such file or directory. */
  ENOENT: 2,
  /** No such process. */
  ESRCH: 3,
  /** Interrupted system call. */
  EINTR: 4,
  /** I/O error. */
  EIO: 5,
  /** No such device or address. */
  ENXIO: 6,
  /** Bad file descriptor. */
  EBADF: 9,
  /** No child processes. */
  ECHILD: 10,
  /** Try again (would block). */
  EAGAIN: 11,
  /** Out of memory. */
  ENOMEM: 12,
  /** Permission denied. */
  EACCES: 13,
  /** Bad address. */
  EFAULT: 14,
  /** Device or resource busy. */
  EBUSY: 16,
  /** File exists. */
  EEXIST: 17,
  /** Cross-device link (copy_file_range between filesystems). */
  EXDEV: 18,
  /** Not a directory. */
  ENOTDIR: 20,
  /** Is a directory. */
  EISDIR: 21,
  /** Invalid argument. */
  EINVAL: 22,
  /** File table overflow (system-wide). */
  ENFILE: 23,
  /** Too many open files (per process). */
  EMFILE: 24,
  /** File too large (a write at or past the filesystem's maximum file size). */
  EFBIG: 27,
  /** No space left on device (epoll: max_user_watches reached). */
  ENOSPC: 28,
  /** Illegal seek. */
  ESPIPE: 29,
  /** Broken pipe (write to a pipe with no readers). */
  EPIPE: 32,
  /** Resource deadlock would occur. */
  EDEADLK: 35,
  /** File name (component or path) too long. */
  ENAMETOOLONG: 36,
  /** Function not implemented. */
  ENOSYS: 38,
  /** Too many symbolic links / epoll loop. */
  ELOOP: 40,
  /** Value too large for defined data type. */
  EOVERFLOW: 75,
  /** Socket operation on non-socket. */
  ENOTSOCK: 88,
  /** Destination address required. */
  EDESTADDRREQ: 89,
  /** Protocol wrong type for socket. */
  EPROTOTYPE: 91,
  /** Protocol not supported. */
  EPROTONOSUPPORT: 93,
  /** Socket type not supported. */
  ESOCKTNOSUPPORT: 94,
  /** Operation not supported. */
  EOPNOTSUPP: 95,
  /** Address family not supported by protocol. */
  EAFNOSUPPORT: 97,
  /** Address already in use. */
  EADDRINUSE: 98,
  /** Connection reset by peer. */
  ECONNRESET: 104,
  /** Transport endpoint is already connected. */
  EISCONN: 106,
  /** Transport endpoint is not connected. */
  ENOTCONN: 107,
  /** Too many references (SCM_RIGHTS beyond the per-user in-flight limit). */
  ETOOMANYREFS: 109,
  /** Connection refused. */
  ECONNREFUSED: 111,
  /** Operation now in progress. */
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
