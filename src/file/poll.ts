import { access, dynamicStep, type Blocker, type Step } from '../sim/step.js';
import type { SimThread } from '../sim/thread.js';
import { WaitEntry, type WaitQueue } from '../sim/wait-queue.js';
import type { RefFile } from './ref-file.js';
import type { FputContext } from './world.js';

/*
 * Poll masks, as in include/uapi/linux/eventpoll.h (EPOLL*) and asm-generic/poll.h
 * (POLL* have the same values).
 */

/** Readable. @example `import { EPOLLIN } from 'fdlab'; EPOLLIN; // 1` */
export const EPOLLIN = 0x1;
/** Urgent data. @example `import { EPOLLPRI } from 'fdlab'; EPOLLPRI; // 2` */
export const EPOLLPRI = 0x2;
/** Writable. @example `import { EPOLLOUT } from 'fdlab'; EPOLLOUT; // 4` */
export const EPOLLOUT = 0x4;
/** Error (always reported). @example `import { EPOLLERR } from 'fdlab'; EPOLLERR; // 8` */
export const EPOLLERR = 0x8;
/** Hang-up (always reported). @example `import { EPOLLHUP } from 'fdlab'; EPOLLHUP; // 16` */
export const EPOLLHUP = 0x10;
/** poll(2) only: the fd is not open. @example `import { EPOLLNVAL } from 'fdlab'; EPOLLNVAL; // 32` */
export const EPOLLNVAL = 0x20;
/** Normal data readable. @example `import { EPOLLRDNORM } from 'fdlab'; EPOLLRDNORM; // 64` */
export const EPOLLRDNORM = 0x40;
/** Normal data writable. @example `import { EPOLLWRNORM } from 'fdlab'; EPOLLWRNORM; // 256` */
export const EPOLLWRNORM = 0x100;
/** Priority data writable: AF_UNIX sockets report it with EPOLLOUT. @example `import { EPOLLWRBAND } from 'fdlab'; EPOLLWRBAND; // 512` */
export const EPOLLWRBAND = 0x200;
/** Peer closed its writing half. @example `import { EPOLLRDHUP } from 'fdlab'; EPOLLRDHUP; // 0x2000` */
export const EPOLLRDHUP = 0x2000;

/**
 * What vfs_poll() reports for a file without `->poll` (regular files, directories):
 * always readable and writable. Models DEFAULT_POLLMASK in include/linux/poll.h.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLLMASK } from 'fdlab';
 * DEFAULT_POLLMASK; // 0x145: EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM
 * ```
 */
export const DEFAULT_POLLMASK = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM;

/**
 * The poll table a caller of `->poll` passes: the events it wants (`_key`) and the queue
 * procedure `poll_wait()` calls for each wait queue the file registers on. A null
 * `queue` is a re-poll that registers nothing (epoll's ep_send_events, poll's second pass).
 *
 * Models `poll_table` (include/linux/poll.h).
 *
 * @example
 * ```ts
 * import { EPOLLIN, type PollTable } from 'fdlab';
 * const seen: string[] = [];
 * const pt: PollTable = { key: EPOLLIN, queue: (_file, wq) => { seen.push(wq.name); } };
 * ```
 */
export interface PollTable {
  /** The events the caller is interested in. */
  key: number;
  /** Registers the caller on `wq` (ep_ptable_queue_proc, __pollwait), or null. */
  readonly queue: ((file: RefFile, wq: WaitQueue, pt: PollTable) => void) | null;
  /**
   * The calling task's deferred work: a `->poll` that drops a file reference (dma-buf's
   * immediate callback) defers the `__fput()` there, as fput() does in process context.
   */
  readonly ctx?: FputContext;
}

/**
 * poll_wait(file, wq, pt): what a `->poll` implementation calls for each wait queue a
 * change of its readiness will wake.
 *
 * @example
 * ```ts
 * import { pollWait, type FileOperations } from 'fdlab';
 * declare const myQueue: import('fdlab').WaitQueue;
 * const ops: FileOperations = { name: 'mine', poll: (f, pt) => { pollWait(f, myQueue, pt); return 0; } };
 * ```
 */
export function pollWait(file: RefFile, wq: WaitQueue, pt: PollTable | null): void {
  if (pt !== null && pt.queue !== null) pt.queue(file, wq, pt);
}

/**
 * file_can_poll(): true if the file type implements `->poll` (epoll_ctl() refuses the
 * others with EPERM).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, fileCanPoll } from 'fdlab';
 * fileCanPoll(new Kernel().vfs.openFile('/data/log', O_RDONLY)); // false: a regular file
 * ```
 */
export function fileCanPoll(file: RefFile): boolean {
  return file.ops.poll !== undefined;
}

/**
 * vfs_poll(file, pt): the file's `->poll`, or DEFAULT_POLLMASK for types without one.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, vfsPoll } from 'fdlab';
 * vfsPoll(new Kernel().vfs.openFile('/data/log', O_RDONLY), null); // DEFAULT_POLLMASK
 * ```
 */
export function vfsPoll(file: RefFile, pt: PollTable | null): number {
  const poll = file.ops.poll;
  return poll === undefined ? DEFAULT_POLLMASK : poll(file, pt) >>> 0;
}

/**
 * The accesses of a step that calls `->poll` on `file`: what the poll reads (the inode
 * by default, plus the type's `pollAccess`) and writes of the wait queues the type
 * registers on (its `waitQueues`).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, pollAccesses } from 'fdlab';
 * pollAccesses(new Kernel().vfs.openFile('/data/log', O_RDONLY)).length; // 1
 * ```
 */
export function pollAccesses(file: RefFile): number[] {
  return file.mount.world.engine.peek(() => pollAccessesNow(file));
}

/**
 * The step that calls `->poll` on `file`, declaring {@link pollAccesses} (and `extra`)
 * when it runs: what a poll touches can change between the yield and the run (a socket
 * connects, an epoll gains an item), and every such change writes a location the poll
 * reads, so a dynamic declaration stays exact. Models the step of vfs_poll() in
 * fs/select.c, epoll and io_uring's poll.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { vfsPollStep } from 'fdlab/extend';
 * const f = new Kernel().vfs.openFile('/data/log', O_RDONLY);
 * vfsPollStep(f).fn; // 'vfs_poll'
 * f.fput();
 * ```
 */
export function vfsPollStep(file: RefFile, fn = 'vfs_poll', extra: () => readonly number[] = () => []): Step {
  return dynamicStep(file.mount.world.engine, fn, () => [...pollAccessesNow(file), ...extra()]);
}

function pollAccessesNow(file: RefFile): number[] {
  const out = [access(file.inode.simId, 0, false)];
  const extra = file.ops.pollAccess?.(file);
  if (extra !== undefined) out.push(...extra);
  // Registration writes the queues; a re-poll with a null queue proc does not, but a type
  // may still arm something from ->poll (dma-buf's fence callback), so every poll declares them.
  const qs = file.ops.waitQueues?.(file);
  if (qs !== undefined) for (const q of qs) out.push(q.writeAccess());
  return out;
}

/**
 * `struct poll_wqueues`: the wait entries one poller registered through its poll tables,
 * and the `triggered` flag (with the keys of the wake-ups, in `mask`) their wake
 * callbacks set — `__pollwait()` and `pollwake()`, which poll(2), select(2) and io_uring's
 * POLL_ADD share. It is the blocker of the poller's sleep step, which declares a write of
 * every queue it registered on ({@link queueAccesses}): only wake-ups of those queues can
 * set `triggered`. A fatal signal also ends the wait.
 *
 * @example
 * ```ts
 * import { Kernel, O_NONBLOCK } from 'fdlab';
 * import { PollWaiters, vfsPoll } from 'fdlab/extend';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [r] = p.pipe(O_NONBLOCK);
 * const w = new PollWaiters('demo');
 * vfsPoll(p.fileOf(r), w.table(1, p.main)); // 0: empty, and now registered on rd_wait
 * w.queueAccesses().length; // 1
 * w.removeAll();
 * ```
 */
export class PollWaiters implements Blocker {
  /** For traces and deadlock reports. */
  readonly name: string;
  /** Set by a wake-up whose key matches (or carries no key). */
  triggered = false;
  /** The keys of the matching wake-ups, OR'ed. */
  mask = 0;
  /** The callback entries, one per registration. */
  readonly entries: WaitEntry[] = [];
  /** The distinct queues registered on. */
  readonly queues: WaitQueue[] = [];
  /** For a deadlock report: whether what the poller waits for is there now (see {@link Blocker.satisfied}). */
  readonly satisfied?: (t: SimThread) => boolean;

  /**
   * @param name - the blocker's name (the kernel function that sleeps)
   * @param ready - whether the condition the poller waits for holds now, computed without
   *   recording (a deadlock report asks it to tell a program that waits forever from a lost
   *   wake-up); without it such a report says `unknown`
   */
  constructor(name: string, ready?: () => boolean) {
    this.name = name;
    if (ready !== undefined) this.satisfied = ready;
  }

  /** True while the poller must keep sleeping: no matching wake-up and no fatal signal. */
  blocks(t: SimThread): boolean {
    return !this.triggered && !t.killed;
  }

  /** The poll table of one `->poll` call for the events in `key`: __pollwait() as its queue procedure. */
  table(key: number, ctx?: FputContext): PollTable {
    return {
      key,
      ...(ctx === undefined ? {} : { ctx }),
      queue: (_file, wq, pt) => {
        const want = pt.key;
        const e = new WaitEntry(wq, null, false, (_e, k) => {
          if (k !== 0 && (k & want) === 0) return false;
          this.triggered = true;
          this.mask |= k & want;
          return true;
        });
        wq.add(e);
        this.entries.push(e);
        if (!this.queues.includes(wq)) this.queues.push(wq);
      },
    };
  }

  /** Writes of every queue registered on: what the sleep step, and the step that removes the entries, declare. */
  queueAccesses(): number[] {
    return this.queues.map((q) => q.writeAccess());
  }

  /** poll_freewait(): takes every entry off its queue. */
  removeAll(): void {
    for (const e of this.entries.splice(0)) e.queue.remove(e);
  }
}
