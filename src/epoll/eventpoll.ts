import type { RefFile } from '../file/ref-file.js';
import { F_EP } from '../file/ref-file.js';
import type { Engine, Traceable } from '../sim/engine.js';
import type { HookList } from '../sim/hooks.js';
import { Lock } from '../sim/lock.js';
import { ModelError } from '../sim/model-error.js';
import { access, dynamicStep, type Blocker, type Step } from '../sim/step.js';
import { WaitQueue, type WaitEntry } from '../sim/wait-queue.js';
import type { TaskWorld } from '../task/world.js';
import { EVENTPOLL_BRAND } from './file-eventpoll.js';
import type { EpollPolicy } from './policy.js';

/**
 * Field of an Eventpoll: the interest set (rbr); declare a step that reads or changes it
 * with `ep.acc(EP_RBR, write)`.
 *
 * @example
 * ```ts
 * import { Epoll, Kernel } from 'fdlab';
 * import { EP_RBR } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * const ep = Epoll.of(p, Epoll.create1(p, 0));
 * ep.acc(EP_RBR, false) % 2; // 0: a read
 * ```
 */
export const EP_RBR = 0;
/** Field of an Eventpoll: the ready list (rdllist, ovflist). @internal */
export const EP_RDLLIST = 1;

/**
 * One watched (file, fd) of one epoll. Owns no reference to the file: the pointer is
 * borrowed, and the file's final `__fput()` removes the item (eventpoll_release_file).
 *
 * Models `struct epitem` in fs/eventpoll.c.
 *
 * @example
 * ```ts
 * import { Epoll, EPOLLIN, EPOLL_CTL_ADD, Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const ep = Epoll.create1(p, 0);
 * const [r] = p.pipe();
 * Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: 7 });
 * Epoll.of(p, ep).items.size; // 1
 * ```
 */
export class Epitem {
  /** The epoll the item belongs to. */
  readonly ep: Eventpoll;
  /** The watched file (borrowed pointer: ffd.file). */
  readonly file: RefFile;
  /** The fd number at ADD time (ffd.fd). */
  readonly fd: number;
  /** event.events: the user's mask plus EPOLLERR | EPOLLHUP and the private bits. */
  events: number;
  /** event.data. */
  data: number;
  /** Set by eventpoll_release_file() before it takes ep->mtx: its removal is under way. */
  dying = false;
  /** Linked on the ready list (or the scan's transfer list). */
  linked = false;
  /** Chained on the overflow list during a scan. */
  chained = false;
  /** The wait-queue entries ->poll registered (pwqlist). */
  readonly pwq: WaitEntry[] = [];

  /** @internal */
  constructor(ep: Eventpoll, file: RefFile, fd: number, events: number, data: number) {
    this.ep = ep;
    this.file = file;
    this.fd = fd;
    this.events = events;
    this.data = data;
  }
}

/**
 * An epoll instance: the interest set keyed by (file pointer, fd), the ready list, the
 * mutex that serialises ctl, event transfer and teardown, and the two wait queues.
 *
 * Models `struct eventpoll` in fs/eventpoll.c. Its memory locations are field
 * `EP_RBR` (interest set) and `EP_RDLLIST` (ready and overflow lists); `mtx`,
 * `wq` (epoll_wait sleepers, exclusive) and `pollWait` (pollers of the epoll fd itself)
 * are objects of their own.
 *
 * @example
 * ```ts
 * import { Epoll, Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const ep = Epoll.of(p, Epoll.create1(p, 0));
 * ep.rdllist.length; // 0
 * ```
 */
export class Eventpoll implements Traceable {
  /** Engine object id. */
  readonly simId: number;
  /** Display name, e.g. `eventpoll#1`. */
  readonly name: string;
  /** ep->mtx. */
  readonly mtx: Lock;
  /** ep->wq: threads in epoll_wait(). */
  readonly wq: WaitQueue;
  /** ep->poll_wait: pollers of the epoll file (nested epolls, poll(2)). */
  readonly pollWait: WaitQueue;
  /** @internal */
  declare readonly [EVENTPOLL_BRAND]: true;
  private readonly engine: Engine;
  private readonly rbr = new Map<string, Epitem>();
  private ready: Epitem[] = [];
  private overflow: Epitem[] | null = null;
  /** 1 for the epoll file plus 1 per item (ep->refcount, v6.4+). */
  refcount = 1;
  /** The creator's uid (ep->user), charged for the items. */
  readonly uid: number;
  /** The epoll file. */
  file: RefFile | null = null;

  /** @internal */
  constructor(engine: Engine, num: number, uid: number) {
    // Set here, not as a field initializer: a computed class field keeps the class (and
    // the epoll layer) in every bundle, tree-shaken or not.
    this[EVENTPOLL_BRAND] = true;
    this.engine = engine;
    this.name = `eventpoll#${num}`;
    this.simId = engine.register(this);
    this.mtx = new Lock(engine, `${this.name}.mtx`, true);
    this.wq = new WaitQueue(engine, `${this.name}.wq`);
    this.pollWait = new WaitQueue(engine, `${this.name}.poll_wait`);
    this.uid = uid;
  }

  /**
   * The interest set (rbr), by (file, fd): a recorded read of `EP_RBR`. The ready and
   * overflow lists below are recorded writes of `EP_RDLLIST` however they are used (the
   * steps that touch them change them), so checked mode holds epoll's steps to their
   * declarations; ep_poll_callback() runs unrecorded inside the waker's step
   * (WaitQueue.wakeUp, unrecorded), covered by the watched queues ({@link watchQueues}).
   */
  get items(): ReadonlyMap<string, Epitem> {
    this.engine.read(this.simId, EP_RBR);
    return this.rbr;
  }

  /** ep_rbtree_insert(): a recorded write of the interest set. @internal */
  insertItem(epi: Epitem): void {
    this.engine.write(this.simId, EP_RBR);
    this.rbr.set(itemKey(epi.file, epi.fd), epi);
  }

  /** rb_erase(): a recorded write of the interest set. @internal */
  eraseItem(key: string): void {
    this.engine.write(this.simId, EP_RBR);
    this.rbr.delete(key);
  }

  /** The ready list (rdllist), in order. */
  get rdllist(): Epitem[] {
    this.engine.write(this.simId, EP_RDLLIST);
    return this.ready;
  }

  /** Sets `rdllist` (a recorded write). */
  set rdllist(list: Epitem[]) {
    this.engine.write(this.simId, EP_RDLLIST);
    this.ready = list;
  }

  /** Items whose callback fired during a scan (ovflist), or null when no scan runs. */
  get ovflist(): Epitem[] | null {
    this.engine.write(this.simId, EP_RDLLIST);
    return this.overflow;
  }

  /** Sets `ovflist` (a recorded write). */
  set ovflist(list: Epitem[] | null) {
    this.engine.write(this.simId, EP_RDLLIST);
    this.overflow = list;
  }

  /** ep_find(): the item for (file, fd), if any. */
  find(file: RefFile, fd: number): Epitem | undefined {
    return this.items.get(itemKey(file, fd));
  }

  /** An access to one of the instance's fields. */
  acc(field: number, write: boolean): number {
    return access(this.simId, field, write);
  }

  /**
   * Every wait queue a wake-up that reaches this epoll can start from: the queues its
   * items registered on, and through nested epolls theirs. A step whose outcome a
   * callback could change (the ready list, a sleeping epoll_wait()) declares writes of
   * all of them, since callbacks run inside the waker's step.
   */
  watchQueues(out: Set<WaitQueue> = new Set(), seen: Set<Eventpoll> = new Set()): Set<WaitQueue> {
    if (seen.has(this)) return out;
    seen.add(this);
    out.add(this.wq);
    out.add(this.pollWait);
    // A declaration, computed without recording.
    for (const epi of this.rbr.values()) {
      for (const e of epi.pwq) out.add(e.queue);
      const inner = epi.file.privateData;
      if (inner instanceof Eventpoll) inner.watchQueues(out, seen);
    }
    return out;
  }

  /**
   * The accesses of a step that reads or changes the ready list: see {@link watchQueues}.
   * They depend on the interest set, which the step declares reading, so a step that
   * declares them is a `dynamicStep` (an ADD between its yield and its run adds queues).
   */
  readyAccesses(): number[] {
    const out = [this.acc(EP_RDLLIST, true), this.acc(EP_RBR, false)];
    for (const q of this.watchQueues()) out.push(q.writeAccess());
    return out;
  }

  /** A step that reads or changes the ready list, declaring {@link readyAccesses} when it runs. @internal */
  readyStep(fn: string, blocker?: Blocker): Step {
    return dynamicStep(this.engine, fn, () => this.readyAccesses(), blocker);
  }

  /** True if epoll_wait() has something to look at (ep_events_available()). */
  get eventsAvailable(): boolean {
    this.engine.read(this.simId, EP_RDLLIST);
    return this.ready.length > 0 || (this.overflow !== null && this.overflow.length > 0);
  }

  /** The interest set without recording: for declarations, the audit and pictures. @internal */
  itemsUnrecorded(): ReadonlyMap<string, Epitem> {
    return this.rbr;
  }

  /** @internal */
  simName(field: number): string {
    return field === EP_RBR ? `${this.name}.rbr` : field === EP_RDLLIST ? `${this.name}.rdllist` : `${this.name}.${field}`;
  }

  /** @internal */
  simCount(field: number): number | undefined {
    return field === EP_RBR ? this.rbr.size : field === EP_RDLLIST ? this.ready.length : undefined;
  }
}

/** The interest-set key: the file pointer (the same object across slab reuse) and the fd. @internal */
export function itemKey(file: RefFile, fd: number): string {
  return `${file.simId}:${fd}`;
}

/** The access to a file's f_ep list. @internal */
export function fEpAccess(file: RefFile, write: boolean): number {
  return access(file.simId, F_EP, write);
}

/**
 * The per-kernel state of the epoll layer: each file's `f_ep` list (the items watching
 * it), each user's watch count, the global `epnested_mutex`, and the reference owners the
 * audit must know about (a dma-buf's armed poll callback).
 *
 * Models what fs/eventpoll.c keeps outside `struct eventpoll`: `file->f_ep`,
 * `user->epoll_watches` (checked against `max_user_watches`) and `epnested_mutex`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * new Kernel().epoll.watches.size; // 0
 * ```
 */
export class EpollRegistry {
  /** file->f_ep: the items watching each file, most recent first. */
  readonly fEp = new Map<RefFile, Epitem[]>();
  /** user->epoll_watches by uid. */
  readonly watches = new Map<number, number>();
  /** Files held by something other than an fd table (dma-buf poll callbacks), for the audit. */
  readonly held = new Map<RefFile, string[]>();
  /** Set once eventpoll_release_file() is registered in the kernel's __fput hooks. */
  hooked = false;
  /** Instances created so far (for names). */
  count = 0;
  /** Every instance created, for {@link problems}. */
  readonly instances: Eventpoll[] = [];
  private nested: Lock | null = null;
  private readonly engine: Engine;

  /** @param engine - the kernel's engine */
  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** epnested_mutex: serialises the full loop check of EPOLL_CTL_ADD. */
  get nestedMutex(): Lock {
    return (this.nested ??= new Lock(this.engine, 'epnested_mutex', true));
  }

  /** The items watching `file`. */
  itemsOf(file: RefFile): readonly Epitem[] {
    return this.fEp.get(file) ?? [];
  }

  /**
   * The epoll invariants, for `kernel.audit()` at quiescent points: each instance's
   * refcount is its file's reference plus one per item; each item is on its file's f_ep
   * list and its file is alive (an item outliving its file's `__fput()` is a
   * use-after-free ahead); each f_ep entry is in its instance's interest set.
   */
  problems(): string[] {
    const out: string[] = [];
    for (const ep of this.instances) {
      const items = ep.itemsUnrecorded();
      const want = (ep.file !== null ? 1 : 0) + items.size;
      if (ep.refcount !== want) out.push(`${ep.name}: refcount ${ep.refcount} but ${ep.file !== null ? 'its file and ' : ''}${items.size} item(s)`);
      for (const epi of items.values()) {
        if (!epi.file.live) out.push(`${ep.name}: item for fd ${epi.fd} points to freed ${epi.file.name}`);
        if (!this.itemsOf(epi.file).includes(epi)) out.push(`${ep.name}: item for fd ${epi.fd} is not on ${epi.file.name}'s f_ep`);
      }
    }
    for (const [f, list] of this.fEp) {
      for (const epi of list) if (![...epi.ep.itemsUnrecorded().values()].includes(epi)) out.push(`${f.name}.f_ep lists an item ${epi.ep.name} no longer has`);
    }
    return out;
  }

  /** Records that `who` holds a reference to `file` (paired with {@link drop}). */
  hold(file: RefFile, who: string): void {
    const l = this.held.get(file);
    if (l === undefined) this.held.set(file, [who]);
    else l.push(who);
  }

  /** Forgets one holder `who` of `file`. */
  drop(file: RefFile, who: string): void {
    const l = this.held.get(file);
    if (l === undefined) return;
    const i = l.indexOf(who);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.held.delete(file);
  }
}

/**
 * What the epoll layer needs from its world. `Kernel` implements it.
 *
 * @example
 * ```ts
 * import { Kernel, type EpollWorld } from 'fdlab';
 * const w: EpollWorld = new Kernel();
 * ```
 */
export interface EpollWorld extends TaskWorld {
  /** Behaviour switches, including the epoll ones. */
  readonly policy: TaskWorld['policy'] & EpollPolicy;
  /** The epoll layer's per-kernel state. */
  readonly epoll: EpollRegistry;
  /** Reference owners for the audit. */
  readonly owners: HookList<() => Iterable<readonly [RefFile, string]>>;
}

/**
 * The epoll world a file lives in (its kernel), or a ModelError if that world has no
 * epoll layer (a hand-made FileWorld).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, epollWorldOf } from 'fdlab';
 * const k = new Kernel();
 * epollWorldOf(k.vfs.openFile('/data/log', O_RDONLY)) === k; // true
 * ```
 */
export function epollWorldOf(file: RefFile): EpollWorld {
  const w = file.mount.world as Partial<EpollWorld>;
  if (w.epoll === undefined) throw new ModelError('bad-argument', `${file.name} belongs to a world without the epoll layer`);
  return w as EpollWorld;
}
