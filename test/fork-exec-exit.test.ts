import { describe, expect, it } from 'vitest';
import { CLONE_FILES, F_SETFD, FD_CLOEXEC, O_CLOEXEC, O_RDONLY, O_RDWR } from '../src/index.js';
import { effects, errnoOf, finish, newKernel, state } from './helpers.js';

describe('fork: copy_files() → dup_fd() (kernel-file.md §5.2)', () => {
  it('the child gets a snapshot of the table: +1 reference per installed slot, cloexec bits copied', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.open('/srv', O_RDONLY | O_CLOEXEC);
    const c = p.dup(a);
    const child = p.fork();
    expect(child.parent).toBe(p);
    expect(child.files).not.toBe(p.files);
    expect(child.files.installedFds()).toEqual([a, b, c]);
    expect(child.fileOf(a)).toBe(p.fileOf(a));
    expect(p.fileOf(a).count).toBe(4);
    expect(p.fileOf(b).count).toBe(2);
    expect(child.files.getCloexec(b)).toBe(true);
    expect(child.files.getCloexec(a)).toBe(false);
    expect([p.files.count, child.files.count]).toEqual([1, 1]);
    // Later changes stay private to each table.
    p.close(a);
    expect(child.fileOf(a).count).toBe(3);
    expect(child.open('/data/log', O_RDONLY)).toBe(3);
    expect(p.open('/data/log', O_RDONLY)).toBe(0);
    expect(child.rlimitNofile).toBe(p.rlimitNofile);
  });

  it('a large table is copied at its size; a small one into the embedded 64 slots', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    p.dup2(fd, 300);
    expect(p.fork().files.fdt.maxFds).toBe(512);
    p.close(300);
    expect(p.fork().files.fdt.maxFds).toBe(64); // sane_fdtable_size: the last open fd decides
  });

  it('RESERVED slots are not inherited: dup_fd clears their open bit in the child', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    const r = p.files.allocFd(0, 1024, true);
    const child = p.fork();
    expect(p.files.slotState(r)).toBe('reserved');
    expect(child.files.slotState(r)).toBe('free');
    expect(child.open('/srv', O_RDONLY)).toBe(r);
    p.files.putUnusedFd(r);
  });
});

describe('clone(CLONE_FILES) and unshare (kernel-file.md §5.1, §5.3)', () => {
  it('threads share one files_struct and raise its count; shareFiles: false gives a private copy', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const t1 = p.thread(function* (sys) {
      yield* sys.getpid();
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.getpid();
    });
    expect(t1).toBe(p.main);
    expect(t2.files).toBe(p.files);
    expect(p.files.count).toBe(2);
    const t3 = p.thread(function* (sys) {
      yield* sys.getpid();
    }, { shareFiles: false });
    expect(t3.files).not.toBe(p.files);
    expect(p.files.count).toBe(2);
    expect(t3.files!.count).toBe(1);
    expect(p.fileOf(fd).count).toBe(2);
    expect(effects(k).filter((e) => e.fn === 'copy_files(CLONE_FILES)').map((e) => [e.before, e.after])).toEqual([[1, 2]]);
    finish(k);
  });

  it('an fd opened by one thread is visible to the other at once', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    let seen: number | string = -1;
    p.thread(function* (sys) {
      yield* sys.open('/data/log', O_RDONLY);
    });
    p.thread(function* (sys) {
      try {
        seen = yield* sys.dup(0);
      } catch (e) {
        seen = (e as Error).message;
      }
    });
    finish(k);
    expect(seen).toBe(1);
  });

  it('unshare(CLONE_FILES) on a shared table makes a private copy and drops the old one', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const shared = p.files;
    p.thread(function* (sys) {
      yield* sys.getpid();
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.unshare(CLONE_FILES);
      yield* sys.close(fd);
    });
    finish(k);
    expect(t2.files).not.toBe(shared);
    expect(shared.count).toBe(1);
    expect(shared.installedFds()).toEqual([fd]); // the close happened in the copy
    expect(t2.files!.installedFds()).toEqual([]);
    expect(shared.lookupRaw(fd)!.count).toBe(1);
  });

  it('unshare on an unshared table changes nothing; unshare(0) is a no-op; other flags are EINVAL', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    const files = p.files;
    const before = state(k);
    p.unshare(CLONE_FILES);
    p.unshare(0);
    expect(p.files).toBe(files);
    expect(errnoOf(() => p.unshare(0x100))).toBe('EINVAL');
    expect(errnoOf(() => p.unshare(CLONE_FILES | 0x100))).toBe('EINVAL');
    expect(state(k)).toBe(before);
    p.close(0);
  });
});

describe('exec (kernel-file.md §4.8, §5.4)', () => {
  it('closes exactly the close-on-exec fds and keeps the others', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const keep = p.open('/data/log', O_RDONLY);
    const gone = p.open('/srv', O_RDONLY | O_CLOEXEC);
    const marked = p.open('/data/log', O_RDWR);
    p.fcntl(marked, F_SETFD, FD_CLOEXEC);
    const goneFile = p.fileOf(gone);
    p.exec();
    expect(p.files.installedFds()).toEqual([keep]);
    expect(goneFile.live).toBe(false);
    expect(p.open('/srv', O_RDONLY)).toBe(gone);
    expect(p.files.getCloexec(gone)).toBe(false);
  });

  it('a single-threaded exec keeps the same table (count 1: unshare_files copies nothing)', () => {
    for (const execUnshare of ['before-de_thread', 'after-de_thread'] as const) {
      const k = newKernel({ policy: { execUnshare } });
      const p = k.spawnProcess();
      p.open('/data/log', O_RDONLY);
      const files = p.files;
      p.exec();
      expect(p.files).toBe(files);
      p.close(0);
    }
  });

  it('a multithreaded exec kills the other threads (de_thread) and ends with an unshared table', () => {
    for (const execUnshare of ['before-de_thread', 'after-de_thread'] as const) {
      const k = newKernel({ policy: { execUnshare } });
      const p = k.spawnProcess();
      const fd = p.open('/data/log', O_RDONLY);
      const t1 = p.thread(function* (sys) {
        yield* sys.getpid();
      });
      const t2 = p.thread(function* (sys) {
        yield* sys.exec();
      });
      finish(k);
      expect(t1.exited).toBe(true);
      expect(t1.sim.killed).toBe(true);
      expect(t2.exited).toBe(false);
      expect(t2.files!.count).toBe(1);
      expect(t2.files!.lookupRaw(fd)!.count).toBe(1);
      // after-de_thread keeps the original table; before-de_thread switched to a copy.
      expect(t2.files!.name).toBe(execUnshare === 'after-de_thread' ? 'P1.files' : 'P1.files2');
    }
  });

  it('de_thread waits until the other threads have left the kernel', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    const t1 = p.thread(function* (sys) {
      yield* sys.dup(0);
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.exec();
    });
    // T1 enters dup (inside the kernel), T2 reaches de_thread and must wait for T1.
    k.engine.step(t1.sim.id);
    while (t2.sim.pending!.fn !== 'de_thread: wait for the other threads to leave the kernel') k.engine.step(t2.sim.id);
    expect(k.engine.isEnabled(t2.sim.id)).toBe(false);
    while (t1.sim.inKernel > 0) k.engine.step(t1.sim.id);
    expect(k.engine.isEnabled(t2.sim.id)).toBe(true);
    finish(k);
    expect(t1.exited).toBe(true);
    expect(t2.files!.installedFds()).toEqual([0, 1]); // the dup completed before T1 was killed
  });
});

describe('exit: exit_files() → put_files_struct() (kernel-file.md §5.6)', () => {
  it('the last task using a table closes every file in it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    p.open('/srv', O_RDONLY);
    const child = p.fork();
    child.exit();
    expect(child.exited).toBe(true);
    expect(child.main.files).toBeNull();
    expect(errnoOf(() => child.files)).toBe('ESRCH');
    expect(p.fileOf(0).count).toBe(1);
    p.exit();
    expect(k.slab.allocated).toBe(0);
    expect(k.vfs.root.count).toBe(0);
  });

  it('a thread exiting from a shared table only drops the count', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    p.thread(function* (sys) {
      yield* sys.getpid();
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.exit();
    });
    finish(k);
    expect(t2.exited).toBe(true);
    expect(p.files.count).toBe(1);
    expect(p.fileOf(0).count).toBe(1);
    expect(p.exited).toBe(false);
  });

  it('syscalls of an exited task fail with EBADF and change nothing', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.exit();
    const before = state(k);
    expect(errnoOf(() => p.open('/data/log', O_RDONLY))).toBe('EBADF');
    expect(errnoOf(() => p.close(0))).toBe('EBADF');
    expect(errnoOf(() => p.dup(0))).toBe('EBADF');
    expect(errnoOf(() => p.fork())).toBe('EBADF');
    expect(state(k)).toBe(before);
  });
});

describe('sys.clone() at run time', () => {
  it('with CLONE_FILES the new thread shares the table (count +1) and is scheduled', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const t1 = p.thread(function* (sys) {
      const t = yield* sys.clone(function* (s2) { return yield* s2.read(fd, 4); });
      return [t.files === sys.task.files, p.files.count];
    });
    k.run({ kind: 'round-robin' });
    expect(t1.sim.result).toEqual([true, 2]);
    expect(k.engine.threads[1]!.result).toBe('line');
  });

  it('without CLONE_FILES the new thread gets a dup_fd copy', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    p.thread(function* (sys) {
      const t = yield* sys.clone(function* (s2) { yield* s2.close(fd); }, { shareFiles: false });
      return t.files === sys.task.files;
    });
    k.run();
    expect(k.engine.threads[0]!.result).toBe(false);
    expect(p.files.lookupRaw(fd)).not.toBe(null); // only the copy was closed
    expect(p.fileOf(fd).count).toBe(1);
  });
});
