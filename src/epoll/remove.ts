import { EP_RBR, EP_RDLLIST, fEpAccess, type Epitem, type EpollRegistry } from './eventpoll.js';

/** The accesses of a step that removes `epi` (__ep_remove()). @internal */
export function removeAccesses(epi: Epitem): number[] {
  const acc = [epi.ep.acc(EP_RBR, true), epi.ep.acc(EP_RDLLIST, true), fEpAccess(epi.file, true)];
  for (const e of epi.pwq) acc.push(e.queue.writeAccess());
  return acc;
}

/**
 * __ep_remove(ep, epi, force), under ep->mtx: unregisters the item's callbacks, then —
 * unless a concurrent eventpoll_release_file() marked it dying and this is not that call
 * (`force`) — unlinks it from the file's f_ep, the interest set and the ready list and
 * uncharges the user. Returns true if the item is gone (its ep reference may be dropped).
 * @internal
 */
export function epRemove(reg: EpollRegistry, epi: Epitem, force: boolean): boolean {
  for (const e of epi.pwq) e.queue.remove(e);
  epi.pwq.length = 0;
  if (epi.dying && !force) return false;
  const ep = epi.ep;
  const list = reg.fEp.get(epi.file);
  if (list !== undefined) {
    const i = list.indexOf(epi);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) reg.fEp.delete(epi.file);
  }
  for (const [k, v] of ep.items) {
    if (v === epi) {
      ep.eraseItem(k);
      break;
    }
  }
  if (epi.linked) {
    epi.linked = false;
    const i = ep.rdllist.indexOf(epi);
    if (i >= 0) ep.rdllist.splice(i, 1);
  }
  if (epi.chained && ep.ovflist !== null) {
    epi.chained = false;
    const i = ep.ovflist.indexOf(epi);
    if (i >= 0) ep.ovflist.splice(i, 1);
  }
  reg.watches.set(ep.uid, (reg.watches.get(ep.uid) ?? 1) - 1);
  return true;
}
