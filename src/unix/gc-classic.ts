import { F_COUNT } from '../file/ref-file.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import { GC_STATE, SK_GC, SK_QUEUE, unixSockOfFile, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/** What a scan found: the candidate set, the garbage and the messages to purge. @internal */
export interface GcScan {
  readonly components: UnixSock[][];
  readonly garbage: UnixSock[];
  readonly hitlist: Skb[];
}

/** The queues scan_children() walks: the socket's own, and for a listener each embryo's. @internal */
export function queuesOf(u: UnixSock): Skb[][] {
  if (u.acceptQ.length === 0) return [u.queue];
  return [u.queue, ...u.acceptQ.map((e) => e.queue)];
}

function* children(u: UnixSock): Generator<UnixSock> {
  for (const q of queuesOf(u)) {
    for (const skb of q) {
      for (const f of skb.files) {
        const v = unixSockOfFile(f);
        if (v !== null && v.gcCandidate) yield v;
      }
    }
  }
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
  for (const u of cands) for (const v of children(u)) v.inflight--;
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
    for (const v of children(u)) {
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
    for (const q of queuesOf(u)) {
      for (let i = 0; i < q.length; i++) {
        const skb = q[i]!;
        let hit = false;
        for (const f of skb.files) {
          const v = unixSockOfFile(f);
          if (v !== null && v.gcCandidate) {
            hit = true;
            v.inflight++;
          }
        }
        if (hit) {
          q.splice(i--, 1);
          skb.owner = null;
          hitlist.push(skb);
        }
      }
    }
  }
  for (const u of cands) {
    u.gcCandidate = false;
    u.gcMaybeCycle = false;
  }
  return { components: [cands], garbage, hitlist };
}
