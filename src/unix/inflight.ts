import type { RefFile } from '../file/ref-file.js';
import type { KernelPath } from '../sim/step.js';
import { GC_STATE, GC_USERS, GraphEdge, SK_GC, SK_QUEUE, Skb, unixSockOfFile, type UnixRegistry, type UnixSock, type UnixWorld } from './sock.js';
import { hookUnix } from './world.js';

/** The accesses of an in-flight accounting step for `files` (unix_inflight/unix_notinflight, unix_add_edges/unix_del_edges). @internal */
export function inflightAccesses(reg: UnixRegistry, files: readonly RefFile[]): number[] {
  const acc = [reg.acc(GC_STATE, true), reg.acc(GC_USERS, true)];
  for (const f of files) {
    const u = unixSockOfFile(f);
    if (u !== null) acc.push(u.acc(SK_GC, true));
  }
  return acc;
}

/**
 * The same for taking `skb` out of flight: while it is in flight its edges name its
 * sockets (fpl->edges, as unix_del_edges() walks them), so no file is looked up again.
 * @internal
 */
export function notInflightAccesses(reg: UnixRegistry, skb: Skb): number[] {
  if (!skb.inflight) return inflightAccesses(reg, skb.files);
  const acc = [reg.acc(GC_STATE, true), reg.acc(GC_USERS, true)];
  for (let e = skb.edges; e !== null; e = e.skbNext) acc.push(e.from.acc(SK_GC, true));
  return acc;
}

function record(reg: UnixRegistry, skb: Skb): void {
  const eng = reg.engine;
  eng.write(reg.simId, GC_STATE);
  eng.write(reg.simId, GC_USERS);
  if (skb.inflight) {
    for (let e = skb.edges; e !== null; e = e.skbNext) eng.write(e.from.simId, SK_GC);
    return;
  }
  for (const f of skb.files) {
    const u = unixSockOfFile(f);
    if (u !== null) eng.write(u.simId, SK_GC);
  }
}

/**
 * unix_inflight() for every file of `skb` (≤ v6.9) / unix_add_edges() (v6.10+), with
 * unix_gc_lock held: each AF_UNIX socket among the files gets one more in-flight copy
 * (joining gc_inflight_list on its first; an edge to the receiving socket), the sender's
 * user one more in-flight file per file. Both collectors' bookkeeping is kept, so the
 * collector can be switched per run. @internal
 */
export function unixInflight(reg: UnixRegistry, skb: Skb, receiver: UnixSock): void {
  if (skb.inflight) return;
  record(reg, skb);
  skb.inflight = true;
  let last: GraphEdge | null = null;
  for (const f of skb.files) {
    const u = unixSockOfFile(f);
    if (u === null) continue;
    if (u.inflight++ === 0) reg.addVertex(u);
    const edge = new GraphEdge(u, receiver, skb);
    edge.link();
    if (last === null) skb.edges = edge;
    else last.skbNext = edge;
    last = edge;
    reg.totInflight++;
  }
  reg.userInflight.set(skb.uid, reg.userCount(skb.uid) + skb.files.length);
}

/** unix_notinflight() for every file of `skb` / unix_del_edges(), with unix_gc_lock held. @internal */
export function unixNotInflight(reg: UnixRegistry, skb: Skb): void {
  if (!skb.inflight) return;
  record(reg, skb);
  skb.inflight = false;
  let edge = skb.edges;
  skb.edges = null;
  while (edge !== null) {
    const u = edge.from;
    edge.unlink();
    if (--u.inflight === 0) reg.removeVertex(u);
    reg.totInflight--;
    const next = edge.skbNext;
    edge.skbNext = null;
    edge = next;
  }
  const n = reg.userCount(skb.uid) - skb.files.length;
  if (n === 0) reg.userInflight.delete(skb.uid);
  else reg.userInflight.set(skb.uid, n);
}

/**
 * Puts `files` in flight on `sock` as one message, the way a sender's skb holds them:
 * the caller hands over one reference per file, which the message now owns; the
 * in-flight accounting runs under unix_gc_lock; the message is queued on `sock`'s
 * receive queue. Closing `sock` (or the collector) releases the references. This is the
 * internal interface a plugin uses to hold files the collector must see — io_uring's
 * 2019 `ring_sock` design (`__io_sqe_files_scm()`: `get_file()` + `unix_inflight()` per
 * file, `skb_queue_head(&sk->sk_receive_queue, skb)`).
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_DGRAM } from 'fdlab';
 * import { queueFilesInFlight } from 'fdlab/extend';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [a] = Unix.socketpair(p, SOCK_DGRAM);
 * const sock = Unix.sockOf(p, a);
 * function* register() { yield* queueFilesInFlight(k, sock, [p.fileOf(a).getFile()], 1000); }
 * k.engine.runPlain(p.main.sim, register());
 * sock.queue.length; // 1
 * ```
 */
export function* queueFilesInFlight(w: UnixWorld, sock: UnixSock, files: readonly RefFile[], uid: number): KernelPath<Skb> {
  const reg = hookUnix(w).unix;
  const skb = new Skb(reg.nextSkb++, '', [...files], uid);
  yield reg.gcLock.lockStep();
  reg.gcLock.lock();
  yield { fn: 'unix_inflight', acc: inflightAccesses(reg, skb.files) };
  unixInflight(reg, skb, sock);
  yield reg.gcLock.unlockStep();
  reg.gcLock.unlock();
  yield { fn: 'skb_queue_tail', acc: [sock.acc(SK_QUEUE, true), sock.wq.writeAccess()] };
  enqueue(sock, skb);
  return skb;
}

/**
 * Takes `skb`'s files out of flight (unix_notinflight() per file), under unix_gc_lock,
 * leaving their references with the caller: the counterpart of
 * {@link queueFilesInFlight} for a plugin that dequeues its own message.
 *
 * @example
 * ```ts
 * import { unixNotInflightSteps, type Skb, type UnixRegistry } from 'fdlab/extend';
 * function* drop(reg: UnixRegistry, skb: Skb) { yield* unixNotInflightSteps(reg, skb); }
 * ```
 */
export function* unixNotInflightSteps(reg: UnixRegistry, skb: Skb): KernelPath {
  yield reg.gcLock.lockStep();
  reg.gcLock.lock();
  yield { fn: 'unix_notinflight', acc: notInflightAccesses(reg, skb) };
  unixNotInflight(reg, skb);
  yield reg.gcLock.unlockStep();
  reg.gcLock.unlock();
}

/** skb_queue_tail() (the caller's step declares the queue and its wait queue): wakes readers. @internal */
export function enqueue(sock: UnixSock, skb: Skb): void {
  skb.owner = sock;
  sock.queueMut().push(skb);
  sock.wq.wakeUp(1 | 0x40);
}
