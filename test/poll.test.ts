/*
 * poll(2) / ppoll / select over any file, against the host (Linux 6.18, python3
 * select.poll): pipes report real readiness (POLLOUT|WRNORM on an empty pipe's write end,
 * POLLIN|RDNORM with data, POLLHUP without writers, POLLERR without readers), regular
 * files DEFAULT_POLLMASK, closed fds POLLNVAL; a custom file type's ->poll is reachable
 * through the public API; eventfds and pidfds; a blocking poll woken by a write.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLLMASK, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLNVAL, EPOLLOUT, EPOLLPRI, EPOLLRDNORM, EPOLLWRBAND, EPOLLWRNORM, O_NONBLOCK, O_PATH, O_RDONLY, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Unix, type FileOperations } from 'fdlab';
import { WaitQueue, pollWait } from 'fdlab/extend';
import { pidfd } from 'fdlab/pidfd';
import { errnoOf, newKernel } from './helpers.js';

const ALL = 0xffff;

describe('poll(2)', () => {
  it('pipes, regular files and closed fds as the host reports them', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const reg = p.open('/data/log', O_RDONLY);
    const fds = () => [{ fd: r, events: ALL }, { fd: w, events: ALL }, { fd: reg, events: ALL }, { fd: 999, events: ALL }, { fd: -1, events: ALL }];
    expect(p.poll(fds())).toEqual({ count: 3, revents: [0, EPOLLOUT | EPOLLWRNORM, DEFAULT_POLLMASK, EPOLLNVAL, 0] });
    p.write(w, 'x');
    expect(p.poll(fds()).revents[0]).toBe(EPOLLIN | EPOLLRDNORM);
    p.close(w);
    expect(p.poll([{ fd: r, events: ALL }]).revents).toEqual([EPOLLIN | EPOLLRDNORM | EPOLLHUP]);
    const [r2, w2] = p.pipe();
    p.close(r2);
    expect(p.poll([{ fd: w2, events: ALL }]).revents).toEqual([EPOLLERR | EPOLLOUT | EPOLLWRNORM]);
    // events 0: only POLLERR / POLLHUP could be reported; a regular file reports nothing.
    expect(p.poll([{ fd: reg, events: 0 }]).revents).toEqual([0]);
    expect(p.poll([{ fd: w2, events: 0 }]).revents).toEqual([EPOLLERR]);
    expect(errnoOf(() => p.poll(Array.from({ length: 2000 }, () => ({ fd: reg, events: EPOLLIN }))))).toBe('EINVAL');
  });

  it("reaches a custom type's ->poll, which registers on its own wait queue", () => {
    const k = newKernel();
    const q = new WaitQueue(k.engine, 'doorbell');
    let rung = false;
    const ops: FileOperations = {
      name: 'doorbell',
      stream: true,
      poll: (f, pt) => {
        pollWait(f, q, pt);
        return rung ? EPOLLIN | EPOLLPRI : 0;
      },
      waitQueues: () => [q],
    };
    const p = k.spawnProcess();
    const file = k.vfs.openAnon('doorbell', ops);
    const fd = p.files.allocFd(0, 64, false);
    p.files.fdInstall(fd, file);
    expect(p.poll([{ fd, events: EPOLLIN | EPOLLPRI }]).count).toBe(0);
    const t = p.thread(function* (sys) {
      return yield* sys.poll([{ fd, events: EPOLLPRI }], -1);
    });
    while (k.engine.isEnabled(t.sim.id)) k.engine.step(t.sim.id);
    expect(q.entries.length).toBe(1); // __pollwait registered
    p.thread(function* () {
      yield { fn: 'ring', acc: [q.writeAccess()] };
      rung = true;
      q.wakeUp(EPOLLPRI);
    });
    expect(k.run().completed).toBe(true);
    expect(t.sim.result).toEqual({ count: 1, revents: [EPOLLPRI] });
    expect(q.entries.length).toBe(0); // poll_freewait
    p.close(fd);
  });

  it('a blocking ppoll with no timeout sleeps until a write wakes it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const t = p.thread(function* (sys) {
      return yield* sys.ppoll([{ fd: r, events: EPOLLIN }], null);
    });
    while (k.engine.isEnabled(t.sim.id)) k.engine.step(t.sim.id);
    p.thread(function* (sys) {
      yield* sys.write(w, 'x');
    });
    expect(k.run().completed).toBe(true);
    expect(t.sim.result).toEqual({ count: 1, revents: [EPOLLIN] });
  });
});

describe('select(2)', () => {
  it('reports ready fds per set; EBADF for a closed fd below nfds; fds at or above nfds are ignored', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    expect(p.select(w + 1, [r], [w], [r, w])).toEqual({ count: 1, readfds: [], writefds: [w], exceptfds: [] });
    p.write(w, 'x');
    expect(p.select(w + 1, [r], [w], [])).toEqual({ count: 2, readfds: [r], writefds: [w], exceptfds: [] });
    expect(errnoOf(() => p.select(10, [7], [], []))).toBe('EBADF');
    expect(p.select(1, [7], [], []).count).toBe(0);
    expect(errnoOf(() => p.select(-1, [], [], []))).toBe('EINVAL');
  });

  it('an O_PATH fd is open (no EBADF) but polls as POLLNVAL, which is in every set asked for (host, Linux 6.18)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/srv', O_PATH);
    expect(p.poll([{ fd, events: EPOLLIN }]).revents).toEqual([EPOLLNVAL]);
    expect(p.select(fd + 1, [fd], [], [])).toEqual({ count: 1, readfds: [fd], writefds: [], exceptfds: [] });
    expect(p.select(fd + 1, [], [fd], [])).toEqual({ count: 1, readfds: [], writefds: [fd], exceptfds: [] });
    expect(p.select(fd + 1, [], [], [fd])).toEqual({ count: 1, readfds: [], writefds: [], exceptfds: [fd] });
  });
});

describe('AF_UNIX readiness', () => {
  it('a writable socket reports EPOLLWRBAND with EPOLLOUT, stream and datagram alike (unix_poll(), unix_dgram_poll())', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    for (const type of [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET]) {
      const [a] = Unix.socketpair(p, type);
      expect(p.poll([{ fd: a!, events: 0xffff }]).revents).toEqual([EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND]);
    }
  });
});

describe('eventfd and pidfd readiness', () => {
  it('eventfd: readable while non-zero, read resets it (or takes 1 as a semaphore), blocking read woken by a write', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.eventfd(0);
    expect(p.poll([{ fd, events: EPOLLIN | EPOLLOUT }]).revents).toEqual([EPOLLOUT]);
    p.write(fd, '3');
    expect(p.poll([{ fd, events: EPOLLIN }]).revents).toEqual([EPOLLIN]);
    // EPOLLIN and EPOLLOUT alone, without RDNORM / WRNORM (eventfd_poll(); host, 6.18).
    expect(p.poll([{ fd, events: 0xffff }]).revents).toEqual([EPOLLIN | EPOLLOUT]);
    expect(p.read(fd, 8)).toBe('3');
    expect(p.poll([{ fd, events: 0xffff }]).revents).toEqual([EPOLLOUT]);
    const sem = p.eventfd(2, 1);
    expect(p.read(sem, 8)).toBe('1');
    expect(p.read(sem, 8)).toBe('1');
    expect(errnoOf(() => p.read(fd, 4))).toBe('EINVAL');
    const nb = p.eventfd(0, O_NONBLOCK);
    expect(errnoOf(() => p.read(nb, 8))).toBe('EAGAIN');
    expect(errnoOf(() => p.eventfd(0, 0x40))).toBe('EINVAL');
    const t = p.thread(function* (sys) {
      return yield* sys.read(fd, 8);
    });
    while (k.engine.isEnabled(t.sim.id)) k.engine.step(t.sim.id);
    p.thread(function* (sys) {
      return yield* sys.write(fd, '5');
    });
    expect(k.run().completed).toBe(true);
    expect(t.sim.result).toBe('5');
  });

  it('eventfd: writable only while one more count fits (the counter full is not EPOLLOUT)', () => {
    // eventfd_poll(): EPOLLOUT while ULLONG_MAX - 1 > count; the model's ceiling is
    // Number.MAX_SAFE_INTEGER - 1 (an exact double, src/file/eventfd.ts), with the same boundary.
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.eventfd(0, O_NONBLOCK);
    const max = Number.MAX_SAFE_INTEGER - 1;
    p.write(fd, String(max - 1));
    expect(p.poll([{ fd, events: EPOLLIN | EPOLLOUT }]).revents).toEqual([EPOLLIN | EPOLLOUT]);
    p.write(fd, '1');
    expect(p.poll([{ fd, events: EPOLLIN | EPOLLOUT }]).revents).toEqual([EPOLLIN]);
    expect(errnoOf(() => p.write(fd, '1'))).toBe('EAGAIN');
  });

  it('pidfd: readable once the process exits; a blocking poll is woken by the exit', () => {
    const k = newKernel();
    const pf = k.use(pidfd());
    const target = k.spawnProcess({ name: 'target' });
    const me = k.spawnProcess({ name: 'me', creds: { uid: 0 } });
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    expect(me.poll([{ fd: pfd, events: EPOLLIN }]).revents).toEqual([0]);
    const t = me.thread(function* (sys) {
      return yield* sys.poll([{ fd: pfd, events: EPOLLIN }], -1);
    });
    while (k.engine.isEnabled(t.sim.id)) k.engine.step(t.sim.id);
    target.thread(function* (sys) {
      yield* sys.exit();
    });
    expect(k.run().completed).toBe(true);
    // Nobody waits for the target: it is reaped as it exits, so the poll woken by the exit
    // finds no task (EPOLLHUP, reported whatever was asked).
    expect(t.sim.result).toEqual({ count: 1, revents: [EPOLLIN | EPOLLHUP] });
  });

  it('pidfd: a zombie polls EPOLLIN | EPOLLRDNORM, a reaped process EPOLLHUP too (host, Linux 6.18: 0x41, then 0x51)', () => {
    const k = newKernel();
    const pf = k.use(pidfd());
    const parent = k.spawnProcess({ name: 'parent' });
    const child = parent.fork();
    const pfd = pf.pidfdOpen(parent, child.pid, 0);
    expect(parent.poll([{ fd: pfd, events: 0xffff }]).revents).toEqual([0]);
    child.exit();
    expect(parent.poll([{ fd: pfd, events: 0xffff }]).revents).toEqual([EPOLLIN | EPOLLRDNORM]);
    parent.wait4(child.pid, 0);
    // EPOLLHUP is reported whatever the events asked for.
    expect(parent.poll([{ fd: pfd, events: 0xffff }, { fd: pfd, events: 0 }]).revents).toEqual([EPOLLIN | EPOLLRDNORM | EPOLLHUP, EPOLLHUP]);
  });
});
