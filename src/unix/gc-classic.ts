import { F_COUNT } from '../file/ref-file.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import { GC_STATE, SK_GC, SK_QUEUE, unixSockOfFile, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/** What a scan found: the candidate set, the garbage and the messages to purge. @internal */
export interface GcScan {
  readonly components: UnixSock[][];
  readonly garbage: UnixSock[];
  readonly hitlist: Skb[];
}

/**
 * scan_children(): the candidates in flight in `u`'s queue and its embryos', into `out`
 * (emptied first; no generator or array per call, it runs once per candidate and per
 * restored socket). A message in flight names its sockets by its edges; only one out of
 * flight (none is queued in the model) needs each file's socket looked up.
 */
function childrenOf(u: UnixSock, out: UnixSock[]): UnixSock[] {
  out.length = 0;
  queueChildren(u.queue, out);
  for (const emb of u.acceptQ) queueChildren(emb.queue, out);
  return out;
}

function queueChildren(q: readonly Skb[], out: UnixSock[]): void {
  for (const skb of q) skbChildren(skb, out);
}

function skbChildren(skb: Skb, out: UnixSock[]): void {
  if (skb.inflight) {
    for (let e = skb.edges; e !== null; e = e.skbNext) if (e.from.gcCandidate) out.push(e.from);
    return;
  }
  for (const f of skb.files) {
    const v = unixSockOfFile(f);
    if (v !== null && v.gcCandidate) out.push(v);
  }
}

/**
 * scan_children(inc_inflight, hitlist) over one queue: every message carrying a candidate
 * leaves the queue for the hitlist, the rest stay in order (compacted in place, not
 * spliced out one by one).
 */
function hitQueue(q: Skb[], hitlist: Skb[], buf: UnixSock[]): void {
  let keep = 0;
  for (let i = 0; i < q.length; i++) {
    const skb = q[i]!;
    buf.length = 0;
    skbChildren(skb, buf);
    for (const v of buf) v.inflight++;
    if (buf.length > 0) {
      skb.owner = null;
      hitlist.push(skb);
    } else {
      q[keep++] = skb;
    }
  }
  q.length = keep;
}

function scanAccesses(reg: UnixRegistry, cands: readonly UnixSock[]): number[] {
  const acc = [reg.acc(GC_STATE, true)];
  for (const u of reg.vertices) if (u !== null) acc.push(u.acc(SK_GC, true));
  for (const u of cands) {
    acc.push(u.acc(SK_QUEUE, true));
    for (const e of u.acceptQ) acc.push(e.acc(SK_QUEUE, true));
  }
  return acc;
}

/**
 * The classic collector's work under unix_gc_lock (`__unix_gc()` up to v6.9): one step
 * per in-flight socket deciding, from its file count at that instant, whether it is a
 * candidate (`total_refs == u->inflight`), then one step that subtracts the in-flight
 * references the candidates' queues hold (scan_children(dec_inflight)), restores the
 * candidates still referenced from outside and everything they reach
 * (inc_inflight_move_tail), restores the rest and unlinks every message carrying a
 * candidate from the garbage's queues (scan_children(inc_inflight, hitlist)). @internal
 */
export function* classicScan(reg: UnixRegistry): KernelPath<GcScan> {
  const e = reg.engine;
  const cands: UnixSock[] = [];
  for (const u of reg.inflightSocks()) {
    const f = u.file;
    if (f === null) continue;
    yield { fn: 'unix_gc: total_refs == inflight', acc: [access(f.simId, F_COUNT, false), u.acc(SK_GC, true)] };
    e.read(f.simId, F_COUNT);
    e.write(u.simId, SK_GC);
    if (f.count === u.inflight) {
      u.gcCandidate = true;
      u.gcMaybeCycle = true;
      cands.push(u);
    }
  }
  if (cands.length === 0) return { components: [], garbage: [], hitlist: [] };
  yield dynamicStep(e, 'scan_children', () => scanAccesses(reg, cands));
  e.write(reg.simId, GC_STATE);
  for (const u of reg.vertices) if (u !== null) e.write(u.simId, SK_GC);
  for (const u of cands) {
    e.write(u.simId, SK_QUEUE);
    for (const emb of u.acceptQ) e.write(emb.simId, SK_QUEUE);
  }
  const buf: UnixSock[] = [];
  for (const u of cands) for (const v of childrenOf(u, buf)) v.inflight--;
  const notCycle = new Set<UnixSock>();
  const work: UnixSock[] = [];
  for (const u of cands) {
    if (u.inflight > 0) {
      notCycle.add(u);
      work.push(u);
    }
  }
  while (work.length > 0) {
    const u = work.pop()!;
    u.gcMaybeCycle = false;
    for (const v of childrenOf(u, buf)) {
      v.inflight++;
      if (!notCycle.has(v)) {
        notCycle.add(v);
        work.push(v);
      }
    }
  }
  const garbage = cands.filter((u) => !notCycle.has(u));
  const hitlist: Skb[] = [];
  for (const u of garbage) {
    hitQueue(u.queueMut(), hitlist, buf);
    for (const emb of u.acceptQ) hitQueue(emb.queueMut(), hitlist, buf);
  }
  for (const u of cands) {
    u.gcCandidate = false;
    u.gcMaybeCycle = false;
  }
  return { components: [cands], garbage, hitlist };
}
