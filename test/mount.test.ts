import { describe, expect, it } from 'vitest';
import { defineScenario, explore, KernelError, MNT_DETACH, MNT_EXPIRE, O_CREAT, O_RDONLY, O_RDWR, type Kernel, type KernelPath, type Scenario, type Sys } from '../src/index.js';
import { access, accessIsWrite } from '../src/extend.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { scenarioSource } from '../src/explore/world.js';
import { searchTraces } from './dpor-programs.js';
import { errnoOf, newKernel, state, stepUntil, stepToEnd } from './helpers.js';

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

  it('mount checks: ENOTDIR on a file, ENOENT on a missing path; the root stays', () => {
    const k = newKernel();
    expect(errnoOf(() => k.vfs.mount('/data/log'))).toBe('ENOTDIR');
    expect(errnoOf(() => k.vfs.mount('/nowhere'))).toBe('ENOENT');
    expect(() => k.vfs.mount('/')).toThrow(/keeps its root/);
  });

  it('mounts on a mount point stack: the top one covers the one below until its umount', () => {
    const k = newKernel();
    const lower = k.vfs.mount('/mnt');
    k.vfs.writeFile('/mnt/low', 'l');
    k.vfs.mkdir('/mnt/sub');
    const sub = k.vfs.mount('/mnt/sub');
    const upper = k.vfs.mount('/mnt');
    expect(k.vfs.mountAt('/mnt')).toBe(upper);
    expect(k.vfs.mountOf('/mnt/sub')).toBe(upper); // the whole lower tree is covered
    expect(errnoOf(() => k.vfs.lookup('/mnt/low'))).toBe('ENOENT');
    k.vfs.umount('/mnt');
    expect(k.vfs.mountAt('/mnt')).toBe(lower);
    expect(k.vfs.mountAt('/mnt/sub')).toBe(sub);
    expect(k.vfs.lookup('/mnt/low').inode.data).toBe('l');
    expect(upper.mounted).toBe(false);
    expect(lower.mounted && sub.mounted).toBe(true);
  });

  it('a covered mount has the one stacked on it as a child: EBUSY, or detached together with MNT_DETACH', () => {
    // What umount2() meets when a mount(2) on the same point lands between its path walk
    // and do_umount(): propagate_mount_busy() sees the child; umount_tree() takes it along.
    const k = newKernel();
    k.vfs.writeFile('/mnt/under', 'u'); // on the root filesystem, covered by both
    const lower = k.vfs.mount('/mnt');
    k.vfs.mkdir('/mnt/sub');
    const sub = k.vfs.mount('/mnt/sub');
    const upper = k.vfs.mount('/mnt');
    const onUpper = k.vfs.mount('/mnt'); // a third, stacked on upper
    const before = JSON.stringify(k.snapshot());
    expect(errnoOf(() => k.vfs.detach(lower, false))).toBe('EBUSY');
    expect(errnoOf(() => k.vfs.detach(upper, false))).toBe('EBUSY');
    expect(JSON.stringify(k.snapshot())).toBe(before);
    k.vfs.detach(lower, true);
    expect([lower, sub, upper, onUpper].map((m) => m.mounted)).toEqual([false, false, false, false]);
    expect(k.vfs.mountAt('/mnt')).toBeUndefined();
    expect(k.vfs.lookup('/mnt/under').inode.data).toBe('u');
    expect(() => k.vfs.detach(lower, true)).toThrow(/not a mount in the namespace/);
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

/** umount2 of /mnt as a system call; the errno name when it fails. */
function* umountMnt(sys: Sys): KernelPath<string> {
  try {
    yield* sys.umount2('/mnt', 0);
    return 'umounted';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}

function* openOn(sys: Sys, path: string): KernelPath<string> {
  try {
    const fd = yield* sys.open(path, O_RDONLY);
    yield* sys.close(fd);
    return 'opened';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}

function* closeIt(sys: Sys, fd: number): KernelPath<string> {
  yield* sys.close(fd);
  return 'closed';
}

/**
 * umount of /mnt racing, in another thread, either the close of the only fd of a file on
 * it (its __fput ends in mntput) or an open of a file on it (mntget). Nothing names a
 * file in umount's declaration: only mnt_count connects it to the other thread.
 */
const umountRace = (other: 'close' | 'open') => defineScenario({
  name: `umount-vs-${other}`,
  title: `umount racing ${other === 'close' ? 'a final fput' : 'an open'} on the same mount`,
  source: 'test',
  setup(k) {
    k.vfs.mount('/mnt');
    k.vfs.writeFile('/mnt/a', 'a');
    const p = k.spawnProcess({ creds: { uid: 0 } });
    const fd = other === 'close' ? p.open('/mnt/a', O_RDONLY) : -1;
    return [p.thread((sys) => (other === 'close' ? closeIt(sys, fd) : openOn(sys, '/mnt/a'))), p.thread((sys) => umountMnt(sys))];
  },
  outcome: (_k, ts) => ts.map((t) => String(t.sim.result)).join(' '),
});

describe('the explorer sees mnt_count (mntget, mntput, umount)', () => {
  const cases: Array<['close' | 'open', string[]]> = [
    // umount before the close's mntput: EBUSY; after it: unmounted.
    ['close', ['closed EBUSY', 'closed umounted']],
    // umount before the open's walk (ENOENT: /mnt is empty), after its mntget (EBUSY), or
    // after the open's own close dropped the pin again.
    ['open', ['ENOENT umounted', 'opened EBUSY', 'opened umounted']],
  ];
  for (const [other, outcomes] of cases) {
    it(`DPOR reaches every outcome and trace class naive search does: umount vs ${other}`, () => {
      const s = umountRace(other) as Scenario<never>;
      const src = scenarioSource(s, scenarioPolicy(s));
      const naive = searchTraces(src, 'dfs');
      const dpor = searchTraces(src, 'dpor');
      expect(naive.exhaustive && dpor.exhaustive).toBe(true);
      expect([...dpor.outcomes].sort()).toEqual([...naive.outcomes].sort());
      expect([...naive.traces].filter((t) => !dpor.traces.has(t))).toEqual([]);
      expect([...dpor.outcomes].sort()).toEqual(outcomes);
    });
  }

  it('pins and unpins are shared accesses of mnt_count, the check an exclusive one', () => {
    // So an open and a final fput on one mount are not ordered by the mount (they commute,
    // as the kernel's per-CPU count does), and each is ordered against umount.
    const k = newKernel();
    const m = k.vfs.mount('/mnt');
    expect(accessIsWrite(m.countAccess(true))).toBe(false);
    expect(accessIsWrite(m.countAccess(false))).toBe(true);
  });

  it('checked mode catches a step that pins or checks a mount it did not declare', () => {
    const pinner = defineScenario({
      name: 'undeclared-mntget',
      title: 'a step opens an anonymous file declaring only filp_cachep',
      source: 'test',
      setup(k) {
        k.spawnProcess().thread(() => anonWithoutMount(k));
      },
    });
    expect(() => explore(pinner)).toThrow(/touches mnt:anon_inode: \(read\), which it did not declare/);
    const checker = defineScenario({
      name: 'undeclared-umount-check',
      title: 'a step unmounts declaring only the namespace',
      source: 'test',
      setup(k) {
        k.vfs.mount('/mnt');
        k.spawnProcess().thread(() => umountNamespaceOnly(k));
      },
    });
    expect(() => explore(checker)).toThrow(/touches mnt:\/mnt \(write\), which it did not declare/);
  });
});

function* anonWithoutMount(k: Kernel): KernelPath<void> {
  yield { fn: 'anon_inode_getfile', acc: k.slab.allocAccess() };
  k.vfs.openAnon('test').fput();
}

function* umountNamespaceOnly(k: Kernel): KernelPath<void> {
  yield { fn: 'umount', acc: access(k.vfs.simId, 0, true) };
  k.vfs.umount('/mnt');
}

/** umount2("/mnt", flags) from a thread: 'umounted' or the errno name. */
function* umount2Mnt(sys: Sys, flags: number): KernelPath<string> {
  try {
    yield* sys.umount2('/mnt', flags);
    return 'umounted';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}

describe('umount2(2) (ksys_umount → path_umount → do_umount)', () => {
  it('needs CAP_SYS_ADMIN, after the flags and the walk; the root and a non-mount point are EINVAL; a failed call changes nothing', () => {
    const k = newKernel();
    k.vfs.mount('/mnt');
    const user = k.spawnProcess();
    const root = k.spawnProcess({ creds: { uid: 0 } });
    const before = state(k);
    expect(errnoOf(() => user.umount2('/mnt', 0x10))).toBe('EINVAL');
    expect(errnoOf(() => user.umount2('/nonexist'))).toBe('ENOENT');
    expect(errnoOf(() => user.umount2('/srv'))).toBe('EPERM');
    expect(errnoOf(() => user.umount2('/mnt', MNT_DETACH))).toBe('EPERM');
    expect(errnoOf(() => root.umount2('/'))).toBe('EINVAL');
    expect(errnoOf(() => root.umount2('/', MNT_DETACH))).toBe('EINVAL');
    expect(errnoOf(() => root.umount2('/srv'))).toBe('EINVAL');
    expect(errnoOf(() => root.umount2('/mnt', MNT_EXPIRE | MNT_DETACH))).toBe('EINVAL');
    expect(state(k)).toBe(before);
    root.umount2('/mnt');
    expect(k.vfs.mountAt('/mnt')).toBeUndefined();
  });

  it('MNT_DETACH takes a busy mount and those below it out of the namespace; their files work on and free them', () => {
    const k = newKernel();
    const m = k.vfs.mount('/mnt');
    k.vfs.mkdir('/mnt/sub');
    const sub = k.vfs.mount('/mnt/sub');
    const p = k.spawnProcess({ creds: { uid: 0 } });
    const fd = p.open('/mnt/sub/f', O_RDWR | O_CREAT);
    expect(errnoOf(() => p.umount2('/mnt'))).toBe('EBUSY'); // a mount below
    p.umount2('/mnt', MNT_DETACH);
    expect([m.mounted, sub.mounted]).toEqual([false, false]);
    expect(errnoOf(() => p.open('/mnt/sub/f', O_RDONLY))).toBe('ENOENT');
    // Out of the namespace, still alive: the snapshot says so.
    expect(k.snapshot().mounts.filter((x) => x.path.startsWith('/mnt'))).toEqual([{ path: '/mnt/sub', count: 1, detached: true }]);
    expect(p.write(fd, 'x')).toBe(1);
    expect(sub.count).toBe(1); // the detached mount lives on with its file...
    expect(k.audit().ok).toBe(true);
    p.close(fd);
    expect(sub.count).toBe(0); // ...and is gone with it
    expect(k.snapshot().mounts.filter((x) => x.path.startsWith('/mnt'))).toEqual([]);
    // Only a mount in the namespace can be detached (umount2 answers EINVAL first).
    expect(() => k.vfs.detach(m, true)).toThrow(/not a mount in the namespace/);
    expect(() => k.vfs.detach(k.vfs.root, true)).toThrow(/not a mount in the namespace/);
    expect(() => k.vfs.detach(k.vfs.pipefs, false)).toThrow(/not a mount in the namespace/);
    expect(errnoOf(() => p.umount2('/mnt', MNT_DETACH))).toBe('EINVAL');
  });

  it('a mount covers the directory it is mounted on; the umount uncovers it', () => {
    const k = newKernel();
    const p = k.spawnProcess({ creds: { uid: 0 } });
    const under = p.open('/srv', O_RDONLY);
    k.vfs.mount('/srv');
    const over = p.open('/srv', O_RDONLY);
    expect(p.getdents(under, 10)).toEqual(['a', 'b', 'c', 'd']);
    expect(p.getdents(over, 10)).toEqual([]);
    expect(errnoOf(() => p.open('/srv/a', O_RDONLY))).toBe('ENOENT');
    p.close(over);
    p.umount2('/srv'); // the fd on the covered directory pins the root filesystem, not this one
    expect(p.getdents(p.open('/srv', O_RDONLY), 10)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('MNT_EXPIRE: EAGAIN marks an unused mount, a second call unmounts it; an open or a last close clears the mark', () => {
    const k = newKernel();
    const p = k.spawnProcess({ creds: { uid: 0 } });
    const m = k.vfs.mount('/mnt');
    expect(errnoOf(() => p.umount2('/mnt', MNT_EXPIRE))).toBe('EAGAIN');
    expect(m.expiryMark).toBe(true);
    p.close(p.open('/mnt', O_RDONLY));
    expect(m.expiryMark).toBe(false);
    expect(errnoOf(() => p.umount2('/mnt', MNT_EXPIRE))).toBe('EAGAIN');
    const fd = p.open('/mnt', O_RDONLY);
    expect(errnoOf(() => p.umount2('/mnt', MNT_EXPIRE))).toBe('EBUSY');
    p.close(fd);
    expect(errnoOf(() => p.umount2('/mnt', MNT_EXPIRE))).toBe('EAGAIN');
    p.umount2('/mnt', MNT_EXPIRE);
    expect(m.mounted).toBe(false);
  });

  const twoUmounts = (a: number, b: number) => defineScenario({
    name: 'umount2-twice',
    title: 'two threads unmount /mnt',
    source: 'test',
    setup(k) {
      k.vfs.mount('/mnt');
      const p = k.spawnProcess({ creds: { uid: 0 } });
      return [p.thread((sys) => umount2Mnt(sys, a)), p.thread((sys) => umount2Mnt(sys, b))];
    },
    outcome: (_k, ts) => ts.map((t) => String(t.sim.result)).join(' '),
  });

  it.each([
    // The loser either walks to the uncovered directory (not a mount root) or finds, under
    // namespace_sem, that the mount it walked to has left the namespace (check_mnt): EINVAL.
    [0, 0, ['EINVAL umounted', 'umounted EINVAL']],
    // The mark is taken with xchg(): whichever looks first marks (EAGAIN), the other finds
    // the mark and unmounts.
    [MNT_EXPIRE, MNT_EXPIRE, ['EAGAIN umounted', 'umounted EAGAIN']],
    [MNT_EXPIRE, MNT_DETACH, ['EAGAIN umounted', 'EINVAL umounted']],
  ] as const)('two racing umount2 (flags %i and %i): DPOR sees what naive search sees', (a, b, outcomes) => {
    const s = twoUmounts(a, b) as Scenario<never>;
    const src = scenarioSource(s, scenarioPolicy(s));
    const naive = searchTraces(src, 'dfs');
    const dpor = searchTraces(src, 'dpor');
    expect(naive.exhaustive && dpor.exhaustive).toBe(true);
    expect([...naive.traces].filter((t) => !dpor.traces.has(t))).toEqual([]);
    expect([...dpor.outcomes].sort()).toEqual([...outcomes]);
  });
});
