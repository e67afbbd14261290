import { describe, expect, it } from 'vitest';
import { F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_GETFL, F_SETFD, F_SETLK, F_WRLCK, FD_CLOEXEC, O_APPEND, O_CLOEXEC, O_LARGEFILE, O_PATH, O_RDONLY, O_RDWR, O_WRONLY, posixLocksOf } from '../src/index.js';
import { receiveFd, receiveFdReplace } from '../src/extend.js';
import { errnoOf, newKernel, state } from './helpers.js';

describe('dup(2)', () => {
  it('returns the lowest free fd for the same struct file, with close-on-exec cleared', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/srv', O_RDONLY);
    const fd = p.open('/data/log', O_RDWR | O_CLOEXEC);
    p.close(0);
    const d = p.dup(fd);
    expect(d).toBe(0);
    expect(p.fileOf(d)).toBe(p.fileOf(fd));
    expect(p.fileOf(fd).count).toBe(2);
    expect(p.files.getCloexec(d)).toBe(false);
    expect(p.files.getCloexec(fd)).toBe(true);
    p.closeRange(0, 10);
  });

  it('works on O_PATH files (fget_raw)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/srv', O_PATH);
    expect(p.dup(fd)).toBe(1);
    p.closeRange(0, 1);
  });

  it('EBADF for free or reserved fds; EMFILE at RLIMIT_NOFILE with the reference given back', () => {
    const k = newKernel({ rlimitNofile: 2 });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const r = p.files.allocFd(0, 2, false);
    const before = state(k);
    expect(errnoOf(() => p.dup(r))).toBe('EBADF');
    expect(errnoOf(() => p.dup(9))).toBe('EBADF');
    expect(errnoOf(() => p.dup(fd))).toBe('EMFILE');
    expect(state(k)).toBe(before);
    expect(p.fileOf(fd).count).toBe(1);
    p.files.putUnusedFd(r);
    p.close(fd);
  });
});

describe('dup2(2) / dup3(2) (kernel-file.md §4.5)', () => {
  it('dup2 installs at exactly newfd, replacing and closing what was there', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.open('/srv', O_RDONLY);
    const old = p.fileOf(b);
    expect(p.dup2(a, b)).toBe(b);
    expect(p.fileOf(b)).toBe(p.fileOf(a));
    expect(p.fileOf(a).count).toBe(2);
    expect(old.live).toBe(false); // the replaced file's last reference went: __fput ran
    expect(p.dup2(a, 40)).toBe(40); // to a free slot above the others
    expect(p.files.nextFd).toBe(2);
    p.closeRange(0, 100);
  });

  it('dup2 over an fd of a locked inode drops the POSIX locks of the table on it (filp_close)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/srv', O_RDONLY);
    const b = p.open('/data/log', O_RDWR);
    p.fcntl(b, F_SETLK, { type: F_WRLCK, start: 0, len: 0 });
    const inode = p.fileOf(b).inode;
    expect(p.dup(b)).toBe(2); // the file stays open through fd 2
    expect(posixLocksOf(inode)).toHaveLength(1);
    p.dup2(a, b);
    expect(posixLocksOf(inode)).toHaveLength(0);
    p.closeRange(0, 10);
  });

  it('dup2 clears close-on-exec on the target; dup3 with O_CLOEXEC sets it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.open('/data/log', O_RDONLY | O_CLOEXEC);
    p.dup2(a, b);
    expect(p.files.getCloexec(b)).toBe(false);
    p.dup3(a, b, O_CLOEXEC);
    expect(p.files.getCloexec(b)).toBe(true);
    p.dup3(a, 5, 0);
    expect(p.files.getCloexec(5)).toBe(false);
    p.closeRange(0, 10);
  });

  it('dup2(fd, fd) returns fd if installed, EBADF if not, and skips the RLIMIT_NOFILE check', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    for (let i = 0; i < 6; i++) p.open('/data/log', O_RDONLY);
    p.rlimitNofile = 3; // fds 3..5 stay open above the new limit
    expect(p.dup2(5, 5)).toBe(5);
    expect(p.fileOf(5).count).toBe(1);
    expect(errnoOf(() => p.dup2(7, 7))).toBe('EBADF');
    expect(errnoOf(() => p.dup3(5, 4, 0))).toBe('EBADF'); // dup3 checks newfd against the limit
    expect(errnoOf(() => p.dup2(0, 3))).toBe('EBADF');
    expect(p.dup2(5, 2)).toBe(2);
    p.rlimitNofile = 1024;
    p.closeRange(0, 10);
  });

  it('dup3 checks, in order: flags → EINVAL, oldfd == newfd → EINVAL, newfd ≥ RLIMIT_NOFILE → EBADF, oldfd → EBADF', () => {
    const k = newKernel({ rlimitNofile: 16, nrOpen: 64 });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.dup3(fd, 3, O_APPEND))).toBe('EINVAL');
    expect(errnoOf(() => p.dup3(fd, 3, O_CLOEXEC | 1))).toBe('EINVAL');
    expect(errnoOf(() => p.dup3(9, 9, O_APPEND))).toBe('EINVAL'); // flags first
    expect(errnoOf(() => p.dup3(fd, fd, 0))).toBe('EINVAL');
    expect(errnoOf(() => p.dup3(fd, fd, O_CLOEXEC))).toBe('EINVAL');
    expect(errnoOf(() => p.dup3(9, 9, 0))).toBe('EINVAL'); // equal fds before the oldfd check
    expect(errnoOf(() => p.dup3(fd, 16, 0))).toBe('EBADF');
    expect(errnoOf(() => p.dup3(9, 16, 0))).toBe('EBADF');
    expect(errnoOf(() => p.dup3(9, 3, 0))).toBe('EBADF');
    expect(errnoOf(() => p.dup2(9, 3))).toBe('EBADF');
    expect(state(k)).toBe(before);
    p.close(fd);
  });

  it('an expand_files failure (beyond fs.nr_open) is EBADF, and the oldfd check takes precedence', () => {
    const k = newKernel({ rlimitNofile: 4096, nrOpen: 128 });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.dup2(fd, 128))).toBe('EBADF');
    expect(errnoOf(() => p.dup2(7, 128))).toBe('EBADF');
    expect(state(k)).toBe(before);
    expect(p.dup2(fd, 127)).toBe(127);
    expect(p.files.fdt.maxFds).toBe(128);
    p.closeRange(0, 200);
  });

  it('dup2/dup3 grow the table before checking oldfd, as ksys_dup3() does: a failed call can leave a bigger table', () => {
    const k = newKernel({ rlimitNofile: 4096 });
    const p = k.spawnProcess();
    const before = p.files.fdt.maxFds;
    expect(errnoOf(() => p.dup2(7, 1000))).toBe('EBADF');
    expect(p.files.fdt.maxFds).toBeGreaterThan(1000);
    expect(before).toBeLessThan(1000);
    expect(p.files.installedFds()).toEqual([]);
    expect(errnoOf(() => p.dup2(-1, 4294967295))).toBe('EBADF'); // the same unsigned fd: dup2's oldfd == newfd path
    expect(errnoOf(() => p.dup3(-1, 4294967295, 0))).toBe('EINVAL');
  });

  it('dup2/dup3 onto a RESERVED slot is EBUSY (do_dup2), and dup2 from a reserved oldfd is EBADF', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const r = p.files.allocFd(0, 1024, false);
    const before = state(k);
    expect(errnoOf(() => p.dup2(fd, r))).toBe('EBUSY');
    expect(errnoOf(() => p.dup3(fd, r, O_CLOEXEC))).toBe('EBUSY');
    expect(errnoOf(() => p.dup2(r, 5))).toBe('EBADF');
    expect(state(k)).toBe(before);
    expect(p.fileOf(fd).count).toBe(1);
    p.files.putUnusedFd(r);
    p.close(fd);
  });
});

describe('fcntl F_DUPFD / F_DUPFD_CLOEXEC / F_GETFD / F_SETFD / F_GETFL', () => {
  it('F_DUPFD returns the lowest free fd ≥ arg; F_DUPFD_CLOEXEC also sets close-on-exec', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    expect(p.fcntl(fd, F_DUPFD, 0)).toBe(1);
    expect(p.fcntl(fd, F_DUPFD, 5)).toBe(5);
    expect(p.fcntl(fd, F_DUPFD, 5)).toBe(6);
    const c = p.fcntl(fd, F_DUPFD_CLOEXEC, 5);
    expect(c).toBe(7);
    expect(p.fcntl(c, F_GETFD)).toBe(FD_CLOEXEC);
    expect(p.fcntl(6, F_GETFD)).toBe(0);
    expect(p.fileOf(fd).count).toBe(5);
    p.closeRange(0, 10);
  });

  it('F_DUPFD: arg ≥ RLIMIT_NOFILE (or negative) is EINVAL; no free fd below it is EMFILE; bad fd is EBADF', () => {
    const k = newKernel({ rlimitNofile: 4 });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    p.open('/data/log', O_RDONLY);
    p.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.fcntl(fd, F_DUPFD, 4))).toBe('EINVAL');
    expect(errnoOf(() => p.fcntl(fd, F_DUPFD_CLOEXEC, -1))).toBe('EINVAL');
    expect(errnoOf(() => p.fcntl(9, F_DUPFD, 0))).toBe('EBADF');
    expect(p.fcntl(fd, F_DUPFD, 2)).toBe(3);
    const full = state(k);
    expect(errnoOf(() => p.fcntl(fd, F_DUPFD, 0))).toBe('EMFILE');
    expect(state(k)).toBe(full);
    p.close(3);
    expect(state(k)).toBe(before);
    p.closeRange(0, 10);
  });

  it('F_SETFD sets and clears FD_CLOEXEC (other bits ignored); F_GETFD reads it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    expect(p.fcntl(fd, F_GETFD)).toBe(0);
    expect(p.fcntl(fd, F_SETFD, FD_CLOEXEC | 0x10)).toBe(0);
    expect(p.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
    expect(p.files.getCloexec(fd)).toBe(true);
    expect(p.fcntl(fd, F_SETFD, 0x10)).toBe(0);
    expect(p.fcntl(fd, F_GETFD)).toBe(0);
    p.close(fd);
  });

  it('F_GETFD / F_SETFD / F_GETFL work on O_PATH fds (fdget_raw) and fail with EBADF on free or reserved fds', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/srv', O_PATH);
    expect(p.fcntl(fd, F_SETFD, FD_CLOEXEC)).toBe(0);
    expect(p.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
    expect(p.fcntl(fd, F_GETFL)).toBe(O_PATH);
    const r = p.files.allocFd(0, 1024, false);
    expect(errnoOf(() => p.fcntl(r, F_GETFD))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(r, F_SETFD, 1))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(5, F_GETFD))).toBe('EBADF');
    p.files.putUnusedFd(r);
    p.close(fd);
  });

  it('F_GETFL returns the access mode and status flags', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    // open(2) adds O_LARGEFILE on 64-bit; O_CLOEXEC is an fd flag, not in f_flags
    expect(p.fcntl(p.open('/data/log', O_RDONLY), F_GETFL)).toBe(O_RDONLY | O_LARGEFILE);
    expect(p.fcntl(p.open('/data/log', O_WRONLY | O_APPEND), F_GETFL)).toBe(O_WRONLY | O_APPEND | O_LARGEFILE);
    expect(p.fcntl(p.open('/data/log', O_RDWR | O_CLOEXEC), F_GETFL)).toBe(O_RDWR | O_LARGEFILE);
    expect(p.fcntl(p.open('/data/log', O_PATH | O_RDWR), F_GETFL)).toBe(O_PATH); // no access mode
    p.closeRange(0, 10);
  });
});

describe('receive_fd / receive_fd_replace (kernel-file.md §4.7)', () => {
  it('receive_fd installs at the lowest free fd with its own reference; the caller keeps and drops its own', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/srv', O_RDONLY);
    const f = k.vfs.openFile('/data/log', O_RDONLY); // the caller's reference (an in-flight SCM_RIGHTS, say)
    const fd = receiveFd(p.main, f, O_CLOEXEC);
    expect(fd).toBe(1);
    expect(p.fileOf(fd)).toBe(f);
    expect(f.count).toBe(2);
    expect(p.files.getCloexec(fd)).toBe(true);
    f.fput();
    expect(f.count).toBe(1);
    p.closeRange(0, 10);
  });

  it('receive_fd fails with EMFILE at RLIMIT_NOFILE and takes no reference', () => {
    const k = newKernel({ rlimitNofile: 1 });
    const p = k.spawnProcess();
    p.open('/srv', O_RDONLY);
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(errnoOf(() => receiveFd(p.main, f, 0))).toBe('EMFILE');
    expect(f.count).toBe(1);
    f.fput();
    p.close(0);
  });

  it('receive_fd_replace installs at exactly newfd, closing what was there; EBADF ≥ RLIMIT_NOFILE, EBUSY on RESERVED, EMFILE past nr_open', () => {
    const k = newKernel({ rlimitNofile: 4096, nrOpen: 128 });
    const p = k.spawnProcess();
    const old = k.vfs.openFile('/srv', O_RDONLY);
    expect(receiveFdReplace(p.main, 3, old, 0)).toBe(3);
    old.fput(); // the caller's own reference
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(receiveFdReplace(p.main, 3, f, O_CLOEXEC)).toBe(3);
    expect(old.live).toBe(false); // the replaced file was closed
    expect(p.fileOf(3)).toBe(f);
    expect(p.files.getCloexec(3)).toBe(true);
    const r = p.files.allocFd(0, 4096, false);
    const before = state(k);
    expect(errnoOf(() => receiveFdReplace(p.main, r, f, 0))).toBe('EBUSY');
    expect(errnoOf(() => receiveFdReplace(p.main, 4096, f, 0))).toBe('EBADF');
    expect(errnoOf(() => receiveFdReplace(p.main, -1, f, 0))).toBe('EBADF');
    expect(errnoOf(() => receiveFdReplace(p.main, 200, f, 0))).toBe('EMFILE'); // replace_fd returns expand_files' error as is
    expect(state(k)).toBe(before);
    expect(f.count).toBe(2);
    f.fput();
    p.files.putUnusedFd(r);
    p.close(3);
  });
});

describe('fcntl(F_DUPFD_QUERY) (f_dupfd_query() in fs/fcntl.c, v6.10)', () => {
  it('answers whether two fds share one open file description, O_PATH included, EBADF for a bad argument', () => {
    // Linux 6.18: dup → 1, a second open → 0, the fd itself → 1, O_PATH works on both sides.
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.dup(a);
    const c = p.open('/data/log', O_RDONLY);
    const path = p.open('/data/log', O_PATH);
    const before = state(k);
    expect(p.fcntl(a, F_DUPFD_QUERY, b)).toBe(1);
    expect(p.fcntl(a, F_DUPFD_QUERY, c)).toBe(0);
    expect(p.fcntl(a, F_DUPFD_QUERY, a)).toBe(1);
    expect(p.fcntl(path, F_DUPFD_QUERY, a)).toBe(0);
    expect(p.fcntl(path, F_DUPFD_QUERY, p.dup(path))).toBe(1);
    p.close(4);
    expect(errnoOf(() => p.fcntl(a, F_DUPFD_QUERY, 99))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(a, F_DUPFD_QUERY, -1))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(99, F_DUPFD_QUERY, a))).toBe('EBADF');
    expect(state(k)).toBe(before);
    // The same in a thread, where both lookups are steps.
    let got: number[] = [];
    p.thread(function* (sys) {
      got = [(yield* sys.fcntl(a, F_DUPFD_QUERY, b)) as number, (yield* sys.fcntl(a, F_DUPFD_QUERY, c)) as number];
    });
    k.run();
    expect(got).toEqual([1, 0]);
    p.closeRange(0, 10);
  });
});
