import { describe, expect, it } from 'vitest';
import {
  countStep, FMODE_OPENED, O_RDONLY, O_RDWR, fputDeferred, fputTeardown, fputTeardownSteps, runTaskWork,
  type FileOperations, type FputContext,
} from '../src/index.js';
import { effects, expectLeak, newKernel, stepLog, violations } from './helpers.js';

describe('RefFile reference counting (kernel-file.md §2, §7)', () => {
  it('a new file has one reference, owned by the opener', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.count).toBe(1);
    expect(f.live).toBe(true);
    expect(f.mode & FMODE_OPENED).toBe(FMODE_OPENED);
    expect(k.slab.allocated).toBe(1);
    f.fput();
    expect(f.live).toBe(false);
    expect(k.slab.allocated).toBe(0);
  });

  it('getFile increments, fput decrements, and only the last put runs __fput', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.getFile()).toBe(f);
    expect(f.count).toBe(2);
    f.fput();
    expect(f.count).toBe(1);
    expect(f.live).toBe(true);
    expect(effects(k).filter((e) => e.fn === '__fput')).toHaveLength(0);
    f.fput();
    expect(f.count).toBe(0);
    expect(f.live).toBe(false);
    expect(effects(k).filter((e) => e.fn === '__fput')).toHaveLength(1);
  });

  it('getFileActive is increment-if-not-zero: it fails on a dying file', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.getFileActive()).toBe(true);
    expect(f.count).toBe(2);
    f.fput();
    expect(f.put()).toBe(true); // last reference gone, __fput not yet run
    expect(f.getFileActive()).toBe(false);
    expect(f.count).toBe(0);
    expect(k.engine.violations).toEqual([]); // a failed inc-not-zero is legal
    fputTeardown(f);
    expect(f.live).toBe(false);
  });

  it('open/dup/fork/close move the count by one per fd slot', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const f = p.fileOf(fd);
    expect(f.count).toBe(1);
    const d = p.dup(fd);
    expect(f.count).toBe(2);
    const child = p.fork();
    expect(f.count).toBe(4); // two slots in the parent, two in the child
    child.exit();
    expect(f.count).toBe(2);
    p.close(d);
    expect(f.count).toBe(1);
    expect(f.live).toBe(true);
    p.close(fd);
    expect(f.live).toBe(false);
    const counts = effects(k).filter((e) => e.objId === f.simId && e.before !== undefined).map((e) => `${e.fn} ${e.before}->${e.after}`);
    expect(counts).toEqual([
      'alloc_file 0->1', 'file_ref_get 1->2', 'get_file 2->3', 'get_file 3->4',
      'fput 4->3', 'fput 3->2', 'fput 2->1', 'fput 1->0',
    ]);
  });

  it('__fput runs its stages in the kernel order: eventpoll, locks, ->release, mntput, free', () => {
    const k = newKernel();
    const order: string[] = [];
    k.fputHooks.eventpollRelease.add((f) => order.push(`eventpoll_release ${f.name}`));
    k.fputHooks.locksRemoveFile.add((f) => order.push(`locks_remove_file ${f.name}`));
    const ops: FileOperations = {
      name: 'probe',
      release: (f) => order.push(`release ${f.name} mnt=${f.mount.count}`),
      flush: (f) => order.push(`flush ${f.name}`),
    };
    const f = k.vfs.openAnon('probe', ops);
    expect(k.vfs.anon.count).toBe(1);
    f.fput();
    expect(order).toEqual(['eventpoll_release file#1', 'locks_remove_file file#1', 'release file#1 mnt=1']);
    expect(k.vfs.anon.count).toBe(0);
    const fns = effects(k).map((e) => e.fn);
    expect(fns.slice(fns.indexOf('__fput'))).toEqual(['__fput', 'mntput', 'file_free']);
  });

  it('->release is called once per file, ->flush on every close of an fd', () => {
    const k = newKernel();
    let flushes = 0;
    let releases = 0;
    const ops: FileOperations = { name: 'counted', flush: () => void flushes++, release: () => void releases++ };
    const p = k.spawnProcess();
    const f = k.vfs.openAnon('counted', ops);
    const a = p.files.allocFd(0, 1024, false);
    p.files.fdInstall(a, f); // the opener's reference moves into the slot
    const b = p.dup(a);
    p.close(a);
    expect([flushes, releases]).toEqual([1, 0]);
    p.close(b);
    expect([flushes, releases]).toEqual([2, 1]);
  });

  it('fputDeferred queues __fput as task work; runTaskWork runs it', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    const ctx: FputContext = { taskWork: [] };
    f.getFile();
    fputDeferred(ctx, f);
    expect(ctx.taskWork).toEqual([]);
    fputDeferred(ctx, f);
    expect(f.count).toBe(0);
    expect(f.live).toBe(true); // not torn down yet: that happens on return to user space
    expect(ctx.taskWork).toEqual([f]);
    runTaskWork(ctx);
    expect(ctx.taskWork).toEqual([]);
    expect(f.live).toBe(false);
  });

  it('the stepped __fput is one step per stage, and the mount stays pinned until mntput', () => {
    const k = newKernel();
    k.vfs.mount('/mnt');
    const p = k.spawnProcess();
    const f = k.vfs.openFile('/mnt', O_RDONLY);
    const mnt = k.vfs.mountAt('/mnt')!;
    const seen: number[] = [];
    p.thread(function* () {
      yield countStep('fput', f);
      if (f.put()) yield* fputTeardownSteps(f);
    });
    const q = k.spawnProcess();
    q.thread(function* (sys) {
      for (let i = 0; i < 8; i++) {
        seen.push(mnt.count);
        yield* sys.getpid();
      }
    });
    k.run({ kind: 'round-robin' });
    expect(stepLog(k).filter((s) => s.startsWith('P1.')).map((s) => s.slice(6))).toEqual([
      'fput', '__fput', 'eventpoll_release', 'locks_remove_file', 'f_op->release', 'mntput', 'file_free',
    ]);
    // While P1 was between __fput and mntput, the other thread still saw the mount pinned.
    expect(seen.slice(0, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(seen.at(-1)).toBe(0);
    expect(f.live).toBe(false);
    k.vfs.umount('/mnt');
  });
});

describe('refcount detectors', () => {
  it('get_file on a live file whose count is 0 is refcount-inc-on-zero', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.put()).toBe(true);
    f.getFile();
    const v = violations(k, 'refcount-inc-on-zero');
    expect(v).toHaveLength(1);
    expect(v[0]!.object).toBe('file#1');
    expect(v[0]!.history.length).toBeGreaterThan(0);
    f.fput();
  });

  it('a put on a live file whose count is 0 is refcount-underflow and leaves the count at 0', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.put()).toBe(true);
    expect(f.put()).toBe(false);
    expect(f.count).toBe(0);
    expect(violations(k, 'refcount-underflow')).toHaveLength(1);
    fputTeardown(f);
  });

  it('get_file and fput on a freed file are use-after-free', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    f.fput();
    f.put();
    expect(violations(k, 'use-after-free')).toHaveLength(1);
    f.getFile(); // resurrects the count on freed memory
    expect(violations(k, 'use-after-free')).toHaveLength(2);
    expectLeak(k, /freed file#1: f_count 1 on freed memory/);
  });

  it('a second __fput of one incarnation is double-release', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    f.fput();
    fputTeardown(f);
    const v = violations(k, 'double-release');
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/after it was freed/);
    expect(k.vfs.root.count).toBe(0); // the second __fput did not mntput again
  });

  it('the count saturates at fileRefMax: the file is never freed (safe failure)', () => {
    const k = newKernel({ policy: { fileRefMax: 3 } });
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    f.getFile();
    f.getFile();
    expect(f.count).toBe(3);
    expect(violations(k, 'refcount-saturated')).toHaveLength(0);
    f.getFile();
    expect(f.count).toBe(Infinity);
    expect(violations(k, 'refcount-saturated')).toHaveLength(1);
    for (let i = 0; i < 10; i++) f.fput();
    expect(f.count).toBe(Infinity);
    expect(f.live).toBe(true);
    expect(k.snapshot().files[0]!.count).toBe('saturated');
    // The audit accepts a saturated count: it can no longer be matched to owners.
    expect(k.audit().ok).toBe(true);
  });

  it('the audit names a leaked reference and a missing one', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    f.getFile();
    const r = k.audit();
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/file#1: f_count 2 but 1 owner\(s\) \(P1\.files fd 0\): 1 reference\(s\) leaked/);
    f.fput();
    f.put(); // now the slot holds a pointer without a reference
    expect(k.audit().problems[0]).toMatch(/f_count 0 but 1 owners .*use-after-free ahead/);
    f.getFile();
    expect(k.audit().ok).toBe(true);
  });
});
