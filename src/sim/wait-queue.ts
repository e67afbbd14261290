import type { Engine, Traceable } from './engine.js';
import { KernelError } from './kernel-error.js';
import { access, type Blocker, type KernelPath, type Step } from './step.js';
import type { SimThread } from './thread.js';

/**
 * A wake-up callback of a wait-queue entry: called by {@link WaitQueue.wakeUp} with the
 * wake-up key (a poll mask, or 0); returns true if the entry counts as woken (which, for
 * an exclusive entry, uses up one of the wake-up's exclusive slots). It runs inside the
 * waker's step without recording ({@link Engine.peek}): the state it changes must be
 * protected by the queue, every step of its owner that touches that state declaring a
 * write of the queue.
 *
 * Models `wait_queue_func_t` (include/linux/wait.h): `ep_poll_callback`, `pollwake`,
 * `autoremove_wake_function`.
 *
 * @example
 * ```ts
 * import type { WakeFunction } from 'fdlab';
 * const onlyIn: WakeFunction = (_entry, key) => key === 0 || (key & 1) !== 0;
 * ```
 */
export type WakeFunction = (entry: WaitEntry, key: number) => boolean;

/**
 * One entry of a wait queue: a sleeping thread (woken by `autoremove_wake_function`,
 * which takes it off the queue) or a callback (epoll's `ep_poll_callback`, poll's
 * `pollwake`). A thread entry is also the {@link Blocker} of the thread's sleep step.
 *
 * Models `struct wait_queue_entry` (include/linux/wait.h).
 *
 * @example
 * ```ts
 * import { Engine, WaitEntry, WaitQueue } from 'fdlab';
 * const q = new WaitQueue(new Engine(), 'demo');
 * const e = new WaitEntry(q, null, false, () => true);
 * q.add(e);
 * q.wakeUp(0); // 1
 * ```
 */
export class WaitEntry implements Blocker {
  /** The queue this entry is for. */
  readonly queue: WaitQueue;
  /** The sleeping thread, or null for a callback entry. */
  readonly thread: SimThread | null;
  /** WQ_FLAG_EXCLUSIVE: added at the tail; a wake-up wakes a bounded number of these. */
  readonly exclusive: boolean;
  /** The wake-up callback (null: autoremove_wake_function for {@link thread}). */
  readonly func: WakeFunction | null;
  /** Set by a wake-up of a thread entry; the thread's sleep step is blocked until then. */
  woken = false;
  /** True while the entry is on its queue. */
  queued = false;
  private readonly condition: (() => boolean) | undefined;
  private sleepS: Step | null = null;

  /**
   * @param queue - the wait queue
   * @param thread - the sleeping thread (null for a callback entry)
   * @param exclusive - WQ_FLAG_EXCLUSIVE
   * @param func - the wake-up callback of a callback entry
   */
  /**
   * @param condition - for a thread entry: the condition the thread waits for, if known
   *   (reported by {@link satisfied} when every thread is parked)
   */
  constructor(queue: WaitQueue, thread: SimThread | null, exclusive: boolean, func: WakeFunction | null = null, condition?: () => boolean) {
    this.condition = condition;
    this.queue = queue;
    this.thread = thread;
    this.exclusive = exclusive;
    this.func = func;
  }

  /** For traces and deadlock reports. */
  get name(): string {
    return `wait on ${this.queue.name}`;
  }

  /**
   * True while thread `t` must keep sleeping: not woken, and no fatal signal. Reads only
   * the entry's state, which only steps that write the queue's location change (and a
   * kill, which the explorer treats as racing with the victim's pending step).
   */
  blocks(t: SimThread): boolean {
    return !this.woken && !t.killed;
  }

  /** True if the thread's wait condition already holds (a lost wake-up); false if unknown. */
  satisfied(): boolean {
    return this.condition !== undefined && this.queue.engine.peek(this.condition);
  }

  /** The thread's sleep step: `schedule()` until woken, then `finish_wait()`. */
  sleepStep(): Step {
    // A list, not a single write: a single blocked write is how the explorer recognises a
    // lock acquire, and a sleep is not one.
    return (this.sleepS ??= { fn: `schedule(${this.queue.name})`, acc: [this.queue.writeAccess()], blocker: this });
  }
}

/**
 * A wait queue: threads sleeping until an event, and callbacks to run when it happens.
 * Wake-ups carry a key (a poll mask) and wake every non-exclusive entry but at most
 * `nrExclusive` exclusive ones — the thundering-herd rule of `EPOLLEXCLUSIVE` and of
 * epoll_wait() itself.
 *
 * Models `wait_queue_head_t` and `__wake_up_common()` in kernel/sched/wait.c, and
 * `wait_event_killable()` as steps. The whole queue is one memory location (field 0),
 * as the kernel serialises every add, remove and wake-up on `wq_head->lock`: each step
 * that adds, removes or wakes declares a write of {@link writeAccess}.
 *
 * @example
 * ```ts
 * import { Kernel, WaitQueue } from 'fdlab';
 * const k = new Kernel();
 * const q = new WaitQueue(k.engine, 'flag');
 * let flag = false;
 * const p = k.spawnProcess();
 * p.thread(function* (sys) {
 *   yield* q.waitEventSteps(sys.task.sim, 'wait_flag', [], () => flag);
 * });
 * p.thread(function* () {
 *   yield { fn: 'set_flag', acc: [q.writeAccess()] };
 *   flag = true;
 *   q.wakeUp(0);
 * });
 * k.run();
 * ```
 */
export class WaitQueue implements Traceable {
  /** Engine object id: field 0 is the queue (its lock and list). */
  readonly simId: number;
  /** Display name, e.g. `pipe:[3].rd_wait`. */
  readonly name: string;
  /** The entries: non-exclusive ones first (added at the head), exclusive ones at the tail. */
  readonly entries: WaitEntry[] = [];
  /** The engine the queue belongs to. */
  readonly engine: Engine;

  /** @param engine - the engine @param name - display name */
  constructor(engine: Engine, name: string) {
    this.engine = engine;
    this.name = name;
    this.simId = engine.register(this);
  }

  /** The access a step that adds, removes or wakes declares. */
  writeAccess(): number {
    return access(this.simId, 0, true);
  }

  /** The access of a step that only looks at the queue (waitqueue_active()). */
  readAccess(): number {
    return access(this.simId, 0, false);
  }

  /** waitqueue_active(): true if any entry is queued. */
  get active(): boolean {
    this.engine.read(this.simId, 0);
    return this.entries.length > 0;
  }

  /** add_wait_queue() / add_wait_queue_exclusive(): non-exclusive at the head, exclusive at the tail. */
  add(entry: WaitEntry): void {
    this.engine.write(this.simId, 0);
    if (entry.queued) return;
    entry.queued = true;
    if (entry.exclusive) this.entries.push(entry);
    else this.entries.unshift(entry);
  }

  /** remove_wait_queue(). */
  remove(entry: WaitEntry): void {
    this.engine.write(this.simId, 0);
    if (!entry.queued) return;
    entry.queued = false;
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /**
   * __wake_up(wq, mode, nr_exclusive, key): runs every entry's wake function in order,
   * stopping after `nrExclusive` exclusive entries reported a wake-up. A thread entry is
   * woken and taken off the queue (autoremove_wake_function). Returns how many entries
   * reported a wake-up.
   */
  wakeUp(key = 0, nrExclusive = 1): number {
    // Under wq_head->lock, even when nobody waits: the step must have declared the queue.
    this.engine.write(this.simId, 0);
    let woken = 0;
    let left = nrExclusive;
    for (const e of [...this.entries]) {
      let hit: boolean;
      if (e.func !== null) {
        const f = e.func;
        // Unrecorded: the callback's owner protects what it changes by this queue (every
        // step of the owner that touches that state declares a write of each queue it
        // registered on: Eventpoll.watchQueues, PollWaiters.queueAccesses), and this
        // step declares its write of the queue, so the two conflict here. The waker
        // cannot know its queue's callbacks when it declares its step.
        hit = this.engine.peek(() => f(e, key));
      }
      else {
        e.woken = true;
        this.remove(e);
        hit = true;
      }
      if (hit) woken++;
      if (hit && e.exclusive && --left === 0) break;
    }
    if (woken > 0 && this.engine.tracing) this.engine.effect('wake_up', this.simId, undefined, undefined, undefined, { note: `key ${key}: ${woken} woken` });
    return woken;
  }

  /**
   * wait_event_killable(wq, cond) as a kernel path for thread `t`: one step adds the
   * thread to the queue and tests `cond` (declaring `condAcc`, the locations `cond`
   * reads, and a write of the queue), then the thread sleeps until a wake-up; repeat.
   * A fatal signal (`t.killed`) ends the wait with EINTR.
   *
   * @param t - the sleeping thread
   * @param fn - step label
   * @param condAcc - accesses `cond` reads
   * @param cond - the condition waited for
   * @param exclusive - add the thread as an exclusive waiter
   */
  *waitEventSteps(t: SimThread, fn: string, condAcc: readonly number[], cond: () => boolean, exclusive = false): KernelPath {
    const entry = new WaitEntry(this, t, exclusive, null, cond);
    const prep: Step = { fn: `prepare_to_wait:${fn}`, acc: [this.writeAccess(), ...condAcc] };
    for (;;) {
      yield prep;
      entry.woken = false;
      this.add(entry);
      if (cond()) {
        this.remove(entry);
        return;
      }
      if (t.killed) {
        this.remove(entry);
        throw new KernelError('EINTR', fn, 'fatal signal while waiting');
      }
      try {
        yield entry.sleepStep();
      } finally {
        this.remove(entry);
      }
      if (t.killed) throw new KernelError('EINTR', fn, 'fatal signal while waiting');
    }
  }

  /**
   * One sleep of thread `t` on this queue, after a step that decided to sleep and declared
   * the queue: queued (exclusive by default, as prepare_to_wait_exclusive() does) until a
   * wake-up or a fatal signal, then off the queue again; EINTR names `fn` when `t` was
   * killed. The caller re-checks its condition, as every kernel wait loop does.
   *
   * @param cond - the condition the caller waits for, if it can say: a deadlock report
   *   then tells a lost wake-up (the condition already holds) from a program that waits
   *   forever; without it, every such sleep reads as a wait
   */
  *sleepOnceSteps(t: SimThread, fn: string, exclusive = true, cond?: () => boolean): KernelPath {
    const entry = new WaitEntry(this, t, exclusive, null, cond);
    this.add(entry);
    try {
      yield entry.sleepStep();
    } finally {
      this.remove(entry);
    }
    if (t.killed) throw new KernelError('EINTR', fn, 'fatal signal while waiting');
  }

  /** @internal */
  simName(): string {
    return this.name;
  }
}
