import { O_CLOEXEC, O_NONBLOCK } from '../file/constants.js';
import { fputDeferred } from '../file/fput.js';
import { F_COUNT, F_STATE, type RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import { flagsWithin } from '../sim/validate.js';
import type { Task } from '../task/task.js';
import { receiveFdSteps } from '../task/syscalls/fd-calls.js';
import { MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, RCV_SHUTDOWN, SOCK_STREAM } from './constants.js';
import { inflightAccesses, unixNotInflight } from './inflight.js';
import { SK_ADDR, SK_QUEUE, SK_STATE, type Skb, type UnixSock } from './sock.js';
import { sockfdLookup, sockfdPut, unixWorld } from './world.js';

/**
 * What recvmsg(2) returns: the bytes, the fds installed from SCM_RIGHTS, msg_flags
 * (MSG_CTRUNC when passed files did not fit or could not be installed, MSG_TRUNC when a
 * datagram was cut) and the sender's address (msg_name).
 *
 * @example
 * ```ts
 * import type { RecvResult } from 'fdlab';
 * const r: RecvResult = { data: 'x', fds: [4], flags: 0, addr: '\0client' };
 * ```
 */
export interface RecvResult {
  /** The bytes received ('' at end of stream). */
  readonly data: string;
  /** The fds the passed files were installed at, in order. */
  readonly fds: readonly number[];
  /** msg_flags. */
  readonly flags: number;
  /**
   * msg_name: the address of the socket that sent the (first) message, as that socket is
   * bound when the message is received (unix_copy_addr() reads it then, so a name bound
   * after the send shows, and a closed sender's stays) — '\0name' for an abstract name, the
   * path as bound, an accepted socket its listener's. Absent when the sender is unbound
   * (msg_namelen 0, socketpairs included: Linux does not autobind a sender) and when no
   * message was read.
   */
  readonly addr?: string;
}

/** The checks recvmsg(2) makes before touching any state. @internal */
export function checkRecvmsgArgs(count: number, maxFds: number, flags: number): void {
  if (!flagsWithin(flags, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) throw new KernelError('EOPNOTSUPP', 'recvmsg', `flags ${flags} are not modelled`);
  // size_t: any non-negative integer is a valid length (the kernel clamps).
  if (!Number.isInteger(count) || count < 0) throw new KernelError('EINVAL', 'recvmsg', `bad count ${count}`);
  if (!Number.isInteger(maxFds) || maxFds < 0) throw new KernelError('EINVAL', 'recvmsg', `bad fd room ${maxFds}`);
}

/**
 * The message whose files a peek duplicates. For a stream, unix_stream_read_generic()
 * with MSG_PEEK goes on to the following messages even when the buffer is full (`goto
 * again` before the `while (size)` test) and peeks the files of the first one that has
 * any ("It is questionable", says the kernel; the host shows it); a datagram or seqpacket
 * peek takes the head's.
 */
function peekedSkb(s: UnixSock): Skb | undefined {
  const head = s.queue[0];
  if (s.type !== SOCK_STREAM || head === undefined) return head;
  return s.queue.find((x) => x.files.length > 0) ?? head;
}

function headAccesses(s: UnixSock, peek: boolean, wantAddr: boolean): number[] {
  // The dequeue wakes datagram senders waiting for room (s.peer_wait) and the peer's
  // sk_wq (its send space, unix_write_space(), and its pollers' EPOLLOUT); the same step
  // queues the receiver on s.wq when there is nothing to take.
  const acc = [s.acc(SK_QUEUE, true), s.acc(SK_STATE, true), s.wq.writeAccess(), s.peerWait.writeAccess()];
  if (s.peer !== null) acc.push(s.peer.wq.writeAccess());
  const f = s.file;
  if (f !== null) acc.push(access(f.simId, F_STATE, false));
  const skb = peek ? peekedSkb(s) : undefined;
  if (skb !== undefined) for (const x of skb.files) acc.push(access(x.simId, F_COUNT, true));
  // unix_copy_addr() reads the sender's address (which bind(2) writes).
  const from = wantAddr ? s.queue[0]?.sender : undefined;
  if (from !== undefined && from !== null) acc.push(from.acc(SK_ADDR, false));
  return acc;
}

/**
 * recvmsg(fd, count, room for fds, flags) on an AF_UNIX socket as a kernel path: wait
 * for a message (sleeping on the socket's queue; EAGAIN with O_NONBLOCK or
 * MSG_DONTWAIT; end of stream after shutdown), then either
 *
 * - dequeue it and take its files out of flight under unix_gc_lock (unix_detach_fds() →
 *   unix_notinflight()), the receive now owning the message's references, or
 * - with MSG_PEEK, leave it queued and duplicate its file references (unix_peek_fds() →
 *   scm_fp_dup()), followed — under `unixPeekGcLock: 'lock-unlock'` — by the
 *   `spin_lock(&unix_gc_lock); spin_unlock(&unix_gc_lock);` handshake with a running
 *   collector (cbcf01128d0a);
 *
 * then install each file with receive_fd() (MSG_CMSG_CLOEXEC: close-on-exec) while
 * `maxFds` has room, stopping at the first that cannot be installed; MSG_CTRUNC if any
 * was left; drop the receive's references (scm_destroy()); copy the data (a peeked
 * message is read in place, so one the collector freed meanwhile is a use-after-free).
 * A stream read glues messages up to `count` bytes and stops after one that carries
 * files (a peek goes on to the first message with files even with a full buffer, as the
 * host does); a datagram or seqpacket read takes one whole message (MSG_TRUNC if longer
 * than `count`). The result carries the first message's sender's address as that socket
 * is bound now (unix_copy_addr(), with a msg_name buffer).
 * Models unix_stream_read_generic() / unix_dgram_recvmsg() with scm_recv() and
 * scm_detach_fds() (net/core/scm.c). @internal
 */
export function* recvmsgSteps(t: Task, fd: number, count: number, maxFds: number, flags: number): KernelPath<RecvResult> {
  checkRecvmsgArgs(count, maxFds, flags);
  const [s, word] = yield* sockfdLookup(t, fd, 'recvmsg');
  try {
    return yield* unixRecvSteps(t, s, count, maxFds, flags, 'recvmsg', true);
  } finally {
    yield* sockfdPut(t, word);
  }
}

/**
 * What ends a receiver's sleep in the loop below: a message (or connection), an error, a
 * state that answers at once (not connected, end of stream, SHUT_RD). The deadlock report
 * asks it to tell a lost wake-up from a receive that waits forever.
 */
function recvWouldNotSleep(s: UnixSock): boolean {
  if (s.queue.length > 0 || s.skErr !== null || (s.shutdown & RCV_SHUTDOWN) !== 0) return true;
  return s.connOriented && (s.state === 'listening' || s.state === 'unconnected' || s.peer === null);
}

/** sock_error(): a pending sk_err (ECONNRESET) is taken and reported, once. */
function throwSkErr(s: UnixSock, call: string): void {
  const err = s.skErr;
  if (err === null) return;
  s.skErr = null;
  throw new KernelError(err, call, `${s.name}: the peer closed with unread data`);
}

/**
 * The receive itself on socket `s` (its file already looked up), for recvmsg(2) and for
 * read(2) (sock_read_iter(): no control buffer, so `maxFds` 0 and the passed files
 * dropped, and no msg_name: `wantAddr` false). `call` names the errors. @internal
 */
export function* unixRecvSteps(t: Task, s: UnixSock, count: number, maxFds: number, flags: number, call: string, wantAddr = false): KernelPath<RecvResult> {
  const w = unixWorld(t);
  const reg = w.unix;
  const e = w.engine;
  const peek = (flags & MSG_PEEK) !== 0;
  let skb: Skb;
  let fdSkb: Skb;
  let scm: RefFile[];
  let data = '';
  let mflags = 0;
  let addr: string | null = null;
  for (;;) {
    yield dynamicStep(e, peek ? 'unix_peek_fds' : 'skb_dequeue', () => headAccesses(s, peek, wantAddr));
    e.write(s.simId, SK_QUEUE);
    e.read(s.simId, SK_STATE);
    // __skb_try_recv_datagram() (datagram, seqpacket) calls sock_error() before it looks
    // at the queue: a pending sk_err wins over queued messages, a peek too (host). A stream
    // reports it only once its queue is empty (below).
    if (s.type !== SOCK_STREAM) throwSkErr(s, call);
    const head = s.queue[0];
    if (head !== undefined) {
      skb = head;
      fdSkb = head;
      // unix_copy_addr(msg, skb->sk): the first message's sender, as it is bound now.
      const from = wantAddr ? head.sender : null;
      if (from !== null) {
        e.read(from.simId, SK_ADDR);
        addr = from.addr;
      }
      if (s.collected) e.report('use-after-free', `recvmsg on ${s.name}, whose queue the collector purged`, s.name);
      if (s.type !== SOCK_STREAM) {
        // A datagram or seqpacket: one message, cut to `count` (MSG_TRUNC).
        data = head.data.slice(0, count);
        if (head.data.length > count) mflags |= MSG_TRUNC;
        if (peek) scm = head.files.map((f) => f.getFile());
        else {
          s.queueMut().shift();
          head.owner = null;
          scm = head.files;
        }
      } else if (peek) {
        // unix_stream_read_generic() with MSG_PEEK: bytes of the following messages up to
        // `count`, and the files of the first message that has any (see peekedSkb()).
        fdSkb = peekedSkb(s)!;
        for (const x of s.queue) {
          data += x.data.slice(0, count - data.length);
          if (x === fdSkb) break;
        }
        scm = fdSkb.files.map((f) => f.getFile());
      } else {
        // A stream read glues messages until `count` bytes are read, stopping after a
        // message with files (whose files it takes) or at one it does not finish.
        scm = [];
        while (s.queue.length > 0 && data.length < count) {
          const x = s.queue[0]!;
          const take = x.data.slice(0, count - data.length);
          data += take;
          x.data = x.data.slice(take.length);
          if (x.files.length > 0) {
            fdSkb = x;
            scm = x.files;
          }
          if (x.data.length > 0) break;
          s.queueMut().shift();
          x.owner = null;
          if (scm.length > 0) break;
        }
      }
      s.peerWait.wakeUp(4 | 0x100);
      if (s.peer !== null) s.peer.wq.wakeUp(4 | 0x100);
      break;
    }
    // sock_error(): a pending sk_err (ECONNRESET) is reported once, before end of stream.
    throwSkErr(s, call);
    // Not connected, or listening: unix_stream_read_generic() answers EINVAL,
    // unix_seqpacket_recvmsg() ENOTCONN (checked on the host, read(2) and recv(2) alike).
    if (s.connOriented && (s.state === 'listening' || s.state === 'unconnected')) throw new KernelError(s.type === SOCK_STREAM ? 'EINVAL' : 'ENOTCONN', call, `${s.name} is not connected`);
    const f = s.file;
    if (f !== null) e.read(f.simId, F_STATE);
    const nonblock = (flags & MSG_DONTWAIT) !== 0 || (f !== null && (f.flags & O_NONBLOCK) !== 0);
    // Host: an empty stream or seqpacket socket that receives no more reads EOF; an empty
    // datagram socket is EAGAIN when non-blocking even after SHUT_RD.
    if (s.connOriented && (s.shutdown & RCV_SHUTDOWN || s.peer === null)) return { data: '', fds: [], flags: 0 };
    if (!s.connOriented && s.shutdown & RCV_SHUTDOWN && !nonblock) return { data: '', fds: [], flags: 0 };
    if (nonblock) throw new KernelError('EAGAIN', call, `${s.name}'s queue is empty`);
    yield* s.wq.sleepOnceSteps(t.sim, call, true, () => recvWouldNotSleep(s));
  }
  if (!peek && scm.length > 0) {
    // unix_detach_fds(): the files leave flight; the receive owns their references.
    const taken = fdSkb;
    yield reg.gcLock.lockStep();
    reg.gcLock.lock();
    yield { fn: 'unix_notinflight', acc: inflightAccesses(reg, taken.files) };
    unixNotInflight(reg, taken);
    taken.files = [];
    yield reg.gcLock.unlockStep();
    reg.gcLock.unlock();
  }
  if (peek && scm.length > 0 && w.policy.unixPeekGcLock === 'lock-unlock') {
    yield reg.gcLock.lockStep();
    reg.gcLock.lock();
    yield reg.gcLock.unlockStep();
    reg.gcLock.unlock();
  }
  const fds: number[] = [];
  const oflags = (flags & MSG_CMSG_CLOEXEC) !== 0 ? O_CLOEXEC : 0;
  for (const f of scm) {
    if (fds.length >= maxFds) {
      mflags |= MSG_CTRUNC;
      break;
    }
    try {
      fds.push(yield* receiveFdSteps(t, f, oflags));
    } catch (err) {
      if (!KernelError.is(err)) throw err;
      mflags |= MSG_CTRUNC;
      break;
    }
  }
  for (const f of scm) {
    yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
    fputDeferred(t, f);
  }
  // The data was copied out under the queue lock in the first step; a peek goes on reading
  // the message in place (u->iolock only), so one the collector freed meanwhile is a
  // use-after-free.
  yield { fn: 'skb_copy_datagram_msg', acc: [s.acc(SK_QUEUE, false)] };
  e.read(s.simId, SK_QUEUE);
  if (peek && (skb.freed || fdSkb.freed)) e.report('use-after-free', `recvmsg(MSG_PEEK) on ${s.name} reads skb#${(skb.freed ? skb : fdSkb).id} after the collector freed it`, s.name);
  return addr === null ? { data, fds, flags: mflags } : { data, fds, flags: mflags, addr };
}
