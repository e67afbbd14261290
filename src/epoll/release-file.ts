import type { RefFile } from '../file/ref-file.js';
import type { KernelPath } from '../sim/step.js';
import { fEpAccess, type EpollRegistry } from './eventpoll.js';
import { epRemove, removeAccesses } from './remove.js';

/**
 * eventpoll_release_file(file), the first stage of the file's final `__fput()`: for each
 * item watching the file, mark it dying under f_lock, take its ep->mtx (sleeping while an
 * epoll_wait() or epoll_ctl() holds it — the exclusion ep_item_poll() relies on), remove
 * it, and drop the item's reference to the instance. The `__fput` stage step itself
 * declares the f_ep read of eventpoll_release()'s fast path.
 */
export function* eventpollReleaseFile(reg: EpollRegistry, file: RefFile): KernelPath {
  if (reg.itemsOf(file).length === 0) return;
  for (;;) {
    yield { fn: 'eventpoll_release_file: f_lock', acc: fEpAccess(file, true) };
    const epi = reg.itemsOf(file)[0];
    if (epi === undefined) return;
    epi.dying = true;
    const ep = epi.ep;
    yield ep.mtx.lockStep();
    ep.mtx.lock();
    yield { fn: '__ep_remove(force)', acc: removeAccesses(epi) };
    const dispose = epRemove(reg, epi, true);
    yield ep.mtx.unlockStep();
    ep.mtx.unlock();
    if (dispose) ep.refcount--;
  }
}
