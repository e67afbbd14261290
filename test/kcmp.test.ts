/*
 * kcmp(2) in the pidfd plugin. Every expectation was checked on the host (Linux 6.18) with
 * the same calls; Linux orders unequal objects by obfuscated pointers, so only 0 against
 * non-zero is compared there.
 */
import { describe, expect, it } from 'vitest';
import { CLONE_FILES, Epoll, noopLlseek, type FileOperations, EPOLL_CTL_ADD, EPOLLIN, ModelError, O_RDONLY, defineScenario, explore, type Kernel, type Process, type Sys } from '../src/index.js';
import {
  KCMP_EPOLL_TFD, KCMP_FILE, KCMP_FILES, KCMP_FS, KCMP_IO, KCMP_SIGHAND, KCMP_SYSVSEM, KCMP_VM, pidfd, type KcmpEpollSlot, type PidfdApi,
} from '../src/plugins/pidfd/index.js';
import { fileEventpoll } from '../src/extend.js';
import { catchErrno } from '../src/testing/index.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { scenarioSource } from '../src/explore/world.js';
import { sampledMisses, searchTraces } from './dpor-programs.js';
import { errnoOf, newKernel, state } from './helpers.js';

function world(): { k: Kernel; pf: PidfdApi; p: Process } {
  const k = newKernel();
  const pf = k.use(pidfd());
  return { k, pf, p: k.spawnProcess({ name: 'P' }) };
}

/** 0 or 1 for "same" or "different" (Linux's 1 and 2 say only which obfuscated pointer is lower), or the errno. */
function kcmpOf(pf: PidfdApi, caller: Process, pid1: number, pid2: number, type: number, idx1: number, idx2: number | KcmpEpollSlot | null): number | string {
  try {
    const r = pf.kcmp(caller, pid1, pid2, type, idx1, idx2);
    expect([0, 1, 2]).toContain(r);
    return r === 0 ? 0 : 1;
  } catch (e) {
    return errnoOf(() => { throw e; });
  }
}

/**
 * A scenario: process P, and W (root) calling kcmp(type) on it; `prepare` opens P's files,
 * starts P's threads and returns kcmp's pid1, pid2, idx1, idx2. The outcome is every
 * thread's result (an errno name for a failed kcmp).
 */
function kcmpRace(name: string, type: number, prepare: (p: Process, w: Process) => readonly [number, number, number, number]) {
  return defineScenario({
    name,
    title: `kcmp(${type}) racing a change of what it compares`,
    source: 'test',
    plugins: [pidfd()],
    setup(kk) {
      const pfx = kk.use(pidfd());
      const p = kk.spawnProcess({ name: 'P' });
      const w = kk.spawnProcess({ name: 'W', creds: { uid: 0 } });
      const [pid1, pid2, idx1, idx2] = prepare(p, w);
      w.thread((sys: Sys) => catchErrno(pfx.on(sys).kcmp(pid1, pid2, type, idx1, idx2)));
    },
    outcome: (kk) => JSON.stringify(kk.engine.threads.map((t) => t.result ?? null)),
  });
}

describe('kcmp', () => {
  it('KCMP_FILE: a dup is the same open file description, a second open is not; EBADF, EINVAL, ESRCH', () => {
    const { k, pf, p } = world();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.dup(a);
    const c = p.open('/data/log', O_RDONLY);
    const me = p.pid;
    expect(kcmpOf(pf, p, me, me, KCMP_FILE, a, b)).toBe(0);
    expect(kcmpOf(pf, p, me, me, KCMP_FILE, a, c)).toBe(1);
    const before = state(k);
    expect(kcmpOf(pf, p, me, me, KCMP_FILE, a, 77)).toBe('EBADF');
    expect(kcmpOf(pf, p, me, me, KCMP_FILE, 77, a)).toBe('EBADF');
    expect(kcmpOf(pf, p, me, me, 99, 0, 0)).toBe('EINVAL');
    expect(kcmpOf(pf, p, me, 999999, KCMP_FILE, a, a)).toBe('ESRCH');
    expect(state(k)).toBe(before);
    // The ordering is total and antisymmetric, as kcmp_ptr()'s.
    const ab = pf.kcmp(p, me, me, KCMP_FILE, a, c);
    expect(pf.kcmp(p, me, me, KCMP_FILE, c, a)).toBe(3 - ab);
  });

  it('across fork: the same file, different tables, address spaces, fs and signal handlers; IO and SYSVSEM are two NULLs', () => {
    const { pf, p } = world();
    const a = p.open('/data/log', O_RDONLY);
    const c = p.fork();
    const [me, kid] = [p.pid, c.pid];
    expect(kcmpOf(pf, p, me, kid, KCMP_FILE, a, a)).toBe(0);
    for (const type of [KCMP_FILES, KCMP_VM, KCMP_FS, KCMP_SIGHAND]) expect(kcmpOf(pf, p, me, kid, type, 0, 0)).toBe(1);
    for (const type of [KCMP_IO, KCMP_SYSVSEM]) expect(kcmpOf(pf, p, me, kid, type, 0, 0)).toBe(0);
    expect(kcmpOf(pf, p, me, me, KCMP_FILES, 0, 0)).toBe(0);
  });

  it('threads share all of it until unshare(CLONE_FILES), which gives the thread a table of its own', () => {
    const { k, pf, p } = world();
    const watcher = k.spawnProcess({ name: 'W', creds: { uid: 0 } });
    p.thread((sys: Sys) => sys.getpid());
    const t = p.thread((sys: Sys) => sys.unshare(CLONE_FILES));
    expect(kcmpOf(pf, watcher, p.pid, t.tid, KCMP_FILES, 0, 0)).toBe(0);
    expect(kcmpOf(pf, watcher, p.pid, t.tid, KCMP_VM, 0, 0)).toBe(0);
    k.run();
    expect(kcmpOf(pf, watcher, p.pid, t.tid, KCMP_FILES, 0, 0)).toBe(1);
    expect(kcmpOf(pf, watcher, p.pid, t.tid, KCMP_SIGHAND, 0, 0)).toBe(0);
  });

  it('a zombie has no files, mm or fs any more (NULL pointers), keeps its signal handlers; reaped, it is gone', () => {
    const { pf, p } = world();
    const a = p.open('/data/log', O_RDONLY);
    const z = p.fork();
    z.exit();
    const [me, zp] = [p.pid, z.pid];
    expect(kcmpOf(pf, p, me, zp, KCMP_FILES, 0, 0)).toBe(1);
    expect(kcmpOf(pf, p, zp, zp, KCMP_VM, 0, 0)).toBe(0);
    expect(kcmpOf(pf, p, me, zp, KCMP_FILE, a, a)).toBe('EBADF');
    expect(kcmpOf(pf, p, zp, zp, KCMP_SIGHAND, 0, 0)).toBe(0);
    p.wait4(zp);
    expect(kcmpOf(pf, p, me, zp, KCMP_FILES, 0, 0)).toBe('ESRCH');
  });

  it('KCMP_EPOLL_TFD: the target of an epoll item, which outlives the fd it was added for', () => {
    const { k, pf, p } = world();
    const [a] = p.pipe();
    const b = p.dup(a);
    const other = p.open('/data/log', O_RDONLY);
    const ep = Epoll.create1(p, 0);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, a, { events: EPOLLIN, data: a });
    const me = p.pid;
    const slot = (tfd: number, toff = 0, efd = ep): KcmpEpollSlot => ({ efd, tfd, toff });
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, a, slot(a))).toBe(0);
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, other, slot(a))).toBe(1);
    const before = state(k);
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, a, slot(other))).toBe('ENOENT');
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, a, slot(a, 1))).toBe('ENOENT');
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, a, slot(a, 0, a))).toBe('EINVAL');
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, a, slot(a, 0, 77))).toBe('EBADF');
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, a, null)).toBe('EFAULT');
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, 77, null)).toBe('EFAULT'); // the slot is read first
    expect(state(k)).toBe(before);
    // Close `a` (its dup keeps the pipe), put another pipe at the same number and watch it
    // too: two items for one fd number, one per file. Which is toff 0 is the rbtree's
    // pointer order on Linux; each file is one of the two.
    p.close(a);
    const [q] = p.pipe();
    const d = p.dup2(q, a);
    expect(d).toBe(a);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, d, { events: EPOLLIN, data: d });
    const firstIsOld = kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, b, slot(a, 0)) === 0;
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, b, slot(a, 1)) === 0).toBe(!firstIsOld);
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, d, slot(a, 0)) === 0).toBe(!firstIsOld);
    expect(kcmpOf(pf, p, me, me, KCMP_EPOLL_TFD, d, slot(a, 2))).toBe('ENOENT');
    k.assertAudit();
  });

  it('KCMP_EPOLL_TFD: a file type that only calls itself "eventpoll" is not an epoll (EINVAL), as f_op != &eventpoll_fops', () => {
    const { k, pf, p } = world();
    const impostor: FileOperations = { name: 'eventpoll', stream: true, llseek: noopLlseek };
    k.vfs.mknod('/tmp/eventpoll', impostor);
    const fd = p.open('/tmp/eventpoll', O_RDONLY);
    expect(fileEventpoll(p.fileOf(fd))).toBeNull();
    const ep = Epoll.create1(p, 0);
    expect(fileEventpoll(p.fileOf(ep))).toBe(Epoll.of(p, ep));
    expect(kcmpOf(pf, p, p.pid, p.pid, KCMP_EPOLL_TFD, fd, { efd: fd, tfd: fd, toff: 0 })).toBe('EINVAL');
    k.assertAudit();
  });

  it('EPERM without ptrace rights over either task; model misuse for wrong argument types', () => {
    const { k, pf, p } = world();
    const user = k.spawnProcess({ name: 'U', creds: { uid: 2000 } });
    expect(kcmpOf(pf, user, user.pid, p.pid, KCMP_VM, 0, 0)).toBe('EPERM');
    expect(kcmpOf(pf, user, p.pid, user.pid, KCMP_VM, 0, 0)).toBe('EPERM');
    expect(kcmpOf(pf, user, user.pid, user.pid, KCMP_VM, 0, 0)).toBe(0);
    expect(() => pf.kcmp(p, p.pid, p.pid, KCMP_FILE, 0, 'x' as unknown as number)).toThrow(ModelError);
    expect(() => pf.kcmp(p, p.pid, p.pid, KCMP_EPOLL_TFD, 0, { efd: 1, tfd: 'x', toff: 0 } as unknown as KcmpEpollSlot)).toThrow(ModelError);
  });

  it('KCMP_EPOLL_TFD racing a close of the epoll fd: found before it, EBADF after; when its own reference is the last, its fput frees the epoll cleanly', () => {
    const s = defineScenario({
      name: 'kcmp-vs-close',
      title: 'kcmp(KCMP_EPOLL_TFD) while the epoll fd is closed',
      source: 'test',
      plugins: [pidfd()],
      setup(kk) {
        const pfx = kk.use(pidfd());
        const p = kk.spawnProcess({ name: 'P' });
        const [r] = p.pipe();
        const ep = Epoll.create1(p, 0);
        Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: r });
        p.thread(function* (sys: Sys) {
          try {
            return yield* pfx.on(sys).kcmp(p.pid, p.pid, KCMP_EPOLL_TFD, r, { efd: ep, tfd: r, toff: 0 });
          } catch (e) {
            return (e as { code: string }).code;
          }
        });
        p.thread((sys: Sys) => sys.close(ep));
      },
      outcome: (kk) => JSON.stringify(kk.engine.threads.map((t) => t.result ?? null)),
    });
    const r = explore(s);
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
    // Before the close the item is found (0); after it the epoll fd is gone (EBADF). Every
    // run is audited: no reference leaked or dropped twice, whoever put the last one.
    expect(new Set(r.outcomes.map((o) => o.outcome))).toEqual(new Set(['[0,null]', '["EBADF",null]']));
  });

  it('racing an exec by a non-leader thread of the looked-at process, which reorders and reaps its threads: every declaration still names what the step touches', () => {
    // task->files was the field of the task's index in the thread list; an exec by a
    // second thread moves it to the front (de_thread()), so a kcmp step declared before the
    // exec named another thread's pointer than the one it read (checked mode caught it
    // once the read was recorded).
    for (const type of [KCMP_FILES, KCMP_VM, KCMP_FILE]) {
      const s = kcmpRace('kcmp-vs-exec', type, (p, w) => {
        const fd = p.open('/data/log', O_RDONLY);
        p.thread((sys: Sys) => sys.getpid());
        p.thread((sys: Sys) => sys.exec());
        return [p.pid, w.pid, fd, fd];
      });
      const dpor = explore(s);
      expect(dpor.exhaustive).toBe(true);
      expect(dpor.violations).toEqual([]);
      const src = scenarioSource(s, scenarioPolicy(s, 'current'));
      expect(sampledMisses(src, searchTraces(src, 'dpor').traces, 100, type + 1)).toBe(0);
    }
  });

  it.each([
    ['dup2 over the second fd', (sys: Sys, a: number, b: number) => sys.dup2(a, b)],
    ['close of the second fd', (sys: Sys, _a: number, b: number) => sys.close(b)],
    ['unshare(CLONE_FILES) of the looked-at thread', (sys: Sys) => sys.unshare(CLONE_FILES)],
    ['exit of the looked-at thread', (sys: Sys) => sys.exit()],
  ] as const)('DPOR sees what naive search sees: KCMP_FILE and KCMP_FILES racing a %s', (_name, other) => {
    let distinct = 0;
    for (const type of [KCMP_FILE, KCMP_FILES]) {
      const s = kcmpRace('kcmp-race', type, (p) => {
        const a = p.open('/data/log', O_RDONLY);
        const b = p.open('/data/log', O_RDONLY);
        p.thread((sys: Sys) => sys.getpid());
        const t = p.thread((sys: Sys) => other(sys, a, b));
        return [p.pid, t.tid, a, type === KCMP_FILE ? b : 0];
      });
      const naive = explore(s, { strategy: 'dfs', maxRuns: 100_000 });
      const dpor = explore(s);
      expect(naive.exhaustive).toBe(true);
      expect(dpor.exhaustive).toBe(true);
      const seen = new Set(naive.outcomes.map((o) => o.outcome));
      expect(new Set(dpor.outcomes.map((o) => o.outcome))).toEqual(seen);
      distinct += seen.size;
    }
    // Not vacuous: for one of the two types the answer depends on the order.
    expect(distinct).toBeGreaterThan(2);
  });
});
