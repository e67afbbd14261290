import { describe, expect, it } from 'vitest';
import {
  defineScenario, explore, FMODE_PREAD, FMODE_PWRITE, O_APPEND, O_DIRECTORY, O_PATH, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SOCK_STREAM, Unix,
  type FileOperations, type KernelPath, type Sys,
} from '../src/index.js';
import { pidfd } from '../src/plugins/pidfd/index.js';
import { errnoOf, newKernel, state, stepLog } from './helpers.js';

describe('pread64 / pwrite64 (ksys_pread64, ksys_pwrite64 in fs/read_write.c)', () => {
  it('reads and writes at the offset; f_pos neither read nor moved', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.read(fd, 2);
    expect(p.pread(fd, 4, 7)).toBe('line');
    expect(p.pwrite(fd, 'L', 0)).toBe(1);
    expect(p.pread(fd, 100, 0)).toBe('Line 1\nline 2\nline 3\n');
    expect(p.lseek(fd, 0, SEEK_CUR)).toBe(2);
    // Past the end: nothing to read; a write leaves NULs where ext4 leaves a hole.
    expect(p.pread(fd, 5, 1000)).toBe('');
    expect(p.pwrite(fd, 'Z', 23)).toBe(1);
    expect(k.vfs.lookup('/data/log').inode.data.slice(21)).toBe('\0\0Z');
    // A zero-length pwrite returns 0 without growing the file, wherever it points.
    expect(p.pwrite(fd, '', 500)).toBe(0);
    expect(k.vfs.lookup('/data/log').inode.data).toHaveLength(24);
    p.close(fd);
  });

  it('pwrite on an O_APPEND file appends whatever the offset (pwrite(2) BUGS), and f_pos stays', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_WRONLY | O_APPEND);
    expect(p.pwrite(fd, 'XY', 1)).toBe(2);
    expect(k.vfs.lookup('/data/log').inode.data).toBe('line 1\nline 2\nline 3\nXY');
    expect(p.lseek(fd, 0, SEEK_CUR)).toBe(0);
    p.close(fd);
  });

  it("answers the host's errno in the host's order", () => {
    // Each line was run on Linux 6.18 (Python's os.pread/os.pwrite on ext4): negative
    // offset before the fd, ESPIPE before the access mode, EISDIR from a directory's read.
    const k = newKernel();
    const p = k.spawnProcess();
    const rw = p.open('/data/log', O_RDWR);
    const [r, w] = p.pipe();
    const wo = p.open('/data/log', O_WRONLY);
    const ro = p.open('/data/log', O_RDONLY);
    const dir = p.open('/srv', O_RDONLY | O_DIRECTORY);
    const path = p.open('/data/log', O_PATH);
    const efd = p.eventfd(3);
    const [s] = Unix.socketpair(p, SOCK_STREAM);
    const before = state(k);
    expect(errnoOf(() => p.pread(rw, 3, -1))).toBe('EINVAL');
    expect(errnoOf(() => p.pread(99, 3, -1))).toBe('EINVAL');
    expect(errnoOf(() => p.pread(99, 3, 0))).toBe('EBADF');
    expect(errnoOf(() => p.pread(r, 3, 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pwrite(w, 'a', 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pread(w, 3, 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pwrite(w, '', 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pread(r, 1, -1))).toBe('EINVAL');
    expect(errnoOf(() => p.pread(wo, 3, 0))).toBe('EBADF');
    expect(errnoOf(() => p.pwrite(ro, 'a', 0))).toBe('EBADF');
    expect(errnoOf(() => p.pread(dir, 3, 0))).toBe('EISDIR');
    expect(errnoOf(() => p.pwrite(dir, 'a', 0))).toBe('EBADF');
    expect(errnoOf(() => p.pread(path, 1, 0))).toBe('EBADF');
    expect(errnoOf(() => p.pwrite(path, 'a', 0))).toBe('EBADF');
    expect(errnoOf(() => p.pread(efd, 8, 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pread(s!, 1, 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pread(rw, 1, 2 ** 63))).toBe('EINVAL');
    expect(state(k)).toBe(before);
    p.closeRange(0, 100);
  });

  it('a pidfd keeps FMODE_PREAD (pidfs opens with dentry_open): EINVAL from vfs_read, not ESPIPE', () => {
    const k = newKernel();
    const pf = k.use(pidfd());
    const p = k.spawnProcess();
    const fd = pf.pidfdOpen(p, p.pid, 0);
    expect(p.fileOf(fd).mode & (FMODE_PREAD | FMODE_PWRITE)).toBe(FMODE_PREAD | FMODE_PWRITE);
    expect(errnoOf(() => p.lseek(fd, 0, 0))).toBe('ESPIPE');
    expect(errnoOf(() => p.pread(fd, 1, 0))).toBe('EINVAL');
    expect(errnoOf(() => p.pwrite(fd, 'x', 0))).toBe('EINVAL');
    p.close(fd);
  });

  it('a stream type with positionalIo reaches its ->read at the offset; without it, ESPIPE', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const at: FileOperations = { name: 'at', stream: true, positionalIo: true, read: (_f, pos, count) => `${pos}:${count}` };
    const plain: FileOperations = { name: 'plain', stream: true, read: () => 'x' };
    k.vfs.mknod('/tmp/at', at);
    k.vfs.mknod('/tmp/plain', plain);
    const a = p.open('/tmp/at', O_RDONLY);
    const b = p.open('/tmp/plain', O_RDONLY);
    expect(p.pread(a, 4, 9)).toBe('9:4');
    expect(errnoOf(() => p.pread(b, 4, 9))).toBe('ESPIPE');
    p.closeRange(0, 10);
  });

  it('looks the fd up with fdget(): no f_pos step and no f_pos_lock, even on a shared file', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.dup(fd); // f_count 2: read() would take f_pos_lock
    p.thread(function* (sys) {
      yield* sys.pread(fd, 4, 0);
      yield* sys.pwrite(fd, 'x', 0);
    });
    k.run();
    const steps = stepLog(k).map((s) => s.slice(s.indexOf(':') + 1));
    expect(steps.filter((s) => /f_pos/.test(s))).toEqual([]);
    expect(steps).toContain('vfs_read');
    expect(steps).toContain('vfs_write');
    p.closeRange(0, 10);
  });

  it('races on the data, never on f_pos: explored exhaustively, no f_pos violation, both orders seen', () => {
    function* preader(sys: Sys, fd: number): KernelPath<string> {
      return yield* sys.pread(fd, 1, 0);
    }
    function* reader(sys: Sys, fd: number): KernelPath<string> {
      yield* sys.write(fd, 'Q');
      return yield* sys.read(fd, 1);
    }
    const s = defineScenario({
      name: 'pread-vs-read',
      title: 'pread on a file another thread writes and reads through f_pos',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', O_RDWR);
        p.thread((sys) => preader(sys, fd));
        p.thread((sys) => reader(sys, fd));
      },
    });
    // Under v6.4's rule read() skips f_pos_lock at f_count 1; pread never asks. (Naive
    // search agrees on random programs of every syscall: test/dpor-syscalls.test.ts.)
    const r = explore(s, { policy: 'linux-6.4' });
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.outcomes.map((o) => o.outcome).sort()).toEqual(['["Q","i"]', '["l","i"]']);
  });
});
