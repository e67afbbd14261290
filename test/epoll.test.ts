/*
 * Epoll against the host kernel (Linux 6.18, checked with a C program): every errno of
 * epoll_create1 / epoll_ctl / epoll_wait and the order they are checked in, the
 * (file, fd) key and the dup-close behaviour, LT / ET / ONESHOT / EXCLUSIVE, nested
 * epolls with the loop and depth checks, ENOSPC, blocking epoll_wait woken by a write,
 * and the teardown at the final fput.
 */
import { describe, expect, it } from 'vitest';
import {
  Epoll, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN,
  EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLWAKEUP, O_RDONLY, dmaBufOf, kernfsFileOperations, type EpollEvent, type Process,
} from 'fdlab';
import { errnoOf, newKernel } from './helpers.js';
import { KernelError } from 'fdlab';

/** The errno name, or 'OK' if the call succeeded. */
function res(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}

const IN: EpollEvent = { events: EPOLLIN, data: 7 };

function setup() {
  const k = newKernel();
  const p = k.spawnProcess();
  return { k, p, ep: Epoll.create1(p, 0) };
}

const ctl = (p: Process, ep: number, op: number, fd: number, ev?: EpollEvent) => errnoOf(() => Epoll.ctl(p, ep, op, fd, ev));

describe('epoll_create1', () => {
  it('EINVAL for flags other than EPOLL_CLOEXEC; EPOLL_CLOEXEC sets close-on-exec', () => {
    const { k, p } = setup();
    expect(errnoOf(() => Epoll.create1(p, 1))).toBe('EINVAL');
    const fd = Epoll.create1(p, EPOLL_CLOEXEC);
    p.exec();
    expect(errnoOf(() => p.fileOf(fd))).toBe('EBADF');
    expect(k.audit().ok).toBe(true);
  });

  it('epoll_create(size) is EINVAL for size <= 0', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const t = p.thread(function* (sys) {
      try {
        return yield* Epoll.on(sys).create(0);
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    k.run();
    expect(t.sim.result).toBe('EINVAL');
  });
});

describe('epoll_ctl errno table and order (as Linux 6.18 answers)', () => {
  it('EBADF before anything about the op; EPERM before the op and before "epfd is not an epoll"', () => {
    const { p, ep } = setup();
    const [r, w] = p.pipe();
    const reg = p.open('/data/log', O_RDONLY);
    const dir = p.open('/srv', O_RDONLY);
    expect(ctl(p, 999, EPOLL_CTL_ADD, r, IN)).toBe('EBADF');
    expect(ctl(p, ep, EPOLL_CTL_ADD, 999, IN)).toBe('EBADF');
    expect(ctl(p, 999, 7, r, IN)).toBe('EBADF');
    expect(ctl(p, ep, EPOLL_CTL_ADD, reg, IN)).toBe('EPERM');
    expect(ctl(p, ep, EPOLL_CTL_ADD, dir, IN)).toBe('EPERM');
    expect(ctl(p, w, EPOLL_CTL_ADD, reg, IN)).toBe('EPERM');
    expect(ctl(p, ep, 7, reg, IN)).toBe('EPERM');
    expect(ctl(p, w, EPOLL_CTL_ADD, r, IN)).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_ADD, ep, IN)).toBe('EINVAL');
    expect(ctl(p, ep, 7, ep, IN)).toBe('EINVAL');
    expect(ctl(p, ep, 7, r, IN)).toBe('EINVAL');
    expect(ctl(p, ep, 0, r, IN)).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_ADD, r)).toBe('EFAULT');
  });

  it('ENOENT / EEXIST, and the EPOLLEXCLUSIVE rules before them', () => {
    const { p, ep } = setup();
    const [r, w] = p.pipe();
    const ep2 = Epoll.create1(p, 0);
    expect(ctl(p, ep, EPOLL_CTL_DEL, r)).toBe('ENOENT');
    expect(ctl(p, ep, EPOLL_CTL_MOD, r, IN)).toBe('ENOENT');
    expect(ctl(p, ep, EPOLL_CTL_MOD, r, { events: EPOLLIN | EPOLLEXCLUSIVE, data: 0 })).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN | EPOLLPRI | EPOLLEXCLUSIVE, data: 0 })).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE, data: 0 })).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_ADD, ep2, { events: EPOLLIN | EPOLLEXCLUSIVE, data: 0 })).toBe('EINVAL');
    expect(Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN)).toBe(0);
    expect(ctl(p, ep, EPOLL_CTL_ADD, r, IN)).toBe('EEXIST');
    expect(ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN | EPOLLPRI | EPOLLEXCLUSIVE, data: 0 })).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_MOD, r, { events: EPOLLIN | EPOLLEXCLUSIVE, data: 0 })).toBe('EINVAL');
    expect(Epoll.ctl(p, ep, EPOLL_CTL_ADD, w, { events: EPOLLIN | EPOLLEXCLUSIVE, data: 0 })).toBe(0);
    expect(ctl(p, ep, EPOLL_CTL_MOD, w, { events: EPOLLOUT, data: 0 })).toBe('EINVAL');
    expect(Epoll.ctl(p, ep, EPOLL_CTL_DEL, w)).toBe(0);
    expect(Epoll.ctl(p, ep, EPOLL_CTL_DEL, r)).toBe(0);
    // Every bit but EPOLLEXCLUSIVE is accepted (EPOLLWAKEUP silently dropped without CAP_BLOCK_SUSPEND).
    expect(Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: 0xffffffff & ~EPOLLEXCLUSIVE, data: 0 })).toBe(0);
    expect(Epoll.of(p, ep).find(p.fileOf(r), r)!.events & EPOLLWAKEUP).toBe(0);
  });

  it('ELOOP for a cycle; EEXIST (not ELOOP) for an existing acyclic edge', () => {
    const { p, ep } = setup();
    const ep2 = Epoll.create1(p, 0);
    expect(Epoll.ctl(p, ep, EPOLL_CTL_ADD, ep2, IN)).toBe(0);
    expect(ctl(p, ep2, EPOLL_CTL_ADD, ep, IN)).toBe('ELOOP');
    expect(ctl(p, ep, EPOLL_CTL_ADD, ep2, IN)).toBe('EEXIST');
  });

  it('EP_MAX_NESTS: a chain of five epolls is the deepest, downwards and upwards', () => {
    const { p } = setup();
    const e = Array.from({ length: 7 }, () => Epoll.create1(p, 0));
    const down = e.slice(1).map((x, i) => res(() => Epoll.ctl(p, x, EPOLL_CTL_ADD, e[i]!, IN)));
    expect(down).toEqual(['OK', 'OK', 'OK', 'OK', 'ELOOP', 'OK']);
    const f = Array.from({ length: 7 }, () => Epoll.create1(p, 0));
    const up: string[] = [];
    for (let i = 6; i >= 1; i--) up.push(res(() => Epoll.ctl(p, f[i]!, EPOLL_CTL_ADD, f[i - 1]!, IN)));
    // f6→f5, f5→f4, f4→f3, f3→f2 succeed; f2→f1 would make six levels.
    expect(up).toEqual(['OK', 'OK', 'OK', 'OK', 'ELOOP', 'OK']);
  });

  it('ENOSPC at max_user_watches, per user', () => {
    const k = newKernel({ policy: { epollMaxUserWatches: 2 } });
    const p = k.spawnProcess();
    const ep = Epoll.create1(p, 0);
    const [r, w] = p.pipe();
    const [r2] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, w, { events: EPOLLOUT, data: 1 });
    expect(ctl(p, ep, EPOLL_CTL_ADD, r2, IN)).toBe('ENOSPC');
    Epoll.ctl(p, ep, EPOLL_CTL_DEL, w);
    expect(Epoll.ctl(p, ep, EPOLL_CTL_ADD, r2, IN)).toBe(0);
    const q = k.spawnProcess({ creds: { uid: 2000 } });
    const ep3 = Epoll.create1(q, 0);
    const [r3] = q.pipe();
    expect(Epoll.ctl(q, ep3, EPOLL_CTL_ADD, r3, IN)).toBe(0);
  });
});

describe('epoll_wait', () => {
  it('EBADF first, then EINVAL for maxevents <= 0 or a non-epoll fd', () => {
    const { p, ep } = setup();
    const [r] = p.pipe();
    expect(errnoOf(() => Epoll.wait(p, 999, 0))).toBe('EBADF');
    expect(errnoOf(() => Epoll.wait(p, 999, 1))).toBe('EBADF');
    expect(errnoOf(() => Epoll.wait(p, ep, 0))).toBe('EINVAL');
    expect(errnoOf(() => Epoll.wait(p, ep, -1))).toBe('EINVAL');
    expect(errnoOf(() => Epoll.wait(p, r, 1))).toBe('EINVAL');
  });

  it('EPOLLHUP and EPOLLERR are always reported; masks are filtered by the requested events', () => {
    const { p, ep } = setup();
    const [r, w] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: 0, data: 1 });
    p.close(w);
    expect(Epoll.wait(p, ep, 4)).toEqual([{ events: EPOLLHUP, data: 1 }]);
    const [r2, w2] = p.pipe();
    const ep2 = Epoll.create1(p, 0);
    p.close(r2);
    Epoll.ctl(p, ep2, EPOLL_CTL_ADD, w2, { events: EPOLLOUT, data: 1 });
    expect(Epoll.wait(p, ep2, 4)).toEqual([{ events: EPOLLERR | EPOLLOUT, data: 1 }]);
  });

  it('level-triggered reports while ready; edge-triggered once per wake-up; ONESHOT until MOD', () => {
    const { p, ep } = setup();
    const [lr, lw] = p.pipe();
    const [er, ew] = p.pipe();
    const [or, ow] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, lr, { events: EPOLLIN, data: 1 });
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, er, { events: EPOLLIN | EPOLLET, data: 2 });
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, or, { events: EPOLLIN | EPOLLONESHOT, data: 3 });
    p.write(lw, 'a');
    p.write(ew, 'a');
    p.write(ow, 'a');
    const data = () => Epoll.wait(p, ep, 8).map((e) => e.data).sort();
    expect(data()).toEqual([1, 2, 3]);
    expect(data()).toEqual([1]);
    p.write(ew, 'b'); // a new wake-up, though it was readable all along
    p.write(ow, 'b'); // disarmed: ignored
    expect(data()).toEqual([1, 2]);
    Epoll.ctl(p, ep, EPOLL_CTL_MOD, or, { events: EPOLLIN | EPOLLONESHOT, data: 4 });
    expect(data()).toEqual([1, 4]);
    expect(data()).toEqual([1]);
    p.read(lr, 10);
    expect(data()).toEqual([]);
  });

  it('maxevents bounds one call; the rest stays ready for the next', () => {
    const { p, ep } = setup();
    const ws: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [r, w] = p.pipe();
      Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN | EPOLLET, data: i });
      ws.push(w);
    }
    for (const w of ws) p.write(w, 'x');
    expect(Epoll.wait(p, ep, 2).map((e) => e.data)).toEqual([0, 1]);
    expect(Epoll.wait(p, ep, 2).map((e) => e.data)).toEqual([2]);
    expect(Epoll.wait(p, ep, 2)).toEqual([]);
  });

  it('a blocking epoll_wait sleeps until a write wakes it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const ep = Epoll.create1(p, 0);
    const [r, w] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN);
    const waiter = p.thread(function* (sys) {
      return yield* Epoll.on(sys).wait(ep, 4, -1);
    });
    while (k.engine.isEnabled(waiter.sim.id)) k.engine.step(waiter.sim.id);
    expect(waiter.sim.pending!.fn).toMatch(/^schedule\(eventpoll#1\.wq\)$/);
    p.thread(function* (sys) {
      yield* sys.write(w, 'x');
    });
    expect(k.run().completed).toBe(true);
    expect(waiter.sim.result).toEqual([{ events: EPOLLIN, data: 7 }]);
  });

  it('a sleeping epoll_wait ends with EINTR on a fatal signal; a plain call that would sleep is model misuse', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const ep = Epoll.create1(p, 0);
    const [r] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN);
    expect(() => Epoll.wait(p, ep, 4, -1)).toThrow(/would wait/);
    const t = p.thread(function* (sys) {
      try {
        return yield* Epoll.on(sys).wait(ep, 4, -1);
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    expect(k.run().deadlock).toBe(true);
    t.sim.killed = true;
    k.run();
    expect(t.sim.result).toBe('EINTR');
    expect(Epoll.of(p, ep).wq.active).toBe(false);
  });

  it('EPOLLEXCLUSIVE: one write wakes one of two epolls that both have a sleeper', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const eps = [Epoll.create1(p, 0), Epoll.create1(p, 0)];
    for (const ep of eps) Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN | EPOLLEXCLUSIVE, data: ep });
    const waiters = eps.map((ep) => p.thread(function* (sys) {
      return yield* Epoll.on(sys).wait(ep, 4, -1);
    }));
    for (const t of waiters) while (k.engine.isEnabled(t.sim.id)) k.engine.step(t.sim.id);
    const writer = p.thread(function* (sys) {
      yield* sys.write(w, 'x');
    });
    while (writer.sim.pending !== null) k.engine.step(writer.sim.id);
    expect(waiters.filter((t) => k.engine.isEnabled(t.sim.id)).length).toBe(1);
    // Without EPOLLEXCLUSIVE both are woken.
    const k2 = newKernel();
    const p2 = k2.spawnProcess();
    const [r2, w2] = p2.pipe();
    const eps2 = [Epoll.create1(p2, 0), Epoll.create1(p2, 0)];
    for (const ep of eps2) Epoll.ctl(p2, ep, EPOLL_CTL_ADD, r2, IN);
    const ws2 = eps2.map((ep) => p2.thread(function* (sys) {
      return yield* Epoll.on(sys).wait(ep, 4, -1);
    }));
    for (const t of ws2) while (k2.engine.isEnabled(t.sim.id)) k2.engine.step(t.sim.id);
    p2.write(w2, 'x');
    expect(ws2.filter((t) => k2.engine.isEnabled(t.sim.id)).length).toBe(2);
    k2.run();
    k.run();
    expect(waiters.filter((t) => t.sim.done).length).toBe(1);
    // A second write finds the first epoll without a sleeper, so its exclusive entry
    // declines and the next one wakes the other sleeper.
    p.write(w, 'y');
    expect(k.run().completed).toBe(true);
  });

  it('nested epolls: the outer reports EPOLLIN when the inner has a ready item, and is woken through it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const inner = Epoll.create1(p, 0);
    const outer = Epoll.create1(p, 0);
    Epoll.ctl(p, inner, EPOLL_CTL_ADD, r, IN);
    Epoll.ctl(p, outer, EPOLL_CTL_ADD, inner, { events: EPOLLIN, data: 99 });
    expect(Epoll.wait(p, outer, 4)).toEqual([]);
    const t = p.thread(function* (sys) {
      return yield* Epoll.on(sys).wait(outer, 4, -1);
    });
    while (k.engine.isEnabled(t.sim.id)) k.engine.step(t.sim.id);
    p.write(w, 'x');
    k.run();
    expect(t.sim.result).toEqual([{ events: EPOLLIN, data: 99 }]);
    expect(p.poll([{ fd: outer, events: EPOLLIN }]).revents).toEqual([EPOLLIN]);
  });
});

describe('the dma-buf file type', () => {
  it("->poll takes a reference with get_file(); the fence callback drops it; the audit knows who holds it", () => {
    const { k, p, ep } = setup();
    const fd = Epoll.dmaBuf(p, { fence: true });
    const f = p.fileOf(fd);
    const buf = dmaBufOf(f)!;
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, fd, IN);
    expect(f.count).toBe(2); // the fd and the armed callback
    expect(k.audit().ok).toBe(true);
    expect(Epoll.wait(p, ep, 4)).toEqual([]);
    Epoll.signal(p, buf);
    expect(f.count).toBe(1);
    expect(Epoll.wait(p, ep, 4)).toEqual([{ events: EPOLLIN, data: 7 }]); // get_file + immediate callback
    expect(f.count).toBe(1);
    expect(p.poll([{ fd, events: EPOLLIN }]).revents).toEqual([EPOLLIN]);
  });
});

describe('items, files and fds', () => {
  it('closing one fd while a dup keeps the file: events still come for the old fd; DEL of it is EBADF', () => {
    const { k, p, ep } = setup();
    const [r, w] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: 42 });
    const d = p.dup(r);
    p.close(r);
    p.write(w, 'x');
    expect(Epoll.wait(p, ep, 4)).toEqual([{ events: EPOLLIN, data: 42 }]);
    expect(ctl(p, ep, EPOLL_CTL_DEL, r)).toBe('EBADF');
    expect(ctl(p, ep, EPOLL_CTL_DEL, d)).toBe('ENOENT');
    p.dup2(d, r);
    expect(Epoll.ctl(p, ep, EPOLL_CTL_DEL, r)).toBe(0);
    expect(k.epoll.fEp.size).toBe(0);
  });

  it('the last close of a watched file removes its items (eventpoll_release_file); items own no reference', () => {
    const { k, p, ep } = setup();
    const [r, w] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN);
    expect(p.fileOf(r).count).toBe(1);
    p.close(r);
    expect(Epoll.of(p, ep).items.size).toBe(0);
    expect(k.epoll.watches.get(1000)).toBe(0);
    p.close(w);
    p.close(ep);
    expect(k.audit().ok).toBe(true);
  });

  it('closing the epoll removes its items from the files they watch, and watched epolls from their watchers', () => {
    const { k, p, ep } = setup();
    const [r] = p.pipe();
    const outer = Epoll.create1(p, 0);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN);
    Epoll.ctl(p, outer, EPOLL_CTL_ADD, ep, IN);
    const inst = Epoll.of(p, ep);
    p.close(ep);
    expect(inst.items.size).toBe(0);
    expect(inst.refcount).toBe(0);
    expect(Epoll.of(p, outer).items.size).toBe(0);
    expect(k.epoll.itemsOf(p.fileOf(r))).toEqual([]);
  });

  it('the audit checks the epoll invariants (refcount, f_ep membership)', () => {
    const { k, p, ep } = setup();
    const [r] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, IN);
    expect(k.audit().ok).toBe(true);
    const inst = Epoll.of(p, ep);
    inst.refcount++;
    const list = k.epoll.fEp.get(p.fileOf(r))!;
    const epi = list.pop()!;
    expect(k.audit().problems).toEqual([
      'eventpoll#1: refcount 3 but its file and 1 item(s)',
      `eventpoll#1: item for fd ${r} is not on file#2's f_ep`,
    ]);
    inst.refcount--;
    list.push(epi);
    expect(k.audit().ok).toBe(true);
  });

  it('a regular file on a kernfs-like filesystem can be watched, and pins its mount only while open', () => {
    const k = newKernel();
    k.vfs.mount('/mnt', 'sysfs', { fileOperations: kernfsFileOperations });
    k.vfs.writeFile('/mnt/state', 'x');
    const p = k.spawnProcess();
    const ep = Epoll.create1(p, 0);
    const fd = p.open('/mnt/state', O_RDONLY);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, fd, IN);
    expect(Epoll.wait(p, ep, 4)).toEqual([{ events: EPOLLIN, data: 7 }]);
    p.close(fd);
    k.vfs.umount('/mnt');
  });
});

describe('found by the host-kernel conformance harness', () => {
  it('a read that neither slept nor freed a full pipe wakes no one: EPOLLET reports the data once', () => {
    const { p, ep } = setup();
    const [r, w] = p.pipe(0);
    p.write(w!, 'x'.repeat(4096));
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r!, { events: EPOLLIN | EPOLLET, data: r! });
    expect(Epoll.wait(p, ep, 8)).toEqual([{ events: EPOLLIN, data: r }]);
    p.read(r!, 100);
    expect(Epoll.wait(p, ep, 8)).toEqual([]);
    p.write(w!, 'y'); // a write always wakes the readers' queue (epoll wants it)
    expect(Epoll.wait(p, ep, 8)).toEqual([{ events: EPOLLIN, data: r }]);
  });

  it('reading a full pipe wakes its writers: EPOLLET on the write end sees EPOLLOUT again', () => {
    const { p, ep } = setup();
    const [r, w] = p.pipe(0);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, w!, { events: EPOLLOUT | EPOLLET, data: w! });
    expect(Epoll.wait(p, ep, 8)).toEqual([{ events: EPOLLOUT, data: w }]);
    p.write(w!, 'x'.repeat(65536)); // full
    expect(Epoll.wait(p, ep, 8)).toEqual([]);
    p.read(r!, 4096);
    expect(Epoll.wait(p, ep, 8)).toEqual([{ events: EPOLLOUT, data: w }]);
  });

  it('only ADD is loop-checked: an unknown op on a nested pair is EINVAL, not ELOOP', () => {
    const { p, ep } = setup();
    const outer = Epoll.create1(p, 0);
    Epoll.ctl(p, outer, EPOLL_CTL_ADD, ep, IN);
    expect(ctl(p, ep, 0, outer, IN)).toBe('EINVAL');
    expect(ctl(p, ep, EPOLL_CTL_ADD, outer, IN)).toBe('ELOOP');
  });

  it('lseek on an epoll file is noop_llseek: it succeeds and returns 0', () => {
    const { p, ep } = setup();
    expect(p.lseek(ep, 5, 1)).toBe(0);
    expect(p.lseek(ep, 5, 3)).toBe(0);
    expect(errnoOf(() => p.lseek(ep, 0, 9))).toBe('EINVAL');
    const [r] = p.pipe(0);
    expect(errnoOf(() => p.lseek(r!, 0, 1))).toBe('ESPIPE');
  });
});
