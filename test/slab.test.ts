import { describe, expect, it } from 'vitest';
import { O_RDONLY, O_RDWR, renderText, type RefFile } from '../src/index.js';
import { fgetSteps, fileAccess, formatEffect } from '../src/extend.js';
import { effects, newKernel, stepUntil, stepToEnd, violations } from './helpers.js';

describe('the filp slab (SLAB_TYPESAFE_BY_RCU, 0ede61d8589c)', () => {
  it('a freed struct file is handed to the next allocation with a new generation', () => {
    const k = newKernel();
    const a = k.vfs.openFile('/data/log', O_RDONLY);
    expect([a.name, a.gen, a.incarnation, a.live]).toEqual(['file#1', 1, 1, true]);
    a.fput();
    expect([a.gen, a.live]).toEqual([2, false]);
    const b = k.vfs.openFile('/srv', O_RDONLY);
    expect(b).toBe(a); // the same memory...
    expect([b.name, b.gen, b.incarnation]).toEqual(['file#1@2', 3, 2]); // ...holding a new file
    expect(b.inode.path).toBe('/srv');
    expect(b.pos).toBe(0);
    expect(b.count).toBe(1);
    expect(k.slab.objects).toHaveLength(1);
    b.fput();
  });

  it('the free list is last-freed-first-reused, as SLUB', () => {
    const k = newKernel();
    const [x, y, z] = [0, 1, 2].map(() => k.vfs.openFile('/data/log', O_RDONLY)) as [RefFile, RefFile, RefFile];
    expect([x.num, y.num, z.num]).toEqual([1, 2, 3]);
    y.fput();
    x.fput();
    expect(k.slab.allocated).toBe(1);
    const first = k.vfs.openFile('/data/log', O_RDONLY);
    const second = k.vfs.openFile('/data/log', O_RDONLY);
    const third = k.vfs.openFile('/data/log', O_RDONLY);
    expect([first, second]).toEqual([x, y]);
    expect(third.num).toBe(4);
    expect(k.slab.objects).toHaveLength(4);
    expect(k.slab.allocated).toBe(4);
    for (const f of [first, second, third, z]) f.fput();
    expect(k.slab.allocated).toBe(0);
  });

  it('a file opened again by a process gets a recycled object and a new name in traces', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.close(p.open('/data/log', O_RDWR));
    const fd = p.open('/srv', O_RDONLY);
    const f = p.fileOf(fd);
    expect(f.name).toBe('file#1@2');
    const frees = effects(k).filter((e) => e.fn === 'file_free');
    expect(frees).toEqual([
      { kind: 'effect', fn: 'file_free', objId: f.simId, field: undefined, gen: 2, before: undefined, after: undefined, detail: { note: 'memory back to filp_cachep' } },
    ]);
    p.close(fd);
    // Each effect recorded the generation, so the log names both incarnations after the
    // object has been reused (and freed) again.
    const text = k.engine.events.filter((e) => e.kind === 'effect').map((e) => formatEffect(e, { objects: k.engine }));
    expect(text).toContain('file_free file#1 (memory back to filp_cachep)');
    expect(text).toContain('file#1@2.f_count 0→1 (alloc_file /srv)');
    expect(text).toContain('fd_install P1.files.fd[0] ← file#1@2');
    expect(text).toContain('file_free file#1@2 (memory back to filp_cachep)');
    expect(renderText(k.engine.events)).toContain('P1.T1: fd_install P1.files.fd[0] ← file#1@2');
  });

  it('before v6.7 (slabTypesafeByRcu: false) a freed file is reused only after a grace period', () => {
    const k = newKernel({ policy: { slabTypesafeByRcu: false } });
    const reader = k.spawnProcess();
    // A reader sits inside rcu_read_lock() while the file is freed.
    reader.thread(function* (sys) {
      yield k.engine.rcu.readLockStep();
      k.engine.rcu.readLock();
      yield* sys.getpid();
      yield k.engine.rcu.readUnlockStep();
      k.engine.rcu.readUnlock();
    });
    const rt = reader.main.sim;
    stepUntil(k, rt, 'getpid');
    const a = k.vfs.openFile('/data/log', O_RDONLY);
    a.fput();
    const b = k.vfs.openFile('/data/log', O_RDONLY);
    expect(b).not.toBe(a); // a's memory is still waiting for the grace period
    stepToEnd(k, rt); // the reader leaves: call_rcu runs, a goes back to the cache
    const c = k.vfs.openFile('/data/log', O_RDONLY);
    expect(c).toBe(a);
    expect(c.name).toBe('file#1@2');
    b.fput();
    c.fput();
  });

  it('with no reader inside an RCU section, call_rcu frees at once even before v6.7', () => {
    const k = newKernel({ policy: { slabTypesafeByRcu: false } });
    const a = k.vfs.openFile('/data/log', O_RDONLY);
    a.fput();
    expect(k.vfs.openFile('/srv', O_RDONLY)).toBe(a);
    a.fput();
  });

  it('a reference taken through a pointer loaded before the free lands on the new file: stale-file', () => {
    // fget's slot load, then the file is closed and its memory recycled by another open,
    // then fget's increment: without the recheck, fget hands back someone else's file.
    const k = newKernel({ policy: { fgetRecheck: 'none' } });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const old = p.fileOf(fd);
    let got: RefFile | null = null;
    const t = p.thread(function* (sys) {
      got = yield* fgetSteps(sys.task, sys.task.files!, fd, 0);
    });
    stepUntil(k, t.sim, 'file_ref_get');
    p.close(fd);
    const other = k.spawnProcess();
    const ofd = other.open('/srv', O_RDONLY);
    expect(other.fileOf(ofd)).toBe(old); // recycled
    stepToEnd(k, t.sim);
    expect(got).toBe(old);
    expect(old.count).toBe(2); // the stale holder took a reference on /srv's file
    const v = violations(k, 'stale-file');
    expect(v).toHaveLength(1);
    expect(v[0]!.object).toBe('file#1@2');
    expect(v[0]!.thread).toBe('P1.T1');
    old.fput(); // the stale holder drops its reference
    other.close(ofd);
  });

  describe('storage: fields in the slab\'s arrays, ids from its range beyond 256 files', () => {
    it('every file keeps its own fields while the arrays grow from plain to typed and double', () => {
      const k = newKernel({ trace: false, policy: { fileRefMax: 2 ** 40 } });
      const p = k.spawnProcess({ rlimitNofile: 4096 });
      const fds = Array.from({ length: 600 }, (_, i) => p.open(i % 2 ? '/data/log' : '/srv/a', i % 3 ? O_RDONLY : O_RDWR));
      const files = fds.map((fd) => p.fileOf(fd));
      files.forEach((f, i) => {
        f.pos = i * 2 ** 33 + 0.5; // beyond int32: the position is a double
        for (let j = 0; j < i % 5; j++) f.getFile();
      });
      files.forEach((f, i) => {
        expect([f.num, f.gen, f.pos, f.count, f.inode.path, f.flags & 3]).toEqual([i + 1, 1, i * 2 ** 33 + 0.5, 1 + (i % 5), i % 2 ? '/data/log' : '/srv/a', i % 3 ? O_RDONLY : O_RDWR]);
        expect(p.fileOf(fds[i]!)).toBe(f);
        for (let j = 0; j < i % 5; j++) f.fput();
      });
    });

    it('files beyond the first 256 resolve through the engine by id, in fd words and traces', () => {
      const k = newKernel();
      const p = k.spawnProcess({ rlimitNofile: 1024 });
      const fds = Array.from({ length: 300 }, () => p.open('/data/log', O_RDONLY));
      const low = p.fileOf(fds[255]!);
      const high = p.fileOf(fds[256]!);
      expect([low.name, high.name]).toEqual(['file#256', 'file#257']);
      expect(p.fileOf(fds[257]!).simId).toBe(high.simId + 1);
      for (const f of [low, high]) {
        expect(k.engine.objectAt(f.simId)).toBe(f);
        const w = p.files.fdget(fds[f.num - 1]!);
        expect(p.files.fileOfWord(w)).toBe(f);
        p.files.fdput(w);
        expect(k.engine.locationName(fileAccess(f, 'f_pos', false))).toBe(`${f.name}.f_pos`);
      }
      const text = k.engine.events.filter((e) => e.kind === 'effect').map((e) => formatEffect(e, { objects: k.engine }));
      expect(text).toContain('file#257.f_count 0→1 (alloc_file /data/log)');
      // A freed high object is reused as any other, under the same id.
      p.close(fds[256]!);
      const again = p.fileOf(p.open('/srv', O_RDONLY));
      expect(again).toBe(high);
      expect([again.name, k.engine.objectAt(again.simId)]).toEqual(['file#257@2', high]);
    });

    it('saturation stores Infinity in a grown (typed) count array', () => {
      const k = newKernel({ policy: { fileRefMax: 3 } });
      const fs = Array.from({ length: 9 }, () => k.vfs.openFile('/data/log', O_RDONLY));
      const f = fs[8]!;
      f.getFile();
      f.getFile();
      f.getFile();
      expect(f.count).toBe(Infinity);
      f.fput();
      expect(f.count).toBe(Infinity);
      expect(violations(k, 'refcount-saturated')).toHaveLength(1);
      for (const g of fs.slice(0, 8)) g.fput();
    });

    it('files opened the same way share what they are open on, yet changing one file\'s f_op leaves the others alone', () => {
      const k = newKernel();
      const a = k.vfs.openFile('/data/log', O_RDONLY);
      const b = k.vfs.openFile('/data/log', O_RDONLY);
      const ops = { ...a.ops, name: 'other' };
      a.ops = ops;
      expect([a.ops, b.ops === ops, a.inode, a.mount]).toEqual([ops, false, b.inode, b.mount]);
      a.fput();
      b.fput();
    });

    it('the registry lets go of fd arrays replaced by expand_files(), and still names them', () => {
      const k = newKernel();
      const p = k.spawnProcess({ rlimitNofile: 1024 });
      const fd = p.open('/data/log', O_RDONLY);
      const first = p.files.fdt;
      expect(k.engine.objectAt(first.simId)?.simCount?.(fd)).toBe(1);
      for (let i = 0; i < 64; i++) p.open('/data/log', O_RDONLY);
      expect(p.files.fdt).not.toBe(first);
      const old = k.engine.objectAt(first.simId);
      expect([old?.simLabel?.(), old?.simName(fd), old?.simCount?.(fd)]).toEqual(['P1.files.fdt', `P1.files.fd[${fd}]`, undefined]);
      expect(first.fd[fd]).toBe(p.fileOf(fd)); // a reader that loaded the old arrays still reads them
      expect(k.engine.objectAt(p.files.fdt.simId)?.simCount?.(fd)).toBe(1);
    });
  });
});
