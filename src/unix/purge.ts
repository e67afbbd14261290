import { fputTeardownSteps } from '../file/fput.js';
import { F_COUNT } from '../file/ref-file.js';
import { access, type KernelPath } from '../sim/step.js';
import { notInflightAccesses, unixNotInflight } from './inflight.js';
import { EPOLLOUT, EPOLLWRNORM } from '../file/poll.js';
import { SK_QUEUE, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/**
 * __skb_queue_purge() of messages taken off their queues: per message, its files leave
 * flight (unix_destruct_scm() → unix_notinflight(), under unix_gc_lock), then the message
 * is freed and each file's reference dropped in one step. Files whose last reference
 * goes are torn down afterwards, one `__fput()` after another (the kernel defers them to
 * task work or delayed_fput(), so a chain of sockets is released iteratively, never
 * recursively). @internal
 */
export function* purgeSteps(reg: UnixRegistry, skbs: readonly Skb[]): KernelPath {
  const lock = reg.gcLock;
  for (const skb of skbs) {
    if (skb.inflight) {
      // unixNotInflightSteps(), inlined: a hitlist may hold 10^5 messages.
      yield lock.lockStep();
      lock.lock();
      yield { fn: 'unix_notinflight', acc: notInflightAccesses(reg, skb) };
      unixNotInflight(reg, skb);
      yield lock.unlockStep();
      lock.unlock();
    }
    const files = skb.files;
    yield { fn: 'kfree_skb', acc: files.length === 1 ? access(files[0]!.simId, F_COUNT, true) : files.map((f) => access(f.simId, F_COUNT, true)) };
    skb.freed = true;
    skb.owner = null;
    for (const f of files) if (f.put()) reg.delayed.push(f);
    // Emptied in place: the message owns its array, and a new one per message is garbage the purge of 10^5 would make.
    files.length = 0;
  }
  yield* drainDelayed(reg);
}

/**
 * unix_dgram_disconnected() (net/unix/af_unix.c): a datagram socket that finds its peer
 * dead on send (ECONNREFUSED) drops what is still in its own receive queue — the
 * messages the dead peer sent it, and the files in flight with them — and wakes its
 * writers. One step takes the queue; the purge follows as steps. Checked on Linux 6.18: a
 * recvmsg after that send finds nothing (EAGAIN). @internal
 */
export function* dgramDisconnectedSteps(reg: UnixRegistry, sk: UnixSock): KernelPath {
  yield { fn: 'unix_dgram_disconnected', acc: [sk.acc(SK_QUEUE, true), sk.peerWait.writeAccess()] };
  if (sk.queue.length === 0) return;
  const skbs = sk.queueMut().splice(0);
  sk.peerWait.wakeUp(EPOLLOUT | EPOLLWRNORM, Infinity);
  yield* purgeHeldSteps(reg, skbs);
  yield* drainDelayed(reg);
}

/**
 * purgeSteps() with the `__fput()`s it queues held back for the caller, which drains them
 * once its own work is done (unix_release_sock() runs the collector first). @internal
 */
export function* purgeHeldSteps(reg: UnixRegistry, skbs: readonly Skb[]): KernelPath {
  const draining = reg.draining;
  reg.draining = true;
  try {
    yield* purgeSteps(reg, skbs);
  } finally {
    reg.draining = draining;
  }
}

/** Runs the queued `__fput()`s unless an outer path is already draining them. @internal */
export function* drainDelayed(reg: UnixRegistry): KernelPath {
  if (reg.draining) return;
  reg.draining = true;
  try {
    // An index, not shift(): a collector run may queue 10^5 files, and releasing each may queue more.
    for (let i = 0; i < reg.delayed.length; i++) yield* fputTeardownSteps(reg.delayed[i]!);
  } finally {
    reg.delayed.length = 0;
    reg.draining = false;
  }
}
