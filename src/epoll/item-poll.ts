import { fputDeferred } from '../file/fput.js';
import { EPOLLIN, EPOLLOUT, vfsPoll, vfsPollStep, type PollTable } from '../file/poll.js';
import { F_COUNT, type RefFile } from '../file/ref-file.js';
import type { FputContext } from '../file/world.js';
import { access, type KernelPath } from '../sim/step.js';
import { WaitEntry, type WaitQueue } from '../sim/wait-queue.js';
import { EP_PRIVATE_BITS, EPOLLEXCLUSIVE } from './constants.js';
import { EP_RDLLIST, type Epitem, type EpollWorld } from './eventpoll.js';

/**
 * ep_poll_callback(): what a wake-up of a watched file's wait queue does to the item —
 * runs inside the waker's step. A disarmed (fired EPOLLONESHOT) item and a key that
 * matches none of the item's events are ignored; otherwise the item goes on the ready
 * list (or the overflow list while a scan runs), one epoll_wait() sleeper is woken, and
 * pollers of the epoll file are told. An EPOLLEXCLUSIVE item counts as a wake-up only if
 * it woke a sleeper of the right class, so the next exclusive entry gets the event.
 */
function epPollCallback(epi: Epitem, key: number): boolean {
  const ep = epi.ep;
  if ((epi.events & ~EP_PRIVATE_BITS) === 0) return false;
  if (key !== 0 && (key & epi.events) === 0) return false;
  if (ep.ovflist !== null) {
    if (!epi.chained) {
      epi.chained = true;
      ep.ovflist.push(epi);
    }
  } else if (!epi.linked) {
    epi.linked = true;
    ep.rdllist.push(epi);
  }
  let ewake = (epi.events & EPOLLEXCLUSIVE) === 0;
  if (ep.wq.active) {
    if (!ewake) {
      const io = key & (EPOLLIN | EPOLLOUT);
      ewake = io === 0 || (io === EPOLLIN && (epi.events & EPOLLIN) !== 0) || (io === EPOLLOUT && (epi.events & EPOLLOUT) !== 0);
    }
    ep.wq.wakeUp(key);
  }
  if (ep.pollWait.active) ep.pollWait.wakeUp(EPOLLIN);
  return ewake;
}

/** ep_ptable_queue_proc(): registers the item's callback on a queue the file's ->poll names. */
function queueProc(epi: Epitem): PollTable['queue'] {
  return (_file: RefFile, wq: WaitQueue) => {
    const e = new WaitEntry(wq, null, (epi.events & EPOLLEXCLUSIVE) !== 0, (_e, key) => epPollCallback(epi, key));
    wq.add(e);
    epi.pwq.push(e);
  };
}

/**
 * ep_item_poll(epi, pt, depth) as a kernel path, under ep->mtx: pins the file as the
 * `epollItemPoll` policy says (see EpollItemPoll), calls its `->poll` (registering the
 * item's callback when `register`, as ep_insert() does), drops the pin, and returns the
 * ready events the item asked for.
 */
export function* epItemPollSteps(w: EpollWorld, ctx: FputContext, epi: Epitem, register: boolean): KernelPath<number> {
  const f = epi.file;
  const mode = w.policy.epollItemPoll;
  const pin = mode === 'epi-fget' || (mode === 'epi-fget-nouser' && f.mount.nouser);
  if (pin) {
    // epi_fget(): ep->mtx keeps the memory from being freed or reused, so no RCU and no
    // slab dependency; only the count decides.
    yield { fn: 'epi_fget', acc: access(f.simId, F_COUNT, true) };
    if (!f.fileRefGet()) return 0;
  } else if (mode === 'epi-fget-nouser') {
    yield { fn: 'file_count', acc: access(f.simId, F_COUNT, false) };
    if (f.count === 0) return 0;
  }
  yield vfsPollStep(f, 'vfs_poll', () => [epi.ep.acc(EP_RDLLIST, true)]);
  const pt: PollTable = { key: epi.events, queue: register ? queueProc(epi) : null, ctx };
  const res = vfsPoll(f, pt);
  if (pin) {
    // ep_send_events() puts a level-triggered item back on the ready list right after
    // ep_item_poll(), with no lock that ep_events_available() takes: in this step.
    yield { fn: 'fput', acc: [access(f.simId, F_COUNT, true), epi.ep.acc(EP_RDLLIST, true)] };
    fputDeferred(ctx, f);
  }
  return (res & epi.events) >>> 0;
}
