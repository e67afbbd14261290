import { KernelError } from '../sim/kernel-error.js';
import { ModelError } from '../sim/model-error.js';
import {
  O_APPEND, O_ASYNC, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOCTTY,
  O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY,
} from './constants.js';

/** Every flag open(2) keeps (VALID_OPEN_FLAGS in include/linux/fcntl.h); other bits are dropped. @internal */
export const VALID_OPEN_FLAGS = O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC
  | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE;

/** The flags O_PATH keeps (O_PATH_FLAGS in fs/open.c). @internal */
export const O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

/** PATH_MAX: a path of this many bytes or more (with its NUL) is ENAMETOOLONG. @internal */
export const PATH_MAX = 4096;
/** NAME_MAX: the longest path component. @internal */
export const NAME_MAX = 255;

const O_TMPFILE_BIT = O_TMPFILE & ~O_DIRECTORY;

/**
 * The flags of open(2)/openat(2) as the kernel takes them: build_open_how() converts the
 * `int` to unsigned, drops every bit outside VALID_OPEN_FLAGS (open(2) ignores unknown
 * flags; only openat2(2) rejects them) and, with O_PATH, every flag but O_PATH_FLAGS;
 * the syscall adds O_LARGEFILE (force_o_largefile() on 64-bit). Then
 * build_open_flags()'s checks: O_CREAT | O_DIRECTORY is EINVAL (v6.4,
 * 43b450632676), O_TMPFILE needs O_DIRECTORY and write access (EINVAL); O_SYNC implies
 * O_DSYNC. Access mode 3 is accepted: it asks for read and write permission and gives
 * neither FMODE_READ nor FMODE_WRITE.
 *
 * Models build_open_how() and build_open_flags() in fs/open.c.
 *
 * @returns the open flags the kernel continues with (O_CLOEXEC still in them)
 * @example
 * ```ts
 * import { buildOpenFlags, O_RDONLY, O_PATH, O_CREAT } from 'fdlab';
 * buildOpenFlags(O_PATH | O_CREAT) === (O_PATH); // true: O_PATH drops O_CREAT
 * ```
 */
export function buildOpenFlags(flags: number): number {
  // flags is a C int: a JS value no int (or its unsigned reading) can hold is refused
  // rather than silently truncated as a register would be (docs/reliability.md).
  if (!Number.isInteger(flags) || flags < -0x80000000 || flags > 0xffffffff) throw new KernelError('EINVAL', 'open', `bad flags ${flags}`);
  let f = ((flags | O_LARGEFILE) >>> 0) & VALID_OPEN_FLAGS;
  if (f & O_PATH) f &= O_PATH_FLAGS;
  if ((f & (O_DIRECTORY | O_CREAT)) === (O_DIRECTORY | O_CREAT)) throw new KernelError('EINVAL', 'open', 'O_CREAT | O_DIRECTORY');
  if (f & O_TMPFILE_BIT) {
    if ((f & (O_TMPFILE | O_CREAT)) !== O_TMPFILE) throw new KernelError('EINVAL', 'open', 'O_TMPFILE without O_DIRECTORY');
    if ((f & 3) === 0) throw new KernelError('EINVAL', 'open', 'O_TMPFILE without write access');
  }
  if (f & O_SYNC) f |= O_DSYNC;
  return f;
}

/**
 * getname(): the path argument as the kernel copies it in. An empty path is ENOENT, a
 * path of PATH_MAX bytes or more ENAMETOOLONG (before any fd is reserved). A JS string
 * with a NUL in it has no C equivalent — the kernel would see the path cut at the NUL —
 * so it is a ModelError rather than a silent truncation.
 *
 * Models getname_flags() in fs/namei.c.
 *
 * @example
 * ```ts
 * import { getname } from 'fdlab';
 * getname('/data/log'); // ok; getname('x'.repeat(5000)) throws ENAMETOOLONG
 * ```
 */
export function getname(path: string): void {
  if (typeof path !== 'string') throw new KernelError('EFAULT', 'getname', 'path is not a string');
  if (path.includes('\0')) throw new ModelError('bad-argument', `path ${JSON.stringify(path)} contains a NUL byte; a C path ends at the first NUL`);
  if (path.length === 0) throw new KernelError('ENOENT', 'getname', 'empty path');
  if (path.length >= PATH_MAX) throw new KernelError('ENAMETOOLONG', 'getname', `path of ${path.length} bytes`);
}
