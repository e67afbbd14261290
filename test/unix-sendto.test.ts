/*
 * AF_UNIX sends to an address (sendto(2), sendmsg(2) with msg_name) and the sender's
 * address a receive reports, against the host kernel (Linux 6.18, root without
 * CAP_SYS_RESOURCE; C programs with raw syscalls, the values in the comments are theirs):
 *
 *   datagram: nothing bound ECONNREFUSED, a missing path ENOENT, a path under a file ENOTDIR,
 *   a regular file ECONNREFUSED, namelen 2 (empty) or 111 EINVAL, a bad SCM_RIGHTS fd EBADF
 *   before EINVAL, SHUT_WR: EINVAL before EPIPE before the lookup; a path bound by a stream
 *   socket EPROTOTYPE, an abstract name of a stream socket ECONNREFUSED; a target connected to
 *   another socket EPERM (ourselves too, while connected elsewhere); a target after SHUT_RD
 *   EPIPE; 11 messages fit a target not connected back (max_dgram_qlen 10; a connected sender
 *   too), 278 one connected back and ourselves; a connected socket's address wins over its
 *   peer, and a dead peer is not noticed by a send to another address; a closed target is
 *   ECONNREFUSED, by path too.
 *   seqpacket: the address is ignored (even namelen 1); unconnected ENOTCONN before EBADF.
 *   stream: connected EISCONN (even empty, after SHUT_WR), else EOPNOTSUPP; EBADF first.
 *   recvmsg: msg_namelen 0 from an unbound sender and a socketpair peer (no autobind); the
 *   sender's name as bound when the message is received (bound after the send: shown; closed
 *   since: still shown); an accepted socket's messages carry the listener's name (bind on it
 *   is EINVAL); a path as bound.
 *   EPOLLET on the sender: a failed lookup (ECONNREFUSED, ENOENT) and EAGAIN from a full
 *   target wake it (the skb is freed), EINVAL and EPIPE from SHUT_WR do not.
 */
import { describe, expect, it } from 'vitest';
import {
  defineScenario, Epoll, EPOLL_CTL_ADD, EPOLLET, EPOLLOUT, explore, F_SETFL, KernelError, ModelError, MSG_DONTWAIT, MSG_PEEK, O_NONBLOCK, O_RDONLY, SHUT_RD, SHUT_WR,
  SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, UNIX_MAX_DGRAM_QLEN, UNIX_QUEUE_MAX, Unix, UnixGc, type Process,
} from '../src/index.js';
import { catchErrno, stepToEnd, stepUntil } from '../src/testing/index.js';
import { errnoOf, newKernel } from './helpers.js';

function setup(opts: Parameters<typeof newKernel>[0] = {}) {
  const k = newKernel(opts);
  const p = k.spawnProcess();
  return { k, p };
}

const sendto = (p: Process, fd: number, addr: string, fds: number[] = []) => Unix.sendto(p, fd, 'm', addr, fds, MSG_DONTWAIT);
const recv = (p: Process, fd: number, flags = 0) => Unix.recvmsg(p, fd, 8, 8, flags | MSG_DONTWAIT);
/** Non-blocking sends to `addr` until one fails; returns how many went, and the errno. */
function fill(p: Process, fd: number, addr: string | null): [number, string | undefined] {
  for (let n = 0; ; n++) {
    try {
      if (addr === null) Unix.sendmsg(p, fd, 'm', [], MSG_DONTWAIT);
      else sendto(p, fd, addr);
    } catch (e) {
      if (!KernelError.is(e)) throw e;
      return [n, e.code];
    }
  }
}
function dgram(p: Process, addr?: string): number {
  const fd = Unix.socket(p, SOCK_DGRAM);
  if (addr !== undefined) Unix.bind(p, fd, addr);
  return fd;
}

describe('sendto on a datagram socket: the address and its lookup', () => {
  it('errnos of the lookup, as unix_find_other() gives them', () => {
    const { p } = setup();
    const a = dgram(p);
    expect(errnoOf(() => sendto(p, a, '\0zz'))).toBe('ECONNREFUSED'); // host: ECONNREFUSED
    expect(errnoOf(() => sendto(p, a, '/nonexistent/x'))).toBe('ENOENT'); // host: ENOENT
    expect(errnoOf(() => sendto(p, a, '/tmp/nope'))).toBe('ENOENT');
    expect(errnoOf(() => sendto(p, a, '/data/log/x'))).toBe('ENOTDIR'); // host: ENOTDIR
    expect(errnoOf(() => sendto(p, a, '/data/log'))).toBe('ECONNREFUSED'); // host: a regular file, ECONNREFUSED
    expect(errnoOf(() => sendto(p, a, ''))).toBe('EINVAL'); // host: namelen 2, EINVAL
    expect(errnoOf(() => sendto(p, a, `\0${'y'.repeat(108)}`))).toBe('EINVAL'); // host: namelen 111, EINVAL
    const st = Unix.socket(p, SOCK_STREAM);
    Unix.bind(p, st, '/tmp/st');
    const st2 = Unix.socket(p, SOCK_STREAM);
    Unix.bind(p, st2, '\0st');
    expect(errnoOf(() => sendto(p, a, '/tmp/st'))).toBe('EPROTOTYPE'); // host: EPROTOTYPE
    expect(errnoOf(() => sendto(p, a, '\0st'))).toBe('ECONNREFUSED'); // host: each type its own abstract names
  });

  it('the order: scm_send() (EBADF), the address (EINVAL), SEND_SHUTDOWN (EPIPE), the lookup', () => {
    const { p } = setup();
    const a = dgram(p);
    expect(errnoOf(() => sendto(p, a, '', [77]))).toBe('EBADF'); // host: EBADF
    expect(errnoOf(() => sendto(p, a, '\0zz', [77]))).toBe('EBADF'); // host: EBADF
    Unix.shutdown(p, a, SHUT_WR);
    expect(errnoOf(() => sendto(p, a, ''))).toBe('EINVAL'); // host: EINVAL
    expect(errnoOf(() => sendto(p, a, '\0zz'))).toBe('EPIPE'); // host: EPIPE
    expect(errnoOf(() => sendto(p, a, '\0zz', [77]))).toBe('EBADF'); // host: EBADF
    const c = dgram(p);
    expect(errnoOf(() => Unix.sendmsg(p, c, 'x', [], MSG_DONTWAIT))).toBe('ENOTCONN'); // host: no address, no peer
  });

  it('reaches a bound socket; EPERM when it is connected to another (ourselves included), EPIPE after its SHUT_RD', () => {
    const { p } = setup();
    const a = dgram(p);
    const b = dgram(p, '\0b');
    expect(sendto(p, a, '\0b')).toBe(1);
    expect(recv(p, b).data).toBe('m');
    Unix.bind(p, a, '\0a');
    Unix.connect(p, b, '\0a');
    expect(sendto(p, a, '\0b')).toBe(1); // b is connected to us: fine
    const c = dgram(p);
    expect(errnoOf(() => sendto(p, c, '\0b'))).toBe('EPERM'); // host: EPERM
    const g = dgram(p, '\0g');
    const i = dgram(p, '\0i');
    Unix.connect(p, i, '\0g');
    expect(errnoOf(() => sendto(p, i, '\0i'))).toBe('EPERM'); // host: a send to ourselves while connected elsewhere
    Unix.shutdown(p, g, SHUT_RD);
    expect(errnoOf(() => sendto(p, c, '\0g'))).toBe('EPIPE'); // host: EPIPE
  });

  it('a send to our own name queues on our own queue', () => {
    const { p } = setup();
    const h = dgram(p, '\0h');
    expect(sendto(p, h, '\0h')).toBe(1);
    expect(recv(p, h)).toEqual({ data: 'm', fds: [], flags: 0, addr: '\0h' }); // host: namelen 5, @h
  });

  it('an address on a connected socket wins over its peer; a dead peer is noticed only by a send without one', () => {
    const { p } = setup();
    const j = dgram(p);
    const k2 = dgram(p, '\0k');
    const l = dgram(p, '\0l');
    Unix.connect(p, j, '\0k');
    expect(sendto(p, j, '\0l')).toBe(1);
    expect(recv(p, l).data).toBe('m'); // host: l got it
    expect(errnoOf(() => recv(p, k2))).toBe('EAGAIN'); // host: k did not
    p.close(k2);
    expect(sendto(p, j, '\0l')).toBe(1); // host: 1
    expect(errnoOf(() => sendto(p, j, '\0k'))).toBe('ECONNREFUSED'); // host: the name went with k
    expect(errnoOf(() => Unix.sendmsg(p, j, 'x', [], MSG_DONTWAIT))).toBe('ECONNREFUSED'); // host: still connected until now
    expect(errnoOf(() => Unix.sendmsg(p, j, 'x', [], MSG_DONTWAIT))).toBe('ENOTCONN');
    expect(recv(p, l).data).toBe('m');
  });

  it('a closed target is refused by the lookup, abstract and path alike', () => {
    const { p } = setup();
    const a = dgram(p);
    const b = dgram(p, '\0b');
    const e = dgram(p, '/tmp/s1');
    expect(sendto(p, a, '\0b')).toBe(1);
    expect(sendto(p, a, '/tmp/s1')).toBe(1);
    p.close(b);
    p.close(e);
    expect(errnoOf(() => sendto(p, a, '\0b'))).toBe('ECONNREFUSED');
    expect(errnoOf(() => sendto(p, a, '/tmp/s1'))).toBe('ECONNREFUSED'); // host: the inode stays, no socket behind it
  });

  it('a failed sendto changes nothing: the passed files keep their counts', () => {
    const { k, p } = setup();
    const a = dgram(p);
    const fd = p.open('/data/log', O_RDONLY);
    const before = JSON.stringify(k.snapshot());
    for (const addr of ['\0zz', '/nonexistent/x', '', '/data/log']) expect(errnoOf(() => sendto(p, a, addr, [fd, a]))).toBeDefined();
    expect(JSON.stringify(k.snapshot())).toBe(before);
    expect(p.fileOf(fd).count).toBe(1);
    expect(k.unix.totInflight).toBe(0);
  });

  it('JS type misuse is ModelError(bad-argument), in both forms', () => {
    const { k, p } = setup();
    const a = dgram(p);
    const bad = 5 as unknown as string;
    expect(() => Unix.sendto(p, a, 'x', bad)).toThrow(ModelError);
    expect(() => Unix.sendto(p, a, 'x', '\0b', 'x' as unknown as number[])).toThrow(/bad-argument|must be/);
    p.thread(function* (sys) {
      try {
        yield* Unix.on(sys).sendto(a, 'x', bad);
      } catch (e) {
        return ModelError.is(e) ? e.code : 'other';
      }
      return 'sent';
    });
    k.run();
    expect(k.engine.threads.at(-1)!.result).toBe('bad-argument');
  });
});

describe('room at the target', () => {
  it('11 datagrams fit a socket not connected back (max_dgram_qlen), 278 one connected back and ourselves', () => {
    const { p } = setup();
    const a = dgram(p, '\0a');
    const b = dgram(p, '\0b');
    expect(fill(p, a, '\0b')).toEqual([UNIX_MAX_DGRAM_QLEN + 1, 'EAGAIN']); // host: 11, then EAGAIN
    p.fcntl(a, F_SETFL, O_NONBLOCK);
    expect(errnoOf(() => Unix.sendto(p, a, 'x', '\0b'))).toBe('EAGAIN'); // host: O_NONBLOCK too
    p.fcntl(a, F_SETFL, 0);
    while (Unix.sockOf(p, b).queue.length > 0) recv(p, b);
    Unix.connect(p, b, '\0a');
    expect(fill(p, a, '\0b')).toEqual([UNIX_QUEUE_MAX, 'EAGAIN']); // host: 278
    const h = dgram(p, '\0h');
    expect(fill(p, h, '\0h')).toEqual([UNIX_QUEUE_MAX, 'EAGAIN']); // host: 278
  });

  it('a connected sender whose peer is not connected back gets the same 11 (sendmsg), and poll says not writable', () => {
    const { p } = setup();
    const g = dgram(p, '\0g');
    const f = dgram(p);
    Unix.connect(p, f, '\0g');
    expect(fill(p, f, null)).toEqual([UNIX_MAX_DGRAM_QLEN + 1, 'EAGAIN']); // host: 11
    expect(p.poll([{ fd: f, events: EPOLLOUT }], 0).revents).toEqual([0]); // host: poll 0
    recv(p, g);
    expect(p.poll([{ fd: f, events: EPOLLOUT }], 0).revents).toEqual([EPOLLOUT]);
  });

  it('EPOLLET on the sender: a failed lookup and a full target free the skb and wake it; EINVAL and EPIPE do not', () => {
    const { p } = setup();
    const a = dgram(p);
    dgram(p, '\0t');
    const ep = Epoll.create1(p);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, a, { events: EPOLLOUT | EPOLLET, data: a });
    const edge = () => Epoll.wait(p, ep, 4, 0).length;
    expect(edge()).toBe(1);
    expect(edge()).toBe(0);
    expect(errnoOf(() => sendto(p, a, '\0nothing'))).toBe('ECONNREFUSED');
    expect(edge()).toBe(1); // host: 4
    expect(errnoOf(() => sendto(p, a, '/nonexistent/x'))).toBe('ENOENT');
    expect(edge()).toBe(1); // host: 4
    expect(errnoOf(() => sendto(p, a, ''))).toBe('EINVAL');
    expect(edge()).toBe(0); // host: 0
    expect(fill(p, a, '\0t')).toEqual([UNIX_MAX_DGRAM_QLEN + 1, 'EAGAIN']);
    expect(edge()).toBe(1); // host: 4 after the EAGAIN
    Unix.shutdown(p, a, SHUT_WR);
    edge();
    expect(errnoOf(() => sendto(p, a, '\0nothing'))).toBe('EPIPE');
    expect(edge()).toBe(0); // host: 0
  });
});

describe('sendto on seqpacket and stream sockets', () => {
  it('seqpacket: the address is ignored; unconnected is ENOTCONN before anything else', () => {
    const { p } = setup();
    const [a, b] = Unix.socketpair(p, SOCK_SEQPACKET);
    expect(sendto(p, a, '\0nothing')).toBe(1); // host: 1
    expect(sendto(p, a, '')).toBe(1); // host: even namelen 1 or 150
    expect(errnoOf(() => sendto(p, a, '\0nothing', [77]))).toBe('EBADF');
    expect(recv(p, b)).toEqual({ data: 'm', fds: [], flags: 0 }); // host: namelen 0
    Unix.shutdown(p, a, SHUT_WR);
    expect(errnoOf(() => sendto(p, a, '\0nothing'))).toBe('EPIPE'); // host: EPIPE
    const u = Unix.socket(p, SOCK_SEQPACKET);
    expect(errnoOf(() => sendto(p, u, '\0nothing', [77]))).toBe('ENOTCONN'); // host: ENOTCONN
  });

  it('stream: EISCONN when connected, EOPNOTSUPP otherwise, after the fds and before ENOTCONN or EPIPE', () => {
    const { p } = setup();
    const [a] = Unix.socketpair(p, SOCK_STREAM);
    expect(errnoOf(() => sendto(p, a, '\0nothing'))).toBe('EISCONN'); // host: EISCONN
    expect(errnoOf(() => sendto(p, a, ''))).toBe('EISCONN'); // host: EISCONN, not EINVAL
    expect(errnoOf(() => Unix.sendto(p, a, '', '\0x', [], MSG_DONTWAIT))).toBe('EISCONN'); // before the empty send's 0
    expect(errnoOf(() => sendto(p, a, '\0nothing', [77]))).toBe('EBADF'); // host: EBADF
    Unix.shutdown(p, a, SHUT_WR);
    expect(errnoOf(() => sendto(p, a, '\0nothing'))).toBe('EISCONN'); // host: EISCONN, not EPIPE
    const u = Unix.socket(p, SOCK_STREAM);
    expect(errnoOf(() => sendto(p, u, '\0nothing'))).toBe('EOPNOTSUPP'); // host: EOPNOTSUPP
    expect(errnoOf(() => Unix.sendmsg(p, u, 'x', [], MSG_DONTWAIT))).toBe('ENOTCONN');
    Unix.shutdown(p, u, SHUT_WR);
    expect(errnoOf(() => sendto(p, u, '\0nothing'))).toBe('EOPNOTSUPP'); // host: EOPNOTSUPP
    Unix.bind(p, u, '\0L');
    Unix.listen(p, u, 5);
    expect(errnoOf(() => sendto(p, u, '\0nothing'))).toBe('EOPNOTSUPP'); // host: listening, EOPNOTSUPP
  });
});

describe('the sender address a receive reports (unix_copy_addr())', () => {
  it('none from an unbound sender or a socketpair peer; the name as bound at the receive', () => {
    const { p } = setup();
    const b = dgram(p, '\0b');
    const a = dgram(p);
    sendto(p, a, '\0b');
    const r = recv(p, b);
    expect(r).toEqual({ data: 'm', fds: [], flags: 0 }); // host: namelen 0
    expect('addr' in r).toBe(false);
    Unix.bind(p, a, '\0a');
    sendto(p, a, '\0b');
    expect(recv(p, b).addr).toBe('\0a'); // host: namelen 5, @ta
  });

  it('a name bound after the send shows; a closed sender\'s stays; paths as bound', () => {
    const { p } = setup();
    const b = dgram(p, '\0b');
    const c = dgram(p);
    sendto(p, c, '\0b');
    Unix.bind(p, c, '\0c');
    expect(recv(p, b).addr).toBe('\0c'); // host: @tc
    const d = dgram(p, '\0d');
    sendto(p, d, '\0b');
    p.close(d);
    expect(recv(p, b).addr).toBe('\0d'); // host: @td
    const e = dgram(p, '/tmp/s1');
    sendto(p, e, '\0b');
    expect(recv(p, b, MSG_PEEK).addr).toBe('/tmp/s1'); // host: path=s1 (as bound)
    expect(recv(p, b).addr).toBe('/tmp/s1');
    sendto(p, b, '/tmp/s1');
    expect(recv(p, e).addr).toBe('\0b'); // host: @tb
    const [x, y] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, x, 'q');
    expect(recv(p, y).addr).toBeUndefined(); // host: namelen 0
  });

  it.each([SOCK_STREAM, SOCK_SEQPACKET])('type %i: an accepted socket sends with its listener\'s name, which makes bind on it EINVAL', (type) => {
    const { p } = setup();
    const l = Unix.socket(p, type);
    Unix.bind(p, l, '\0L');
    Unix.listen(p, l, 5);
    const c = Unix.socket(p, type);
    Unix.connect(p, c, '\0L');
    Unix.sendmsg(p, c, 'x', [], MSG_DONTWAIT);
    const s = Unix.accept(p, l);
    expect(errnoOf(() => Unix.bind(p, s, '\0other'))).toBe('EINVAL'); // host: EINVAL
    expect(recv(p, s).addr).toBeUndefined(); // host: namelen 0 from the unbound client
    Unix.sendmsg(p, s, 'y', [], MSG_DONTWAIT);
    expect(recv(p, c, MSG_PEEK).addr).toBe('\0L'); // host: @L1 / @L5
    p.close(l);
    expect(recv(p, c).addr).toBe('\0L'); // host: still, after the listener's close
    const c2 = Unix.socket(p, type);
    Unix.bind(p, c2, '\0C');
    const l2 = Unix.socket(p, type);
    Unix.bind(p, l2, '\0L2');
    Unix.listen(p, l2, 5);
    Unix.connect(p, c2, '\0L2');
    const s2 = Unix.accept(p, l2);
    Unix.sendmsg(p, c2, 'z', [], MSG_DONTWAIT);
    expect(recv(p, s2).addr).toBe('\0C'); // host: @C1 / @C5
  });
});

describe('SCM_RIGHTS with an address: the files are in flight on the target', () => {
  it('the collector\'s edge points at the addressed socket, so a file reachable through its queue is not garbage', () => {
    const { k, p } = setup();
    const a = dgram(p);
    const b = dgram(p, '\0b');
    expect(sendto(p, a, '\0b', [a])).toBe(1);
    expect(UnixGc.graph(k).edges).toEqual([{ from: 'unix#1', to: 'unix#2', skb: 'skb#1' }]);
    p.close(a); // a lives in b's queue, and b in the fd table
    expect(k.unixGc().collected).toEqual([]);
    const r = recv(p, b);
    expect(r.fds).toHaveLength(1);
    expect(Unix.sockOf(p, r.fds[0]!).name).toBe('unix#1');
    p.close(r.fds[0]!);
    p.close(b);
  });

  it.each(['classic', 'scc'] as const)('%s: a datagram socket that sends its own fd to its own name is a cycle, freed after close', (unixGc) => {
    const { k, p } = setup({ policy: { unixGc } });
    const h = dgram(p, '\0h');
    expect(sendto(p, h, '\0h', [h])).toBe(1);
    expect(UnixGc.graph(k).edges).toEqual([{ from: 'unix#1', to: 'unix#1', skb: 'skb#1' }]);
    expect(k.unixGc().collected).toEqual([]); // still open
    p.close(h); // only its own queue holds it now
    expect(UnixGc.reachable(k)).toEqual([]);
    const r = k.unixGc();
    expect(r.kind).toBe(unixGc);
    expect(r.collected).toEqual(['unix#1']);
    expect(k.unix.totInflight).toBe(0);
    // Freed: the name is free again.
    expect(errnoOf(() => sendto(p, dgram(p), '\0h'))).toBe('ECONNREFUSED');
  });
});

describe('a target that dies between the lookup and the queueing', () => {
  it('one that is not our peer is looked up again: a socket bound to the name since gets the message, files and all', () => {
    for (const at of ['unix_wait_for_peer', 'skb_queue_tail']) {
      const { k, p } = setup();
      const a = dgram(p);
      const b = dgram(p, '\0b');
      const t = p.thread((sys) => catchErrno(Unix.on(sys).sendto(a, 'late', '\0b', [a])));
      stepUntil(k, t, at); // the lookup found b
      p.close(b);
      const c = dgram(p, '\0b');
      stepToEnd(k, t);
      expect(t.sim.result).toBe(4);
      expect(UnixGc.graph(k).edges.map((e) => e.to)).toEqual([Unix.sockOf(p, c).name]);
      const r = recv(p, c);
      expect(r.data).toBe('late');
      p.close(r.fds[0]!);
    }
  });

  it('the second lookup may fail: the message and its files are freed (the audit finds no leak)', () => {
    const { k, p } = setup();
    const a = dgram(p);
    const b = dgram(p, '\0b');
    const fd = p.open('/data/log', O_RDONLY);
    const t = p.thread((sys) => catchErrno(Unix.on(sys).sendto(a, 'late', '\0b', [fd, a])));
    stepUntil(k, t, 'skb_queue_tail'); // the message holds its files, in flight on b
    p.close(b);
    stepToEnd(k, t);
    expect(t.sim.result).toBe('ECONNREFUSED');
    expect(p.fileOf(fd).count).toBe(1);
    expect(k.unix.totInflight).toBe(0);
    expect(k.audit().ok).toBe(true);
  });

  it('our peer disconnects us: ECONNREFUSED, then ENOTCONN', () => {
    const { k, p } = setup();
    const j = dgram(p);
    const peer = dgram(p, '\0k');
    Unix.connect(p, j, '\0k');
    const t = p.thread((sys) => catchErrno(Unix.on(sys).sendto(j, 'x', '\0k')));
    stepUntil(k, t, 'unix_wait_for_peer');
    p.close(peer);
    stepToEnd(k, t);
    expect(t.sim.result).toBe('ECONNREFUSED');
    expect(errnoOf(() => Unix.sendmsg(p, j, 'x', [], MSG_DONTWAIT))).toBe('ENOTCONN');
  });
});

/** A bound datagram socket (fd 0, '\0b') holding 11 messages from fd 1: full for anyone not connected back. */
function fullTarget(withReceiver: boolean) {
  return defineScenario({
    name: `sendto-full-${withReceiver ? 'recv' : 'alone'}`,
    title: 'a blocking sendto to a full queue' + (withReceiver ? ', and a recvmsg' : ''),
    source: 'test',
    setup(k) {
      const p = k.spawnProcess();
      const b = Unix.socket(p, SOCK_DGRAM);
      Unix.bind(p, b, '\0b');
      const a = Unix.socket(p, SOCK_DGRAM);
      for (let i = 0; i <= UNIX_MAX_DGRAM_QLEN; i++) Unix.sendto(p, a, `${i}`, '\0b');
      p.thread((sys) => catchErrno(Unix.on(sys).sendto(a, 'last', '\0b')));
      if (withReceiver) p.thread(function* (sys) { return (yield* Unix.on(sys).recvmsg(b, 8)).data; });
    },
  });
}

describe('a sendto that sleeps for room (unix_wait_for_peer() on the target\'s peer_wait)', () => {
  it('a recvmsg on the target wakes it: every interleaving sends, none deadlocks', () => {
    const r = explore(fullTarget(true));
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['[4,"0"]']);
  });

  it('without the receive it sleeps forever (the sleep is real)', () => {
    const r = explore(fullTarget(false));
    expect(r.violations.map((v) => v.kind)).toEqual(['deadlock']);
  });

  it('DPOR explores the send sleeping before the receive and the receive first (naive DFS takes 365,508 runs: the DPOR-vs-DFS property draws sendto in smaller programs, test/dpor-syscalls.ts)', () => {
    const r = explore(fullTarget(true));
    expect(r.runs).toBeGreaterThan(1);
  });
});

describe('the thrown errors', () => {
  it('are KernelErrors named for sendto', () => {
    const { p } = setup();
    const a = dgram(p);
    try {
      sendto(p, a, '\0zz');
      expect.unreachable();
    } catch (e) {
      expect(KernelError.is(e) && e.code).toBe('ECONNREFUSED');
      expect(String(e)).toContain('sendto');
    }
  });
});
