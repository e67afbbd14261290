import { describe, expect, it } from 'vitest';
import { F_GETFD, F_GETFL, FD_CLOEXEC, O_CLOEXEC, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, type Process } from '../src/index.js';
import {
  PIDFD_NONBLOCK, PIDFD_THREAD, SECCOMP_ADDFD_FLAG_SEND, SECCOMP_ADDFD_FLAG_SETFD, pidfd, pidfdPid, ptraceMayAccess,
  type PidfdApi, type PidfdOptions,
} from '../src/plugins/pidfd/index.js';
import { catching, errnoOf, finish, newKernel, state, stepToEnd, stepUntil } from './helpers.js';

function world(opts: PidfdOptions = {}) {
  const k = newKernel();
  const pf = k.use(pidfd(opts));
  const target = k.spawnProcess({ name: 'T', creds: { uid: 1000 } });
  const fd = target.open('/data/log', O_RDWR);
  const me = k.spawnProcess({ name: 'S', creds: { uid: 1000 } });
  return { k, pf, target, fd, me };
}

describe('pidfd_open', () => {
  it('returns an O_CLOEXEC fd whose file is a pidfd for the pid', () => {
    const { pf, target, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    expect(me.fcntl(pfd, F_GETFD)).toBe(FD_CLOEXEC);
    expect(pidfdPid(me.fileOf(pfd))).toEqual({ pid: target.pid, thread: false });
    expect(me.fileOf(pfd).mount.nouser).toBe(true);
  });

  it('PIDFD_NONBLOCK sets O_NONBLOCK on the file', () => {
    const { pf, target, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, PIDFD_NONBLOCK);
    expect(me.fcntl(pfd, F_GETFL) & O_NONBLOCK).toBe(O_NONBLOCK);
  });

  it.each([
    ['unknown flags', (pf: PidfdApi, me: Process, pid: number) => pf.pidfdOpen(me, pid, 1), 'EINVAL'],
    ['O_CLOEXEC is not a pidfd_open flag', (pf: PidfdApi, me: Process, pid: number) => pf.pidfdOpen(me, pid, O_CLOEXEC), 'EINVAL'],
    ['pid 0', (pf: PidfdApi, me: Process) => pf.pidfdOpen(me, 0, 0), 'EINVAL'],
    ['negative pid', (pf: PidfdApi, me: Process) => pf.pidfdOpen(me, -5, 0), 'EINVAL'],
    ['non-integer pid', (pf: PidfdApi, me: Process) => pf.pidfdOpen(me, 1.5, 0), 'EINVAL'],
    ['no such pid', (pf: PidfdApi, me: Process) => pf.pidfdOpen(me, 999, 0), 'ESRCH'],
  ] as const)('%s fails with %s and changes nothing', (_name, call, errno) => {
    const { k, pf, target, me } = world();
    const before = state(k);
    expect(errnoOf(() => call(pf, me, target.pid))).toBe(errno);
    expect(state(k)).toBe(before);
  });

  it('a non-leader thread needs PIDFD_THREAD (ENOENT), and gets a thread pidfd with it', () => {
    const { k, pf, target, me } = world();
    target.thread(function* (sys) { yield* sys.getpid(); });
    const t2 = target.thread(function* (sys) { yield* sys.getpid(); });
    const before = state(k);
    expect(errnoOf(() => pf.pidfdOpen(me, t2.tid, 0))).toBe('ENOENT');
    expect(state(k)).toBe(before);
    const pfd = pf.pidfdOpen(me, t2.tid, PIDFD_THREAD);
    expect(pidfdPid(me.fileOf(pfd))).toEqual({ pid: t2.tid, thread: true });
    finish(k);
  });

  it("the v6.9 uapi answers EINVAL for a non-leader where the current one says ENOENT; a missing pid is ESRCH in both", () => {
    const { k, pf, target, me } = world({ uapi: 'v6.9' });
    const t2 = (target.thread(function* () {}), target.thread(function* () {}));
    expect(errnoOf(() => pf.pidfdOpen(me, 999, 0))).toBe('ESRCH');
    expect(errnoOf(() => pf.pidfdOpen(me, t2.tid, 0))).toBe('EINVAL');
    finish(k);
  });

  it('a process that has exited is ESRCH', () => {
    const { pf, target, me, fd } = world();
    target.close(fd);
    target.exit();
    expect(errnoOf(() => pf.pidfdOpen(me, target.pid, 0))).toBe('ESRCH');
  });

  it('EMFILE when the caller has no free fd below RLIMIT_NOFILE', () => {
    const { k, pf, target, me } = world();
    me.rlimitNofile = 1;
    me.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => pf.pidfdOpen(me, target.pid, 0))).toBe('EMFILE');
    expect(state(k)).toBe(before);
  });
});

describe('pidfd_getfd', () => {
  it('installs an O_CLOEXEC fd sharing the struct file and its f_pos', () => {
    const { pf, target, fd, me } = world();
    const file = target.fileOf(fd);
    const stolen = pf.pidfdGetfd(me, pf.pidfdOpen(me, target.pid, 0), fd, 0);
    expect(me.fileOf(stolen)).toBe(file);
    expect(file.count).toBe(2);
    expect(me.fcntl(stolen, F_GETFD)).toBe(FD_CLOEXEC);
    expect(target.read(fd, 5)).toBe('line ');
    expect(me.read(stolen, 1)).toBe('1'); // the same open file description: f_pos moved
  });

  it('EPERM without ptrace rights: nothing installed, counts unchanged', () => {
    const { k, pf, target, fd } = world();
    const other = k.spawnProcess({ name: 'O', creds: { uid: 1001 } });
    const pfd = pf.pidfdOpen(other, target.pid, 0);
    const before = state(k);
    expect(errnoOf(() => pf.pidfdGetfd(other, pfd, fd, 0))).toBe('EPERM');
    expect(state(k)).toBe(before);
    expect(target.fileOf(fd).count).toBe(1);
  });

  it('ptrace_may_access: same uid and dumpable, or CAP_SYS_PTRACE', () => {
    const { k, target } = world();
    expect(ptraceMayAccess(k.spawnProcess({ creds: { uid: 1000 } }), target)).toBe(true);
    expect(ptraceMayAccess(k.spawnProcess({ creds: { uid: 1000, gid: 5 } }), target)).toBe(false);
    expect(ptraceMayAccess(k.spawnProcess({ creds: { uid: 7, caps: ['CAP_SYS_PTRACE'] } }), target)).toBe(true);
    expect(ptraceMayAccess(k.spawnProcess({ creds: { uid: 0 } }), target)).toBe(true);
    target.creds = { ...target.creds, dumpable: false };
    expect(ptraceMayAccess(k.spawnProcess({ creds: { uid: 1000 } }), target)).toBe(false);
  });

  it.each([
    ['flags must be 0', (pf: PidfdApi, me: Process, pfd: number, fd: number) => pf.pidfdGetfd(me, pfd, fd, 1), 'EINVAL'],
    ['pidfd not open', (pf: PidfdApi, me: Process, _pfd: number, fd: number) => pf.pidfdGetfd(me, 40, fd, 0), 'EBADF'],
    ['pidfd negative', (pf: PidfdApi, me: Process, _pfd: number, fd: number) => pf.pidfdGetfd(me, -1, fd, 0), 'EBADF'],
    ['target fd not installed', (pf: PidfdApi, me: Process, pfd: number) => pf.pidfdGetfd(me, pfd, 17, 0), 'EBADF'],
    ['target fd NaN', (pf: PidfdApi, me: Process, pfd: number) => pf.pidfdGetfd(me, pfd, Number.NaN, 0), 'EBADF'],
  ] as const)('%s → %s, changing nothing', (_n, call, errno) => {
    const { k, pf, target, fd, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    const before = state(k);
    expect(errnoOf(() => call(pf, me, pfd, fd))).toBe(errno);
    expect(state(k)).toBe(before);
  });

  it('an fd that is not a pidfd is EBADF', () => {
    const { k, pf, fd, me } = world();
    const notPidfd = me.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => pf.pidfdGetfd(me, notPidfd, fd, 0))).toBe('EBADF');
    expect(state(k)).toBe(before);
  });

  it('a reaped target is ESRCH', () => {
    const { pf, target, fd, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    target.exit();
    expect(errnoOf(() => pf.pidfdGetfd(me, pfd, fd, 0))).toBe('ESRCH');
  });

  it.each([
    [{}, 'ESRCH'],
    [{ exitingErrno: 'EBADF' } as const, 'EBADF'],
  ] as const)('an exiting target whose files are gone (options %o) → %s', (opts, errno) => {
    const { k, pf, target, fd, me } = world(opts);
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    const dying = target.thread(function* (sys) { yield* sys.exit(); });
    const thief = me.thread(function* (sys) { return yield* catching(pf.on(sys).pidfdGetfd(pfd, fd, 0)); });
    stepUntil(k, dying.sim, 'put_files_struct');
    expect(target.main.exiting).toBe(true);
    expect(target.main.files).toBe(null);
    while (thief.sim.pending !== null) k.engine.step(thief.sim.id);
    expect(thief.sim.result).toBe(errno);
    finish(k);
  });

  it('a PF_EXITING target that still has its files: a missing fd is ESRCH too (__pidfd_fget checks PF_EXITING)', () => {
    const { k, pf, target, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    const dying = target.thread(function* (sys) { yield* sys.exit(); });
    const thief = me.thread(function* (sys) { return yield* catching(pf.on(sys).pidfdGetfd(pfd, 9, 0)); });
    stepUntil(k, dying.sim, 'exit_files: task->files = NULL');
    expect(target.main.exiting).toBe(true);
    expect(target.main.files).not.toBe(null);
    while (thief.sim.pending !== null) k.engine.step(thief.sim.id);
    expect(thief.sim.result).toBe('ESRCH');
    finish(k);
  });

    it('EMFILE when the caller is at RLIMIT_NOFILE: the reference taken is dropped again', () => {
    const { k, pf, target, fd, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    me.rlimitNofile = 1;
    const before = state(k);
    expect(errnoOf(() => pf.pidfdGetfd(me, pfd, fd, 0))).toBe('EMFILE');
    expect(state(k)).toBe(before);
    expect(target.fileOf(fd).count).toBe(1);
  });

  it('a RESERVED target fd (an open in progress) is EBADF', () => {
    const { k, pf, target, me } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    const opener = target.thread(function* (sys) { return yield* sys.open('/srv', O_RDONLY); });
    stepUntil(k, opener.sim, 'do_filp_open');
    const reserved = 1;
    expect(target.files.slotState(reserved)).toBe('reserved');
    const thief = me.thread(function* (sys) { return yield* catching(pf.on(sys).pidfdGetfd(pfd, reserved, 0)); });
    while (thief.sim.pending !== null) k.engine.step(thief.sim.id);
    expect(thief.sim.result).toBe('EBADF');
    finish(k);
  });
});

describe('seccomp user notification add-fd', () => {
  function notif() {
    const { k, pf, target, fd, me } = world();
    const lfd = pf.seccompListen(me, target);
    const listener = pf.listener(me, lfd);
    const src = me.open('/srv', O_RDONLY);
    return { k, pf, target, fd, me, lfd, listener, src };
  }

  it('installs the supervisor file into the target, lowest free fd, and the reply ends the trap', () => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    const trapped = target.thread(function* (sys) { return yield* pf.on(sys).seccompTrap(listener, 'connect'); });
    let installed = -1;
    me.thread(function* (sys) {
      const s = pf.on(sys);
      const id = yield* s.notifRecv(lfd);
      installed = yield* s.notifAddfd(lfd, { id, srcfd: src });
      yield* s.notifSend(lfd, { id, val: 0 });
    });
    k.run({ kind: 'round-robin' });
    expect(installed).toBe(1);
    expect(target.fileOf(1)).toBe(me.fileOf(src));
    expect(trapped.sim.result).toBe(0);
  });

  it('SETFD installs at newfd, replacing what was there; SEND makes the fd the return value', () => {
    const { k, pf, target, fd, me, lfd, listener, src } = notif();
    const oldFile = target.fileOf(fd);
    const trapped = target.thread(function* (sys) { return yield* pf.on(sys).seccompTrap(listener, 'openat'); });
    me.thread(function* (sys) {
      const s = pf.on(sys);
      const id = yield* s.notifRecv(lfd);
      return yield* s.notifAddfd(lfd, { id, srcfd: src, newfd: fd, flags: SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND, newfdFlags: O_CLOEXEC });
    });
    k.run({ kind: 'round-robin' });
    expect(trapped.sim.result).toBe(fd);
    expect(target.fileOf(fd)).toBe(me.fileOf(src));
    expect(target.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
    expect(oldFile.live).toBe(false);
  });

  const bad: Array<[string, Record<string, number>, string]> = [
    ['newfd_flags other than O_CLOEXEC', { newfdFlags: O_RDWR }, 'EINVAL'],
    ['unknown flags', { flags: 4 }, 'EINVAL'],
    ['newfd without SETFD', { newfd: 5 }, 'EINVAL'],
    ['srcfd not open', { srcfd: 33 }, 'EBADF'],
    ['unknown notification id', { id: 77 }, 'ENOENT'],
  ];
  it.each(bad)('%s → %s', (_n, over, errno) => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    target.thread(function* (sys) { return yield* catching(pf.on(sys).seccompTrap(listener, 'connect')); });
    const sup = me.thread(function* (sys) {
      const s = pf.on(sys);
      const id = yield* s.notifRecv(lfd);
      const r = yield* catching(s.notifAddfd(lfd, { id, srcfd: src, ...over }));
      yield* s.notifSend(lfd, { id, val: -1, error: 'EPERM' });
      return r;
    });
    k.run({ kind: 'round-robin' });
    expect(sup.sim.result).toBe(errno);
  });

  it('an O_PATH srcfd is EBADF: ADDFD looks it up with fget(), not fget_raw()', () => {
    const { k, pf, target, me, lfd, listener } = notif();
    const path = me.open('/data/log', O_PATH);
    target.thread(function* (sys) { return yield* catching(pf.on(sys).seccompTrap(listener, 'connect')); });
    const sup = me.thread(function* (sys) {
      const s = pf.on(sys);
      const id = yield* s.notifRecv(lfd);
      const r = yield* catching(s.notifAddfd(lfd, { id, srcfd: path }));
      yield* s.notifSend(lfd, { id, val: 0 });
      return r;
    });
    k.run({ kind: 'round-robin' });
    expect(sup.sim.result).toBe('EBADF');
  });

  it('ADDFD with SEND marks the notification replied before queueing: a concurrent SEND or ADDFD is EINPROGRESS', () => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    const trapped = target.thread(function* (sys) { return yield* pf.on(sys).seccompTrap(listener, 'openat'); });
    stepUntil(k, trapped.sim, 'seccomp_do_user_notification');
    let id = -1;
    const sup = me.thread(function* (sys) {
      const s = pf.on(sys);
      id = yield* s.notifRecv(lfd);
      return yield* s.notifAddfd(lfd, { id, srcfd: src, flags: SECCOMP_ADDFD_FLAG_SEND });
    });
    stepUntil(k, sup.sim, 'seccomp_notify_addfd: wait_for_completion'); // queued, target not yet run
    const other = me.thread(function* (sys) {
      const s = pf.on(sys);
      return [yield* catching(s.notifSend(lfd, { id, val: 7 })), yield* catching(s.notifAddfd(lfd, { id, srcfd: src }))];
    });
    stepToEnd(k, other.sim);
    expect(other.sim.result).toEqual(['EINPROGRESS', 'EINPROGRESS']);
    k.run({ kind: 'round-robin' });
    expect(trapped.sim.result).toBe(sup.sim.result); // the installed fd is the syscall's return value
  });

    it('a notification not yet received is EINPROGRESS', () => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    const t = target.thread(function* (sys) { return yield* catching(pf.on(sys).seccompTrap(listener, 'connect')); });
    stepUntil(k, t.sim, 'seccomp_do_user_notification');
    const sup = me.thread(function* (sys) {
      const s = pf.on(sys);
      const r = yield* catching(s.notifAddfd(lfd, { id: 1, srcfd: src }));
      const id = yield* s.notifRecv(lfd);
      yield* s.notifSend(lfd, { id, val: 0 });
      return r;
    });
    k.run({ kind: 'sequential' });
    expect(sup.sim.result).toBe('EINPROGRESS');
  });

  it('SEND while another add-fd request is pending is EBUSY', () => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    const t = target.thread(function* (sys) { return yield* pf.on(sys).seccompTrap(listener, 'connect'); });
    let id = 0;
    const first = me.thread(function* (sys) {
      const s = pf.on(sys);
      id = yield* s.notifRecv(lfd);
      return yield* s.notifAddfd(lfd, { id, srcfd: src });
    });
    stepUntil(k, t.sim, 'seccomp_do_user_notification');
    stepUntil(k, first.sim, 'seccomp_notify_addfd: wait_for_completion'); // queued, target not yet run
    const second = me.thread(function* (sys) {
      return yield* catching(pf.on(sys).notifAddfd(lfd, { id, srcfd: src, flags: SECCOMP_ADDFD_FLAG_SEND }));
    });
    while (second.sim.pending !== null) k.engine.step(second.sim.id);
    expect(second.sim.result).toBe('EBUSY');
    me.thread(function* (sys) {
      yield* pf.on(sys).notifSend(lfd, { id, val: 0 });
    });
    k.run({ kind: 'sequential' });
    expect(first.sim.result).toBe(1);
  });

  it.each([
    ['the target at RLIMIT_NOFILE', 'EMFILE', {}],
    ['SETFD beyond the target RLIMIT_NOFILE', 'EBADF', { newfd: 5000, flags: SECCOMP_ADDFD_FLAG_SETFD }],
  ] as const)('errors are the target’s: %s → %s', (_n, errno, over) => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    target.rlimitNofile = 1;
    target.thread(function* (sys) { return yield* pf.on(sys).seccompTrap(listener, 'connect'); });
    const sup = me.thread(function* (sys) {
      const s = pf.on(sys);
      const id = yield* s.notifRecv(lfd);
      const r = yield* catching(s.notifAddfd(lfd, { id, srcfd: src, ...over }));
      yield* s.notifSend(lfd, { id, val: 0 });
      return r;
    });
    k.run({ kind: 'round-robin' });
    expect(sup.sim.result).toBe(errno);
    expect(me.fileOf(src).count).toBe(1);
  });

  it('a SETFD onto a slot RESERVED by an open in the target is EBUSY', () => {
    const { k, pf, target, me, lfd, listener, src } = notif();
    const opener = target.thread(function* (sys) { return yield* sys.open('/srv', O_RDONLY); });
    stepUntil(k, opener.sim, 'do_filp_open');
    target.thread(function* (sys) { return yield* pf.on(sys).seccompTrap(listener, 'connect'); });
    const sup = me.thread(function* (sys) {
      const s = pf.on(sys);
      const id = yield* s.notifRecv(lfd);
      const r = yield* catching(s.notifAddfd(lfd, { id, srcfd: src, newfd: 1, flags: SECCOMP_ADDFD_FLAG_SETFD }));
      yield* s.notifSend(lfd, { id, val: 0 });
      return r;
    });
    const others = k.engine.threads.filter((t) => t !== opener.sim);
    for (let guard = 0; guard < 500 && others.some((t) => t.pending !== null); guard++) {
      const t = others.find((x) => k.engine.isEnabled(x.id))!;
      k.engine.step(t.id);
    }
    expect(sup.sim.result).toBe('EBUSY');
    finish(k);
  });
});
