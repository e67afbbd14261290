import { EMPTY_FD } from '../fdtable/fd-word.js';
import { fdgetSteps, fdputSteps } from '../fdtable/fget.js';
import { KernelError } from '../sim/kernel-error.js';
import type { KernelPath } from '../sim/step.js';
import { WaitEntry } from '../sim/wait-queue.js';
import type { Task } from '../task/task.js';
import { EP_MAX_EVENTS, EP_PRIVATE_BITS, EPOLLET, EPOLLONESHOT } from './constants.js';
import { epollWorld } from './create.js';
import type { EpollEvent } from './ctl.js';
import { Eventpoll, type Epitem, type EpollWorld } from './eventpoll.js';
import { epItemPollSteps } from './item-poll.js';

/**
 * ep_send_events(), under ep->mtx: move the ready list aside (callbacks meanwhile go to
 * the overflow list), re-poll each item, report those really ready — a level-triggered
 * item goes back on the ready list, an edge-triggered one does not, an EPOLLONESHOT one
 * is disarmed — then put back what was not consumed and what fired meanwhile.
 */
function* sendEventsSteps(w: EpollWorld, t: Task, ep: Eventpoll, maxevents: number): KernelPath<EpollEvent[]> {
  const out: EpollEvent[] = [];
  yield ep.mtx.lockStep();
  ep.mtx.lock();
  try {
    yield ep.readyStep('ep_start_scan');
    const tx: Epitem[] = ep.rdllist;
    ep.rdllist = [];
    ep.ovflist = [];
    while (tx.length > 0 && out.length < maxevents) {
      const epi = tx.shift()!;
      epi.linked = false;
      const revents = yield* epItemPollSteps(w, t, epi, false);
      if (revents === 0) continue;
      out.push({ events: revents, data: epi.data });
      if (epi.events & EPOLLONESHOT) epi.events = (epi.events & EP_PRIVATE_BITS) >>> 0;
      // The interest set changes only under ep->mtx, which the scan holds: no event.
      else if (!(epi.events & EPOLLET) && ep.itemsUnrecorded().has(keyOf(epi))) {
        epi.linked = true;
        ep.rdllist.push(epi);
      }
    }
    yield ep.readyStep('ep_done_scan');
    const fired: Epitem[] = [];
    for (const epi of ep.ovflist) {
      epi.chained = false;
      if (!epi.linked) {
        epi.linked = true;
        fired.push(epi);
      }
    }
    ep.ovflist = null;
    ep.rdllist = [...tx, ...fired, ...ep.rdllist];
    if (ep.rdllist.length > 0 && ep.wq.active) ep.wq.wakeUp(0);
  } finally {
    yield ep.mtx.unlockStep();
    ep.mtx.unlock();
  }
  return out;
}

function keyOf(epi: Epitem): string {
  return `${epi.file.simId}:${epi.fd}`;
}

/**
 * epoll_wait(epfd, maxevents, timeout) as a kernel path: EBADF, then EINVAL for
 * maxevents ≤ 0 or too large or a non-epoll fd (Linux 6.18 looks the fd up first); then
 * ep_poll(): report ready events; with timeout 0 return at once; otherwise sleep as an
 * exclusive waiter on ep->wq until a callback wakes it, and try again (a wake-up that
 * finds nothing really ready sleeps again). A positive timeout is treated as infinite
 * (the model has no clock). Models do_epoll_wait() / ep_poll(). @internal
 */
export function* epollWaitSteps(t: Task, epfd: number, maxevents: number, timeout: number): KernelPath<EpollEvent[]> {
  const w = epollWorld(t);
  const files = t.filesOrThrow('epoll_wait');
  const we = yield* fdgetSteps(t, files, epfd);
  if (we === EMPTY_FD) throw new KernelError('EBADF', 'epoll_wait', `epfd ${epfd} is not open`);
  try {
    if (!Number.isInteger(maxevents) || maxevents <= 0 || maxevents > EP_MAX_EVENTS) throw new KernelError('EINVAL', 'epoll_wait', `bad maxevents ${maxevents}`);
    const ep = files.fileOfWord(we).privateData;
    if (!(ep instanceof Eventpoll)) throw new KernelError('EINVAL', 'epoll_wait', `epfd ${epfd} is not an epoll`);
    const entry = new WaitEntry(ep.wq, t.sim, true, null, () => ep.eventsAvailable);
    for (;;) {
      yield ep.readyStep('ep_poll');
      if (ep.eventsAvailable) {
        const got = yield* sendEventsSteps(w, t, ep, maxevents);
        if (got.length > 0 || timeout === 0) return got;
        continue;
      }
      if (timeout === 0) return [];
      if (t.sim.killed) throw new KernelError('EINTR', 'epoll_wait', 'fatal signal');
      // __add_wait_queue_exclusive() in the same step as the availability check (under ep->lock).
      entry.woken = false;
      ep.wq.add(entry);
      try {
        yield ep.readyStep(`schedule(${ep.wq.name})`, entry);
      } finally {
        ep.wq.remove(entry);
      }
      if (t.sim.killed) throw new KernelError('EINTR', 'epoll_wait', 'fatal signal');
    }
  } finally {
    yield* fdputSteps(t, files, we);
  }
}
