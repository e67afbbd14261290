/*
 * AF_UNIX sockets against the host kernel (Linux 6.18, checked with C programs as root
 * and as uid 65534): socketpair's errnos, SCM_RIGHTS limits (SCM_MAX_FD, ETOOMANYREFS
 * against RLIMIT_NOFILE unless CAP_SYS_RESOURCE/CAP_SYS_ADMIN), EBADF, MSG_PEEK
 * duplicating references, MSG_CTRUNC for files that do not fit or cannot be installed,
 * MSG_CMSG_CLOEXEC, EOF/EPIPE/ECONNREFUSED after the peer goes, shutdown, the
 * bind/listen/connect/accept errnos, embryo sockets holding in-flight files, poll and
 * epoll readiness, blocking send and receive through the wait queues.
 */
import parseDot from 'dotparser';
import { describe, expect, it } from 'vitest';
import {
  Epoll, EPOLL_CTL_ADD, EPOLLET, EPOLLIN, EPOLLOUT, F_GETFD, F_GETFL, F_SETFL, O_ASYNC, O_NONBLOCK, FD_CLOEXEC, MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC,
  O_DIRECTORY, O_PATH, O_RDONLY, renderDot, SCM_MAX_FD, UNIX_INFLIGHT_TRIGGER_GC, SHUT_RD, SHUT_WR, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM, UNIX_QUEUE_MAX, Unix, UnixGc,
  unixSockOfFile, type FileOperations, type Process,
} from '../src/index.js';
import { attachUnixSock, queueFilesInFlight, receiveFd, unixReleaseSockSteps } from '../src/extend.js';
import { defineScenario, explore } from '../src/index.js';
import { errnoOf, newKernel, state } from './helpers.js';
import { catchErrno } from '../src/testing/index.js';

function setup(opts: Parameters<typeof newKernel>[0] = {}) {
  const k = newKernel(opts);
  const p = k.spawnProcess();
  return { k, p };
}

const empty = (p: Process, fd: number) => errnoOf(() => Unix.recvmsg(p, fd, 8, 0, MSG_DONTWAIT));

describe('socketpair and socket', () => {
  it('errnos of the type and protocol words; SOCK_CLOEXEC and SOCK_NONBLOCK', () => {
    const { p } = setup();
    expect(errnoOf(() => Unix.socketpair(p, 99))).toBe('EINVAL');
    expect(errnoOf(() => Unix.socketpair(p, 4))).toBe('ESOCKTNOSUPPORT');
    expect(errnoOf(() => Unix.socketpair(p, SOCK_STREAM, 2))).toBe('EPROTONOSUPPORT');
    const [a, b] = Unix.socketpair(p, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 1);
    expect([a, b]).toEqual([0, 1]);
    expect(p.fcntl(a, F_GETFD)).toBe(FD_CLOEXEC);
    expect(empty(p, b)).toBe('EAGAIN');
    expect(Unix.sockOf(p, a).peer).toBe(Unix.sockOf(p, b));
  });

  it('EMFILE for the second fd releases the first', () => {
    const { p } = setup({ rlimitNofile: 1 });
    expect(errnoOf(() => Unix.socketpair(p, SOCK_DGRAM))).toBe('EMFILE');
    expect(p.files.fdt.fd.filter((f) => f !== null)).toHaveLength(0);
  });

  it('ENOTSOCK and EBADF on the socket argument', () => {
    const { p } = setup();
    const fd = p.open('/data/log', O_RDONLY);
    expect(errnoOf(() => Unix.sendmsg(p, fd, 'x'))).toBe('ENOTSOCK');
    expect(errnoOf(() => Unix.recvmsg(p, 9, 1))).toBe('EBADF');
    expect(errnoOf(() => Unix.shutdown(p, fd, 0))).toBe('ENOTSOCK');
  });
});

describe('sendmsg and recvmsg with SCM_RIGHTS', () => {
  it('passes the same struct file; the message owns one reference per file until received', () => {
    const { k, p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    expect(Unix.sendmsg(p, a, 'hi', [fd, fd])).toBe(2);
    expect(f.count).toBe(3);
    expect(k.unix.userCount(1000)).toBe(2);
    const r = Unix.recvmsg(p, b, 8, 2);
    expect(r).toEqual({ data: 'hi', fds: [3, 4], flags: 0 });
    expect(p.fileOf(3)).toBe(f);
    expect(f.count).toBe(3);
    expect(k.unix.userCount(1000)).toBe(0);
  });

  it('more than SCM_MAX_FD files is EINVAL, SCM_MAX_FD is fine; a closed fd is EBADF and nothing stays taken', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    const fd = p.open('/data/log', O_RDONLY);
    expect(errnoOf(() => Unix.sendmsg(p, a, 'x', new Array<number>(SCM_MAX_FD + 1).fill(fd)))).toBe('EINVAL');
    expect(errnoOf(() => Unix.sendmsg(p, a, 'x', [fd, 77]))).toBe('EBADF');
    expect(p.fileOf(fd).count).toBe(1);
    expect(Unix.sendmsg(p, a, 'x', new Array<number>(SCM_MAX_FD).fill(fd))).toBe(1);
    expect(p.fileOf(fd).count).toBe(1 + SCM_MAX_FD);
    p.close(a);
    p.close(b); // the queued message goes with the socket
    expect(p.fileOf(fd).count).toBe(1);
  });

  it('ETOOMANYREFS once the user has more than RLIMIT_NOFILE files in flight (the check comes before the new ones); not with CAP_SYS_RESOURCE', () => {
    const k = newKernel();
    const p = k.spawnProcess({ rlimitNofile: 5 });
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    // Host (uid 65534, RLIMIT_NOFILE 5, 3 fds per message): 2 messages, then ETOOMANYREFS.
    expect(Unix.sendmsg(p, a, 'x', [a, a, a])).toBe(1);
    expect(Unix.sendmsg(p, a, 'x', [a, a, a])).toBe(1);
    expect(errnoOf(() => Unix.sendmsg(p, a, 'x', [a, a, a]))).toBe('ETOOMANYREFS');
    expect(k.unix.userCount(1000)).toBe(6);
    const root = k.spawnProcess({ rlimitNofile: 5, creds: { uid: 0 } });
    const [c, d] = Unix.socketpair(root, SOCK_DGRAM);
    for (let i = 0; i < 4; i++) Unix.sendmsg(root, c, 'x', [c, c, c]);
    const admin = k.spawnProcess({ rlimitNofile: 5, creds: { uid: 7, caps: ['CAP_SYS_ADMIN'] } });
    const [e, f] = Unix.socketpair(admin, SOCK_DGRAM);
    for (let i = 0; i < 4; i++) Unix.sendmsg(admin, e, 'x', [e, e, e]);
    for (const [q, x, y] of [[p, a, b], [root, c, d], [admin, e, f]] as const) {
      q.close(x);
      q.close(y);
    }
    k.unixGc();
    expect(k.unix.totInflight).toBe(0);
  });

  it('MSG_PEEK installs new references and leaves the message and the in-flight count alone', () => {
    const { k, p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    const fd = p.open('/data/log', O_RDONLY);
    Unix.sendmsg(p, a, 'abc', [fd]);
    const one = Unix.recvmsg(p, b, 8, 1, MSG_PEEK);
    const two = Unix.recvmsg(p, b, 8, 1, MSG_PEEK);
    expect(one.data).toBe('abc');
    expect(one.fds[0]).not.toBe(two.fds[0]);
    expect(p.fileOf(fd).count).toBe(4);
    expect(k.unix.userCount(1000)).toBe(1);
    const r = Unix.recvmsg(p, b, 8, 1);
    expect(r.data).toBe('abc');
    expect(p.fileOf(fd).count).toBe(4);
    expect(k.unix.userCount(1000)).toBe(0);
  });

  it('MSG_CTRUNC: files beyond the room are dropped; so are those that cannot be installed (EMFILE)', () => {
    const { p } = setup({ rlimitNofile: 6 });
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    const fd = p.open('/data/log', O_RDONLY); // 2
    Unix.sendmsg(p, a, 'x', [fd, fd, fd]);
    const r = Unix.recvmsg(p, b, 8, 2);
    expect(r.fds).toEqual([3, 4]);
    expect(r.flags & MSG_CTRUNC).toBe(MSG_CTRUNC);
    expect(p.fileOf(fd).count).toBe(3);
    Unix.sendmsg(p, a, 'x', [fd, fd, fd]);
    const none = Unix.recvmsg(p, b, 8, 0);
    expect(none).toEqual({ data: 'x', fds: [], flags: MSG_CTRUNC });
    Unix.sendmsg(p, a, 'x', [fd, fd, fd]);
    const full = Unix.recvmsg(p, b, 8, 3); // only fd 5 is free
    expect(full.fds).toEqual([5]);
    expect(full.flags).toBe(MSG_CTRUNC);
    expect(p.fileOf(fd).count).toBe(4);
  });

  it('MSG_CMSG_CLOEXEC sets close-on-exec on every received fd', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_SEQPACKET);
    const fd = p.open('/data/log', O_RDONLY);
    Unix.sendmsg(p, a, 'x', [fd, fd]);
    const r = Unix.recvmsg(p, b, 8, 2, MSG_CMSG_CLOEXEC);
    expect(r.fds.map((x) => p.fcntl(x, F_GETFD))).toEqual([FD_CLOEXEC, FD_CLOEXEC]);
  });

  it('datagrams are read whole (MSG_TRUNC), a stream read may leave bytes for the next', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, a, 'hello');
    expect(Unix.recvmsg(p, b, 2, 0)).toEqual({ data: 'he', fds: [], flags: MSG_TRUNC });
    expect(empty(p, b)).toBe('EAGAIN');
    const [c, d] = Unix.socketpair(p, SOCK_STREAM);
    Unix.sendmsg(p, c, 'hello');
    expect(Unix.recvmsg(p, d, 2, 0).data).toBe('he');
    expect(Unix.recvmsg(p, d, 8, 0).data).toBe('llo');
  });

  it('after the peer closes: a stream reads EOF and EPIPE on send, a datagram EAGAIN and ECONNREFUSED', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    p.close(a);
    expect(Unix.recvmsg(p, b, 8, 0, MSG_DONTWAIT).data).toBe('');
    expect(errnoOf(() => Unix.sendmsg(p, b, 'x', [], MSG_DONTWAIT))).toBe('EPIPE');
    const [c, d] = Unix.socketpair(p, SOCK_DGRAM);
    p.close(c);
    expect(empty(p, d)).toBe('EAGAIN');
    expect(errnoOf(() => Unix.sendmsg(p, d, 'x', [], MSG_DONTWAIT))).toBe('ECONNREFUSED');
  });

  it('a datagram send that finds its peer dead drops its own unread messages and their files (unix_dgram_disconnected)', () => {
    // Linux 6.18: socketpair(DGRAM); b sends "m" with a and a pipe end to a; close(b);
    // sendmsg(a) → ECONNREFUSED; recvmsg(a) → EAGAIN (the conformance harness found it).
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    const [r, w] = p.pipe();
    Unix.sendmsg(p, b!, 'm', [a!, r!]);
    p.close(b!);
    p.close(r!);
    expect(Unix.sockOf(p, a!).queue).toHaveLength(1);
    expect(errnoOf(() => Unix.sendmsg(p, a!, 'x', [], MSG_DONTWAIT))).toBe('ECONNREFUSED');
    expect(Unix.sockOf(p, a!).queue).toHaveLength(0);
    expect(empty(p, a!)).toBe('EAGAIN');
    expect(errnoOf(() => Unix.sendmsg(p, a!, 'x', [], MSG_DONTWAIT))).toBe('ENOTCONN');
    // The read end of the pipe went with the message: the writer now has no readers.
    expect(errnoOf(() => p.write(w!, 'x'))).toBe('EPIPE');
    p.closeRange(0, 100);
  });

  it('shutdown(SHUT_WR): EPIPE for the writer, EOF for the reader; EINVAL for a bad how', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_SEQPACKET);
    expect(errnoOf(() => Unix.shutdown(p, a, 7))).toBe('EINVAL');
    Unix.shutdown(p, a, SHUT_WR);
    expect(errnoOf(() => Unix.sendmsg(p, a, 'x'))).toBe('EPIPE');
    expect(Unix.recvmsg(p, b, 8, 0, MSG_DONTWAIT).data).toBe('');
  });

  it('closing a socket with queued messages releases their files', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    Unix.sendmsg(p, a, 'x', [fd]);
    p.close(fd);
    expect(f.count).toBe(1);
    p.close(b);
    expect(f.live).toBe(false);
    p.close(a);
  });
});

describe('bind, listen, connect, accept', () => {
  it('the errnos of the host', () => {
    const { k, p } = setup();
    const l = Unix.socket(p, SOCK_STREAM);
    const c0 = Unix.socket(p, SOCK_STREAM);
    expect(errnoOf(() => Unix.connect(p, c0, '\0abc'))).toBe('ECONNREFUSED');
    expect(errnoOf(() => Unix.listen(p, l, 1))).toBe('EINVAL');
    expect(Unix.bind(p, l, '\0abc')).toBe(0);
    expect(errnoOf(() => Unix.connect(p, c0, '\0abc'))).toBe('ECONNREFUSED');
    expect(errnoOf(() => Unix.bind(p, l, '\0abd'))).toBe('EINVAL');
    const l2 = Unix.socket(p, SOCK_STREAM);
    expect(errnoOf(() => Unix.bind(p, l2, '\0abc'))).toBe('EADDRINUSE');
    const d = Unix.socket(p, SOCK_DGRAM);
    Unix.bind(p, d, '/tmp/d');
    expect(errnoOf(() => Unix.listen(p, d, 1))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => Unix.accept(p, l2))).toBe('EINVAL');
    expect(errnoOf(() => Unix.sendmsg(p, l2, 'x'))).toBe('ENOTCONN');
    expect(errnoOf(() => Unix.recvmsg(p, l2, 4, 0, MSG_DONTWAIT))).toBe('EINVAL');
    expect(errnoOf(() => Unix.sendmsg(p, Unix.socket(p, SOCK_DGRAM), 'x'))).toBe('ENOTCONN');
    Unix.listen(p, l, 1);
    // Host: with backlog 1 two connections queue, the third is EAGAIN when non-blocking;
    // a blocking one would sleep, which a plain call cannot (and it changes nothing).
    const c1 = Unix.socket(p, SOCK_STREAM | SOCK_NONBLOCK);
    const c2 = Unix.socket(p, SOCK_STREAM);
    const c3 = Unix.socket(p, SOCK_STREAM | SOCK_NONBLOCK);
    Unix.connect(p, c1, '\0abc');
    Unix.connect(p, c2, '\0abc');
    expect(errnoOf(() => Unix.connect(p, c3, '\0abc'))).toBe('EAGAIN');
    const c4 = Unix.socket(p, SOCK_STREAM);
    const before = state(k);
    expect(() => Unix.connect(p, c4, '\0abc')).toThrow(expect.objectContaining({ code: 'would-block' }));
    expect(state(k)).toBe(before);
    // The listener's checks come first: a connected socket meets the full backlog (EAGAIN
    // non-blocking, a sleep blocking, on the host) before its own EISCONN.
    expect(errnoOf(() => Unix.connect(p, c1, '\0abc'))).toBe('EAGAIN');
    const s1 = Unix.accept(p, l, SOCK_CLOEXEC);
    expect(errnoOf(() => Unix.connect(p, c1, '\0abc'))).toBe('EISCONN');
    // Each socket type has its own abstract namespace: a datagram socket can take the name
    // too, and a seqpacket connect does not find the stream listener (ECONNREFUSED).
    expect(Unix.bind(p, Unix.socket(p, SOCK_DGRAM), '\0abc')).toBe(0);
    expect(errnoOf(() => Unix.connect(p, Unix.socket(p, SOCK_SEQPACKET), '\0abc'))).toBe('ECONNREFUSED');
    expect(p.fcntl(s1, F_GETFD)).toBe(FD_CLOEXEC);
    Unix.sendmsg(p, c1, 'ping');
    expect(Unix.recvmsg(p, s1, 8, 0).data).toBe('ping');
  });

  it('a bind to a path makes a socket inode that outlives the socket; open is ENXIO; accept4 checks in the host\'s order', () => {
    // Each answer as ub2.c and the conformance generator saw them on Linux 6.18.
    const { p } = setup();
    const s = Unix.socket(p, SOCK_STREAM);
    expect(errnoOf(() => Unix.bind(p, s, '/srv/a'))).toBe('EADDRINUSE'); // any file there
    expect(errnoOf(() => Unix.bind(p, s, '/srv'))).toBe('EADDRINUSE');
    expect(errnoOf(() => Unix.bind(p, s, '/nonexistent/s'))).toBe('ENOENT');
    expect(errnoOf(() => Unix.bind(p, s, '/data/log/s'))).toBe('ENOTDIR');
    expect(errnoOf(() => Unix.bind(p, s, '/tmp/t/'))).toBe('ENOENT');
    expect(Unix.bind(p, s, '/tmp/s1')).toBe(0);
    expect(errnoOf(() => Unix.bind(p, s, '/tmp/s2'))).toBe('EINVAL');
    expect(p.getdents(p.open('/tmp', O_RDONLY))).toEqual(['s1']); // s2 was taken out again
    expect(errnoOf(() => p.open('/tmp/s1', O_RDONLY))).toBe('ENXIO');
    expect(errnoOf(() => p.open('/tmp/s1', O_RDONLY | O_DIRECTORY))).toBe('ENOTDIR');
    p.close(p.open('/tmp/s1', O_PATH));
    const c = Unix.socket(p, SOCK_STREAM);
    expect(errnoOf(() => Unix.connect(p, c, '/tmp/s1'))).toBe('ECONNREFUSED'); // not listening
    expect(errnoOf(() => Unix.connect(p, c, '/tmp/nope'))).toBe('ENOENT');
    expect(errnoOf(() => Unix.connect(p, c, '/srv/a'))).toBe('ECONNREFUSED'); // not a socket
    expect(errnoOf(() => Unix.connect(p, c, '/tmp/s1/'))).toBe('ENOTDIR');
    Unix.listen(p, s, 1);
    expect(errnoOf(() => Unix.connect(p, Unix.socket(p, SOCK_DGRAM), '/tmp/s1'))).toBe('EPROTOTYPE');
    expect(Unix.connect(p, c, '/tmp/s1')).toBe(0);
    p.close(s);
    expect(errnoOf(() => Unix.connect(p, Unix.socket(p, SOCK_STREAM), '/tmp/s1'))).toBe('ECONNREFUSED');
    expect(errnoOf(() => Unix.bind(p, Unix.socket(p, SOCK_STREAM), '/tmp/s1'))).toBe('EADDRINUSE'); // the name stays
    // accept4: EBADF, then the flags, then EMFILE, then ENOTSOCK, then the family.
    expect(errnoOf(() => Unix.accept(p, 999, 1))).toBe('EBADF');
    const dg = Unix.socket(p, SOCK_DGRAM);
    expect(errnoOf(() => Unix.accept(p, dg, 1))).toBe('EINVAL');
    expect(errnoOf(() => Unix.accept(p, dg, 0))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => Unix.accept(p, p.open('/data/log', O_RDONLY), 0))).toBe('ENOTSOCK');
  });

  it('datagrams: only to a socket connected to nobody or to us (EPERM); a send that fails after its skb was allocated is an EPOLLOUT edge of its own', () => {
    // As eg.c / eg2.c and the conformance generator saw them on Linux 6.18.
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    const c = Unix.socket(p, SOCK_DGRAM);
    Unix.bind(p, a!, '/tmp/a');
    expect(errnoOf(() => Unix.connect(p, c, '/tmp/a'))).toBe('EPERM'); // a is connected to b
    expect(errnoOf(() => Unix.connect(p, a!, '/tmp/a'))).toBe('EPERM'); // itself, connected to b
    const d = Unix.socket(p, SOCK_DGRAM);
    Unix.bind(p, d, '/tmp/d');
    expect(Unix.connect(p, a!, '/tmp/d')).toBe(0); // d is connected to nobody
    expect(errnoOf(() => Unix.sendmsg(p, b!, 'x'))).toBe('EPERM'); // b's peer a is connected to d
    // EPOLLET on an unconnected datagram socket: the failed send's freed skb wakes it.
    const ep = Epoll.create1(p, 0);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, c, { events: EPOLLOUT | EPOLLET, data: c });
    expect(Epoll.wait(p, ep, 4, 0).length).toBe(1);
    expect(Epoll.wait(p, ep, 4, 0).length).toBe(0);
    expect(errnoOf(() => Unix.sendmsg(p, c, 'x'))).toBe('ENOTCONN');
    expect(Epoll.wait(p, ep, 4, 0).length).toBe(1);
    // Not when its own SHUT_WR fails it first (no skb yet).
    Unix.shutdown(p, c, SHUT_WR);
    Epoll.wait(p, ep, 4, 0);
    expect(errnoOf(() => Unix.sendmsg(p, c, 'x'))).toBe('EPIPE');
    expect(Epoll.wait(p, ep, 4, 0).length).toBe(0);
  });

  it('connect and accept as steps declare what they touch (checked mode), the new embryo included', () => {
    const s = defineScenario({
      name: 'connect-accept',
      title: 'a client connects while the server accepts',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const l = Unix.socket(p, SOCK_STREAM);
        Unix.bind(p, l, '\0srv');
        Unix.listen(p, l, 1);
        const c = Unix.socket(p, SOCK_STREAM);
        p.thread((sys) => Unix.on(sys).connect(c, '\0srv'));
        p.thread((sys) => Unix.on(sys).accept(l));
      },
    });
    const r = explore(s);
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
  });

  // Each as bc.c saw it on the host (Linux 6.18): a blocking connect to a full backlog
  // sleeps on the listener's peer_wait; accept() and close() wake it, shutdown() does not.
  const fullBacklog = (other: 'accept' | 'listen' | 'close' | 'shutdown') =>
    defineScenario({
      name: `connect-full-backlog-${other}`,
      title: `a blocking connect to a full backlog, and ${other}`,
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const l = Unix.socket(p, SOCK_STREAM);
        Unix.bind(p, l, '\0full');
        Unix.listen(p, l, 0);
        Unix.connect(p, Unix.socket(p, SOCK_STREAM), '\0full'); // one embryo: full at backlog 0
        const c = Unix.socket(p, SOCK_STREAM);
        p.thread((sys) => catchErrno(Unix.on(sys).connect(c, '\0full')));
        p.thread(function* (sys) {
          const u = Unix.on(sys);
          if (other === 'accept') return yield* u.accept(l);
          if (other === 'listen') return yield* u.listen(l, 1);
          if (other === 'shutdown') return yield* u.shutdown(l, SHUT_RD);
          return yield* sys.close(l);
        });
      },
    });

  it.each([
    ['accept', ['[0,3]']],
    ['listen', ['[0,0]']],
    ['close', ['["ECONNREFUSED",null]']], // no room ever comes: refused before or after the sleep
  ] as const)('a blocking connect to a full backlog sleeps until %s makes room', (other, outcomes) => {
    const d = explore(fullBacklog(other));
    expect(d.exhaustive).toBe(true);
    expect(d.violations).toEqual([]);
    expect(d.outcomes.map((o) => o.outcome).sort()).toEqual([...outcomes].sort());
  });

  it('the connector\'s sleep and its wake-up are races DPOR sees: the same outcomes as naive DFS', () => {
    // The smallest variant (listen() raises the backlog); accept and close take naive DFS
    // minutes. The DPOR-vs-DFS property (dpor-soundness.test.ts) draws connect too.
    const s = fullBacklog('listen');
    const d = explore(s);
    const n = explore(s, { strategy: 'dfs' });
    expect(n.exhaustive).toBe(true);
    expect(d.outcomes.map((o) => o.outcome).sort()).toEqual(n.outcomes.map((o) => o.outcome).sort());
    expect(d.runs).toBeLessThan(n.runs);
  });

  it('shutdown(SHUT_RD) of the listener does not wake a connector that sleeps for room', () => {
    const r = explore(fullBacklog('shutdown'));
    expect(r.exhaustive).toBe(true);
    // Either the connect came first and sleeps on, or it came after and is refused.
    expect(r.violations.map((v) => v.kind)).toEqual(['deadlock']);
    expect(r.outcomes.map((o) => o.outcome)).toContain('["ECONNREFUSED",0]');
  });

  it('a negative backlog is somaxconn, as the kernel compares it unsigned', () => {
    const { p } = setup();
    const l = Unix.socket(p, SOCK_STREAM);
    Unix.bind(p, l, '\0neg');
    Unix.listen(p, l, -1);
    expect(Unix.sockOf(p, l).backlog).toBe(4096);
    Unix.listen(p, l, 5000);
    expect(Unix.sockOf(p, l).backlog).toBe(4096);
    Unix.listen(p, l, 3);
    expect(Unix.sockOf(p, l).backlog).toBe(3);
  });

  it('an embryo socket holds the files sent before accept(); closing the listener releases them', () => {
    const { k, p } = setup();
    const l = Unix.socket(p, SOCK_STREAM);
    Unix.bind(p, l, '/tmp/sock');
    Unix.listen(p, l, 4);
    const c = Unix.socket(p, SOCK_STREAM);
    Unix.connect(p, c, '/tmp/sock');
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    Unix.sendmsg(p, c, 'x', [fd, c]);
    p.close(fd);
    const L = Unix.sockOf(p, l);
    expect(L.acceptQ).toHaveLength(1);
    expect(L.acceptQ[0]!.queue[0]!.files).toHaveLength(2);
    expect(UnixGc.reachable(k)).toContain(Unix.sockOf(p, c).name);
    p.close(l);
    expect(f.live).toBe(false);
    expect(k.unix.totInflight).toBe(0);
    p.close(c);
  });
});

describe('readiness and blocking', () => {
  it('poll and epoll see a socket become readable and writable', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    expect(p.poll([{ fd: b, events: EPOLLIN | EPOLLOUT }], 0).revents).toEqual([EPOLLOUT]);
    const ep = Epoll.create1(p, 0);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, b, { events: EPOLLIN, data: 9 });
    expect(Epoll.wait(p, ep, 4, 0)).toEqual([]);
    Unix.sendmsg(p, a, 'x');
    expect(Epoll.wait(p, ep, 4, 0)).toEqual([{ events: EPOLLIN, data: 9 }]);
    expect(p.poll([{ fd: b, events: EPOLLIN }], 0).revents).toEqual([EPOLLIN]);
    p.close(a);
    expect(p.poll([{ fd: b, events: EPOLLIN }], 0).revents[0]! & 0x10).toBe(0x10); // EPOLLHUP
  });

  it('a receive gives the writer an EPOLLOUT edge, not the reader: datagram senders wait on peer_wait', () => {
    const { p } = setup();
    for (const type of [SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM]) {
      const [a, b] = Unix.socketpair(p, type);
      const reader = Epoll.create1(p, 0);
      Epoll.ctl(p, reader, EPOLL_CTL_ADD, b, { events: EPOLLIN | EPOLLOUT | EPOLLET, data: b });
      const writer = Epoll.create1(p, 0);
      p.write(a, 'x');
      const wait = (ep: number) => Epoll.wait(p, ep, 8, 0).map((e) => e.events);
      // Host (Linux 6.18), every type: [5] [] | [4] [] [4].
      expect(wait(reader)).toEqual([EPOLLIN | EPOLLOUT]);
      p.read(b, 100);
      expect(wait(reader)).toEqual([]);
      Epoll.ctl(p, writer, EPOLL_CTL_ADD, a, { events: EPOLLOUT | EPOLLET, data: a });
      expect(wait(writer)).toEqual([EPOLLOUT]);
      p.write(a, 'y');
      expect(wait(writer)).toEqual([]);
      p.read(b, 100);
      expect(wait(writer)).toEqual([EPOLLOUT]);
      for (const fd of [a, b, reader, writer]) p.close(fd);
    }
  });

  it('a blocking recvmsg sleeps until a send; a blocking send sleeps while the peer queue is full', () => {
    const { k, p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    for (let i = 0; i < UNIX_QUEUE_MAX; i++) Unix.sendmsg(p, a, `${i}`);
    expect(errnoOf(() => Unix.sendmsg(p, a, 'x', [], MSG_DONTWAIT))).toBe('EAGAIN');
    const sender = p.thread(function* (sys) {
      return yield* Unix.on(sys).sendmsg(a, 'last', []);
    });
    const receiver = p.thread(function* (sys) {
      const u = Unix.on(sys);
      let got = '';
      for (let i = 0; i <= UNIX_QUEUE_MAX; i++) got = (yield* u.recvmsg(b, 8)).data;
      return got;
    });
    k.run({ kind: 'sequential' });
    expect(sender.sim.result).toBe(4);
    expect(receiver.sim.result).toBe('last');
  });
});

describe('the DOT picture of the in-flight graph', () => {
  it('draws sockets, in-flight edges, the messages as owners, and the component the collector freed', () => {
    const { k, p } = setup();
    const [a, a2] = Unix.socketpair(p, SOCK_DGRAM);
    const [b, b2] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, b2, 'x', [a]);
    Unix.sendmsg(p, a2, 'y', [b]);
    p.close(a);
    p.close(b);
    const before = renderDot(k.engine.events, { unix: UnixGc.graph(k) });
    parseDot(before);
    expect(before).toContain('"sock:unix#3" -> "sock:unix#1" [color="purple", label="in flight (skb#2)"]');
    expect(before).toContain('"skb#1" -> "file#1" [label="SCM_RIGHTS"]');
    expect(before).not.toContain('unowned refs');
    expect(before).toMatch(/label="component";\n\s+style="dashed";\n\s+color="blue"/);
    expect([...k.unixGc().collected].sort()).toEqual(['unix#1', 'unix#3']);
    const after = renderDot(k.engine.events, { unix: UnixGc.graph(k) });
    parseDot(after);
    expect(after).toContain('component (collected)');
    expect(after).toMatch(/"sock:unix#1" \[label="unix#1\\nreleased"/);
  });
});

describe('the interface for plugins (io_uring 2019 ring_sock)', () => {
  it('files queued in flight on a socket attached to another file type are graph vertices the collector frees', () => {
    const { k, p } = setup();
    const ring: FileOperations = { name: 'ring', release: (f) => unixReleaseSockSteps(k, unixSockOfFile(f)!) };
    const rf = k.vfs.openAnon('[io_uring]', ring);
    const ringSock = attachUnixSock(k, rf, SOCK_DGRAM);
    const ringFd = receiveFd(p.main, rf, 0);
    rf.fput(); // the fd holds the ring now
    const [s, s2] = Unix.socketpair(p, SOCK_DGRAM);
    // Register socket s with the ring: the ring's socket holds it in flight (get_file() + unix_inflight()).
    k.engine.runPlain(p.main.sim, queueFilesInFlight(k, ringSock, [p.fileOf(s).getFile()], 1000));
    // Put the ring fd in flight in s's queue: a cycle ring -> s -> ring.
    Unix.sendmsg(p, s2, 'ring', [ringFd]);
    expect(UnixGc.components(k)).toContainEqual(expect.arrayContaining([ringSock.name, Unix.sockOf(p, s).name]));
    p.close(ringFd);
    p.close(s);
    expect([...k.unixGc().collected].sort()).toEqual([ringSock.name, 'unix#2'].sort());
    expect(rf.live).toBe(false);
    expect(ringSock.dead).toBe(true);
    expect(k.unix.totInflight).toBe(0);
    p.close(s2);
  });
});

describe('what the conformance harness found on the host', () => {
  it('socketpair: bad flag bits are EINVAL first, EMFILE comes before a bad type', () => {
    const { p } = setup({ rlimitNofile: 1 });
    expect(errnoOf(() => Unix.socketpair(p, 1 | 0o100))).toBe('EINVAL');
    expect(errnoOf(() => Unix.socketpair(p, 4))).toBe('EMFILE');
    p.prlimit(8);
    expect(errnoOf(() => Unix.socketpair(p, 4))).toBe('ESOCKTNOSUPPORT');
    expect(Unix.sockOf(p, Unix.socketpair(p, 3)[0]).type).toBe(SOCK_DGRAM); // SOCK_RAW
  });

  it('ECONNRESET once after the peer closed with unread data; then end of stream', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    Unix.sendmsg(p, b, 'x');
    p.close(a);
    expect(errnoOf(() => Unix.recvmsg(p, b, 1, 0, MSG_DONTWAIT))).toBe('ECONNRESET');
    expect(Unix.recvmsg(p, b, 1, 0, MSG_DONTWAIT).data).toBe('');
    const [c, d] = Unix.socketpair(p, SOCK_SEQPACKET);
    Unix.sendmsg(p, c, 'x');
    p.close(d);
    expect(errnoOf(() => Unix.sendmsg(p, c, 'y', [], MSG_DONTWAIT))).toBe('ECONNRESET');
    expect(errnoOf(() => Unix.sendmsg(p, c, 'y', [], MSG_DONTWAIT))).toBe('EPIPE');
  });

  it('a datagram-style receive reports sk_err before queued messages, a stream after them', () => {
    const { p } = setup();
    // Host (Linux 6.18): seqpacket peek ECONNRESET, then "hijkl", then EOF; stream "hijkl" twice (peek, read), then ECONNRESET, then EOF.
    const host: [number, string[]][] = [[SOCK_SEQPACKET, ['ECONNRESET', 'hijkl', '', '']], [SOCK_STREAM, ['hijkl', 'hijkl', 'ECONNRESET', '']]];
    for (const [type, answers] of host) {
      const [a, b] = Unix.socketpair(p, type | SOCK_NONBLOCK);
      p.write(a, 'x'.repeat(20));
      p.write(b, 'hijkl');
      p.close(b);
      const got = [MSG_PEEK, 0, 0, 0].map((f) => {
        try {
          return Unix.recvmsg(p, a, 10, 0, f).data;
        } catch (e) {
          return errnoOf(() => { throw e; });
        }
      });
      expect(got).toEqual(answers);
      p.close(a);
    }
  });

  it('closing a seqpacket with one empty message unread resets nothing; with two it resets the peer', () => {
    const { p } = setup();
    for (const [n, after] of [[1, ''], [2, 'ECONNRESET']] as const) {
      const [a, b] = Unix.socketpair(p, SOCK_SEQPACKET | SOCK_NONBLOCK);
      for (let i = 0; i < n; i++) p.write(b, '');
      p.close(a);
      expect(Unix.sockOf(p, b).skErr ?? '').toBe(after);
      p.close(b);
    }
  });

  it('datagrams: ECONNREFUSED disconnects (then ENOTCONN); a peer after SHUT_RD makes sends EPIPE; O_ASYNC sticks', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    p.close(a);
    expect(errnoOf(() => Unix.sendmsg(p, b, 'x', [], MSG_DONTWAIT))).toBe('ECONNREFUSED');
    expect(errnoOf(() => Unix.sendmsg(p, b, 'x', [], MSG_DONTWAIT))).toBe('ENOTCONN');
    const [c, d] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.shutdown(p, d, 0);
    expect(errnoOf(() => Unix.sendmsg(p, c, 'x', [], MSG_DONTWAIT))).toBe('EPIPE');
    expect(empty(p, d)).toBe('EAGAIN');
    p.fcntl(c, F_SETFL, O_ASYNC | O_NONBLOCK);
    expect(p.fcntl(c, F_GETFL) & (O_ASYNC | O_NONBLOCK)).toBe(O_ASYNC | O_NONBLOCK);
  });
});

describe('stream reads as the host does them', () => {
  it('a read glues messages and stops after one with files; a peek reports the files of the first message that has any', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    const fd = p.open('/data/log', O_RDONLY);
    Unix.sendmsg(p, a, 'abcde');
    Unix.sendmsg(p, a, 'x');
    Unix.sendmsg(p, a, 'y', [fd]);
    Unix.sendmsg(p, a, 'z');
    // Host (Linux 6.18): peek 1 → "a" with 1 fd; peek 64 → "abcdexy" with 1 fd; recv 2 → "ab"; recv 64 → "cdexy" with 1 fd; then "z".
    const one = Unix.recvmsg(p, b, 1, 1, MSG_PEEK);
    expect([one.data, one.fds.length]).toEqual(['a', 1]);
    const all = Unix.recvmsg(p, b, 64, 1, MSG_PEEK);
    expect([all.data, all.fds.length]).toEqual(['abcdexy', 1]);
    expect(Unix.recvmsg(p, b, 2, 1)).toEqual({ data: 'ab', fds: [], flags: 0 });
    const rest = Unix.recvmsg(p, b, 64, 1);
    expect([rest.data, rest.fds.length]).toEqual(['cdexy', 1]);
    expect(Unix.recvmsg(p, b, 64, 1).data).toBe('z');
  });
});

describe('read(2) and write(2) on sockets (sock_read_iter / sock_write_iter)', () => {
  it('read is recvmsg without a control buffer: passed files are dropped; write is sendmsg without fds', () => {
    const { k, p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    const [r, w] = p.pipe();
    Unix.sendmsg(p, a, 'xy', [r]);
    expect(p.write(a, 'zw')).toBe(2);
    p.close(r);
    // Host: the read stops after the message with files and closes them: the pipe loses its last reader.
    expect(p.read(b, 10)).toBe('xy');
    expect(errnoOf(() => p.write(w, 'q'))).toBe('EPIPE');
    expect(p.read(b, 10)).toBe('zw');
    expect(k.unix.totInflight).toBe(0);
    p.close(w);
  });

  it('the host\'s answers for each socket type: zero counts, EOF, EAGAIN, EPIPE, ECONNREFUSED, ESPIPE', () => {
    const { p } = setup();
    // [type, read after an empty write, after SHUT_RD, after the peer closed, write after the peer closed]
    const host: [number, string, string, string, string][] = [
      [SOCK_STREAM, 'EAGAIN', '', '', 'EPIPE'],
      [SOCK_DGRAM, '', 'EAGAIN', 'EAGAIN', 'ECONNREFUSED'],
      [SOCK_SEQPACKET, '', '', '', 'EPIPE'],
    ];
    const answer = (f: () => unknown): unknown => {
      try {
        return f();
      } catch (e) {
        return errnoOf(() => { throw e; });
      }
    };
    for (const [type, afterEmpty, afterShut, afterClose, writeAfterClose] of host) {
      const [a, b] = Unix.socketpair(p, type);
      expect(p.read(b, 0)).toBe('');
      expect(p.write(a, '')).toBe(0);
      p.fcntl(b, F_SETFL, O_NONBLOCK);
      // A stream sends nothing for an empty write; a datagram or seqpacket queues an empty message.
      expect(answer(() => p.read(b, 10))).toBe(afterEmpty);
      p.write(a, 'abcdef');
      expect(p.read(b, 2)).toBe('ab');
      expect(answer(() => p.read(b, 10))).toBe(type === SOCK_STREAM ? 'cdef' : 'EAGAIN');
      expect([errnoOf(() => p.pread(b, 2, 0)), errnoOf(() => p.pwrite(a, 'x', 0)), errnoOf(() => p.lseek(b, 0, 0))]).toEqual(['ESPIPE', 'ESPIPE', 'ESPIPE']);
      Unix.shutdown(p, b, 0);
      expect(answer(() => p.read(b, 10))).toBe(afterShut);
      p.close(a);
      expect(answer(() => p.read(b, 10))).toBe(afterClose);
      expect(errnoOf(() => p.write(b, 'x'))).toBe(writeAfterClose);
      p.close(b);
    }
  });

  it('unconnected and listening: a stream reads EINVAL, a seqpacket ENOTCONN, a datagram EAGAIN; writes ENOTCONN', () => {
    const { p } = setup();
    const host: [number, string][] = [[SOCK_STREAM, 'EINVAL'], [SOCK_SEQPACKET, 'ENOTCONN'], [SOCK_DGRAM, 'EAGAIN']];
    for (const [type, readErr] of host) {
      const s = Unix.socket(p, type | SOCK_NONBLOCK);
      expect([errnoOf(() => p.read(s, 10)), errnoOf(() => Unix.recvmsg(p, s, 10, 0, MSG_DONTWAIT)), errnoOf(() => p.write(s, 'x'))]).toEqual([readErr, readErr, 'ENOTCONN']);
      if (type !== SOCK_DGRAM) {
        Unix.bind(p, s, `\0listen${type}`);
        Unix.listen(p, s);
        expect([errnoOf(() => p.read(s, 10)), errnoOf(() => p.write(s, 'x'))]).toEqual([readErr, 'ENOTCONN']);
      }
      p.close(s);
    }
  });

  it('an empty stream send queues nothing and drops the passed files, but still fails after SHUT_WR', () => {
    const { k, p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    const fd = p.open('/data/log', O_RDONLY);
    expect(Unix.sendmsg(p, a, '', [fd])).toBe(0);
    expect(empty(p, b)).toBe('EAGAIN');
    expect(k.unix.totInflight).toBe(0);
    expect(p.fileOf(fd).count).toBe(1);
    Unix.shutdown(p, a, SHUT_WR);
    expect(errnoOf(() => p.write(a, ''))).toBe('EPIPE');
  });

  it('a blocking read sleeps until a write; a plain read of an empty blocking socket is model misuse', () => {
    const { k, p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    expect(() => p.read(b, 4)).toThrow(/would wait/);
    const reader = p.thread((sys) => sys.read(b, 4));
    const writer = p.thread((sys) => sys.write(a, 'ping'));
    k.run({ kind: 'sequential' });
    expect([reader.sim.result, writer.sim.result]).toEqual(['ping', 4]);
  });

  it('with recvmsg on the same socket, the explorer finds both orders of two readers', () => {
    const s = defineScenario({
      name: 'socket-read-vs-recvmsg',
      title: 'read and recvmsg share a datagram socket',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
        p.write(a, '1');
        p.write(a, '2');
        p.thread((sys) => sys.read(b, 4));
        p.thread((sys) => Unix.on(sys).recvmsg(b, 4));
      },
    });
    const r = explore(s);
    expect(r.exhaustive).toBe(true);
    expect(r.outcomes.map((o) => o.outcome).sort()).toEqual(['["1",{"data":"2","fds":[],"flags":0}]', '["2",{"data":"1","fds":[],"flags":0}]']);
  });
});

describe('when the collector runs', () => {
  it('a send with files past UNIX_INFLIGHT_TRIGGER_GC in-flight sockets runs it first (wait_for_unix_gc)', () => {
    const { k, p } = setup({ rlimitNofile: 1 << 16 });
    const keep: number[] = [];
    for (let i = 0; i <= UNIX_INFLIGHT_TRIGGER_GC; i++) {
      const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
      k.engine.runPlain(p.main.sim, queueFilesInFlight(k, Unix.sockOf(p, a), [p.fileOf(a).getFile()], 1000));
      p.close(a); // a is now only in its own queue: garbage
      keep.push(b);
    }
    expect(k.unix.totInflight).toBe(UNIX_INFLIGHT_TRIGGER_GC + 1);
    const [x, y] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, x, 'm', [x]);
    // The collector ran before the message was queued: only the new copy is in flight.
    expect(k.unix.totInflight).toBe(1);
    expect(k.unix.lastGc!.collected).toHaveLength(UNIX_INFLIGHT_TRIGGER_GC + 1);
    p.close(y);
    p.close(x);
    for (const b of keep) p.close(b);
  }, 60_000);

  it('the release of a socket runs it while anything is in flight', () => {
    const { k, p } = setup();
    const [a, a2] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, a2, 'x', [a]);
    p.close(a); // a: in flight in its own queue only
    expect(k.unix.lastGc).toBe(null);
    p.close(a2); // releases a2 → unix_gc()
    expect(k.unix.lastGc!.collected).toEqual(['unix#1']);
    expect(k.unix.totInflight).toBe(0);
  });
});
