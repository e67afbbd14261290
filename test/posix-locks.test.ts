import { describe, expect, it } from 'vitest';
import {
  F_GETLK, F_RDLCK, F_SETLK, F_SETLKW, F_UNLCK, F_WRLCK, O_PATH, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
  posixLocksOf, type Flock, type Process,
} from '../src/index.js';
import { catching, errnoOf, finish, newKernel, state, stepUntil, stepToEnd } from './helpers.js';

const WHOLE = (type: number): Flock => ({ type, start: 0, len: 0 });

function locks(p: Process, fd: number) {
  return posixLocksOf(p.fileOf(fd).inode).map((l) => `${l.owner.name} ${['R', 'W'][l.type]} ${l.start}-${l.end === Infinity ? 'eof' : l.end}`);
}

describe('fcntl F_SETLK / F_GETLK: POSIX record locks owned by the files_struct (kernel-file.md §5.5)', () => {
  it('write locks conflict with any lock of another owner; read locks share', () => {
    const k = newKernel();
    const p1 = k.spawnProcess();
    const p2 = k.spawnProcess();
    const a = p1.open('/data/log', O_RDWR);
    const b = p2.open('/data/log', O_RDWR);
    expect(p1.fcntl(a, F_SETLK, { type: F_RDLCK, start: 0, len: 10 })).toBe(0);
    expect(p2.fcntl(b, F_SETLK, { type: F_RDLCK, start: 5, len: 10 })).toBe(0);
    const before = state(k);
    expect(errnoOf(() => p2.fcntl(b, F_SETLK, { type: F_WRLCK, start: 0, len: 1 }))).toBe('EAGAIN');
    expect(errnoOf(() => p1.fcntl(a, F_SETLK, { type: F_WRLCK, start: 12, len: 1 }))).toBe('EAGAIN');
    expect(state(k)).toBe(before);
    expect(p1.fcntl(a, F_SETLK, { type: F_WRLCK, start: 20, len: 5 })).toBe(0); // no overlap
    expect(locks(p1, a)).toEqual(['P1.files R 0-9', 'P1.files W 20-24', 'P2.files R 5-14']); // an owner's locks stay together
  });

  it('one owner never conflicts with itself: a lock is upgraded, split and unlocked in place', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.fcntl(fd, F_SETLK, { type: F_RDLCK, start: 0, len: 0 });
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 10, len: 5 });
    expect(locks(p, fd)).toEqual(['P1.files R 0-9', 'P1.files W 10-14', 'P1.files R 15-eof']); // sorted by start, as posix_lock_inode() keeps them
    p.fcntl(fd, F_SETLK, { type: F_UNLCK, start: 0, len: 12 });
    expect(locks(p, fd)).toEqual(['P1.files W 12-14', 'P1.files R 15-eof']);
    p.fcntl(fd, F_SETLK, WHOLE(F_UNLCK));
    expect(locks(p, fd)).toEqual([]);
  });

  it('whence and negative lengths: SEEK_CUR from f_pos, SEEK_END from the size, len < 0 locks backwards', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.lseek(fd, 4, SEEK_SET);
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: SEEK_CUR, start: 1, len: 2 });
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: SEEK_END, start: 0, len: -3 });
    expect(locks(p, fd)).toEqual(['P1.files W 5-6', 'P1.files W 18-20']);
    expect(errnoOf(() => p.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: SEEK_SET, start: 0, len: -1 }))).toBe('EINVAL');
    expect(errnoOf(() => p.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: 9, start: 0, len: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => p.fcntl(fd, F_SETLK, { type: 7, start: 0, len: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0.5, len: 0 }))).toBe('EINVAL');
  });

  it('F_GETLK returns the first conflicting lock with its pid, or F_UNLCK', () => {
    const k = newKernel();
    const p1 = k.spawnProcess();
    const p2 = k.spawnProcess();
    const a = p1.open('/data/log', O_RDWR);
    const b = p2.open('/data/log', O_RDONLY);
    p1.fcntl(a, F_SETLK, { type: F_WRLCK, start: 10, len: 0 });
    expect(p2.fcntl(b, F_GETLK, { type: F_RDLCK, start: 0, len: 5 })).toEqual({ type: F_UNLCK, start: 0, len: 5 });
    // With no conflict only l_type changes: whence, start and len come back as given.
    expect(p2.fcntl(b, F_GETLK, { type: F_RDLCK, whence: SEEK_CUR, start: 2, len: 3 })).toEqual({ type: F_UNLCK, whence: SEEK_CUR, start: 2, len: 3 });
    expect(p2.fcntl(b, F_GETLK, { type: F_RDLCK, start: 0, len: 20 })).toEqual({ type: F_WRLCK, whence: SEEK_SET, start: 10, len: 0, pid: p1.pid });
    // F_GETLK does not check the open mode (a write lock can be tested on an O_RDONLY fd).
    expect(p2.fcntl(b, F_GETLK, { type: F_WRLCK, start: 12, len: 1 }).type).toBe(F_WRLCK);
    // Own locks never conflict.
    expect(p1.fcntl(a, F_GETLK, WHOLE(F_WRLCK)).type).toBe(F_UNLCK);
    expect(errnoOf(() => p2.fcntl(b, F_GETLK, WHOLE(F_UNLCK)))).toBe('EINVAL');
  });

  it('EBADF: F_RDLCK needs FMODE_READ, F_WRLCK needs FMODE_WRITE; O_PATH and free fds fail', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const ro = p.open('/data/log', O_RDONLY);
    const wo = p.open('/data/log', O_WRONLY);
    const path = p.open('/data/log', O_PATH);
    const before = state(k);
    expect(errnoOf(() => p.fcntl(ro, F_SETLK, WHOLE(F_WRLCK)))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(wo, F_SETLK, WHOLE(F_RDLCK)))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(path, F_SETLK, WHOLE(F_RDLCK)))).toBe('EBADF');
    // check_fcntl_cmd(): an O_PATH fd allows no lock command at all, not even unlock or test.
    expect(errnoOf(() => p.fcntl(path, F_SETLK, WHOLE(F_UNLCK)))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(path, F_GETLK, WHOLE(F_RDLCK)))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(9, F_SETLK, WHOLE(F_RDLCK)))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(9, F_GETLK, WHOLE(F_RDLCK)))).toBe('EBADF');
    expect(state(k)).toBe(before);
    expect(p.fcntl(ro, F_SETLK, WHOLE(F_UNLCK))).toBe(0); // unlocking needs no mode
  });

  it('any close of any fd for the inode through the table drops all of that table\'s locks', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const q = k.spawnProcess();
    const a = p.open('/data/log', O_RDWR);
    const b = p.open('/data/log', O_RDONLY); // a different open file description, same inode
    const other = p.open('/srv/a', O_RDWR);
    const qfd = q.open('/data/log', O_RDWR);
    p.fcntl(a, F_SETLK, { type: F_WRLCK, start: 0, len: 5 });
    p.fcntl(other, F_SETLK, WHOLE(F_WRLCK));
    q.fcntl(qfd, F_SETLK, { type: F_WRLCK, start: 10, len: 5 });
    p.close(b);
    expect(locks(p, a)).toEqual(['P2.files W 10-14']); // P1's lock went; P2's stays
    expect(locks(p, other)).toEqual(['P1.files W 0-eof']); // other inodes are untouched
  });

  it('a fork child neither inherits nor drops the parent\'s locks', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.fcntl(fd, F_SETLK, WHOLE(F_WRLCK));
    const child = p.fork();
    expect(errnoOf(() => child.fcntl(fd, F_SETLK, WHOLE(F_RDLCK)))).toBe('EAGAIN'); // a different owner
    child.close(fd);
    child.exit();
    expect(locks(p, fd)).toEqual(['P1.files W 0-eof']);
  });

  it('threads share the owner: a lock by one thread is the other\'s, and its close drops it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const d = p.dup(fd);
    p.thread(function* (sys) {
      yield* sys.fcntl(fd, F_SETLK, WHOLE(F_WRLCK));
    });
    let second: unknown;
    p.thread(function* (sys) {
      second = yield* sys.fcntl(d, F_SETLK, { type: F_RDLCK, start: 0, len: 1 }); // same owner: no conflict
      yield* sys.close(d);
    });
    finish(k);
    expect(second).toBe(0);
    expect(locks(p, fd)).toEqual([]);
  });

  it('the table\'s death drops its locks (close_files on the last put_files_struct)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const keeper = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const inode = p.fileOf(fd).inode;
    keeper.open('/data/log', O_RDONLY);
    p.fcntl(fd, F_SETLK, WHOLE(F_WRLCK));
    expect(posixLocksOf(inode)).toHaveLength(1);
    p.exit();
    expect(posixLocksOf(inode)).toEqual([]);
  });

  it('F_SETLKW waits for a conflicting lock and takes it when the holder closes', () => {
    const k = newKernel();
    const p1 = k.spawnProcess();
    const p2 = k.spawnProcess();
    const a = p1.open('/data/log', O_RDWR);
    const b = p2.open('/data/log', O_RDWR);
    p1.fcntl(a, F_SETLK, WHOLE(F_WRLCK));
    const waiter = p2.thread(function* (sys) {
      yield* sys.fcntl(b, F_SETLKW, WHOLE(F_WRLCK));
    });
    stepUntil(k, waiter.sim, 'posix_lock_file');
    expect(k.engine.isEnabled(waiter.sim.id)).toBe(false);
    expect(p1.fcntl(a, F_SETLKW, WHOLE(F_WRLCK))).toBe(0); // its own lock: no conflict, no wait
    p1.close(a);
    expect(k.engine.isEnabled(waiter.sim.id)).toBe(true);
    stepToEnd(k, waiter.sim);
    expect(locks(p2, b)).toEqual(['P2.files W 0-eof']);
  });

  it('F_SETLKW on a lock that is never released is a reported deadlock', () => {
    const k = newKernel();
    const p1 = k.spawnProcess();
    const p2 = k.spawnProcess();
    const a = p1.open('/data/log', O_RDWR);
    const b = p2.open('/data/log', O_RDWR);
    p1.fcntl(a, F_SETLK, WHOLE(F_WRLCK));
    p2.thread(function* (sys) {
      yield* sys.fcntl(b, F_SETLKW, WHOLE(F_WRLCK));
    });
    const r = k.run();
    expect(r).toMatchObject({ completed: false, deadlock: true });
    expect(k.engine.violations.map((v) => v.kind)).toEqual(['deadlock']);
    expect(k.engine.violations[0]!.message).toMatch(/P2\.T1 waits in posix_lock_file for POSIX lock on \/data\/log/);
    p1.close(a); // release, then let the waiter finish so the audit sees a quiescent kernel
    expect(k.run().completed).toBe(true);
  });

  it('fcntl_setlk vs close: a lock whose fd was closed meanwhile is removed again and the call is EBADF', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const inode = p.fileOf(fd).inode;
    let res: unknown;
    const locker = p.thread(function* (sys) {
      res = yield* catching(sys.fcntl(fd, F_SETLK, WHOLE(F_WRLCK)));
    });
    const closer = p.thread(function* (sys) {
      yield* sys.close(fd);
    });
    // The locker has its reference (fdget) but no lock yet; the closer closes the fd and
    // runs locks_remove_posix(), which finds nothing to remove.
    stepUntil(k, locker.sim, 'posix_lock_file');
    stepToEnd(k, closer.sim);
    expect(posixLocksOf(inode)).toEqual([]);
    expect(p.files.slotState(fd)).toBe('free');
    // Now the lock is set on a file no fd refers to: orphaned until the recheck.
    k.engine.step(locker.sim.id);
    expect(locker.sim.pending!.fn).toBe('fcntl_setlk:recheck fd');
    expect(posixLocksOf(inode)).toHaveLength(1);
    stepToEnd(k, locker.sim);
    expect(res).toBe('EBADF');
    expect(posixLocksOf(inode)).toEqual([]);
  });
});

describe('posix_lock_inode() coalescing (checked on Linux 6.18 by conformance/)', () => {
  it('an owner\'s overlapping or adjacent locks of one type merge; F_GETLK then reports the merged range', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 5, len: 0 });
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 3, len: 4 });
    p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 1, len: 2 }); // touches 3: merges too
    expect(locks(p, fd)).toEqual(['P1.files W 1-eof']);
    const c = p.fork();
    expect(c.fcntl(fd, F_GETLK, { type: F_RDLCK, start: 4, len: 1 })).toEqual({ type: F_WRLCK, whence: 0, start: 1, len: 0, pid: p.pid });
    c.exit();
    p.close(fd);
  });
});
