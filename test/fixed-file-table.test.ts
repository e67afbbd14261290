import { describe, expect, it } from 'vitest';
import { FixedFileTable, O_RDONLY, type Kernel, type RefFile } from '../src/index.js';
import { access, type FputContext } from '../src/extend.js';
import { errnoOf, expectLeak, newKernel } from './helpers.js';

function world(nr = 4) {
  const k = newKernel();
  const ctx: FputContext = { taskWork: [] };
  const t = new FixedFileTable(k, 'ring#1.file_table');
  k.owners.add(() => t.heldFiles());
  if (nr > 0) t.allocTables(nr);
  const open = (path = '/data/log'): RefFile => k.vfs.openFile(path, O_RDONLY);
  const drain = () => {
    for (let f = ctx.taskWork.shift(); f !== undefined; f = ctx.taskWork.shift()) if (f.live) k.slab.release(f);
  };
  return { k, ctx, t, open, drain };
}

const owners = (k: Kernel, f: RefFile) => k.audit().files.find((e) => e.file === f.name)?.owners;

describe('FixedFileTable', () => {
  it('a slot owns the one reference it was given, and the audit names the slot', () => {
    const { k, ctx, t, open } = world();
    const f = open();
    t.install(2, f, 0, ctx);
    expect(f.count).toBe(1);
    expect(owners(k, f)).toEqual(['ring#1.file_table[2]']);
    expect(t.occupied).toBe(1);
    expect(t.lookup(2)?.file).toBe(f);
    expect(t.lookup(1)).toBeNull();
    expect(t.lookup(9)).toBeNull();
  });

  it('replacing a slot puts the old node; the old file goes at once when nothing uses it', () => {
    const { ctx, t, open, drain } = world();
    const a = open();
    const b = open('/srv');
    t.install(0, a, 0, ctx);
    t.install(0, b, 0, ctx);
    expect(a.count).toBe(0);
    drain();
    expect(a.live).toBe(false);
    expect(t.lookup(0)?.file).toBe(b);
    expect(t.occupied).toBe(1);
  });

  it('defers the release of a cleared slot until the in-flight requests put their node references', () => {
    const { k, ctx, t, open, drain } = world();
    const f = open();
    t.install(1, f, 0, ctx);
    const r1 = t.getNode(1)!;
    const r2 = t.getNode(1)!;
    expect(r1).toBe(r2);
    expect(r1.refs).toBe(3);
    expect(f.count).toBe(1); // requests pin the node, not the file
    t.remove(1, ctx);
    expect(t.lookup(1)).toBeNull();
    expect(t.retiredNodes).toEqual([r1]);
    expect(f.live).toBe(true);
    expect(owners(k, f)).toEqual(['ring#1.file_table node of old slot 1 (2 in-flight request reference(s))']);
    // The slot can be reused at once for another file.
    const g = open('/srv');
    t.install(1, g, 0, ctx);
    t.putNode(r1, ctx);
    expect(f.live).toBe(true);
    t.putNode(r2, ctx);
    drain();
    expect(f.live).toBe(false);
    expect(t.retiredNodes).toEqual([]);
  });

  it('posts the tag when a node is freed (onNodeFree)', () => {
    const { ctx, t, open } = world();
    const freed: number[] = [];
    t.onNodeFree = (n) => freed.push(n.tag);
    t.install(0, open(), 7, ctx);
    const n = t.getNode(0)!;
    t.remove(0, ctx);
    expect(freed).toEqual([]);
    t.putNode(n, ctx);
    expect(freed).toEqual([7]);
  });

  it('allocates the lowest free slot from the hint within the range, wrapping once, and ENFILE when full', () => {
    const { ctx, t, open } = world(4);
    expect(t.allocRange).toEqual([0, 4]);
    t.setAllocRange(1, 2);
    expect(t.allocSlot()).toBe(1);
    t.install(1, open(), 0, ctx);
    expect(t.allocSlot()).toBe(2);
    t.install(2, open(), 0, ctx);
    expect(errnoOf(() => t.allocSlot())).toBe('ENFILE');
    // A slot cleared below the range becomes the hint: io_file_bitmap_get() searches from it.
    t.install(0, open(), 0, ctx);
    t.remove(0, ctx);
    expect(t.allocSlot()).toBe(0);
    t.remove(1, ctx);
    expect(t.allocSlot()).toBe(1);
    expect(errnoOf(() => t.setAllocRange(3, 2))).toBe('EINVAL');
  });

  it('has the errno of io_uring for a missing table, a slot past the end and an empty slot', () => {
    const { ctx, t, open, k } = world(0);
    const f = open();
    expect(errnoOf(() => t.install(0, f, 0, ctx))).toBe('ENXIO');
    expect(errnoOf(() => t.remove(0, ctx))).toBe('ENXIO');
    expect(errnoOf(() => t.freeTables(ctx))).toBe('ENXIO');
    expect(errnoOf(() => t.allocSlot())).toBe('ENFILE');
    expect(errnoOf(() => t.allocTables(0))).toBe('EINVAL');
    t.allocTables(2);
    expect(errnoOf(() => t.allocTables(2))).toBe('EBUSY');
    expect(errnoOf(() => t.install(2, f, 0, ctx))).toBe('EINVAL');
    expect(errnoOf(() => t.remove(5, ctx))).toBe('EINVAL');
    expect(errnoOf(() => t.remove(0, ctx))).toBe('EBADF');
    expect(t.getNode(0)).toBeNull();
    f.fput();
    expect(k.audit().ok).toBe(true);
  });

  it('freeTables() releases every slot; a node still in use keeps its file', () => {
    const { ctx, t, open, drain } = world(3);
    const a = open();
    const b = open('/srv');
    t.install(0, a, 0, ctx);
    t.install(2, b, 0, ctx);
    const n = t.getNode(2)!;
    t.freeTables(ctx);
    drain();
    expect(t.size).toBe(0);
    expect(a.live).toBe(false);
    expect(b.live).toBe(true);
    t.putNode(n, ctx);
    drain();
    expect(b.live).toBe(false);
  });

  it('a borrowed node owns no reference: the audit and problems() show a file freed under it', () => {
    const { k, ctx, t, open } = world(2);
    const f = open();
    t.install(0, f, 0, ctx, true);
    expect(owners(k, f)).toEqual([]);
    k.auditChecks.add(() => t.problems());
    f.fput(); // the real owner (an skb) let go: the table still points at it
    expect(t.problems()).toEqual([expect.stringMatching(/ring#1\.file_table\[0\] points to file#1, which was freed .*borrowed/)]);
    expectLeak(k, /ring#1\.file_table\[0\] points to file#1/);
  });

  it('a node whose reference is put twice reports refcount-underflow naming the node', () => {
    const { k, ctx, t, open } = world(1);
    t.install(0, open(), 0, ctx);
    const n = t.lookup(0)!;
    t.putNode(n, ctx);
    t.putNode(n, ctx);
    expect(k.engine.violations.map((v) => [v.kind, v.object])).toEqual([['refcount-underflow', 'ring#1.file_table.node[0]']]);
    expectLeak(k, /freed file#1 is still referenced by ring#1\.file_table\[0\]|f_count/);
  });

  it('records every access inside a step, so checked mode holds a declaration to it', () => {
    const { k, ctx, t, open } = world(2);
    const f = open();
    const p = k.spawnProcess();
    p.thread(function* () {
      yield { fn: 'install', acc: [t.tableAccess(true), t.slotAccess(1, true)] };
      t.install(1, f, 0, ctx);
      const n = t.lookup(1)!;
      yield { fn: 'get', acc: [t.tableAccess(false), t.slotAccess(1, false), t.nodeAccess(n)] };
      t.getNode(1);
      yield { fn: 'forgot the node', acc: [t.tableAccess(false), t.slotAccess(1, false)] };
      t.getNode(1);
    });
    expect(() => k.run()).toThrow(/undeclared|did not declare/);
    void access;
  });
});
