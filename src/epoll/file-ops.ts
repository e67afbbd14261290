import { noopLlseek, type FileOperations } from '../file/file-operations.js';
import { EPOLLIN, EPOLLRDNORM, pollAccesses, pollWait, vfsPoll } from '../file/poll.js';
import { F_COUNT, type RefFile } from '../file/ref-file.js';
import { access, type KernelPath } from '../sim/step.js';
import type { WaitQueue } from '../sim/wait-queue.js';
import { EP_RBR, EP_RDLLIST, epollWorldOf, Eventpoll, type EpollRegistry } from './eventpoll.js';
import { fileEventpoll } from './file-eventpoll.js';
import { epRemove, removeAccesses } from './remove.js';

/**
 * __ep_eventpoll_poll(): readiness of an epoll file, for a nested epoll or poll(2) —
 * EPOLLIN if an item on the ready list really is ready (re-polled without registering);
 * items that are not are dropped from the list. Atomic in the model: the kernel takes
 * the inner ep->mtx here, which the model does not wait for (a documented deviation).
 */
function eventpollPoll(file: RefFile, depth: number): number {
  const ep = fileEventpoll(file);
  if (ep === null || depth > 4) return 0;
  for (const epi of [...ep.rdllist]) {
    const f = epi.file;
    // ep_item_poll() with a reference taken and dropped inside this step: a dying file
    // (count 0) reports nothing under any policy but 'borrow'.
    if (f.count === 0 && epollWorldOf(f).policy.epollItemPoll !== 'borrow') continue;
    const inner = fileEventpoll(f);
    const res = inner !== null ? eventpollPoll(f, depth + 1) : vfsPoll(f, { key: epi.events, queue: null });
    if ((res & epi.events) !== 0) return EPOLLIN | EPOLLRDNORM;
    epi.linked = false;
    ep.rdllist.splice(ep.rdllist.indexOf(epi), 1);
  }
  return 0;
}

function nestedAccesses(ep: Eventpoll, seen: Set<Eventpoll>, out: number[]): void {
  if (seen.has(ep)) return;
  seen.add(ep);
  out.push(ep.acc(EP_RDLLIST, true), ep.acc(EP_RBR, false));
  for (const epi of ep.itemsUnrecorded().values()) {
    out.push(access(epi.file.simId, F_COUNT, false));
    const inner = fileEventpoll(epi.file);
    if (inner !== null) nestedAccesses(inner, seen, out);
    else out.push(...pollAccesses(epi.file));
  }
}

/**
 * The eventpoll file's release: ep_clear_and_put(). Under ep->mtx, removes every item
 * that a concurrent eventpoll_release_file() has not marked dying (that one removes its
 * item itself, and the item's reference keeps the instance alive until then), then drops
 * the file's reference to the instance.
 */
function* clearAndPut(reg: EpollRegistry, ep: Eventpoll): KernelPath {
  yield ep.mtx.lockStep();
  ep.mtx.lock();
  // Every writer of the interest set holds ep->mtx (ctl, eventpoll_release_file(), this),
  // so the snapshot taken under it is what rb_first() would find item by item.
  for (const epi of [...ep.itemsUnrecorded().values()]) {
    yield { fn: '__ep_remove', acc: removeAccesses(epi) };
    if (epRemove(reg, epi, false)) ep.refcount--;
  }
  yield ep.mtx.unlockStep();
  ep.mtx.unlock();
  ep.refcount--;
  ep.file = null;
}

/**
 * The file operations of an epoll file ("[eventpoll]" on the anonymous-inode
 * filesystem): poll reports EPOLLIN while an item is ready (so epolls nest and poll(2)
 * works on them); release tears the instance down. Models eventpoll_fops.
 *
 * @example
 * ```ts
 * import { Epoll, Kernel, eventpollOperations } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * p.fileOf(Epoll.create1(p, 0)).ops === eventpollOperations; // true
 * ```
 */
export const eventpollOperations: FileOperations = {
  name: 'eventpoll',
  stream: true,
  llseek: noopLlseek,
  poll: (file, pt) => {
    const ep = fileEventpoll(file);
    if (ep === null) return 0;
    pollWait(file, ep.pollWait, pt);
    return eventpollPoll(file, 0);
  },
  pollAccess: (file) => {
    const ep = fileEventpoll(file);
    const out: number[] = [];
    if (ep !== null) nestedAccesses(ep, new Set(), out);
    return out;
  },
  waitQueues: (file): WaitQueue[] => {
    const ep = fileEventpoll(file);
    return ep === null ? [] : [...ep.watchQueues()];
  },
  release: (file) => {
    const ep = fileEventpoll(file);
    return ep === null ? undefined : clearAndPut(epollWorldOf(file).epoll, ep);
  },
};
