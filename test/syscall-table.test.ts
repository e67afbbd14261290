/*
 * Policy `syscalls`: a kernel answers ENOSYS for a system call its release did not have
 * (an fcntl command it does not know, EINVAL), before reading any argument, and the
 * failed call changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, Epoll, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, F_DUPFD_QUERY, ModelError, O_DIRECTORY, O_PATH, O_RDONLY, O_RDWR, POLICY_PRESETS, type PresetName } from '../src/index.js';
import { hasSyscalls, requireSyscall } from '../src/extend.js';
import {
  IORING_FILE_INDEX_ALLOC, IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_OPENAT, IORING_REGISTER_FILE_ALLOC_RANGE, IORING_REGISTER_FILES,
  IORING_REGISTER_FILES2, IORING_REGISTER_FILES_SKIP, IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_FILES_UPDATE2, IORING_RSRC_REGISTER_SPARSE, IOSQE_FIXED_FILE, ioUring,
} from '../src/plugins/io-uring/index.js';
import { PIDFD_THREAD, SECCOMP_ADDFD_FLAG_SEND, pidfd } from '../src/plugins/pidfd/index.js';
import { catching, errnoOf, newKernel, state, stepToEnd } from './helpers.js';

describe('the system call table of a kernel version', () => {
  it('every preset names its table: linux-3.14 the oldest, linux-6.15 and current the newest', () => {
    const tables = Object.fromEntries(Object.entries(POLICY_PRESETS).map(([name, p]) => [name, p.syscalls ?? DEFAULT_POLICY.syscalls]));
    expect(tables['linux-3.14']).toBe('v3.14');
    expect(tables['linux-5.11']).toBe('v5.11');
    expect(tables['linux-5.16']).toBe('v5.15');
    for (const name of ['linux-6.4', 'linux-6.5-rc', 'linux-6.5', 'linux-6.6', 'linux-6.7'] as PresetName[]) expect(tables[name]).toBe('v6.0');
    expect(tables['linux-6.9']).toBe('v6.9');
    expect(tables['linux-6.15']).toBe('v6.10');
    expect(tables.current).toBe('v6.10');
    expect(hasSyscalls({ syscalls: 'v5.11' }, 'v3.14')).toBe(true);
    expect(hasSyscalls({ syscalls: 'v5.11' }, 'v6.10')).toBe(false);
    expect(() => requireSyscall({ syscalls: 'v3.14' }, 'pidfd_open', 'v5.11')).toThrow(/pidfd_open: ENOSYS/);
    // Misuse is a ModelError, not a kernel's answer.
    for (const bad of [null, 42, {}, { syscalls: 'v4.0' }]) expect(() => hasSyscalls(bad as never, 'v3.14')).toThrow(ModelError);
    expect(() => hasSyscalls({ syscalls: 'v5.11' }, 'toString' as never)).toThrow(ModelError);
    expect(() => requireSyscall({ syscalls: 'v5.11' }, 42 as never, 'v3.14')).toThrow(ModelError);
  });

  it('linux-3.14 has no close_range() or copy_file_range(): ENOSYS before the arguments are read, nothing changes', () => {
    const k = newKernel({ policy: 'linux-3.14' });
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDWR);
    const before = state(k);
    expect(errnoOf(() => p.closeRange(0, 10, 0))).toBe('ENOSYS');
    expect(errnoOf(() => p.closeRange(5, 1, 0xffff))).toBe('ENOSYS'); // EINVAL on a kernel that has it
    expect(errnoOf(() => p.copyFileRange(a, null, a, null, 1))).toBe('ENOSYS');
    expect(state(k)).toBe(before);
    const q = newKernel({ policy: 'linux-5.11' }).spawnProcess();
    expect(errnoOf(() => q.closeRange(5, 1, 0))).toBe('EINVAL');
  });

  it('a thread gets ENOSYS without taking a step', () => {
    const k = newKernel({ policy: 'linux-3.14' });
    const p = k.spawnProcess();
    const t = p.thread((sys) => catching(sys.closeRange(0, 3, 0)));
    stepToEnd(k, t);
    expect(t.sim.result).toBe('ENOSYS');
    expect(k.engine.stepCount).toBe(0);
  });

  it('fcntl F_DUPFD_QUERY came in v6.10: EINVAL before it (EBADF on an O_PATH fd, which check_fcntl_cmd() did not list)', () => {
    for (const [policy, plain, path] of [['linux-6.9', 'EINVAL', 'EBADF'], ['current', 1, 1]] as const) {
      const k = newKernel({ policy });
      const p = k.spawnProcess();
      const a = p.open('/data/log', O_RDONLY);
      const o = p.open('/data/log', O_PATH);
      const run = (fd: number) => { try { return p.fcntl(fd, F_DUPFD_QUERY, fd); } catch (e) { return (e as { code: string }).code; } };
      expect(run(a)).toBe(plain);
      expect(run(o)).toBe(path);
      // The stepped fcntl answers the same.
      const t = p.thread((sys) => catching(sys.fcntl(a, F_DUPFD_QUERY, a)));
      stepToEnd(k, t);
      expect(t.sim.result).toBe(plain);
    }
  });

  it('EPOLLEXCLUSIVE came in v4.5: linux-3.14 stores no exclusive item and checks nothing (no EINVAL with MOD or an epoll target)', () => {
    for (const [policy, errno] of [['linux-3.14', 0], ['linux-5.11', 'EINVAL']] as const) {
      const k = newKernel({ policy });
      const p = k.spawnProcess();
      const [r] = p.pipe();
      const ep = Epoll.create1(p, 0);
      const inner = Epoll.create1(p, 0);
      const ctl = (op: number, fd: number, events: number) => { try { return Epoll.ctl(p, ep, op, fd, { events, data: fd }); } catch (e) { return (e as { code: string }).code; } };
      expect(ctl(EPOLL_CTL_ADD, r, EPOLLIN | EPOLLEXCLUSIVE)).toBe(0);
      // MOD of an item added with EPOLLEXCLUSIVE, and EPOLLEXCLUSIVE with MOD.
      expect(ctl(EPOLL_CTL_MOD, r, EPOLLIN)).toBe(errno);
      expect(ctl(EPOLL_CTL_MOD, r, EPOLLIN | EPOLLEXCLUSIVE)).toBe(errno);
      // An epoll target, and bits EPOLLEXCLUSIVE does not allow.
      expect(ctl(EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLEXCLUSIVE)).toBe(errno);
      const [r2] = p.pipe();
      expect(ctl(EPOLL_CTL_ADD, r2, EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE)).toBe(errno);
    }
  });

  it('the pidfd and io_uring plugins: ENOSYS on linux-3.14, present from linux-5.11', () => {
    for (const [policy, expected] of [['linux-3.14', 'ENOSYS'], ['linux-5.11', null]] as const) {
      const k = newKernel({ policy });
      const pf = k.use(pidfd());
      const u = k.use(ioUring());
      const p = k.spawnProcess();
      const fd = p.open('/data/log', O_RDONLY);
      const before = state(k);
      const calls = [() => pf.pidfdOpen(p, p.pid, 0), () => pf.pidfdGetfd(p, 0, fd, 0), () => u.setup(p, 4), () => u.register(p, 0, 0, null, 0), () => u.enter(p, 0, [])];
      for (const c of calls.slice(0, expected === null ? 1 : calls.length)) {
        if (expected === null) expect(typeof c()).toBe('number');
        else expect(errnoOf(c)).toBe(expected);
      }
      if (expected !== null) expect(state(k)).toBe(before);
    }
  });

  describe('io_uring and pidfd features inside the calls', () => {
    function uring(policy: PresetName) {
      const k = newKernel({ policy });
      const u = k.use(ioUring());
      const p = k.spawnProcess();
      const ring = u.setup(p, 8);
      return { k, u, p, ring, r: u.ring(p, ring) };
    }

    it('IORING_OP_FIXED_FD_INSTALL came in v6.8: before, the CQE is EINVAL (past IORING_OP_LAST) and nothing changes', () => {
      for (const [policy, ok] of [['linux-6.7', false], ['linux-6.9', true]] as const) {
        const { k, u, p, ring } = uring(policy);
        const a = p.open('/srv', O_RDONLY | O_DIRECTORY);
        u.register(p, ring, IORING_REGISTER_FILES, [a], 1);
        const before = state(k);
        const c = u.enter(p, ring, [{ opcode: IORING_OP_FIXED_FD_INSTALL, flags: IOSQE_FIXED_FILE, fd: 0, userData: 7 }], 1).cqes[0]!;
        if (ok) expect(c.res).toBeGreaterThan(a);
        else {
          expect([c.res, c.error]).toEqual([-22, 'EINVAL']);
          expect(state(k)).toBe(before);
        }
      }
    });

    it('register commands a kernel does not know are EINVAL before the ring fd is looked up', () => {
      const cases = [
        ['linux-5.11', IORING_REGISTER_FILES2, { nr: 1, flags: 0, data: null }, 32],
        ['linux-5.11', IORING_REGISTER_FILES_UPDATE2, { offset: 0, data: [-1], nr: 1 }, 32],
        ['linux-5.16', IORING_REGISTER_FILE_ALLOC_RANGE, { off: 0, len: 1 }, 0],
      ] as const;
      for (const [policy, opcode, arg, nr] of cases) {
        const { k, u, p } = uring(policy);
        const before = state(k);
        expect(errnoOf(() => u.register(p, 99, opcode, arg, nr))).toBe('EINVAL'); // EBADF on a kernel that has it
        expect(state(k)).toBe(before);
      }
      const { u, p } = uring('linux-6.4');
      expect(errnoOf(() => u.register(p, 99, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 0, len: 1 }, 0))).toBe('EBADF');
    });

    it('IORING_RSRC_REGISTER_SPARSE came in v5.19: before, it is a reserved bit (EINVAL)', () => {
      for (const [policy, errno] of [['linux-5.16', 'EINVAL'], ['linux-6.4', null]] as const) {
        const { u, p, ring, r } = uring(policy);
        const call = () => u.register(p, ring, IORING_REGISTER_FILES2, { nr: 2, flags: IORING_RSRC_REGISTER_SPARSE, data: null }, 32);
        if (errno === null) {
          call();
          expect(r.table.size).toBe(2);
        } else {
          expect(errnoOf(call)).toBe(errno);
          expect(r.table.size).toBe(0);
        }
      }
    });

    it('IORING_REGISTER_FILES_SKIP came in v5.12: before, -2 resets the slot and fails fget() (EBADF)', () => {
      for (const [policy, result] of [['linux-5.11', 'EBADF'], ['linux-5.16', 1]] as const) {
        const { u, p, ring, r } = uring(policy);
        const a = p.open('/data/log', O_RDONLY);
        u.register(p, ring, IORING_REGISTER_FILES, [a], 1);
        const got = (() => { try { return u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [IORING_REGISTER_FILES_SKIP] }, 1); } catch (e) { return (e as { code: string }).code; } })();
        expect(got).toBe(result);
        expect(r.table.lookup(0)?.file ?? null).toBe(result === 'EBADF' ? null : p.fileOf(a));
      }
    });

    it('before direct descriptors (v5.15) OPENAT and CLOSE do not look at file_index: a normal fd, a normal close', () => {
      const { k, u, p, ring, r } = uring('linux-5.11');
      u.register(p, ring, IORING_REGISTER_FILES, [-1], 1);
      const fd = u.enter(p, ring, [{ opcode: IORING_OP_OPENAT, addr: '/data/log', openFlags: O_RDONLY, fileIndex: 1, userData: 1 }], 1).cqes[0]!.res;
      expect(fd).toBeGreaterThan(ring);
      expect(p.files.installedFds()).toEqual([ring, fd]);
      expect(r.table.lookup(0)).toBeNull();
      expect(u.enter(p, ring, [{ opcode: IORING_OP_CLOSE, fd, fileIndex: 1, userData: 2 }], 1).cqes[0]!.res).toBe(0);
      expect(p.files.installedFds()).toEqual([ring]);
      k.audit();
      // From v5.15 the same SQEs use the slot (and both fd and file_index is EINVAL).
      const now = uring('linux-5.16');
      now.u.register(now.p, now.ring, IORING_REGISTER_FILES, [-1], 1);
      expect(now.u.enter(now.p, now.ring, [{ opcode: IORING_OP_OPENAT, addr: '/data/log', openFlags: O_RDONLY, fileIndex: 1, userData: 1 }], 1).cqes[0]!.res).toBe(0);
      expect(now.r.table.lookup(0)).not.toBeNull();
    });

    it('IORING_FILE_INDEX_ALLOC came in v5.19: before, it names a slot past the table (EINVAL after the open, the file put)', () => {
      for (const [policy, res] of [['linux-5.16', -22], ['linux-6.4', 0]] as const) {
        const { k, u, p, ring } = uring(policy);
        u.register(p, ring, IORING_REGISTER_FILES, [-1], 1);
        expect(u.enter(p, ring, [{ opcode: IORING_OP_OPENAT, addr: '/data/log', openFlags: O_RDONLY, fileIndex: IORING_FILE_INDEX_ALLOC, userData: 1 }], 1).cqes[0]!.res).toBe(res);
        expect(p.files.installedFds()).toEqual([ring]);
        k.audit();
      }
    });

    it('pidfd_open(PIDFD_THREAD) came in v6.9; SECCOMP_ADDFD_FLAG_SEND in v5.14; seccomp notification is ENOSYS on linux-3.14', () => {
      for (const [policy, errno] of [['linux-6.7', 'EINVAL'], ['linux-6.9', null]] as const) {
        const k = newKernel({ policy });
        const pf = k.use(pidfd());
        const p = k.spawnProcess();
        if (errno === null) expect(pf.pidfdOpen(p, p.pid, PIDFD_THREAD)).toBeGreaterThanOrEqual(0);
        else expect(errnoOf(() => pf.pidfdOpen(p, p.pid, PIDFD_THREAD))).toBe(errno);
      }
      {
        const k = newKernel({ policy: 'linux-3.14' });
        const pf = k.use(pidfd());
        const sup = k.spawnProcess({ name: 'S' });
        const target = k.spawnProcess({ name: 'T' });
        const before = state(k);
        expect(errnoOf(() => pf.seccompListen(sup, target))).toBe('ENOSYS');
        expect(state(k)).toBe(before);
      }
      for (const [policy, errno] of [['linux-5.11', 'EINVAL'], ['linux-5.16', 0]] as const) {
        const k = newKernel({ policy });
        const pf = k.use(pidfd());
        const target = k.spawnProcess({ name: 'T', creds: { uid: 1000 } });
        const me = k.spawnProcess({ name: 'S', creds: { uid: 1000 } });
        const lfd = pf.seccompListen(me, target);
        const listener = pf.listener(me, lfd);
        const src = me.open('/srv', O_RDONLY);
        target.thread(function* (sys) { return yield* catching(pf.on(sys).seccompTrap(listener, 'connect')); });
        const sup = me.thread(function* (sys) {
          const s = pf.on(sys);
          const id = yield* s.notifRecv(lfd);
          const r = yield* catching(s.notifAddfd(lfd, { id, srcfd: src, flags: SECCOMP_ADDFD_FLAG_SEND }));
          if (typeof r === 'string') yield* s.notifSend(lfd, { id, val: -1, error: 'EPERM' });
          return typeof r === 'string' ? r : 0;
        });
        k.run({ kind: 'round-robin' });
        expect(sup.sim.result).toBe(errno);
      }
    });
  });
});
