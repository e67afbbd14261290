/**
 * A small independent reference model of one process's fd table, written from the man
 * pages and fs/file.c semantics only (no fdlab code): fd numbers map to an opaque open
 * file description and a close-on-exec flag. It knows lowest-free allocation, RLIMIT_NOFILE,
 * dup/dup2/dup3/F_DUPFD(_CLOEXEC), FD_CLOEXEC, close_range (with CLOSE_RANGE_CLOEXEC) and
 * exec closing close-on-exec fds. Nothing else: no reserved slots, no concurrency.
 */

/** Result of a reference call: a value or an errno name. */
export type RefResult = { readonly ok: number } | { readonly err: 'EBADF' | 'EMFILE' | 'EINVAL' };

interface Slot {
  readonly file: number;
  cloexec: boolean;
}

export const REF_O_CLOEXEC = 0o2000000;
export const REF_CLOSE_RANGE_CLOEXEC = 1 << 2;

/** The reference fd table. */
export class RefFdTable {
  readonly slots = new Map<number, Slot>();
  private nextFile = 1;

  constructor(readonly rlimit: number) {}

  private lowestFree(from: number): number | null {
    for (let fd = from; fd < this.rlimit; fd++) if (!this.slots.has(fd)) return fd;
    return null;
  }

  /** open(): a new open file description at the lowest free fd. */
  open(cloexec: boolean): RefResult {
    const fd = this.lowestFree(0);
    if (fd === null) return { err: 'EMFILE' };
    this.slots.set(fd, { file: this.nextFile++, cloexec });
    return { ok: fd };
  }

  close(fd: number): RefResult {
    if (!this.slots.delete(fd)) return { err: 'EBADF' };
    return { ok: 0 };
  }

  dup(fd: number): RefResult {
    return this.dupFrom(fd, 0, false);
  }

  /** F_DUPFD / F_DUPFD_CLOEXEC: the lowest free fd ≥ from. */
  dupFrom(fd: number, from: number, cloexec: boolean): RefResult {
    const s = this.slots.get(fd);
    if (s === undefined) return { err: 'EBADF' };
    if (from < 0 || from >= this.rlimit) return { err: 'EINVAL' };
    const nfd = this.lowestFree(from);
    if (nfd === null) return { err: 'EMFILE' };
    this.slots.set(nfd, { file: s.file, cloexec });
    return { ok: nfd };
  }

  dup2(oldfd: number, newfd: number): RefResult {
    if (oldfd === newfd) return this.slots.has(oldfd) ? { ok: oldfd } : { err: 'EBADF' };
    return this.dup3(oldfd, newfd, 0);
  }

  dup3(oldfd: number, newfd: number, flags: number): RefResult {
    if (flags !== 0 && flags !== REF_O_CLOEXEC) return { err: 'EINVAL' };
    if (oldfd === newfd) return { err: 'EINVAL' };
    if (newfd < 0 || newfd >= this.rlimit) return { err: 'EBADF' };
    const s = this.slots.get(oldfd);
    if (s === undefined) return { err: 'EBADF' };
    this.slots.set(newfd, { file: s.file, cloexec: flags === REF_O_CLOEXEC });
    return { ok: newfd };
  }

  getfd(fd: number): RefResult {
    const s = this.slots.get(fd);
    return s === undefined ? { err: 'EBADF' } : { ok: s.cloexec ? 1 : 0 };
  }

  setfd(fd: number, v: number): RefResult {
    const s = this.slots.get(fd);
    if (s === undefined) return { err: 'EBADF' };
    s.cloexec = (v & 1) === 1;
    return { ok: 0 };
  }

  closeRange(first: number, last: number, flags: number): RefResult {
    if (first > last) return { err: 'EINVAL' };
    for (const [fd, s] of [...this.slots]) {
      if (fd < first || fd > last) continue;
      if (flags & REF_CLOSE_RANGE_CLOEXEC) s.cloexec = true;
      else this.slots.delete(fd);
    }
    return { ok: 0 };
  }

  /** execve(): every close-on-exec fd is closed. */
  exec(): RefResult {
    for (const [fd, s] of [...this.slots]) if (s.cloexec) this.slots.delete(fd);
    return { ok: 0 };
  }
}
