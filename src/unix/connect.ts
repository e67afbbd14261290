import { EPOLLIN, EPOLLRDNORM } from '../file/poll.js';
import { F_STATE } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { Task } from '../task/task.js';
import { allocStep, installStep, putUnusedStep } from '../task/syscalls/steps.js';
import { EMPTY_FD } from '../fdtable/fd-word.js';
import { isFd } from '../fdtable/fdtable.js';
import { fdgetSteps, fdputSteps } from '../fdtable/fget.js';
import { FMODE_PATH, O_NONBLOCK } from '../file/constants.js';
import { RCV_SHUTDOWN, SOCK_CLOEXEC, SOCK_NONBLOCK } from './constants.js';
import { sockAllocFile } from './socket.js';
import { abstractKey, GC_STATE, SK_ADDR, SK_GC, SK_QUEUE, SK_STATE, UNIX_NAMES, unixSockOfFile, type UnixRegistry, type UnixSock } from './sock.js';
import { sockfdLookup, sockfdPut, unixWorld } from './world.js';

/** The checks of a socket address: an abstract name starts with '\0', a path with anything else; empty is EINVAL. @internal */
export function checkSunPath(call: string, addr: string): void {
  if (typeof addr !== 'string' || addr.length === 0) throw new KernelError('EINVAL', call, 'empty address');
  // sizeof(sun_path) is 108, including the terminating NUL of a path name.
  if (addr.length > (addr[0] === '\0' ? 108 : 107)) throw new KernelError('EINVAL', call, 'address longer than sun_path');
}

/**
 * bind(fd, addr) as a kernel path. A path (unix_bind_bsd()) makes a socket inode there
 * first — ENOENT / ENOTDIR for the parents, EADDRINUSE for any file already there — and
 * then, if the socket is already bound, takes it out again: EINVAL; the name stays in the
 * namespace after the socket is closed (a later bind there is EADDRINUSE, a connect
 * ECONNREFUSED). An abstract name ('\0...', unix_bind_abstract()): EINVAL if already
 * bound, EADDRINUSE if a live socket has it. Models unix_bind(). @internal
 */
export function* bindSteps(t: Task, fd: number, addr: string): KernelPath<number> {
  checkSunPath('bind', addr);
  const w = unixWorld(t);
  const reg = w.unix;
  const [s, word] = yield* sockfdLookup(t, fd, 'bind');
  try {
    const vfs = t.world.vfs;
    const path = addr[0] !== '\0';
    yield { fn: path ? 'unix_bind_bsd' : 'unix_bind_abstract', acc: [s.acc(SK_STATE, true), s.acc(SK_ADDR, true), reg.acc(UNIX_NAMES, true), ...(path ? vfs.mksockAccesses() : [])] };
    w.engine.write(s.simId, SK_STATE);
    w.engine.write(s.simId, SK_ADDR);
    w.engine.write(reg.simId, UNIX_NAMES);
    if (path) {
      let inode;
      try {
        inode = vfs.mksock(addr, 'bind');
      } catch (e) {
        if (KernelError.is(e) && e.code === 'EEXIST') throw new KernelError('EADDRINUSE', 'bind', `${JSON.stringify(addr)} exists`);
        throw e;
      }
      if (s.addr !== null) {
        vfs.unlinkSock(inode);
        throw new KernelError('EINVAL', 'bind', `${s.name} is already bound`);
      }
      s.addr = addr;
      s.pathInode = inode;
      reg.byInode.set(inode, s);
      return 0;
    }
    if (s.addr !== null) throw new KernelError('EINVAL', 'bind', `${s.name} is already bound`);
    if (reg.names.has(abstractKey(s.type, addr))) throw new KernelError('EADDRINUSE', 'bind', `${JSON.stringify(addr)} is in use`);
    s.addr = addr;
    reg.names.set(abstractKey(s.type, addr), s);
    return 0;
  } finally {
    yield* sockfdPut(t, word);
  }
}

/** net.core.somaxconn's default: __sys_listen() caps the backlog there. */
const SOMAXCONN = 4096;

/**
 * listen(fd, backlog): EOPNOTSUPP for datagrams, EINVAL unless bound. The backlog is
 * capped at somaxconn as an unsigned value, so a negative one is somaxconn (host); a
 * larger backlog than before wakes the connectors waiting for room. Models
 * __sys_listen() and unix_listen(). @internal
 */
export function* listenSteps(t: Task, fd: number, backlog: number): KernelPath<number> {
  const w = unixWorld(t);
  const [s, word] = yield* sockfdLookup(t, fd, 'listen');
  try {
    yield { fn: 'unix_listen', acc: [s.acc(SK_STATE, true), s.peerWait.writeAccess()] };
    w.engine.write(s.simId, SK_STATE);
    if (!s.connOriented) throw new KernelError('EOPNOTSUPP', 'listen', `${s.name} is a datagram socket`);
    if (s.addr === null) throw new KernelError('EINVAL', 'listen', `${s.name} is not bound`);
    if (s.state === 'connected') throw new KernelError('EINVAL', 'listen', `${s.name} is connected`);
    const max = backlog < 0 || backlog > SOMAXCONN ? SOMAXCONN : backlog;
    if (max > s.backlog) s.peerWait.wakeUp(0, Infinity);
    s.state = 'listening';
    s.backlog = max;
    return 0;
  } finally {
    yield* sockfdPut(t, word);
  }
}

/**
 * The socket bound at `addr` (a path through the namespace: ENOENT, ENOTDIR; an abstract
 * name of `type` only), or undefined: unix_find_other() for connect(2) and for a datagram
 * sent to an address. The caller's step declares reading the names and, for a path, the
 * namespace. @internal
 */
export function findOther(t: Task, reg: UnixRegistry, addr: string, type: number, call = 'connect'): UnixSock | undefined {
  if (addr[0] === '\0') return reg.names.get(abstractKey(type, addr));
  const inode = t.world.vfs.resolve(addr, call);
  return inode.kind === 'sock' ? reg.byInode.get(inode) : undefined;
}

function connectAccesses(t: Task, s: UnixSock, addr: string, reg: UnixRegistry): number[] {
  const acc = [s.acc(SK_STATE, true), reg.acc(UNIX_NAMES, false)];
  let l: UnixSock | undefined;
  if (addr[0] !== '\0') acc.push(access(t.world.vfs.simId, 0, false));
  try {
    l = findOther(t, reg, addr, s.type);
  } catch {
    l = undefined; // the step will answer ENOENT or ENOTDIR
  }
  if (l !== undefined) acc.push(l.acc(SK_STATE, true), l.acc(SK_QUEUE, true), l.acc(SK_ADDR, false), l.wq.writeAccess(), l.peerWait.writeAccess());
  if (s.file !== null) acc.push(access(s.file.simId, F_STATE, false));
  return acc;
}

/**
 * connect(fd, addr) as a kernel path. A stream or seqpacket socket: ECONNREFUSED unless
 * `addr` names a listening socket, EISCONN if connected; while the listener's backlog
 * is full, EAGAIN if non-blocking, else a sleep until there is room; otherwise one step
 * creates the embryo socket (a `struct sock` with no
 * file), links the two as peers and queues the embryo on the listener, waking it —
 * messages sent before accept() wait in the embryo's queue, where the collector sees
 * them as the listener's. A datagram socket just takes `addr` as its peer. Models
 * unix_stream_connect() / unix_dgram_connect(). @internal
 */
export function* connectSteps(t: Task, fd: number, addr: string): KernelPath<number> {
  checkSunPath('connect', addr);
  const [s, word] = yield* sockfdLookup(t, fd, 'connect');
  try {
    for (;;) {
      const l = yield* connectOnceSteps(t, s, addr);
      if (l === null) return 0;
      // unix_wait_for_peer(): sleep (exclusive) until accept() takes an embryo off the
      // queue, listen() raises the backlog or the listener is released — not when it is
      // shut down (host: the connector sleeps on) — then start again with the lookup.
      yield* l.peerWait.sleepOnceSteps(t.sim, 'connect', true, () => l.dead || l.acceptQ.length <= l.backlog);
    }
  } finally {
    yield* sockfdPut(t, word);
  }
}

/**
 * One pass of unix_stream_connect() / unix_dgram_connect() up to its restart: connects
 * and returns null, or returns the listener whose full backlog a blocking connector must
 * wait on (queued on its peer_wait in the same step, under the listener's state lock).
 */
function* connectOnceSteps(t: Task, s: UnixSock, addr: string): KernelPath<UnixSock | null> {
  const w = unixWorld(t);
  const reg = w.unix;
  yield dynamicStep(w.engine, 'unix_stream_connect', () => connectAccesses(t, s, addr, reg));
  w.engine.write(s.simId, SK_STATE);
  w.engine.read(reg.simId, UNIX_NAMES);
  const l = findOther(t, reg, addr, s.type);
  if (l === undefined || l.dead) throw new KernelError('ECONNREFUSED', 'connect', `nothing bound at ${JSON.stringify(addr)}`);
  if (l.type !== s.type) throw new KernelError('EPROTOTYPE', 'connect', 'socket types differ');
  w.engine.write(l.simId, SK_STATE);
  w.engine.write(l.simId, SK_QUEUE);
  if (!s.connOriented) {
    // unix_may_send(): only to a socket connected to nobody or to us (host: EPERM).
    if (l.peer !== null && l.peer !== s) throw new KernelError('EPERM', 'connect', `${l.name} is connected to another socket`);
    s.peer = l;
    return null;
  }
  // unix_stream_connect(): the other side's checks come before our own state's (host).
  if (l.state !== 'listening' || l.shutdown & RCV_SHUTDOWN) throw new KernelError('ECONNREFUSED', 'connect', `${l.name} is not listening`);
  if (l.acceptQ.length > l.backlog) {
    const f = s.file;
    if (f !== null) w.engine.read(f.simId, F_STATE);
    if (f === null || f.flags & O_NONBLOCK) throw new KernelError('EAGAIN', 'connect', `${l.name}'s backlog is full`);
    return l;
  }
  if (s.state === 'connected') throw new KernelError('EISCONN', 'connect', `${s.name} is connected`);
  if (s.state === 'listening') throw new KernelError('EINVAL', 'connect', `${s.name} is listening`);
  const emb = reg.newSock(s.type);
  emb.connectNew(s);
  emb.listener = l;
  // unix_stream_connect() gives the new socket the listener's address: what a receive of
  // its messages reports as their sender (host), and why bind(2) on it is EINVAL.
  w.engine.read(l.simId, SK_ADDR);
  emb.addr = l.addr;
  s.peer = emb;
  s.state = 'connected';
  l.acceptQMut().push(emb);
  l.wq.wakeUp(EPOLLIN | EPOLLRDNORM);
  return null;
}

/**
 * accept4(fd, flags) as a kernel path: EINVAL unless listening; wait for an embryo
 * (EAGAIN non-blocking); reserve an fd; take the first embryo off the accept queue and
 * give it a file; clear its listener link under unix_gc_lock (unix_update_edges(): its
 * in-flight files now count as its own); install. Models unix_accept(). @internal
 */
export function* acceptSteps(t: Task, fd: number, flags: number): KernelPath<number> {
  const w = unixWorld(t);
  const reg = w.unix;
  const files = t.filesOrThrow('accept4');
  // __sys_accept4(): fdget() (EBADF), the flags (EINVAL), get_unused_fd_flags() (EMFILE),
  // then do_accept(): sock_from_file() (ENOTSOCK) and the family's ->accept() — checked
  // on the host in this order (conformance generator).
  if (!isFd(fd)) throw new KernelError('EBADF', 'accept4', `fd ${fd} is no descriptor`);
  const word = yield* fdgetSteps(t, files, fd, FMODE_PATH);
  if (word === EMPTY_FD) throw new KernelError('EBADF', 'accept4', `fd ${fd} is not open`);
  let nfd = -1;
  let installed = false;
  try {
    if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff || (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) throw new KernelError('EINVAL', 'accept4', `bad flags ${flags}`);
    yield allocStep(files);
    nfd = files.allocFd(0, t.process.rlimitNofile, (flags & SOCK_CLOEXEC) !== 0);
    const l = unixSockOfFile(files.fileOfWord(word));
    if (l === null) throw new KernelError('ENOTSOCK', 'accept4', `fd ${fd} is not a socket`);
    // unix_dgram_ops has no ->accept (sock_no_accept()).
    if (!l.connOriented) throw new KernelError('EOPNOTSUPP', 'accept4', `${l.name} is a datagram socket`);
    for (;;) {
      const lf = l.file;
      yield { fn: 'skb_recv_datagram(accept)', acc: [l.acc(SK_STATE, false), l.acc(SK_QUEUE, false), l.wq.writeAccess(), ...(lf === null ? [] : [access(lf.simId, F_STATE, false)])] };
      w.engine.read(l.simId, SK_STATE);
      w.engine.read(l.simId, SK_QUEUE);
      if (l.state !== 'listening') throw new KernelError('EINVAL', 'accept4', `${l.name} is not listening`);
      if (l.acceptQ.length > 0) break;
      if (lf !== null) w.engine.read(lf.simId, F_STATE);
      if (lf !== null && lf.flags & O_NONBLOCK) throw new KernelError('EAGAIN', 'accept4', `no connection waits on ${l.name}`);
      // A connection, or a listener no longer listening, ends the wait (the deadlock report asks).
      yield* l.wq.sleepOnceSteps(t.sim, 'accept4', true, () => l.state !== 'listening' || l.acceptQ.length > 0);
    }
    yield { fn: 'unix_accept: skb_dequeue', acc: [l.acc(SK_QUEUE, true), l.peerWait.writeAccess(), ...w.vfs.anonFileAccesses()] };
    w.engine.write(l.simId, SK_QUEUE);
    const emb = l.acceptQMut().shift();
    if (emb === undefined) throw new KernelError('EAGAIN', 'accept4', `the connection on ${l.name} went away`);
    // wake_up_interruptible(&u->peer_wait): one connector waiting for room.
    l.peerWait.wakeUp(0);
    const f = sockAllocFile(w, emb, flags);
    yield reg.gcLock.lockStep();
    reg.gcLock.lock();
    yield { fn: 'unix_update_edges', acc: [emb.acc(SK_STATE, true), emb.acc(SK_GC, true), reg.acc(GC_STATE, true)] };
    w.engine.write(emb.simId, SK_STATE);
    emb.listener = null;
    yield reg.gcLock.unlockStep();
    reg.gcLock.unlock();
    yield installStep(files, nfd);
    files.fdInstall(nfd, f);
    installed = true;
    return nfd;
  } finally {
    if (nfd >= 0 && !installed) {
      yield putUnusedStep(files);
      files.putUnusedFd(nfd);
    }
    yield* fdputSteps(t, files, word);
  }
}
