import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR } from '../src/index.js';
import { errnoOf, newKernel, stepUntil, stepToEnd } from './helpers.js';

describe('mounts: a file pins its mount (mntget in do_dentry_open, mntput in __fput)', () => {
  it('each open file adds one to mnt_count; the last fput drops it', () => {
    const k = newKernel();
    const m = k.vfs.mount('/mnt');
    expect(m.count).toBe(0);
    const p = k.spawnProcess();
    const a = p.open('/mnt', O_RDONLY);
    const b = p.open('/mnt/new', O_RDWR | O_CREAT);
    expect(m.count).toBe(2);
    expect(k.vfs.root.count).toBe(0);
    const d = p.dup(a); // same struct file: no new mount reference
    expect(m.count).toBe(2);
    p.close(a);
    expect(m.count).toBe(2);
    p.close(d);
    p.close(b);
    expect(m.count).toBe(0);
  });

  it('umount is EBUSY while any file on the mount is alive, wherever its reference is', () => {
    const k = newKernel();
    k.vfs.mount('/mnt');
    const p = k.spawnProcess();
    const fd = p.open('/mnt', O_RDONLY);
    expect(errnoOf(() => k.vfs.umount('/mnt'))).toBe('EBUSY');
    const child = p.fork();
    p.close(fd);
    expect(errnoOf(() => k.vfs.umount('/mnt'))).toBe('EBUSY'); // the child's table still holds it
    const f = child.fileOf(fd);
    f.getFile(); // a kernel holder (an fget) keeps it alive too
    child.close(fd);
    expect(errnoOf(() => k.vfs.umount('/mnt'))).toBe('EBUSY');
    f.fput();
    k.vfs.umount('/mnt');
    expect(k.vfs.mountAt('/mnt')).toBeUndefined();
  });

  it('umount is EBUSY during __fput until its mntput stage', () => {
    const k = newKernel();
    k.vfs.mount('/mnt');
    const p = k.spawnProcess();
    const fd = p.open('/mnt', O_RDONLY);
    const t = p.thread(function* (sys) {
      yield* sys.close(fd);
    });
    stepUntil(k, t.sim, 'f_op->release');
    expect(p.files.slotState(fd)).toBe('free'); // the fd is gone...
    expect(errnoOf(() => k.vfs.umount('/mnt'))).toBe('EBUSY'); // ...but the mount is still pinned
    stepUntil(k, t.sim, 'file_free');
    k.vfs.umount('/mnt');
    stepToEnd(k, t.sim);
  });

  it('umount checks: EINVAL for a non-mount point and for the root; EBUSY with a mount below', () => {
    const k = newKernel();
    expect(errnoOf(() => k.vfs.umount('/srv'))).toBe('EINVAL');
    expect(errnoOf(() => k.vfs.umount('/'))).toBe('EINVAL');
    k.vfs.mount('/mnt');
    k.vfs.mkdir('/mnt/inner');
    k.vfs.mount('/mnt/inner');
    expect(errnoOf(() => k.vfs.umount('/mnt'))).toBe('EBUSY');
    k.vfs.umount('/mnt/inner');
    k.vfs.umount('/mnt');
  });

  it('mount checks: ENOTDIR on a file, EBUSY on a mount point, ENOENT on a missing path', () => {
    const k = newKernel();
    expect(errnoOf(() => k.vfs.mount('/data/log'))).toBe('ENOTDIR');
    k.vfs.mount('/mnt');
    expect(errnoOf(() => k.vfs.mount('/mnt'))).toBe('EBUSY');
    expect(errnoOf(() => k.vfs.mount('/nowhere'))).toBe('ENOENT');
  });

  it('files created on a mount live on it and vanish with the umount', () => {
    const k = newKernel();
    const m = k.vfs.mount('/mnt');
    k.vfs.writeFile('/mnt/x', 'data');
    expect(k.vfs.mountOf('/mnt/x')).toBe(m);
    expect(k.vfs.lookup('/mnt').inode.entries).toEqual(['x']);
    k.vfs.umount('/mnt');
    expect(m.mounted).toBe(false);
    expect(errnoOf(() => k.vfs.lookup('/mnt/x'))).toBe('ENOENT');
    expect(k.vfs.lookup('/mnt').inode.entries).toEqual([]);
    expect(k.vfs.mountOf('/mnt/x')).toBe(k.vfs.root);
  });

  it('pipes and anonymous files live on internal SB_NOUSER filesystems that cannot be unmounted', () => {
    const k = newKernel();
    expect(k.vfs.anon.nouser).toBe(true);
    expect(k.vfs.pipefs.nouser).toBe(true);
    expect(k.vfs.root.nouser).toBe(false);
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const anon = k.vfs.openAnon('test');
    expect(k.vfs.pipefs.count).toBe(2);
    expect(k.vfs.anon.count).toBe(1);
    expect(p.fileOf(r).mount).toBe(k.vfs.pipefs);
    expect(errnoOf(() => k.vfs.umount('pipe:'))).toBe('ENOENT'); // not in the namespace at all
    p.close(r);
    p.close(w);
    anon.fput();
    expect(k.vfs.pipefs.count).toBe(0);
    expect(k.vfs.anon.count).toBe(0);
  });

  it('the audit checks each mount count against its live files', () => {
    const k = newKernel();
    const m = k.vfs.mount('/mnt');
    const f = k.vfs.openFile('/mnt', O_RDONLY);
    m.count++;
    expect(k.audit().problems).toContain('mount /mnt: mnt_count 2 but 1 live file(s) on it');
    m.count--;
    f.fput();
  });
});
