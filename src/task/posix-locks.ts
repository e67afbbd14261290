import { FMODE_PATH } from '../file/constants.js';
import type { Inode } from '../file/inode.js';
import type { RefFile } from '../file/ref-file.js';
import type { Fdtable } from '../fdtable/fdtable.js';
import { F_RDLCK, F_UNLCK, F_WRLCK } from './constants.js';

/**
 * A POSIX record lock held on an inode. Its owner is a files_struct, not a process or
 * a file: that is why any close of the inode through the table drops it, and why exec
 * copying the table loses it (seed 001).
 *
 * Models `struct file_lock` with `flc_owner = current->files` (fs/locks.c,
 * flock64_to_posix_lock()).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR, F_SETLK, F_WRLCK, posixLocksOf } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const fd = p.open('/data/log', O_RDWR);
 * p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 0 });
 * posixLocksOf(p.fileOf(fd).inode)[0]!.owner === p.files; // true
 * ```
 */
export interface PosixLock {
  /** The owning fd table (fl_owner). */
  readonly owner: Fdtable;
  /** The pid that set it (fl_pid). */
  readonly pid: number;
  /** F_RDLCK or F_WRLCK. */
  readonly type: number;
  /** First byte. */
  readonly start: number;
  /** Last byte (inclusive); Infinity for "to end of file". */
  readonly end: number;
}

/**
 * A struct flock as passed to fcntl(F_SETLK / F_SETLKW / F_GETLK).
 *
 * @example
 * ```ts
 * import { F_WRLCK, SEEK_SET, type Flock } from 'fdlab';
 * const whole: Flock = { type: F_WRLCK, whence: SEEK_SET, start: 0, len: 0 };
 * ```
 */
export interface Flock {
  /** F_RDLCK, F_WRLCK or F_UNLCK. */
  readonly type: number;
  /** SEEK_SET (default), SEEK_CUR or SEEK_END. */
  readonly whence?: number;
  /** Start offset relative to whence. */
  readonly start: number;
  /** Length; 0 means to the end of the file. */
  readonly len: number;
  /** For F_GETLK results: the pid holding the conflicting lock. */
  readonly pid?: number;
}

/**
 * The POSIX locks on an inode (its i_flctx list), in creation order.
 *
 * @example
 * ```ts
 * import { Kernel, posixLocksOf } from 'fdlab';
 * posixLocksOf(new Kernel().vfs.lookup('/data/log').inode); // []
 * ```
 */
export function posixLocksOf(inode: Inode): readonly PosixLock[] {
  inode.engine?.read(inode.simId, 1);
  return (inode.locks as PosixLock[] | null) ?? [];
}

/** The first lock of another owner that conflicts with the range, or null. @internal */
export function posixConflict(inode: Inode, owner: Fdtable, type: number, start: number, end: number): PosixLock | null {
  for (const l of posixLocksOf(inode)) {
    if (l.owner === owner || l.end < start || l.start > end) continue;
    if (type === F_WRLCK || l.type === F_WRLCK) return l;
  }
  return null;
}

/** Sets (or with F_UNLCK clears) `owner`'s lock on [start, end]; no conflict check. @internal */
export function posixLockFile(inode: Inode, owner: Fdtable, pid: number, type: number, start: number, end: number): void {
  const out: PosixLock[] = [];
  for (const l of posixLocksOf(inode)) {
    if (l.owner !== owner || l.end < start || l.start > end) {
      out.push(l);
      continue;
    }
    // Keep the parts of our old lock outside the new range (a lock split).
    if (l.start < start) out.push({ ...l, end: start - 1 });
    if (l.end > end) out.push({ ...l, start: end + 1 });
  }
  if (type !== F_UNLCK) out.push({ owner, pid, type, start, end });
  inode.engine?.write(inode.simId, 1);
  inode.locks = out.length > 0 ? out : null;
}

/**
 * locks_remove_posix(file, owner): drops every POSIX lock `owner` holds on the file's
 * inode. Called on every close through the table (filp_flush()) and when the table
 * dies. Returns how many were removed.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR, locksRemovePosix } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const fd = p.open('/data/log', O_RDWR);
 * locksRemovePosix(p.fileOf(fd), p.files); // 0
 * ```
 */
export function locksRemovePosix(file: RefFile, owner: Fdtable): number {
  if (file.mode & FMODE_PATH) return 0;
  const inode = file.inode;
  const before = posixLocksOf(inode);
  if (before.length === 0) return 0;
  const kept = before.filter((l) => l.owner !== owner);
  inode.engine?.write(inode.simId, 1);
  inode.locks = kept.length > 0 ? kept : null;
  const n = before.length - kept.length;
  if (n > 0 && file.mount.world.engine.tracing) file.mount.world.engine.effect('locks_remove_posix', inode.simId, 1, before.length, kept.length, { owner: owner.simId });
  return n;
}

/** Validates a struct flock into an absolute range. @internal */
export function flockRange(l: Flock, pos: number, size: number): { type: number; start: number; end: number } | null {
  if (l.type !== F_RDLCK && l.type !== F_WRLCK && l.type !== F_UNLCK) return null;
  const whence = l.whence ?? 0;
  const base = whence === 0 ? 0 : whence === 1 ? pos : whence === 2 ? size : NaN;
  if (!Number.isInteger(l.start) || !Number.isInteger(l.len) || Number.isNaN(base)) return null;
  let start = base + l.start;
  let end = l.len === 0 ? Infinity : start + l.len - 1;
  if (l.len < 0) {
    end = start - 1;
    start = start + l.len;
  }
  if (start < 0) return null;
  return { type: l.type, start, end };
}
