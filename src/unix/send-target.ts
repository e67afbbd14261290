import { EPOLLOUT, EPOLLWRBAND, EPOLLWRNORM } from '../file/poll.js';
import { KernelError } from '../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { WaitQueue } from '../sim/wait-queue.js';
import type { Task } from '../task/task.js';
import { RCV_SHUTDOWN, SEND_SHUTDOWN, SOCK_DGRAM, SOCK_STREAM, UNIX_MAX_DGRAM_QLEN, UNIX_QUEUE_MAX } from './constants.js';
import { findOther } from './connect.js';
import { SK_QUEUE, SK_STATE, UNIX_NAMES, type UnixSock } from './sock.js';
import { unixWorld } from './world.js';

/*
 * Where a message goes and whether it fits: the peer, or the socket a datagram's address
 * names (unix_dgram_sendmsg() with msg_name). sendmsg.ts runs the send around these.
 */

/** Why a send cannot queue its message now: an errno, or `relookup` (the addressed socket died after the lookup and is not our peer: unix_dgram_sendmsg() looks the address up again). @internal */
export type SendRefusal = 'EPIPE' | 'ENOTCONN' | 'ECONNREFUSED' | 'EPERM' | 'EISCONN' | 'EOPNOTSUPP' | 'relookup';

/**
 * True when unix_recvq_full_lockless() bounds a datagram from `s` to `o`: `o` is another
 * socket, not connected back to `s` (host: 11 messages fit, net.unix.max_dgram_qlen 10).
 * @internal
 */
export function recvqLimited(s: UnixSock, o: UnixSock): boolean {
  return s.type === SOCK_DGRAM && o !== s && o.peer !== s;
}

/**
 * Room at `o` for a message from `s`: at most {@link UNIX_MAX_DGRAM_QLEN} queued where the
 * receive queue bounds it, else the send buffer (the model's UNIX_QUEUE_MAX messages).
 * Reads `o`'s state and queue. @internal
 */
export function hasRoom(s: UnixSock, o: UnixSock): boolean {
  return recvqLimited(s, o) ? o.queue.length <= UNIX_MAX_DGRAM_QLEN : o.queue.length < UNIX_QUEUE_MAX;
}

/**
 * sock_wfree() → unix_write_space() of a datagram skb freed because its send failed after
 * it was allocated: the sender's own queue is woken while the sender is writable (an
 * EPOLLOUT edge for EPOLLET; host, 6.18). Reads the peer's queue (the model's measure of
 * the send buffer). @internal
 */
export function wakeOwnWriters(s: UnixSock): void {
  const p = s.peer;
  if (p === null || p.queue.length < UNIX_QUEUE_MAX) s.wq.wakeUp(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
}

/** unix_dgram_sendmsg() finding its peer dead: `s` disconnects (the caller purges its queue and answers ECONNREFUSED). */
function disconnect(s: UnixSock): 'ECONNREFUSED' {
  s.engine.write(s.simId, SK_STATE);
  s.peer = null;
  s.state = 'unconnected';
  return 'ECONNREFUSED';
}

/**
 * The socket a message from `s` goes to, or why not. `dest` is the socket a datagram's
 * address named (null: the peer, an embryo for a connection not accepted yet);
 * `addressed` says the call carried an address at all. The caller's step declares a write
 * of `s`'s state (a datagram socket may disconnect) and reads of the target's.
 * Models the checks of unix_stream_sendmsg() and unix_dgram_sendmsg() under the target's
 * state lock. @internal
 */
export function sendTarget(s: UnixSock, dest: UnixSock | null, addressed: boolean): UnixSock | SendRefusal {
  // unix_stream_sendmsg(): any address is EISCONN on a connected socket, else EOPNOTSUPP,
  // before ENOTCONN and EPIPE (host).
  if (addressed && s.type === SOCK_STREAM) return s.state === 'connected' ? 'EISCONN' : 'EOPNOTSUPP';
  if (dest !== null) return addressedTarget(s, dest);
  const p = s.peer;
  // unix_stream_sendmsg() finds no peer (ENOTCONN) before it looks at SEND_SHUTDOWN (host).
  if (p === null && s.connOriented && s.state !== 'closed') return 'ENOTCONN';
  if (s.shutdown & SEND_SHUTDOWN) return 'EPIPE';
  if (p === null) return s.connOriented && s.state !== 'closed' ? 'ENOTCONN' : s.connOriented ? 'EPIPE' : 'ENOTCONN';
  if (p.dead) return s.connOriented ? 'EPIPE' : disconnect(s);
  // unix_may_send(): a datagram may go only to a socket connected to nobody or to us.
  if (!s.connOriented && p.peer !== null && p.peer !== s) return 'EPERM';
  // Host: a send to a peer that shut down its receive side is EPIPE, for datagrams too.
  if (p.shutdown & RCV_SHUTDOWN) return 'EPIPE';
  return p;
}

/** The same for the socket a datagram's address named. Its own SEND_SHUTDOWN was checked before the lookup (sock_alloc_send_pskb()), and is not again. */
function addressedTarget(s: UnixSock, o: UnixSock): UnixSock | SendRefusal {
  // unix_may_send(): to a socket connected to nobody or to us — not to ourselves while
  // connected to another (host: EPERM).
  if (o.peer !== null && o.peer !== s) return 'EPERM';
  // Dead since the lookup: our peer disconnects us, as without an address; another is looked up again.
  if (o.dead) return s.peer === o ? disconnect(s) : 'relookup';
  if (o.shutdown & RCV_SHUTDOWN) return 'EPIPE';
  return o;
}

/**
 * What ends a sender's sleep: room at the target, or a state that fails at once
 * (sendTarget()'s errors; sendTarget() itself may disconnect, so it is not asked). The
 * deadlock report asks it to tell a lost wake-up from a send that waits forever. @internal
 */
export function sendWouldNotSleep(s: UnixSock, dest: UnixSock | null): boolean {
  const p = dest ?? s.peer;
  if (dest === null && (s.shutdown & SEND_SHUTDOWN) !== 0) return true;
  return p === null || p.dead || (p.shutdown & RCV_SHUTDOWN) !== 0 || hasRoom(s, p);
}

/**
 * Where a sender sleeps for room: a stream sender on its own sk_wq (send space, which the
 * reader's consumption frees: unix_write_space()), a datagram or seqpacket sender on the
 * target's peer_wait (unix_wait_for_peer()). @internal
 */
export function roomQueue(s: UnixSock, p: UnixSock): WaitQueue {
  return s.type === SOCK_STREAM ? s.wq : p.peerWait;
}

/** The accesses of a step that asks sendTarget() and hasRoom() for a message to `dest` (or the peer), and may sleep or wake the sender's writers. @internal */
export function roomAccesses(s: UnixSock, dest: UnixSock | null): number[] {
  const acc = [s.acc(SK_STATE, true)];
  // A datagram send that fails after its skb was allocated wakes its own queue.
  if (s.type === SOCK_DGRAM) acc.push(s.wq.writeAccess());
  const peer = s.peer;
  const p = dest ?? peer;
  if (p !== null) acc.push(p.acc(SK_STATE, false), p.acc(SK_QUEUE, false), roomQueue(s, p).writeAccess());
  // wakeOwnWriters() measures the send buffer at the peer.
  if (peer !== null && peer !== p) acc.push(peer.acc(SK_QUEUE, false));
  return acc;
}

/**
 * The lookup of a datagram's address, as one step: on the first pass a socket that shut
 * down its sending side is EPIPE (sock_alloc_send_pskb(), before any lookup); then
 * unix_find_other() for the socket's type — ENOENT or ENOTDIR for a path that does not
 * resolve, ECONNREFUSED if nothing live is bound there, EPROTOTYPE for a path bound by a
 * socket of another type (host). A failed lookup frees the allocated skb, waking the
 * sender's writers. Models the `lookup:` part of unix_dgram_sendmsg(). @internal
 */
export function* findTargetSteps(t: Task, s: UnixSock, addr: string, first: boolean, call: string): KernelPath<UnixSock> {
  const w = unixWorld(t);
  const reg = w.unix;
  const path = addr[0] !== '\0';
  yield dynamicStep(w.engine, 'unix_find_other', () => {
    const acc = [s.acc(SK_STATE, false), s.wq.writeAccess(), reg.acc(UNIX_NAMES, false)];
    if (path) acc.push(access(w.vfs.simId, 0, false));
    const p = s.peer;
    if (p !== null) acc.push(p.acc(SK_QUEUE, false));
    return acc;
  });
  w.engine.read(s.simId, SK_STATE);
  if (first && s.shutdown & SEND_SHUTDOWN) throw new KernelError('EPIPE', call, `${s.name} has shut down sending`);
  w.engine.read(reg.simId, UNIX_NAMES);
  let o: UnixSock | undefined;
  try {
    o = findOther(t, reg, addr, s.type, call);
  } catch (e) {
    wakeOwnWriters(s);
    throw e;
  }
  if (o === undefined) {
    wakeOwnWriters(s);
    throw new KernelError('ECONNREFUSED', call, `nothing bound at ${JSON.stringify(addr)}`);
  }
  if (o.type !== s.type) {
    wakeOwnWriters(s);
    throw new KernelError('EPROTOTYPE', call, 'socket types differ');
  }
  return o;
}
