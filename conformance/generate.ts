import { Random, unixSockOfFile, type UnixSock } from '../src/index.js';
import { abstractKey } from '../src/unix/sock.js';
import { Eventpoll, fileCanPoll, fileEventpoll } from '../src/extend.js';
import { addrArg, ModelRun } from './model.js';
import type { Call, Program } from './program.js';

/*
 * The seeded program generator. It runs each call on the model as it goes, to pick fds
 * that exist, to keep regular files small (below one 4 KiB block, so SEEK_DATA/SEEK_HOLE
 * do not depend on the filesystem's block allocation), and to drop calls the model says
 * would block (the host would then hang until the runner's timer fires).
 */

const MAXP = 8;

const O = {
  WRONLY: 0o1, RDWR: 0o2, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000,
  DSYNC: 0o10000, ASYNC: 0o20000, LARGEFILE: 0o100000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, NOATIME: 0o1000000,
  CLOEXEC: 0o2000000, SYNC: 0o4010000, PATH: 0o10000000,
} as const;
const FLAG_BITS = Object.values(O).filter((v) => v > 2);
/** Bits open(2) does not know: it ignores them (openat2 would say EINVAL). */
const UNKNOWN_BITS = [0o40000000, 0o100000000, 0o1000000000, 0o4000000000 >>> 0];

const PATHS = [
  '/data/log', '/data/log', '/srv/a', '/srv/b', '/srv', '/tmp', '/data', '/', '/tmp/new', '/tmp/n2', '/srv/e', '/tmp/s1',
  '/nonexistent', '/nonexistent/x', '/data/log/', '/data/log/x', '/srv/', '/tmp/new/', '/tmp/./new', '/srv/../data/log', '//srv//a',
  `/tmp/${'n'.repeat(255)}`, `/tmp/${'n'.repeat(256)}`, `/tmp/${'d/'.repeat(2100)}x`,
];

const SPECIAL_FDS = [-1, 63, 64, 1023, 1024, 4095, 4096, 2147483647, 4294967295];

export function generate(seed: number, length = 24): Program {
  const rng = new Random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)]!;
  const chance = (p: number) => rng.next() < p;
  const model = new ModelRun();
  const calls: Call[] = [];
  const alive = [0];
  let nextRole = 1;

  const fdOf = (role: number): number => {
    const files = model.roles.get(role)!.main.files;
    const fds = files ? files.installedFds() : [];
    if (fds.length > 0 && chance(0.8)) return pick(fds);
    return chance(0.6) ? rng.below(8) : pick(SPECIAL_FDS);
  };
  const kindOf = (role: number, fd: number): string => {
    const f = model.roles.get(role)!.main.files?.lookupRaw(fd);
    return f ? f.inode.kind : 'none';
  };
  const epollEvents = (): number => {
    let e = pick([0x1, 0x1, 0x4, 0x5, 0x2001, 0x19, 0]);
    if (chance(0.3)) e |= 0x80000000; // EPOLLET
    if (chance(0.2)) e |= 0x40000000; // EPOLLONESHOT
    if (chance(0.1)) e |= 0x10000000; // EPOLLEXCLUSIVE
    if (chance(0.05)) e |= 0x20000000; // EPOLLWAKEUP (cleared without CAP_BLOCK_SUSPEND)
    return e >>> 0;
  };
  const openFlags = (): number => {
    let f = rng.below(4) === 3 && chance(0.3) ? 3 : rng.below(3);
    const n = rng.below(4);
    for (let i = 0; i < n; i++) f |= pick(FLAG_BITS);
    if (chance(0.05)) f |= pick(UNKNOWN_BITS);
    return f >>> 0;
  };

  /**
   * splice(2): file to pipe, pipe to file and pipe to pipe over the role's own ends most of
   * the time (so that bytes move), any two fds otherwise (the errno order).
   */
  const spliceCall = (role: number): Call => {
    const tbl = model.roles.get(role)!.main.files;
    const fds = tbl ? tbl.installedFds() : [];
    const fileAt = (fd: number) => tbl!.lookupRaw(fd)!;
    const ends = (mode: number): number[] => fds.filter((fd) => kindOf(role, fd) === 'fifo' && (fileAt(fd).mode & mode) !== 0);
    const regs = fds.filter((fd) => kindOf(role, fd) === 'reg' && (fileAt(fd).mode & 3) !== 0);
    const fileOff = (): number => pick([-2, -2, -2, 0, 1, 3, 100, -1]);
    const pipeOff = (): number => (chance(0.1) ? pick([0, 2]) : -2);
    const len = pick([1, 3, 5, 20, 4096, 70000, 0, -1]);
    const flags = pick([0, 0, 0, 0, 2, 1, 4, 8, 0x10]);
    if (chance(0.15)) return { role, op: 'splice', args: [fdOf(role), fileOff(), fdOf(role), fileOff(), len, flags] };
    // What a splice that moves bytes needs: two pipes, a regular file, bytes in a pipe.
    const pipes = new Set(ends(3).map((fd) => fileAt(fd).inode));
    if (pipes.size < 2 && chance(0.8)) return { role, op: 'pipe2', args: [pick([0, 0, O.NONBLOCK])] };
    if (regs.length === 0 && chance(0.8)) return { role, op: 'open', args: [pick(['/data/log', '/tmp/new', '/srv/a']), 0o102] };
    const how = rng.below(3);
    const readEnds = ends(1);
    const from = readEnds.length > 0 ? pick(readEnds) : fdOf(role);
    const ring = readEnds.length > 0 ? fileAt(from).inode.pipe : null;
    if (how > 0 && ring && ring.bufs.length === 0 && chance(0.7)) {
      const w = ends(2).find((fd) => fileAt(fd).inode.pipe === ring);
      if (w !== undefined) return { role, op: 'write', args: [w, pick([1, 5, 20, 100]), rng.below(26)] };
    }
    const others = ends(2).filter((fd) => readEnds.length === 0 || fileAt(fd).inode !== fileAt(from).inode || chance(0.05));
    const to = others.length > 0 ? pick(others) : fdOf(role);
    const reg = regs.length > 0 ? pick(regs) : fdOf(role);
    if (how === 0) return { role, op: 'splice', args: [reg, fileOff(), pick(ends(2).length > 0 ? ends(2) : [to]), pipeOff(), len, flags] };
    if (how === 1) return { role, op: 'splice', args: [from, pipeOff(), reg, fileOff(), len, flags] };
    return { role, op: 'splice', args: [from, pipeOff(), to, pipeOff(), len, flags] };
  };

  /** AF_UNIX calls (issue 10): socket pairs, SCM_RIGHTS counts, room, cloexec, peek, shutdown. */
  const unixCall = (role: number, w: number): Call => {
    if (w < 3) return { role, op: 'socketpair', args: [pick([1, 2, 5, 1, 2, 5, 1 | O.NONBLOCK, 2 | O.CLOEXEC, 5 | O.CLOEXEC, 3, 4, 99, 1 | 0o100])] };
    if (w < 9) {
      const n = chance(0.05) ? pick([253, 254]) : pick([0, 1, 1, 1, 2, 3]);
      const same = fdOf(role);
      const fds = Array.from({ length: n }, () => (n > 3 ? same : fdOf(role)));
      return { role, op: 'sendmsg', args: [fdOf(role), n, ...fds] };
    }
    if (w < 14) return { role, op: 'recvmsg', args: [fdOf(role), pick([0, 1, 1, 2, 3, 8]), pick([0, 0, 2, 0x40000000, 2 | 0x40000000])] };
    return { role, op: 'shutdown', args: [fdOf(role), pick([0, 1, 2, 3])] };
  };

  /** kcmp(2) (the pidfd plugin) between any two roles, zombies and reaped ones too. */
  const kcmpCall = (role: number): Call => {
    const roles = [...model.roles.keys()];
    const type = pick([0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 7, 7, 8, -1]);
    const withEpoll = roles.filter((r) => epfdOf(model, r) !== undefined);
    const r1 = chance(0.5) ? role : pick(roles);
    const r2 = type === 7 && withEpoll.length > 0 && chance(0.8) ? pick(withEpoll) : pick(roles);
    const idx = (r: number): number => (r === role && chance(0.8) ? fdOf(role) : rng.below(8));
    const efd = type === 7 && chance(0.8) ? epfdOf(model, r2) ?? idx(r2) : idx(r2);
    // For KCMP_EPOLL_TFD, mostly an fd the epoll watches (items outlive their fd's close).
    const ep = model.roles.get(r2)!.main.files?.lookupRaw(efd);
    const watched = ep ? [...(fileEventpoll(ep)?.items.values() ?? [])].map((epi) => epi.fd) : [];
    const tfd = watched.length > 0 && chance(0.8) ? pick(watched) : idx(r2);
    return { role, op: 'kcmp', args: [`%${r1}`, `%${r2}`, type, idx(r1), efd, tfd, pick([0, 0, 0, 1])] };
  };

  /** socket(AF_UNIX), bind and connect to paths (existing files too) and abstract names, listen, accept4. */
  const socketCall = (role: number): Call | null => {
    const files = model.roles.get(role)!.main.files;
    const socks = files ? files.installedFds().filter((fd) => unixSockOfFile(files.lookupRaw(fd)!) !== null) : [];
    const sockFd = (): number => (socks.length > 0 && chance(0.9) ? pick(socks) : fdOf(role));
    const addr = (): string => pick(['/tmp/s1', '/tmp/s1', '/tmp/s2', '@a', '@a', '@b', '/srv/a', '/srv', '/nonexistent/s', '/data/log/x', '/tmp/s1/', '/tmp/s9/', '/srv/.']);
    const k = rng.below(10);
    if (k < 3 || socks.length === 0) return { role, op: 'socket', args: [pick([1, 1, 2, 2, 5, 1 | O.NONBLOCK, 5 | O.NONBLOCK, 2 | O.CLOEXEC, 2 | O.NONBLOCK, 3, 99])] };
    if (k < 5) return { role, op: 'bind', args: [sockFd(), addr()] };
    if (k < 6) return { role, op: 'listen', args: [sockFd(), pick([0, 1, 5, -1])] };
    if (k < 8) {
      const fd = sockFd();
      const a = addr();
      // A blocking connect to a full backlog sleeps (unix_wait_for_peer()) on Linux and in a
      // model thread; the runner makes plain calls only: non-blocking sockets go there.
      const s = files?.lookupRaw(fd);
      const sk = s ? unixSockOfFile(s) : null;
      const l = listenerAt(model, a);
      if (sk !== null && !(s!.flags & O.NONBLOCK) && l !== null && l.acceptQ.length > l.backlog) return null;
      return { role, op: 'connect', args: [fd, a] };
    }
    return { role, op: 'accept4', args: [sockFd(), pick([0, O.NONBLOCK, O.NONBLOCK, O.CLOEXEC, 1])] };
  };

  /**
   * Datagram traffic by address: sendto(2) (sendmsg with msg_name) from any socket of the
   * caller — datagram, seqpacket and stream — to an address a datagram socket holds now,
   * the sender's own name (a self-send) or any of the usual addresses, with files attached
   * (often the sending socket itself: a cycle once it is closed); and, to make that traffic,
   * datagram sockets, binds of them, and receives on sockets with messages queued (so
   * recvmsg reports sender addresses).
   */
  const sendtoCall = (role: number): Call => {
    const files = model.roles.get(role)!.main.files;
    const sockOf = (fd: number) => unixSockOfFile(files!.lookupRaw(fd)!)!;
    const socks = files ? files.installedFds().filter((fd) => unixSockOfFile(files.lookupRaw(fd)!) !== null) : [];
    const k = rng.below(20);
    if (k === 19 && chance(0.5)) return connectionBurst(role);
    const dgrams = socks.filter((fd) => sockOf(fd).type === 2);
    const bound = boundNames(model);
    if (socks.length === 0 || k < 2 || (dgrams.length < 2 && k < 5)) return { role, op: 'socket', args: [pick([2, 2, 2 | O.NONBLOCK, 5, 1])] };
    if (k < 6 || (bound.length === 0 && k < 10)) {
      const unbound = socks.filter((fd) => sockOf(fd).addr === null);
      return { role, op: 'bind', args: [unbound.length > 0 ? pick(unbound) : pick(socks), pick(['@a', '@b', '@c', '/tmp/s1', '/tmp/s2'])] };
    }
    if (k < 9) {
      const queued = socks.filter((fd) => sockOf(fd).queue.length > 0);
      return { role, op: 'recvmsg', args: [queued.length > 0 ? pick(queued) : pick(socks), pick([0, 1, 2]), pick([0, 0, 2])] };
    }
    // A send to the peer of a connected socket (an accepted one's carries its listener's name).
    const connected = socks.filter((fd) => sockOf(fd).peer !== null);
    if (k < 11 && connected.length > 0) return { role, op: 'sendmsg', args: [pick(connected), 0] };
    const fd = chance(0.9) ? pick(socks) : fdOf(role);
    const own = socks.includes(fd) ? sockOf(fd).addr : null;
    const a = own !== null && chance(0.3) ? addrArg(own) : bound.length > 0 && chance(0.7) ? pick(bound) : pick(['@a', '@b', '/tmp/s1', '/tmp/s2', '/nonexistent/s', '/data/log', '/data/log/x']);
    const n = pick([0, 0, 0, 1, 1, 2]);
    const fds = Array.from({ length: n }, () => (chance(0.5) ? fd : fdOf(role)));
    const c: Call = { role, op: 'sendto', args: [fd, a, n, ...fds] };
    // Now and then a flood of the same datagram to a bound socket, past what its queue takes (EAGAIN).
    if (socks.includes(fd) && sockOf(fd).type === 2 && bound.includes(a) && chance(0.3)) for (let i = 0; i < 11; i++) pending.push(c);
    return c;
  };

  /**
   * A stream or seqpacket connection made and used at once, so receives see the names
   * connected sockets send with (an accepted socket's is its listener's, the client's its
   * own if bound). The new fds are the lowest free ones, as the model's table says now.
   */
  const connectionBurst = (role: number): Call => {
    const files = model.roles.get(role)!.main.files;
    const free: number[] = [];
    for (let fd = 0; free.length < 3 && fd < 64; fd++) if (!files?.lookupRaw(fd)) free.push(fd);
    const [l, c, s] = free as [number, number, number];
    const type = pick([1, 5]);
    const name = pick(['@L', '@a', '/tmp/s1']);
    pending.push({ role, op: 'bind', args: [l, name] }, { role, op: 'listen', args: [l, 1] }, { role, op: 'socket', args: [type] });
    if (chance(0.5)) pending.push({ role, op: 'bind', args: [c, pick(['@c', '/tmp/s2'])] });
    pending.push(
      { role, op: 'connect', args: [c, name] },
      { role, op: 'accept4', args: [l, 0] },
      { role, op: 'sendmsg', args: [s, 0] },
      { role, op: 'recvmsg', args: [c, 0, pick([0, 2])] },
      { role, op: 'sendmsg', args: [c, 0] },
      { role, op: 'recvmsg', args: [s, 0, 0] },
    );
    return { role, op: 'socket', args: [type] };
  };

  /** eventfd2(2), and 8-byte reads and writes of an eventfd's counter (read(2) and write(2) of other sizes stay off eventfds). */
  const eventfdCall = (role: number): Call => {
    const files = model.roles.get(role)!.main.files;
    const efds = files ? files.installedFds().filter((fd) => files.lookupRaw(fd)!.ops.name === 'eventfd') : [];
    if (efds.length === 0 || chance(0.25)) return { role, op: 'eventfd', args: [pick([0, 0, 1, 2, 7]), pick([0, 0, O.CLOEXEC, O.NONBLOCK, O.NONBLOCK, 1, 1 | O.NONBLOCK, 2, 0x10])] };
    const fd = pick(efds);
    if (chance(0.5)) return { role, op: 'efd_write', args: [fd, pick([0, 1, 1, 3, 10]), 8] };
    return { role, op: 'efd_read', args: [fd, pick([8, 8, 8, 16, 4])] };
  };

  /** poll(2) and select(2) with a zero timeout over the caller's fds, closed ones and -1. */
  const readinessCall = (role: number): Call => {
    const ev = () => pick([0x1, 0x4, 0x5, 0, 0xffff, 0x2, 0x2000, 0x1 | 0x2000, 0x40, 0x100]);
    if (chance(0.6)) {
      const n = pick([1, 1, 2, 3, 4]);
      const args: number[] = [n];
      // pollfd.fd is an int: the runner's cast makes 2^32 - 1 a -1, so the model gets that.
      for (let i = 0; i < n; i++) args.push(chance(0.1) ? -1 : fdOf(role) | 0, ev());
      return { role, op: 'poll', args };
    }
    const nfds = pick([0, 1, 3, 5, 8, 8, 16, 32, 33, -1]);
    const mask = (): number => {
      let m = 0;
      const k = pick([0, 1, 1, 2, 3]);
      for (let i = 0; i < k; i++) {
        const fd = chance(0.8) ? fdOf(role) : rng.below(10);
        // Only bits below nfds: select writes back no more than nfds bits (rounded to a
        // long), so others would read back as the caller left them.
        if (fd >= 0 && fd < 32 && fd < nfds) m = (m | (1 << fd)) >>> 0;
      }
      return m;
    };
    return { role, op: 'select', args: [nfds, mask(), mask(), mask()] };
  };

  // A burst of readiness calls queued together, so epoll_wait sees events come and go.
  const pending: Call[] = [];
  const burst = (role: number, epfd: number): void => {
    const files = model.roles.get(role)!.main.files!;
    const pipes = files.installedFds().filter((fd) => files.lookupRaw(fd)!.inode.kind === 'fifo');
    if (pipes.length === 0) return;
    const fd = pick(pipes);
    const other = pick(pipes);
    pending.push(
      { role, op: 'epoll_ctl', args: [epfd, pick([1, 1, 3]), fd, epollEvents()] },
      { role, op: 'write', args: [other, pick([1, 5, 4096]), rng.below(26)] },
      { role, op: 'epoll_wait', args: [epfd, pick([1, 8])] },
      { role, op: 'read', args: [other, pick([1, 100])] },
      { role, op: 'epoll_wait', args: [epfd, 8] },
    );
  };

  const dgramHeavy = chance(0.25);
  // A fifth of the others are heavy on splice(2) (with the pipes, files and bytes it needs).
  const spliceHeavy = !dgramHeavy && chance(0.2);
  for (let attempts = 0; calls.length < length && attempts < length * 6; attempts++) {
    const role = pick(alive);
    // A quarter of the programs are heavy on datagrams sent by address.
    const w = rng.below(dgramHeavy ? 240 : 176);
    let c: Call;
    const queued = pending.shift();
    if (queued !== undefined) {
      if (!alive.includes(queued.role)) continue;
      c = queued;
    } else if (spliceHeavy && chance(0.4)) c = spliceCall(role);
    else if (w >= 164) c = sendtoCall(role);
    else if (w >= 158) {
      const s = socketCall(role);
      if (s === null) continue;
      c = s;
    } else if (w >= 154) c = eventfdCall(role);
    else if (w >= 150) c = readinessCall(role);
    else if (w >= 147) c = kcmpCall(role);
    else if (w >= 144) c = { role, op: 'copy_file_range', args: [fdOf(role), pick([-2, -2, 0, 1, 3, 100, -1]), fdOf(role), pick([-2, -2, 0, 1, 3, 100, -1]), pick([0, 1, 3, 5, 20]), pick([0, 0, 0, 0, 1])] };
    else if (w >= 141 && chance(0.5)) c = { role, op: 'sendfile', args: [fdOf(role), fdOf(role), pick([-2, -2, -2, 0, 1, 3, 100, -1]), pick([0, 1, 3, 5, 20, 4096])] };
    else if (w >= 141) c = spliceCall(role);
    else if (w >= 139) c = { role, op: 'pread', args: [fdOf(role), pick([0, 1, 3, 10, 100]), pick([0, 0, 1, 3, 10, 30, 100, -1])] };
    else if (w >= 137) c = { role, op: 'pwrite', args: [fdOf(role), pick([0, 1, 5, 20]), rng.below(26), pick([0, 0, 1, 3, 10, 30, 100, -1])] };
    else if (w >= 134) c = { role, op: 'umount2', args: [pick(PATHS), pick([0, 0, 1, 2, 4, 4, 6, 8, 16])] };
    else if (w >= 118) c = unixCall(role, w - 118);
    else if (w >= 112 && epfdOf(model, role) !== undefined) {
      burst(role, epfdOf(model, role)!);
      continue;
    } else if (w < 16) c = { role, op: 'open', args: [pick(PATHS), openFlags()] };
    else if (w < 22) c = { role, op: 'close', args: [fdOf(role)] };
    else if (w < 26) c = { role, op: 'dup', args: [fdOf(role)] };
    else if (w < 30) c = { role, op: 'dup2', args: [fdOf(role), fdOf(role)] };
    else if (w < 33) c = { role, op: 'dup3', args: [fdOf(role), fdOf(role), pick([0, O.CLOEXEC, O.CLOEXEC, O.NONBLOCK, 1])] };
    else if (w < 41) {
      const cmd = pick([0, 1030, 1, 2, 3, 3, 4, 4, 4, 999, 1027, 1031, 1031, 1032]);
      const arg =
        cmd === 4 ? openFlags() | (chance(0.5) ? O.APPEND : O.NONBLOCK)
        : cmd === 2 ? pick([0, 1, 3])
        : cmd === 0 || cmd === 1030 ? pick([0, 3, 10, 63, 1023, 1024, -1])
        : cmd === 1027 ? fdOf(role)
        : cmd === 1031 ? pick([0, 1, 4096, 4097, 8192, 12288, 65536, 1 << 20, (1 << 20) + 1, -1, 2 ** 31])
        : 0;
      c = { role, op: 'fcntl', args: [fdOf(role), cmd, arg] };
    } else if (w < 45) c = { role, op: 'lock', args: [fdOf(role), pick([6, 6, 5]), pick([0, 1, 2]), rng.below(8), rng.below(6)] };
    else if (w < 49) {
      const a = pick([0, 1, 2, 3, rng.below(10), 4294967295]);
      c = { role, op: 'close_range', args: [a, pick([a, a + 2, 10, 63, 4294967295, -1, 2147483647, 1]), pick([0, 0, 2, 4, 6, 1, 8])] };
    } else if (w < 55) c = { role, op: 'pipe2', args: [pick([0, O.NONBLOCK, O.CLOEXEC, 0o40000, 0o40000 | O.NONBLOCK, O.NONBLOCK | O.CLOEXEC, O.RDWR, 0o40000000])] };
    else if (w < 65) {
      const fd = fdOf(role);
      c = { role, op: 'read', args: [fd, kindOf(role, fd) === 'fifo' ? pick([0, 1, 10, 100, 4096, 70000]) : pick([0, 1, 3, 10, 100])] };
    } else if (w < 75) {
      const fd = fdOf(role);
      const big = kindOf(role, fd) === 'fifo';
      c = { role, op: 'write', args: [fd, big ? pick([0, 1, 5, 100, 4095, 4096, 4097, 65536, 70000]) : pick([0, 1, 5, 20]), rng.below(26)] };
    } else if (w < 81) c = { role, op: 'lseek', args: [fdOf(role), pick([0, 0, 1, 3, 10, 30, 100, -1, -30]), pick([0, 1, 2, 3, 4, 5])] };
    else if (w < 84) c = { role, op: 'getdents', args: [fdOf(role)] };
    else if (w < 86) c = { role, op: 'prlimit', args: [pick([0, 2, 3, 5, 8, 16, 64, 1024, 4096, 4097])] };
    else if (w < 89 && nextRole < MAXP) c = { role, op: 'fork', args: [nextRole] };
    else if (w < 91 && role !== 0) c = { role, op: 'exit', args: [] };
    else if (w < 93) {
      const kids = [...model.roles.entries()].filter(([, p]) => p.parent === model.roles.get(role)).map(([r]) => r);
      if (kids.length === 0 && chance(0.7)) continue;
      c = { role, op: 'wait', args: [kids.length > 0 && chance(0.8) ? `%${pick(kids)}` : -1, chance(0.7) ? 1 : 0] };
    } else if (w < 95) c = { role, op: 'exec', args: [] };
    else if (w < 98) c = { role, op: 'pidfd_open', args: [`%${pick([...model.roles.keys()])}`, pick([0, 0, O.NONBLOCK, 1])] };
    else if (w < 100) c = { role, op: 'pidfd_getfd', args: [fdOf(role), rng.below(6), pick([0, 0, 0, 1])] };
    else if (w < 102 || (epfdOf(model, role) === undefined && chance(0.8))) c = { role, op: 'epoll_create1', args: [pick([0, 0, 0, 0, O.CLOEXEC, O.CLOEXEC, O.CLOEXEC, 1, O.NONBLOCK])] };
    else if (w < 109) {
      const epfd = chance(0.95) ? epfdOf(model, role) ?? fdOf(role) : fdOf(role);
      const op = pick([1, 1, 1, 1, 1, 2, 2, 3, 3, 0, 4]);
      const ready = pollable(model, role).filter((fd) => fd !== epfd || chance(0.05));
      if (ready.length === 0 && chance(0.7)) c = { role, op: 'pipe2', args: [pick([0, O.NONBLOCK])] }; // something to watch
      else c = { role, op: 'epoll_ctl', args: [epfd, op, ready.length > 0 && chance(0.8) ? pick(ready) : fdOf(role), epollEvents()] };
    } else c = { role, op: 'epoll_wait', args: [chance(0.95) ? epfdOf(model, role) ?? fdOf(role) : fdOf(role), pick([1, 2, 8, 8, 8, 0, -1])] };
    // Regular files stay below one block: no holes for SEEK_DATA/SEEK_HOLE to find.
    if (c.op === 'lseek' && kindOf(role, Number(c.args[0])) === 'reg' && Number(c.args[1]) > 200) continue;
    // An eventfd's counter is 8 binary bytes on Linux and a decimal string in the model:
    // its reads and writes are efd_read / efd_write (docs/conformance.md); pread and pwrite are ESPIPE.
    if ((c.op === 'read' || c.op === 'write') && isEventfd(model, role, Number(c.args[0]))) continue;
    // Directory offsets are the filesystem's (hash cookies on ext4): only a rewind is portable.
    if (c.op === 'lseek' && kindOf(role, Number(c.args[0])) === 'dir') c = { role, op: 'lseek', args: [c.args[0]!, 0, 0] };
    // pidfs inodes are regular files on their own filesystem (EXDEV on Linux); the model's
    // pidfds are anonymous files (EINVAL): docs/conformance.md.
    if (c.op === 'copy_file_range' && (isPidfd(model, role, Number(c.args[0])) || isPidfd(model, role, Number(c.args[2])))) continue;
    const before = sizeGuard(model, c);
    if (!before) continue;
    const obs = model.call(c);
    if (obs[0]!.err === 'BLOCK' || obs[0]!.err === 'LIMIT') continue; // changes nothing on the model; dropped
    calls.push(c);
    if (c.op === 'fork' && obs[0]!.err === null) alive.push(nextRole++);
    if (c.op === 'exit') alive.splice(alive.indexOf(role), 1);
  }
  return calls;
}

/** The addresses datagram sockets are bound to in the model now (abstract and path), as program arguments. */
function boundNames(model: ModelRun): string[] {
  const reg = model.kernel.unixIfAny;
  if (reg === null || reg === undefined) return [];
  return reg.socks.filter((s) => s.type === 2 && s.addr !== null && !s.dead).map((s) => addrArg(s.addr!));
}

/** The listening socket a connect to `addr` would reach in the model, if any. */
function listenerAt(model: ModelRun, addr: string): UnixSock | null {
  const reg = model.kernel.unix;
  if (addr.startsWith('@')) {
    for (const type of [1, 5]) {
      const s = reg.names.get(abstractKey(type, `\0${addr.slice(1)}`));
      if (s !== undefined && s.state === 'listening') return s;
    }
    return null;
  }
  try {
    const inode = model.kernel.vfs.lookup(addr).inode;
    const s = reg.byInode.get(inode);
    return s !== undefined && s.state === 'listening' ? s : null;
  } catch {
    return null;
  }
}

function isEventfd(model: ModelRun, role: number, fd: number): boolean {
  const f = model.roles.get(role)!.main.files?.lookupRaw(fd);
  return f !== null && f !== undefined && f.ops.name === 'eventfd';
}

function isPidfd(model: ModelRun, role: number, fd: number): boolean {
  const f = model.roles.get(role)!.main.files?.lookupRaw(fd);
  return f !== null && f !== undefined && f.ops.name === 'pidfd';
}

/** An epoll instance in `role`'s table, if it has one. */
function epfdOf(model: ModelRun, role: number): number | undefined {
  const files = model.roles.get(role)!.main.files;
  const fds = files ? files.installedFds().filter((fd) => files.lookupRaw(fd)!.privateData instanceof Eventpoll) : [];
  return fds.length > 0 ? fds[fds.length - 1] : undefined;
}

/** Fds of files with ->poll (pipes, epolls, pidfds) in `role`'s table. */
function pollable(model: ModelRun, role: number): number[] {
  const files = model.roles.get(role)!.main.files;
  return files ? files.installedFds().filter((fd) => fileCanPoll(files.lookupRaw(fd)!)) : [];
}

/** Keeps regular files under 4 KiB (the block size: below it no filesystem reports a hole). */
function sizeGuard(model: ModelRun, c: Call): boolean {
  if (c.op === 'copy_file_range') {
    const out = model.roles.get(c.role)!.main.files?.lookupRaw(Number(c.args[2]));
    if (!out || out.inode.kind !== 'reg') return true;
    const at = Number(c.args[3]) === -2 ? out.pos : Number(c.args[3]);
    return Math.max(at, out.inode.data.length) + Number(c.args[4]) < 3000;
  }
  if (c.op === 'splice') {
    const out = model.roles.get(c.role)!.main.files?.lookupRaw(Number(c.args[2]));
    if (!out || out.inode.kind !== 'reg') return true;
    const at = Number(c.args[3]) === -2 ? out.pos : Number(c.args[3]);
    return Math.max(at, out.inode.data.length) + Math.min(Number(c.args[4]) >>> 0, 70000) < 3000 || Number(c.args[4]) < 0;
  }
  if (c.op !== 'write' && c.op !== 'pwrite' && c.op !== 'sendfile') return true;
  const f = model.roles.get(c.role)!.main.files?.lookupRaw(Number(c.args[0]));
  if (!f || f.inode.kind !== 'reg') return true;
  const at = c.op === 'pwrite' ? Number(c.args[3]) : f.pos;
  if (c.op === 'sendfile') return Math.max(at, f.inode.data.length) + Number(c.args[3]) < 3000;
  return Math.max(at, f.inode.data.length) + Number(c.args[1]) < 3000;
}
