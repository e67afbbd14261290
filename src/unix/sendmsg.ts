import { O_NONBLOCK } from '../file/constants.js';
import { fputDeferred } from '../file/fput.js';
import { F_COUNT, F_STATE, type RefFile } from '../file/ref-file.js';
import { fgetSteps } from '../fdtable/fget.js';
import { KernelError } from '../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import { flagsWithin } from '../sim/validate.js';
import type { Task } from '../task/task.js';
import { checkSunPath } from './connect.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, SCM_MAX_FD, SEND_SHUTDOWN, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, UNIX_INFLIGHT_TRIGGER_GC } from './constants.js';
import { unixGcSteps } from './gc.js';
import { enqueue, inflightAccesses, unixInflight, unixNotInflight } from './inflight.js';
import { dgramDisconnectedSteps } from './purge.js';
import { findTargetSteps, hasRoom, recvqLimited, roomAccesses, roomQueue, sendTarget, sendWouldNotSleep, wakeOwnWriters } from './send-target.js';
import { GC_STATE, GC_USERS, Skb, SK_GC, SK_QUEUE, SK_STATE, type UnixSock, type UnixWorld } from './sock.js';
import { sockfdLookup, sockfdPut, unixWorld } from './world.js';

/** The checks sendmsg(2) makes before touching any state. @internal */
export function checkSendmsgArgs(flags: number): void {
  if (!flagsWithin(flags, MSG_DONTWAIT | MSG_NOSIGNAL)) throw new KernelError('EOPNOTSUPP', 'sendmsg', `flags ${flags} are not modelled`);
}

/** too_many_unix_fds(): the user's in-flight count above RLIMIT_NOFILE, without CAP_SYS_RESOURCE or CAP_SYS_ADMIN. */
function tooManyUnixFds(t: Task, w: UnixWorld): boolean {
  w.engine.read(w.unix.simId, GC_USERS);
  if (w.unix.userCount(t.process.creds.uid) <= t.process.rlimitNofile) return false;
  const caps = t.process.creds.caps;
  return !caps.includes('CAP_SYS_RESOURCE') && !caps.includes('CAP_SYS_ADMIN');
}

function* dropAll(t: Task, files: readonly RefFile[]): KernelPath {
  for (const f of files) {
    yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
    fputDeferred(t, f);
  }
}

/**
 * sendmsg(fd, data, SCM_RIGHTS fds, flags) on an AF_UNIX socket as a kernel path, with
 * `addr` as msg_name (sendto(2)) or null: sockfd lookup; scm_fp_copy() takes a reference
 * on each passed file with fget_raw(), one step per load and increment as in fget (EBADF
 * drops those taken); if more than UNIX_INFLIGHT_TRIGGER_GC sockets are in flight the
 * collector runs (wait_for_unix_gc); a datagram's address is checked (EINVAL) and looked
 * up (findTargetSteps()), a stream's is EISCONN or EOPNOTSUPP, a seqpacket's ignored; then,
 * while the target's queue is full, the sender sleeps (EAGAIN with O_NONBLOCK or
 * MSG_DONTWAIT); unix_attach_fds() checks the user's in-flight count against
 * RLIMIT_NOFILE (ETOOMANYREFS) and takes the message's own references (scm_fp_dup());
 * the files go in flight under unix_gc_lock on the target and the message is queued
 * there (the peer, an embryo for a connection not accepted yet, or the addressed socket),
 * waking its readers; the sender's own references are dropped (scm_destroy()). Returns
 * the bytes sent. Models __sys_sendmsg() / __sys_sendto() into unix_stream_sendmsg(),
 * unix_dgram_sendmsg() and unix_seqpacket_sendmsg(), with scm_send() (net/core/scm.c).
 * @internal
 */
export function* sendmsgSteps(t: Task, fd: number, data: string, fds: readonly number[], flags: number, addr: string | null = null): KernelPath<number> {
  const call = addr === null ? 'sendmsg' : 'sendto';
  checkSendmsgArgs(flags);
  const [s, word] = yield* sockfdLookup(t, fd, call);
  try {
    return yield* unixSendSteps(t, s, data, fds, flags, call, addr);
  } finally {
    yield* sockfdPut(t, word);
  }
}

/**
 * The send itself on socket `s` (its file already looked up), for sendmsg(2) and sendto(2)
 * and for write(2) (sock_write_iter(): no fds, flags 0, no address). `call` names the
 * errors. @internal
 */
export function* unixSendSteps(t: Task, s: UnixSock, data: string, fds: readonly number[], flags: number, call: string, addr: string | null = null): KernelPath<number> {
  const w = unixWorld(t);
  const reg = w.unix;
  const files = t.filesOrThrow(call);
  const scm: RefFile[] = [];
  let skb: Skb | null = null;
  let queued = false;
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
      // It zeroes msg_namelen: an address, even an invalid one, is ignored (host).
      addr = null;
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
    // unix_dgram_sendmsg(): unix_validate_addr() after scm_send(), before the skb exists.
    const lookup = addr !== null && s.type === SOCK_DGRAM ? addr : null;
    if (lookup !== null) checkSunPath(call, lookup);
    const nonblock = (flags & MSG_DONTWAIT) !== 0;
    for (let first = true; ; first = false) {
      const dest = lookup === null ? null : yield* findTargetSteps(t, s, lookup, first, call);
      const p = yield* waitForRoomSteps(t, s, dest, addr !== null, data.length === 0, nonblock, call);
      if (p === 'relookup') continue;
      if (p === 'empty') return 0;
      if (skb === null) {
        if (scm.length > 0) {
          yield { fn: 'unix_attach_fds', acc: [reg.acc(GC_USERS, false), ...scm.map((f) => access(f.simId, F_COUNT, true))] };
          if (tooManyUnixFds(t, w)) throw new KernelError('ETOOMANYREFS', call, `uid ${t.process.creds.uid} has ${reg.userCount(t.process.creds.uid)} files in flight (RLIMIT_NOFILE ${t.process.rlimitNofile})`);
        }
        skb = new Skb(reg.nextSkb++, data, scm.map((f) => f.getFile()), t.process.creds.uid, s);
      }
      const q = yield* queueSteps(t, s, dest, skb, addr !== null, call);
      if (q === 'relookup') continue;
      queued = true;
      return data.length;
    }
  } finally {
    // A message not queued is freed (kfree_skb(): its own references), then the scm's.
    if (skb !== null && !queued) {
      const held = skb.files;
      skb.files = [];
      yield* dropAll(t, held);
    }
    yield* dropAll(t, scm);
  }
}

/**
 * The wait for room at the target (the peer, or `dest`): one step asks sendTarget() and
 * hasRoom(); a full queue sleeps on the target's peer_wait (a stream's on its own sk_wq)
 * or is EAGAIN. Returns the target, `relookup`, or `empty` for a stream send of no bytes.
 */
function* waitForRoomSteps(t: Task, s: UnixSock, dest: UnixSock | null, addressed: boolean, empty: boolean, nonblock: boolean, call: string): KernelPath<UnixSock | 'relookup' | 'empty'> {
  const w = unixWorld(t);
  for (;;) {
    const f = s.file;
    yield dynamicStep(w.engine, 'unix_wait_for_peer', () => (f === null ? roomAccesses(s, dest) : [...roomAccesses(s, dest), access(f.simId, F_STATE, false)]));
    w.engine.read(s.simId, SK_STATE);
    const ownShutdown = (s.shutdown & SEND_SHUTDOWN) !== 0;
    const p = sendTarget(s, dest, addressed);
    if (p === 'relookup') return p;
    if (typeof p === 'string') {
      // unix_dgram_sendmsg() allocates the skb before it looks for the target (after
      // checking SEND_SHUTDOWN): freeing it on these failures wakes the sender's writers.
      if (s.type === SOCK_DGRAM && (dest !== null || !ownShutdown)) wakeOwnWriters(s);
      if (p === 'ECONNREFUSED') yield* dgramDisconnectedSteps(w.unix, s);
      throw new KernelError(p, call, `${s.name} cannot send (${p})`);
    }
    // unix_stream_sendmsg() queues bytes in a `while (sent < len)` loop: nothing to send
    // returns 0 after the connection checks, without waiting for room, and the passed
    // files are dropped with the scm (checked on the host).
    if (s.type === SOCK_STREAM && empty) return 'empty';
    w.engine.read(p.simId, SK_STATE);
    w.engine.read(p.simId, SK_QUEUE);
    if (hasRoom(s, p)) return p;
    if (f !== null) w.engine.read(f.simId, F_STATE);
    if (nonblock || (f !== null && f.flags & O_NONBLOCK)) {
      // A datagram the receive queue refuses had its skb already: freeing it wakes too.
      if (recvqLimited(s, p)) wakeOwnWriters(s);
      throw new KernelError('EAGAIN', call, `${p.name}'s queue is full`);
    }
    yield* roomQueue(s, p).sleepOnceSteps(t.sim, call, true, () => sendWouldNotSleep(s, dest));
  }
}

/**
 * The message goes in flight on its target under unix_gc_lock (the collector's edge
 * points at the socket whose queue holds it) and is queued there, the target asked again
 * (it may have died since the wait: the message is taken out of flight again and the
 * send fails, or looks the address up again).
 */
function* queueSteps(t: Task, s: UnixSock, dest: UnixSock | null, skb: Skb, addressed: boolean, call: string): KernelPath<'queued' | 'relookup'> {
  const w = unixWorld(t);
  const reg = w.unix;
  if (skb.files.length > 0) {
    yield reg.gcLock.lockStep();
    reg.gcLock.lock();
    yield dynamicStep(w.engine, 'unix_inflight', () => {
      const p = dest ?? s.peer;
      return p === null ? [...inflightAccesses(reg, skb.files), s.acc(SK_STATE, false)] : [...inflightAccesses(reg, skb.files), s.acc(SK_STATE, false), p.acc(SK_GC, false)];
    });
    unixInflight(reg, skb, dest ?? s.peer ?? s);
    yield reg.gcLock.unlockStep();
    reg.gcLock.unlock();
  }
  yield dynamicStep(w.engine, 'skb_queue_tail', () => {
    const p = dest ?? s.peer;
    return p === null ? [s.acc(SK_STATE, true)] : [s.acc(SK_STATE, true), p.acc(SK_STATE, false), p.acc(SK_QUEUE, true), p.wq.writeAccess()];
  });
  w.engine.read(s.simId, SK_STATE);
  const p = sendTarget(s, dest, addressed);
  if (typeof p !== 'string') {
    w.engine.read(p.simId, SK_STATE);
    enqueue(p, skb);
    return 'queued';
  }
  // The target died after the wait: the message leaves flight again.
  if (skb.files.length > 0) {
    yield reg.gcLock.lockStep();
    reg.gcLock.lock();
    yield { fn: 'unix_notinflight', acc: inflightAccesses(reg, skb.files) };
    unixNotInflight(reg, skb);
    yield reg.gcLock.unlockStep();
    reg.gcLock.unlock();
  }
  if (p === 'relookup') return p;
  // The caller frees the message and its files.
  if (p === 'ECONNREFUSED') yield* dgramDisconnectedSteps(reg, s);
  throw new KernelError(p, call, `${s.name}'s target went away`);
}
