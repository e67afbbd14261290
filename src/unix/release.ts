import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../file/poll.js';
import { dynamicStep, type KernelPath } from '../sim/step.js';
import { RCV_SHUTDOWN, SEND_SHUTDOWN } from './constants.js';
import { unixGcSteps } from './gc.js';
import { drainDelayed, purgeHeldSteps } from './purge.js';
import { abstractKey, GC_STATE, SK_QUEUE, SK_STATE, UNIX_NAMES, type Skb, type UnixSock, type UnixWorld } from './sock.js';

function releaseAccesses(sk: UnixSock): number[] {
  const acc = [sk.acc(SK_STATE, true), sk.acc(SK_QUEUE, true), sk.wq.writeAccess(), sk.peerWait.writeAccess()];
  const peer = sk.peer;
  if (peer !== null) acc.push(peer.acc(SK_STATE, true), peer.wq.writeAccess());
  for (const e of sk.acceptQ) {
    acc.push(e.acc(SK_STATE, true), e.acc(SK_QUEUE, true), e.wq.writeAccess());
    if (e.peer !== null) acc.push(e.peer.acc(SK_STATE, true), e.peer.wq.writeAccess());
  }
  return acc;
}

/**
 * unix_release_sock(): in one step (under unix_state_lock) the socket is marked dead, its
 * peer sees both directions shut down (stream and seqpacket) and is woken, its name is
 * unbound, its queue and — for a listener — its embryos are taken; then the messages are
 * purged (their files released, as steps) and, while anything is in flight, the
 * collector runs (≤ v6.8 `if (unix_tot_inflight) unix_gc()`; from v6.9 it is queued
 * work — the model runs it in the releasing thread either way). A socket file's
 * `->release` runs it; a plugin runs it for a socket it attached to its own file.
 *
 * @example
 * ```ts
 * import type { UnixSock } from 'fdlab';
 * import { unixReleaseSockSteps, type UnixWorld } from 'fdlab/extend';
 * function* release(w: UnixWorld, sock: UnixSock) { yield* unixReleaseSockSteps(w, sock); }
 * ```
 */
export function* unixReleaseSock(w: UnixWorld, sk: UnixSock): KernelPath {
  const reg = w.unix;
  yield dynamicStep(w.engine, 'unix_release_sock', () => {
    const acc = releaseAccesses(sk);
    if (sk.addr !== null) acc.push(reg.acc(UNIX_NAMES, true));
    return acc;
  });
  w.engine.write(sk.simId, SK_STATE);
  w.engine.write(sk.simId, SK_QUEUE);
  sk.state = 'closed';
  sk.dead = true;
  sk.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
  if (sk.file !== null) reg.fileSocks.delete(sk.file);
  sk.file = null;
  if (sk.addr !== null) {
    w.engine.write(reg.simId, UNIX_NAMES);
    const key = abstractKey(sk.type, sk.addr);
    if (reg.names.get(key) === sk) reg.names.delete(key);
    // A path's socket inode stays in the namespace; only the binding goes.
    if (sk.pathInode !== null && reg.byInode.get(sk.pathInode) === sk) reg.byInode.delete(sk.pathInode);
  }
  const peer = sk.peer;
  sk.peer = null;
  if (peer !== null) {
    w.engine.write(peer.simId, SK_STATE);
    if (sk.connOriented && peer.peer === sk) {
      peer.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
      // Closing with unread data (or an embryo never accepted) resets the connection.
      // "Unread" as unix_release_sock() looks (CONFIG_AF_UNIX_OOB, recent kernels; the
      // host runs 6.18): the head message, or the next one when the head is empty (a
      // zero-length seqpacket message) — one empty message resets nothing, two do.
      const head = sk.queue[0];
      if ((head !== undefined && (head.data.length > 0 || sk.queue.length > 1)) || sk.listener !== null) peer.skErr = 'ECONNRESET';
      peer.wq.wakeUp(EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP | EPOLLERR, Infinity);
    }
  }
  sk.wq.wakeUp(EPOLLHUP, Infinity);
  // wake_up_interruptible_all(&u->peer_wait): senders waiting for room find it dead.
  sk.peerWait.wakeUp(EPOLLHUP, Infinity);
  const skbs: Skb[] = sk.queueMut().splice(0);
  const embryos = sk.acceptQMut().splice(0);
  for (const emb of embryos) {
    emb.state = 'closed';
    emb.dead = true;
    emb.listener = null;
    const p = emb.peer;
    emb.peer = null;
    if (p !== null) {
      p.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
      p.skErr = 'ECONNRESET';
      p.wq.wakeUp(EPOLLHUP, Infinity);
    }
    skbs.push(...emb.queueMut().splice(0));
  }
  yield* purgeHeldSteps(reg, skbs);
  yield { fn: 'unix_tot_inflight', acc: reg.acc(GC_STATE, false) };
  w.engine.read(reg.simId, GC_STATE);
  if (reg.totInflight > 0) yield* unixGcSteps(w);
  yield* drainDelayed(reg);
}
