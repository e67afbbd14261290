import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, FMODE_OPENED, FMODE_PATH, O_PATH, O_RDONLY, O_RDWR, POLICY_PRESETS, getFileActive, type FileOperations } from '../src/index.js';
import { countStep, fgetSteps, fputDeferred, fputTeardown, fputTeardownSteps, runTaskWork, type FputContext } from '../src/extend.js';
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

  it('getFileActive reloads the pointer after the increment and drops a recycled object', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    expect(getFileActive(() => p.files.lookupRaw(fd))).toBe(f);
    expect(f.count).toBe(2);
    f.fput();
    // The pointer source changes between the two loads (close + reopen recycled the slot):
    let loads = 0;
    const other = k.vfs.openFile('/srv', O_RDONLY);
    expect(getFileActive(() => (loads++ === 0 ? f : other))).toBeNull();
    expect(f.count).toBe(1); // the reference taken on the stale object was given back
    expect(getFileActive(() => null)).toBeNull();
    other.fput();
    p.close(fd);
  });

  it('fileRefGet is increment-if-not-zero: it fails on a dying file', () => {
    const k = newKernel();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.fileRefGet()).toBe(true);
    expect(f.count).toBe(2);
    f.fput();
    expect(f.put()).toBe(true); // last reference gone, __fput not yet run
    expect(f.fileRefGet()).toBe(false);
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

describe('kernel history: close()\'s __fput and fget()\'s mask', () => {
  it('close() runs the last __fput itself from v6.6; before, task work does it on the way out', () => {
    for (const [policy, inClose] of [['linux-6.5', false], ['linux-6.6', true]] as const) {
      const k = newKernel({ policy });
      const p = k.spawnProcess();
      const fd = p.open('/data/log', O_RDONLY);
      p.thread(function* (sys) { yield* sys.close(fd); });
      const log = (k.run({ kind: 'sequential' }), stepLog(k));
      expect(log.includes('P1.T1:fput_close_sync')).toBe(inClose);
      expect(log.includes('P1.T1:fput')).toBe(!inClose);
      expect(p.files.installedFds()).toEqual([]);
      expect(k.slab.allocated).toBe(0); // gone by the time close() returns, either way
    }
  });

  it('fget() tests FMODE_PATH before taking a reference up to v6.6, after it (then drops it) from v6.7', () => {
    for (const [policy, refs] of [['linux-6.6', 0], ['linux-6.7', 1]] as const) {
      const k = newKernel({ policy });
      const p = k.spawnProcess();
      const fd = p.open('/data/log', O_PATH);
      p.thread(function* (sys) { return yield* fgetSteps(sys.task, sys.task.files!, fd, FMODE_PATH); });
      k.run({ kind: 'sequential' });
      expect(k.engine.threads[0]!.result).toBe(null);
      expect(stepLog(k).filter((s) => s === 'P1.T1:file_ref_get')).toHaveLength(refs);
      p.close(fd);
    }
  });

  it('the presets: v6.5 keys f_pos locking on ->iterate_shared (7d84d1b9af63)', () => {
    expect(POLICY_PRESETS['linux-6.5'].fdgetPos).toBe('when-shared-or-iterate');
    expect(POLICY_PRESETS['linux-6.5'].closeFput).toBe('task_work');
    expect(POLICY_PRESETS['linux-6.6'].closeFput ?? DEFAULT_POLICY.closeFput).toBe('sync');
  });
});

describe('__fput of a file that was never opened', () => {
  it('skips every stage but the free (no ->release, no mntput), as __fput() jumps to out:', () => {
    const k = newKernel();
    let released = 0;
    const ops: FileOperations = { name: 'never', release: () => void released++ };
    const { inode, mount } = k.vfs.lookup('/data/log');
    const mounts = mount.count;
    const f = k.slab.alloc(ops, inode, mount, 0, O_RDONLY); // no FMODE_OPENED: ->open never ran
    f.fput();
    expect(f.live).toBe(false);
    expect(released).toBe(0);
    expect(mount.count).toBe(mounts);
  });
});
