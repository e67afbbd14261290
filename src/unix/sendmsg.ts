import { O_NONBLOCK } from '../file/constants.js';
import { EPOLLOUT, EPOLLWRBAND, EPOLLWRNORM } from '../file/poll.js';
import { fputDeferred } from '../file/fput.js';
import { F_COUNT, F_STATE, type RefFile } from '../file/ref-file.js';
import { fgetSteps } from '../fdtable/fget.js';
import { KernelError } from '../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { WaitQueue } from '../sim/wait-queue.js';
import { flagsWithin } from '../sim/validate.js';
import type { Task } from '../task/task.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, RCV_SHUTDOWN, SCM_MAX_FD, SEND_SHUTDOWN, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, UNIX_INFLIGHT_TRIGGER_GC, UNIX_QUEUE_MAX } from './constants.js';
import { unixGcSteps } from './gc.js';
import { enqueue, inflightAccesses, unixInflight, unixNotInflight } from './inflight.js';
import { dgramDisconnectedSteps } from './purge.js';
import { GC_STATE, GC_USERS, Skb, SK_GC, SK_QUEUE, SK_STATE, type UnixSock, type UnixWorld } from './sock.js';
import { sockfdLookup, sockfdPut, unixWorld } from './world.js';

/** The checks sendmsg(2) makes before touching any state. @internal */
export function checkSendmsgArgs(flags: number): void {
  if (!flagsWithin(flags, MSG_DONTWAIT | MSG_NOSIGNAL)) throw new KernelError('EOPNOTSUPP', 'sendmsg', `flags ${flags} are not modelled`);
}

/** The peer a send would queue on, if it has room (unix_writable() and the peer's queue). */
function writable(s: UnixSock): boolean {
  if (s.shutdown & SEND_SHUTDOWN) return false;
  const p = s.peer;
  if (p === null) return !s.connOriented;
  return !p.dead && p.queue.length < UNIX_QUEUE_MAX;
}

/** too_many_unix_fds(): the user's in-flight count above RLIMIT_NOFILE, without CAP_SYS_RESOURCE or CAP_SYS_ADMIN. */
function tooManyUnixFds(t: Task, w: UnixWorld): boolean {
  w.engine.read(w.unix.simId, GC_USERS);
  if (w.unix.userCount(t.process.creds.uid) <= t.process.rlimitNofile) return false;
  const caps = t.process.creds.caps;
  return !caps.includes('CAP_SYS_RESOURCE') && !caps.includes('CAP_SYS_ADMIN');
}

/**
 * The peer a message from `s` goes to (an embryo for a connection not yet accepted), or
 * an errno. A datagram socket whose peer is dead disconnects (ECONNREFUSED once, then
 * ENOTCONN, as unix_dgram_sendmsg() does); the caller's step declares a write of `s`'s state.
 */
function target(s: UnixSock): UnixSock | 'EPIPE' | 'ENOTCONN' | 'ECONNREFUSED' | 'EPERM' {
  const p = s.peer;
  // unix_stream_sendmsg() finds no peer (ENOTCONN) before it looks at SEND_SHUTDOWN (host).
  if (p === null && s.connOriented && s.state !== 'closed') return 'ENOTCONN';
  if (s.shutdown & SEND_SHUTDOWN) return 'EPIPE';
  if (p === null) return s.connOriented && s.state !== 'closed' ? 'ENOTCONN' : s.connOriented ? 'EPIPE' : 'ENOTCONN';
  if (p.dead) {
    if (s.connOriented) return 'EPIPE';
    s.engine.write(s.simId, SK_STATE);
    s.peer = null;
    s.state = 'unconnected';
    return 'ECONNREFUSED';
  }
  // unix_may_send(): a datagram may go only to a socket connected to nobody or to us.
  if (!s.connOriented && p.peer !== null && p.peer !== s) return 'EPERM';
  // Host: a send to a peer that shut down its receive side is EPIPE, for datagrams too.
  if (p.shutdown & RCV_SHUTDOWN) return 'EPIPE';
  return p;
}

/**
 * Where a sender sleeps for room: a stream sender on its own sk_wq (send space, which the
 * reader's consumption frees: unix_write_space()), a datagram or seqpacket sender on the
 * peer's peer_wait (unix_wait_for_peer()).
 */
/**
 * What ends a sender's sleep in the loop below: room at the peer, or a state that fails at
 * once (target()'s errors; target() itself may disconnect, so it is not asked). The
 * deadlock report asks it to tell a lost wake-up from a send that waits forever.
 */
function sendWouldNotSleep(s: UnixSock): boolean {
  const p = s.peer;
  return (s.shutdown & SEND_SHUTDOWN) !== 0 || p === null || p.dead || (p.shutdown & RCV_SHUTDOWN) !== 0 || writable(s);
}

function roomQueue(s: UnixSock, p: UnixSock): WaitQueue {
  return s.type === SOCK_STREAM ? s.wq : p.peerWait;
}

function roomAccesses(s: UnixSock): number[] {
  const acc = [s.acc(SK_STATE, true)];
  // A datagram send that fails after its skb was allocated wakes its own queue (below).
  if (s.type === SOCK_DGRAM) acc.push(s.wq.writeAccess());
  const p = s.peer;
  if (p !== null) acc.push(p.acc(SK_STATE, false), p.acc(SK_QUEUE, false), roomQueue(s, p).writeAccess());
  return acc;
}

function* dropAll(t: Task, files: readonly RefFile[]): KernelPath {
  for (const f of files) {
    yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
    fputDeferred(t, f);
  }
}

/**
 * sendmsg(fd, data, SCM_RIGHTS fds, flags) on an AF_UNIX socket as a kernel path:
 * sockfd lookup; scm_fp_copy() takes a reference on each passed file with fget_raw(),
 * one step per load and increment as in fget (EBADF drops those taken); if more than
 * UNIX_INFLIGHT_TRIGGER_GC sockets are in flight the collector runs (wait_for_unix_gc);
 * then, while the peer's queue is full, the sender sleeps (EAGAIN with O_NONBLOCK or
 * MSG_DONTWAIT); unix_attach_fds() checks the user's in-flight count against
 * RLIMIT_NOFILE (ETOOMANYREFS) and takes the message's own references (scm_fp_dup());
 * the files go in flight under unix_gc_lock and the message is queued on the peer
 * (an embryo for a connection not accepted yet), waking its readers; the sender's own
 * references are dropped (scm_destroy()). Returns the bytes sent.
 * Models unix_stream_sendmsg() / unix_dgram_sendmsg() with scm_send() (net/core/scm.c).
 * @internal
 */
export function* sendmsgSteps(t: Task, fd: number, data: string, fds: readonly number[], flags: number): KernelPath<number> {
  checkSendmsgArgs(flags);
  const [s, word] = yield* sockfdLookup(t, fd, 'sendmsg');
  try {
    return yield* unixSendSteps(t, s, data, fds, flags, 'sendmsg');
  } finally {
    yield* sockfdPut(t, word);
  }
}

/**
 * The send itself on socket `s` (its file already looked up), for sendmsg(2) and for
 * write(2) (sock_write_iter(): no fds, flags 0). `call` names the errors. @internal
 */
export function* unixSendSteps(t: Task, s: UnixSock, data: string, fds: readonly number[], flags: number, call: string): KernelPath<number> {
  const w = unixWorld(t);
  const reg = w.unix;
  const files = t.filesOrThrow(call);
  const scm: RefFile[] = [];
  try {
    if (s.type === SOCK_SEQPACKET) {
      // unix_seqpacket_sendmsg(): sock_error() first.
      yield { fn: 'sock_error', acc: s.acc(SK_STATE, true) };
      w.engine.write(s.simId, SK_STATE);
      const err = s.skErr;
      s.skErr = null;
      if (err !== null) throw new KernelError(err, call, `${s.name}: the peer closed with unread data`);
      // Then sk_state != TCP_ESTABLISHED is ENOTCONN, before scm_send() looks at the fds (host).
      if (s.state === 'unconnected' || s.state === 'listening') throw new KernelError('ENOTCONN', call, `${s.name} is not connected`);
    }
    // scm_fp_copy(): more than SCM_MAX_FD fds in the cmsg is EINVAL before any fget (after the socket lookup).
    if (fds.length > SCM_MAX_FD) throw new KernelError('EINVAL', call, `${fds.length} fds in one SCM_RIGHTS message (at most ${SCM_MAX_FD})`);
    for (const n of fds) {
      const f = Number.isInteger(n) && n >= 0 ? yield* fgetSteps(t, files, n, 0) : null;
      if (f === null) throw new KernelError('EBADF', call, `SCM_RIGHTS fd ${n} is not open`);
      scm.push(f);
      // scm_fp_copy() refuses some files outright (io_uring's from v6.7): the ones taken so far are dropped.
      for (const check of w.scmRightsChecks.list) {
        const errno = check(f);
        if (errno !== null) throw new KernelError(errno, call, `${f.name} cannot be passed with SCM_RIGHTS`);
      }
    }
    if (scm.length > 0) {
      yield { fn: 'wait_for_unix_gc', acc: reg.acc(GC_STATE, false) };
      w.engine.read(reg.simId, GC_STATE);
      if (reg.totInflight > UNIX_INFLIGHT_TRIGGER_GC && !reg.gcInProgress) yield* unixGcSteps(w);
    }
    const nonblock = (flags & MSG_DONTWAIT) !== 0;
    for (;;) {
      const f = s.file;
      yield dynamicStep(w.engine, 'unix_wait_for_peer', () => (f === null ? roomAccesses(s) : [...roomAccesses(s), access(f.simId, F_STATE, false)]));
      w.engine.read(s.simId, SK_STATE);
      const ownShutdown = (s.shutdown & SEND_SHUTDOWN) !== 0;
      const p = target(s);
      if (typeof p === 'string') {
        // unix_dgram_sendmsg() allocates the skb before it looks for the peer: freeing it
        // on these failures is sock_wfree() → unix_write_space(), a wake-up of the sender's
        // own queue while it is writable (an edge for EPOLLET; host, 6.18).
        if (s.type === SOCK_DGRAM && !ownShutdown && (s.peer === null || s.peer.queue.length < UNIX_QUEUE_MAX)) s.wq.wakeUp(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
        if (p === 'ECONNREFUSED') yield* dgramDisconnectedSteps(reg, s);
        throw new KernelError(p, call, `${s.name} cannot send (${p})`);
      }
      // unix_stream_sendmsg() queues bytes in a `while (sent < len)` loop: nothing to send
      // returns 0 after the connection checks, without waiting for room, and the passed
      // files are dropped with the scm (checked on the host).
      if (s.type === SOCK_STREAM && data.length === 0) return 0;
      w.engine.read(p.simId, SK_STATE);
      w.engine.read(p.simId, SK_QUEUE);
      if (writable(s)) break;
      if (f !== null) w.engine.read(f.simId, F_STATE);
      if (nonblock || (f !== null && f.flags & O_NONBLOCK)) throw new KernelError('EAGAIN', call, `${p.name}'s queue is full`);
      yield* roomQueue(s, p).sleepOnceSteps(t.sim, call, true, () => sendWouldNotSleep(s));
    }
    let skb: Skb | null = null;
    if (scm.length > 0) {
      yield { fn: 'unix_attach_fds', acc: [reg.acc(GC_USERS, false), ...scm.map((f) => access(f.simId, F_COUNT, true))] };
      if (tooManyUnixFds(t, w)) throw new KernelError('ETOOMANYREFS', call, `uid ${t.process.creds.uid} has ${reg.userCount(t.process.creds.uid)} files in flight (RLIMIT_NOFILE ${t.process.rlimitNofile})`);
      skb = new Skb(reg.nextSkb++, data, scm.map((f) => f.getFile()), t.process.creds.uid);
    } else {
      skb = new Skb(reg.nextSkb++, data, [], t.process.creds.uid);
    }
    if (skb.files.length > 0) {
      yield reg.gcLock.lockStep();
      reg.gcLock.lock();
      yield dynamicStep(w.engine, 'unix_inflight', () => {
        const p = s.peer;
        return p === null ? [...inflightAccesses(reg, skb.files), s.acc(SK_STATE, false)] : [...inflightAccesses(reg, skb.files), s.acc(SK_STATE, false), p.acc(SK_GC, false)];
      });
      unixInflight(reg, skb, s.peer ?? s);
      yield reg.gcLock.unlockStep();
      reg.gcLock.unlock();
    }
    yield dynamicStep(w.engine, 'skb_queue_tail', () => {
      const p = s.peer;
      return p === null ? [s.acc(SK_STATE, true)] : [s.acc(SK_STATE, true), p.acc(SK_STATE, false), p.acc(SK_QUEUE, true), p.wq.writeAccess()];
    });
    w.engine.read(s.simId, SK_STATE);
    const p = target(s);
    if (typeof p === 'string') {
      // The peer died after the wait: the message is freed again.
      const back = skb;
      if (back.files.length > 0) {
        yield reg.gcLock.lockStep();
        reg.gcLock.lock();
        yield { fn: 'unix_notinflight', acc: inflightAccesses(reg, back.files) };
        unixNotInflight(reg, back);
        yield reg.gcLock.unlockStep();
        reg.gcLock.unlock();
      }
      const held = back.files;
      back.files = [];
      yield* dropAll(t, held);
      if (p === 'ECONNREFUSED') yield* dgramDisconnectedSteps(reg, s);
      throw new KernelError(p, call, `${s.name}'s peer went away`);
    }
    w.engine.read(p.simId, SK_STATE);
    enqueue(p, skb);
    return data.length;
  } finally {
    yield* dropAll(t, scm);
  }
}
