import { describe, expect, it } from 'vitest';
import {
  FMODE_ATOMIC_POS, FMODE_LSEEK, FMODE_PATH, FMODE_READ, FMODE_WRITE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY,
  O_EXCL, O_LARGEFILE, O_PATH, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, type FileOperations,
} from '../src/index.js';
import { effects, errnoOf, newKernel, state, stepUntil, stepToEnd } from './helpers.js';

describe('open(2)', () => {
  it('sets f_mode as do_dentry_open: read/write bits, FMODE_LSEEK and FMODE_ATOMIC_POS for regular files and dirs', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const modes = (path: string, flags: number) => p.fileOf(p.open(path, flags)).mode & (FMODE_READ | FMODE_WRITE | FMODE_LSEEK | FMODE_ATOMIC_POS | FMODE_PATH);
    expect(modes('/data/log', O_RDONLY)).toBe(FMODE_READ | FMODE_LSEEK | FMODE_ATOMIC_POS);
    expect(modes('/data/log', O_WRONLY)).toBe(FMODE_WRITE | FMODE_LSEEK | FMODE_ATOMIC_POS);
    expect(modes('/data/log', O_RDWR)).toBe(FMODE_READ | FMODE_WRITE | FMODE_LSEEK | FMODE_ATOMIC_POS);
    expect(modes('/srv', O_RDONLY | O_DIRECTORY)).toBe(FMODE_READ | FMODE_LSEEK | FMODE_ATOMIC_POS);
    expect(modes('/srv', O_PATH)).toBe(FMODE_PATH);
    const [r, w] = p.pipe();
    expect(p.fileOf(r).mode & (FMODE_READ | FMODE_WRITE | FMODE_ATOMIC_POS | FMODE_LSEEK)).toBe(FMODE_READ);
    expect(p.fileOf(w).mode & (FMODE_READ | FMODE_WRITE | FMODE_ATOMIC_POS | FMODE_LSEEK)).toBe(FMODE_WRITE);
    expect(p.fileOf(0).flags).toBe(O_RDONLY | O_LARGEFILE); // open(2) forces O_LARGEFILE on 64-bit
    p.closeRange(0, 100);
  });

  it('O_CLOEXEC sets the fd flag but is not kept in f_flags', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR | O_CLOEXEC | O_APPEND);
    expect(p.files.getCloexec(fd)).toBe(true);
    expect(p.fileOf(fd).flags).toBe(O_RDWR | O_APPEND | O_LARGEFILE);
    p.close(fd);
  });

  it('O_CREAT creates, O_EXCL refuses an existing file, O_TRUNC empties a regular file', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/tmp/new', O_RDWR | O_CREAT);
    expect(k.vfs.lookup('/tmp/new').inode.kind).toBe('reg');
    expect(k.vfs.lookup('/tmp').inode.entries).toEqual(['new']);
    p.write(fd, 'hello');
    expect(errnoOf(() => p.open('/tmp/new', O_RDWR | O_CREAT | O_EXCL))).toBe('EEXIST');
    p.close(p.open('/tmp/new', O_PATH | O_TRUNC)); // O_PATH drops O_TRUNC
    expect(k.vfs.lookup('/tmp/new').inode.data).toBe('hello');
    p.close(p.open('/tmp/new', O_WRONLY | O_TRUNC));
    expect(k.vfs.lookup('/tmp/new').inode.data).toBe('');
    p.write(fd, 'again');
    // Linux truncates on O_RDONLY | O_TRUNC too (build_open_flags adds MAY_WRITE; do_open truncates).
    p.close(p.open('/tmp/new', O_RDONLY | O_TRUNC));
    expect(k.vfs.lookup('/tmp/new').inode.data).toBe('');
    p.close(fd);
  });

  it('path errors: ENOENT, ENOTDIR, EISDIR — and the reserved fd is released (nothing changes)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const before = state(k);
    expect(errnoOf(() => p.open('/nope', O_RDONLY))).toBe('ENOENT');
    expect(errnoOf(() => p.open('/nope/x', O_RDWR | O_CREAT))).toBe('ENOENT');
    expect(errnoOf(() => p.open('/data/log/x', O_RDONLY))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/data/log/x', O_RDWR | O_CREAT))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/data/log', O_DIRECTORY))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/srv', O_WRONLY))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/srv', O_RDWR))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/srv', O_RDONLY | O_TRUNC))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/srv', O_RDONLY | O_CREAT))).toBe('EISDIR');
    expect(errnoOf(() => p.open('relative', O_RDONLY))).toBe('ENOENT');
    expect(state(k)).toBe(before);
    expect(p.files.nextFd).toBe(0);
    expect(k.slab.allocated).toBe(0);
    expect(p.open('/srv', O_RDONLY)).toBe(0);
    p.close(0);
  });

  it('the stepped open keeps the fd RESERVED across do_filp_open, then installs it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    let fd = -1;
    const t = p.thread(function* (sys) {
      fd = yield* sys.open('/data/log', O_RDONLY);
    });
    expect(t.sim.pending!.fn).toBe('get_unused_fd_flags');
    k.engine.step(t.sim.id);
    expect(p.files.slotState(0)).toBe('reserved');
    expect(t.sim.pending!.fn).toBe('do_filp_open');
    k.engine.step(t.sim.id);
    expect(p.files.slotState(0)).toBe('reserved'); // the file exists but is not visible yet
    expect(k.slab.allocated).toBe(1);
    stepToEnd(k, t.sim);
    expect(fd).toBe(0);
    expect(p.files.slotState(0)).toBe('installed');
    p.close(0);
  });

  it('a stepped open that fails releases its reservation with put_unused_fd', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    let err = '';
    p.thread(function* (sys) {
      try {
        yield* sys.open('/missing', O_RDONLY);
      } catch (e) {
        err = (e as Error).message;
      }
    });
    k.run();
    expect(err).toMatch(/ENOENT/);
    expect(p.files.slotState(0)).toBe('free');
    expect(effects(k).map((e) => e.fn)).toEqual(['spawn', 'alloc_fd', 'put_unused_fd']);
  });
});

describe('close(2)', () => {
  it('frees the number at once, flushes, and the last reference runs __fput synchronously', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    p.close(fd);
    expect(p.files.slotState(fd)).toBe('free');
    expect(f.live).toBe(false);
    expect(effects(k).map((e) => e.fn).slice(-5)).toEqual(['file_close_fd', 'fput', '__fput', 'mntput', 'file_free']);
  });

  it('EBADF on a free fd and on a RESERVED fd (the open in progress keeps its slot)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const r = p.files.allocFd(0, 1024, false);
    const before = state(k);
    expect(errnoOf(() => p.close(r))).toBe('EBADF');
    expect(errnoOf(() => p.close(7))).toBe('EBADF');
    expect(state(k)).toBe(before);
    expect(p.files.slotState(r)).toBe('reserved');
    p.files.putUnusedFd(r);
  });

  it('a second close of the same fd is EBADF', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    p.close(fd);
    expect(errnoOf(() => p.close(fd))).toBe('EBADF');
  });

  it('calls ->flush with the table as the owner on every close, ->release at the last', () => {
    const k = newKernel();
    const calls: string[] = [];
    const ops: FileOperations = {
      name: 'probe',
      flush: (f, owner) => calls.push(`flush ${f.name} by ${(owner as { name: string }).name}`),
      release: (f) => calls.push(`release ${f.name}`),
    };
    const p = k.spawnProcess();
    const fd = p.files.allocFd(0, 1024, false);
    p.files.fdInstall(fd, k.vfs.openAnon('probe', ops));
    const c = p.fork();
    c.close(fd);
    p.close(fd);
    expect(calls).toEqual(['flush file#1 by P2.files', 'flush file#1 by P1.files', 'release file#1']);
  });

  it('stepped: after file_close_fd the number is reusable while the file is still alive', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    const t = p.thread(function* (sys) {
      yield* sys.close(fd);
    });
    stepUntil(k, t.sim, 'filp_flush');
    expect(p.files.slotState(fd)).toBe('free');
    expect(f.live).toBe(true);
    expect(f.count).toBe(1); // the closer holds the slot's reference now
    const again = p.open('/srv', O_RDONLY);
    expect(again).toBe(fd);
    expect(p.fileOf(again)).not.toBe(f);
    stepToEnd(k, t.sim);
    expect(f.live).toBe(false);
    p.close(again);
  });
});
