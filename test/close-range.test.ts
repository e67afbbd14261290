import { describe, expect, it } from 'vitest';
import { CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, O_RDONLY, posixLocksOf, F_SETLK, F_WRLCK, O_RDWR } from '../src/index.js';
import { errnoOf, finish, newKernel, state, stepToEnd, stepUntil } from './helpers.js';

function openN(p: { open(path: string, flags: number): number }, n: number): void {
  for (let i = 0; i < n; i++) p.open('/data/log', O_RDONLY);
}

describe('close_range(2) (kernel-file.md §4.6)', () => {
  it('closes every installed fd in [first, last] and nothing outside', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 8);
    p.closeRange(2, 5);
    expect(p.files.installedFds()).toEqual([0, 1, 6, 7]);
    expect(k.slab.allocated).toBe(4);
    p.closeRange(0, 0);
    expect(p.files.installedFds()).toEqual([1, 6, 7]);
    p.closeRange(0, 2 ** 32 - 1); // max_fd is clamped to the table: close_range(0, ~0U, 0)
    expect(p.files.installedFds()).toEqual([]);
    expect(k.slab.allocated).toBe(0);
  });

  it('a range above the table or over free slots is a successful no-op', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 2);
    const before = state(k);
    p.closeRange(100, 200);
    p.closeRange(5, 9);
    expect(state(k)).toBe(before);
    p.closeRange(0, 1);
  });

  it('EINVAL for first > last, unknown flags, negative or non-integer bounds — nothing changes', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 3);
    const before = state(k);
    expect(errnoOf(() => p.closeRange(2, 1))).toBe('EINVAL');
    expect(errnoOf(() => p.closeRange(0, 5, 1))).toBe('EINVAL');
    expect(errnoOf(() => p.closeRange(0, 5, 1 << 3))).toBe('EINVAL');
    expect(errnoOf(() => p.closeRange(-1, 5))).toBe('EINVAL');
    expect(errnoOf(() => p.closeRange(0.5, 5))).toBe('EINVAL');
    expect(errnoOf(() => p.closeRange(0, NaN))).toBe('EINVAL');
    expect(state(k)).toBe(before);
    p.closeRange(0, 2);
  });

  it('skips RESERVED slots: the open in progress keeps its number', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 2);
    const r = p.files.allocFd(0, 1024, false);
    p.closeRange(0, 10);
    expect(p.files.slotState(r)).toBe('reserved');
    p.files.putUnusedFd(r);
  });

  it('drops the POSIX locks of the table on each closed file (filp_close per fd)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 0 });
    const inode = p.fileOf(fd).inode;
    p.closeRange(0, 0);
    expect(posixLocksOf(inode)).toEqual([]);
  });

  it('CLOSE_RANGE_CLOEXEC marks the range close-on-exec instead of closing', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 5);
    p.closeRange(1, 3, CLOSE_RANGE_CLOEXEC);
    expect(p.files.installedFds()).toEqual([0, 1, 2, 3, 4]);
    expect([0, 1, 2, 3, 4].map((fd) => p.files.getCloexec(fd))).toEqual([false, true, true, true, false]);
    p.exec();
    expect(p.files.installedFds()).toEqual([0, 4]);
    p.closeRange(0, 10);
  });

  it('CLOSE_RANGE_CLOEXEC also marks a RESERVED slot, so the open in progress lands close-on-exec', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 1);
    let fd = -1;
    const t = p.thread(function* (sys) {
      fd = yield* sys.open('/srv', O_RDONLY);
    });
    stepUntil(k, t.sim, 'fd_install');
    expect(p.files.slotState(1)).toBe('reserved');
    p.closeRange(0, 100, CLOSE_RANGE_CLOEXEC);
    finish(k);
    expect(fd).toBe(1);
    expect(p.files.getCloexec(1)).toBe(true);
    // A free slot in the range had its bit set too, but allocation resets it.
    expect(p.open('/data/log', O_RDONLY)).toBe(2);
    expect(p.files.getCloexec(2)).toBe(false);
    p.closeRange(0, 10);
  });

  it('CLOSE_RANGE_UNSHARE on a shared table closes only in the caller\'s private copy', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 4);
    const shared = p.files;
    p.thread(function* (sys) {
      yield* sys.getpid();
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.closeRange(1, 2, CLOSE_RANGE_UNSHARE);
    });
    expect(shared.count).toBe(2);
    finish(k);
    expect(t2.files).not.toBe(shared);
    expect(t2.files!.installedFds()).toEqual([0, 3]);
    expect(shared.installedFds()).toEqual([0, 1, 2, 3]); // the other thread keeps every fd
    expect(shared.count).toBe(1);
    expect(t2.files!.count).toBe(1);
    expect(shared.lookupRaw(0)!.count).toBe(2);
    expect(shared.lookupRaw(1)!.count).toBe(1);
  });

  it('CLOSE_RANGE_UNSHARE closes on the private copy first, and installs it only afterwards (the kernel\'s order)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 4);
    const shared = p.files;
    p.thread(function* (sys) {
      yield* sys.getpid();
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.closeRange(1, 2, CLOSE_RANGE_UNSHARE);
    });
    stepUntil(k, t2.sim, 'filp_flush'); // fd 1 already gone from the copy
    expect(t2.files).toBe(shared); // task->files still the shared table
    expect(shared.installedFds()).toEqual([0, 1, 2, 3]);
    stepUntil(k, t2.sim, 'task_lock: task->files = copy');
    expect(t2.files).toBe(shared);
    finish(k);
    expect(t2.files).not.toBe(shared);
    expect(t2.files!.installedFds()).toEqual([0, 3]);
  });

  it('arguments are unsigned int, converted as C converts them: closeRange(3, ~0) closes from 3 up', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 6);
    p.closeRange(4, ~0); // close_range(4, ~0U, 0)
    expect(p.files.installedFds()).toEqual([0, 1, 2, 3]);
    p.closeRange(3, -1);
    expect(p.files.installedFds()).toEqual([0, 1, 2]);
    expect(errnoOf(() => p.closeRange(-1, 5))).toBe('EINVAL'); // ~0U > 5
    expect(errnoOf(() => p.closeRange(0, 5, -1))).toBe('EINVAL'); // every flag bit
    expect(errnoOf(() => p.closeRange(0, 2 ** 32))).toBe('EINVAL'); // no C unsigned int holds it
    p.closeRange(0, 2);
  });

  it('CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC marks only the private copy', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 2);
    const shared = p.files;
    p.thread(function* (sys) {
      yield* sys.getpid();
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.closeRange(0, 10, CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC);
    });
    finish(k);
    expect(t2.files!.installedFds()).toEqual([0, 1]);
    expect([t2.files!.getCloexec(0), t2.files!.getCloexec(1)]).toEqual([true, true]);
    expect([shared.getCloexec(0), shared.getCloexec(1)]).toEqual([false, false]);
  });

  it('CLOSE_RANGE_UNSHARE on an unshared table keeps the same table', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 3);
    const files = p.files;
    p.closeRange(1, 1, CLOSE_RANGE_UNSHARE);
    expect(p.files).toBe(files);
    expect(files.installedFds()).toEqual([0, 2]);
    p.closeRange(0, 10);
  });

  it('stepped: fds already visited can be reopened by another thread and are not closed', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    openN(p, 3);
    let reopened = -1;
    const closer = p.thread(function* (sys) {
      yield* sys.closeRange(0, 10);
    });
    const opener = p.thread(function* (sys) {
      reopened = yield* sys.open('/srv', O_RDONLY);
    });
    // The closer empties fd 0, then the opener takes fd 0 while fds 1 and 2 are still open.
    stepUntil(k, closer.sim, 'filp_flush');
    stepToEnd(k, opener.sim);
    expect(reopened).toBe(0);
    stepToEnd(k, closer.sim);
    expect(p.files.installedFds()).toEqual([0]);
    expect(p.fileOf(0).inode.path).toBe('/srv');
    expect(k.slab.allocated).toBe(1);
    p.close(0);
  });
});
