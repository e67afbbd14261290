import { EMPTY_FD } from '../fdtable/fd-word.js';
import { fdgetSteps, fdputSteps } from '../fdtable/fget.js';
import { EPOLLERR, EPOLLHUP, fileCanPoll } from '../file/poll.js';
import type { RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import type { KernelPath } from '../sim/step.js';
import { hasSyscalls } from '../task/syscall-table.js';
import type { Task } from '../task/task.js';
import {
  EP_MAX_NESTS, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE_OK_BITS, EPOLLWAKEUP,
} from './constants.js';
import { EP_RBR, Epitem, Eventpoll, fEpAccess, itemKey, type EpollWorld } from './eventpoll.js';
import { epollWorld } from './create.js';
import { fileEventpoll } from './file-eventpoll.js';
import { epItemPollSteps } from './item-poll.js';
import { epRemove, removeAccesses } from './remove.js';

/**
 * The event of epoll_ctl(): the mask (EPOLLIN, ..., EPOLLET, EPOLLONESHOT,
 * EPOLLEXCLUSIVE) and the opaque data reported back.
 *
 * @example
 * ```ts
 * import { EPOLLIN, EPOLLET, type EpollEvent } from 'fdlab';
 * const ev: EpollEvent = { events: EPOLLIN | EPOLLET, data: 42 };
 * ```
 */
export interface EpollEvent {
  /** The event mask. */
  readonly events: number;
  /** The user data (epoll_data_t as a number). */
  readonly data: number;
}

/** ep_loop_check_proc(): the depth of epolls below `ep`; Infinity if `target` is reached. */
function downDepth(ep: Eventpoll, target: Eventpoll, depth: number): number {
  if (depth > EP_MAX_NESTS) return Infinity;
  let result = depth;
  for (const epi of ep.items.values()) {
    const child = fileEventpoll(epi.file);
    if (child === null) continue;
    if (child === target) return Infinity;
    result = Math.max(result, downDepth(child, target, depth + 1));
  }
  return result;
}

/** ep_get_upwards_depth_proc(): how many epolls watch `ep` above it, at most. */
function upDepth(w: EpollWorld, ep: Eventpoll, depth: number): number {
  if (ep.file === null || depth > EP_MAX_NESTS) return depth;
  let result = depth;
  for (const epi of w.epoll.itemsOf(ep.file)) result = Math.max(result, upDepth(w, epi.ep, depth + 1));
  return result;
}

/** Every epoll reachable down from `ep` and up to the roots that watch it (what the loop check reads). */
function loopCheckAccesses(w: EpollWorld, ep: Eventpoll, to: Eventpoll): number[] {
  const acc: number[] = [];
  const seen = new Set<Eventpoll>();
  const down = (e: Eventpoll) => {
    if (seen.has(e)) return;
    seen.add(e);
    acc.push(e.acc(EP_RBR, false));
    for (const epi of e.itemsUnrecorded().values()) {
      const c = fileEventpoll(epi.file);
      if (c !== null) down(c);
    }
  };
  const up = (e: Eventpoll) => {
    if (e.file === null) return;
    acc.push(fEpAccess(e.file, false));
    for (const epi of w.epoll.itemsOf(e.file)) up(epi.ep);
  };
  down(to);
  up(ep);
  return acc;
}

/**
 * epoll_ctl(epfd, op, fd, event) as a kernel path, in the kernel's order of checks
 * (do_epoll_ctl(), checked against Linux 6.18): EFAULT (no event for ADD/MOD), EBADF
 * (epfd, then fd), EPERM (the target has no ->poll), EINVAL (epfd is the target or not an
 * epoll; EPOLLEXCLUSIVE with MOD, with an epoll target or with bits outside
 * EPOLLIN|OUT|ERR|HUP|WAKEUP|ET), then under ep->mtx: ELOOP (a cycle, or deeper than
 * EP_MAX_NESTS), then EEXIST / ENOENT / EINVAL (MOD of an exclusive item, unknown op),
 * and ENOSPC at max_user_watches. @internal
 */
export function* epollCtlSteps(t: Task, epfd: number, op: number, fd: number, event?: EpollEvent): KernelPath<number> {
  const w = epollWorld(t);
  if (op !== EPOLL_CTL_DEL && (event === undefined || event === null || typeof event.events !== 'number')) {
    throw new KernelError('EFAULT', 'epoll_ctl', 'no event');
  }
  const files = t.filesOrThrow('epoll_ctl');
  const we = yield* fdgetSteps(t, files, epfd);
  if (we === EMPTY_FD) throw new KernelError('EBADF', 'epoll_ctl', `epfd ${epfd} is not open`);
  let wt = EMPTY_FD;
  try {
    wt = yield* fdgetSteps(t, files, fd);
    if (wt === EMPTY_FD) throw new KernelError('EBADF', 'epoll_ctl', `fd ${fd} is not open`);
    const f = files.fileOfWord(we);
    const tf = files.fileOfWord(wt);
    if (!fileCanPoll(tf)) throw new KernelError('EPERM', 'epoll_ctl', `${tf.ops.name} files cannot be polled`);
    let events = op === EPOLL_CTL_DEL ? 0 : event!.events >>> 0;
    if (events & EPOLLWAKEUP && t.process.creds.uid !== 0) events = (events & ~EPOLLWAKEUP) >>> 0;
    // EPOLLEXCLUSIVE came in v4.5 (df0108c5da56); an older epoll_ctl() checks no event
    // bits, so the flag was stored without meaning: no EINVAL and no exclusive wake-up.
    if (events & EPOLLEXCLUSIVE && !hasSyscalls(w.policy, 'v5.11')) events = (events & ~EPOLLEXCLUSIVE) >>> 0;
    const ep = fileEventpoll(f);
    if (f === tf || ep === null) throw new KernelError('EINVAL', 'epoll_ctl', f === tf ? 'an epoll cannot watch itself' : `epfd ${epfd} is not an epoll`);
    const tep = fileEventpoll(tf);
    if (events & EPOLLEXCLUSIVE) {
      if (op === EPOLL_CTL_MOD) throw new KernelError('EINVAL', 'epoll_ctl', 'EPOLLEXCLUSIVE with EPOLL_CTL_MOD');
      if (op === EPOLL_CTL_ADD && (tep !== null || (events & ~EPOLLEXCLUSIVE_OK_BITS) !== 0)) {
        throw new KernelError('EINVAL', 'epoll_ctl', 'EPOLLEXCLUSIVE with an epoll target or other bits');
      }
    }
    return yield* lockedCtlSteps(w, t, ep, op, tf, fd, events, event?.data ?? 0, tep);
  } finally {
    if (wt !== EMPTY_FD) yield* fdputSteps(t, files, wt);
    yield* fdputSteps(t, files, we);
  }
}

function* lockedCtlSteps(w: EpollWorld, t: Task, ep: Eventpoll, op: number, tf: RefFile, fd: number, events: number, data: number, tep: Eventpoll | null): KernelPath<number> {
  // The full check (epnested_mutex, loop check) runs for ADD of an epoll, or into an
  // epoll that is itself watched; the kernel decides after taking ep->mtx, drops it and
  // takes epnested_mutex first — the model takes them in that order from the start.
  const full = op === EPOLL_CTL_ADD && (tep !== null || w.epoll.itemsOf(ep.file!).length > 0);
  const nested = full ? w.epoll.nestedMutex : null;
  if (nested !== null) {
    yield nested.lockStep();
    nested.lock();
  }
  yield ep.mtx.lockStep();
  ep.mtx.lock();
  try {
    // Only an ADD is loop-checked: MOD, DEL and an unknown op (EINVAL below) never are.
    if (op === EPOLL_CTL_ADD && tep !== null) {
      yield { fn: 'ep_loop_check', acc: loopCheckAccesses(w, ep, tep) };
      const depth = downDepth(tep, ep, 0);
      if (depth > EP_MAX_NESTS || depth + 1 + upDepth(w, ep, 0) > EP_MAX_NESTS) {
        throw new KernelError('ELOOP', 'epoll_ctl', depth === Infinity ? 'the watch would form a loop' : `nesting deeper than EP_MAX_NESTS (${EP_MAX_NESTS})`);
      }
    }
    yield { fn: 'ep_find', acc: ep.acc(EP_RBR, op !== EPOLL_CTL_MOD) };
    const epi = ep.find(tf, fd);
    switch (op) {
      case EPOLL_CTL_ADD:
        if (epi !== undefined) throw new KernelError('EEXIST', 'epoll_ctl', `fd ${fd} is already registered`);
        yield* insertSteps(w, t, ep, tf, fd, (events | EPOLLERR | EPOLLHUP) >>> 0, data);
        return 0;
      case EPOLL_CTL_DEL:
        if (epi === undefined) throw new KernelError('ENOENT', 'epoll_ctl', `fd ${fd} is not registered`);
        yield { fn: 'ep_remove', acc: removeAccesses(epi) };
        if (epRemove(w.epoll, epi, false)) ep.refcount--;
        return 0;
      case EPOLL_CTL_MOD:
        if (epi === undefined) throw new KernelError('ENOENT', 'epoll_ctl', `fd ${fd} is not registered`);
        if (epi.events & EPOLLEXCLUSIVE) throw new KernelError('EINVAL', 'epoll_ctl', 'the item was added with EPOLLEXCLUSIVE');
        yield* modifySteps(w, t, ep, epi, (events | EPOLLERR | EPOLLHUP) >>> 0, data);
        return 0;
      default:
        throw new KernelError('EINVAL', 'epoll_ctl', `unknown op ${op}`);
    }
  } finally {
    yield ep.mtx.unlockStep();
    ep.mtx.unlock();
    if (nested !== null) {
      yield nested.unlockStep();
      nested.unlock();
    }
  }
}

/** Puts `epi` on the ready list if `revents` and wakes a waiter (the tail of ep_insert() / ep_modify()). */
function* readyIfSteps(ep: Eventpoll, epi: Epitem, revents: number): KernelPath {
  if (revents === 0) return;
  yield ep.readyStep('ep_insert: rdllist');
  if (!epi.linked && !epi.dying && ep.items.has(itemKey(epi.file, epi.fd))) {
    epi.linked = true;
    ep.rdllist.push(epi);
    if (ep.wq.active) ep.wq.wakeUp(0);
  }
  if (ep.pollWait.active) ep.pollWait.wakeUp(0);
}

/** ep_insert(): charge the user (ENOSPC), link the item everywhere, poll it registering the callback. */
function* insertSteps(w: EpollWorld, t: Task, ep: Eventpoll, tf: RefFile, fd: number, events: number, data: number): KernelPath {
  yield { fn: 'ep_insert', acc: [ep.acc(EP_RBR, true), fEpAccess(tf, true)] };
  const used = w.epoll.watches.get(ep.uid) ?? 0;
  if (used >= w.policy.epollMaxUserWatches) throw new KernelError('ENOSPC', 'epoll_ctl', `user ${ep.uid} has ${used} watches (max_user_watches)`);
  w.epoll.watches.set(ep.uid, used + 1);
  const epi = new Epitem(ep, tf, fd, events, data);
  ep.insertItem(epi);
  const list = w.epoll.fEp.get(tf);
  if (list === undefined) w.epoll.fEp.set(tf, [epi]);
  else list.unshift(epi);
  ep.refcount++;
  if (w.engine.tracing) w.engine.effect('ep_insert', ep.simId, undefined, undefined, ep.itemsUnrecorded().size, { file: tf.simId, note: `fd ${fd}` });
  const revents = yield* epItemPollSteps(w, t, epi, true);
  yield* readyIfSteps(ep, epi, revents);
}

/** ep_modify(): new events and data, then a poll without registering; re-arms EPOLLONESHOT. */
function* modifySteps(w: EpollWorld, t: Task, ep: Eventpoll, epi: Epitem, events: number, data: number): KernelPath {
  yield ep.readyStep('ep_modify');
  epi.events = events;
  epi.data = data;
  const revents = yield* epItemPollSteps(w, t, epi, false);
  yield* readyIfSteps(ep, epi, revents);
}
