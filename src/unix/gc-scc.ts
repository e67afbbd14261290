import { F_COUNT } from '../file/ref-file.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { GcScan } from './gc-classic.js';
import { queuesOf } from './gc-classic.js';
import { GC_STATE, SK_GC, SK_QUEUE, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/** unix_edge_successor(): an embryo's messages count as its listener's; null if the receiver is not in flight (a live root). */
function successor(reg: UnixRegistry, to: UnixSock): UnixSock | null {
  const v = to.listener ?? to;
  return reg.inflightList.has(v) ? v : null;
}

/**
 * Tarjan's strongly connected components over the in-flight sockets, iteratively (an
 * explicit stack of vertices and of edge iterators, as __unix_walk_scc() does), in the
 * order components complete. @internal
 */
export function tarjan(reg: UnixRegistry): UnixSock[][] {
  let next = 1;
  for (const v of reg.inflightList) {
    v.index = 0;
    v.onStack = false;
  }
  const out: UnixSock[][] = [];
  const stack: UnixSock[] = [];
  const frames: Array<{ v: UnixSock; it: Iterator<{ to: UnixSock }> }> = [];
  for (const root of reg.inflightList) {
    if (root.index !== 0) continue;
    root.index = root.lowlink = next++;
    root.onStack = true;
    stack.push(root);
    frames.push({ v: root, it: root.edges.values() });
    while (frames.length > 0) {
      const fr = frames[frames.length - 1]!;
      const r = fr.it.next();
      if (!r.done) {
        const w = successor(reg, r.value.to);
        if (w === null) continue;
        if (w.index === 0) {
          w.index = w.lowlink = next++;
          w.onStack = true;
          stack.push(w);
          frames.push({ v: w, it: w.edges.values() });
        } else if (w.onStack) {
          fr.v.lowlink = Math.min(fr.v.lowlink, w.index);
        }
        continue;
      }
      frames.pop();
      const v = fr.v;
      const parent = frames[frames.length - 1];
      if (parent !== undefined) parent.v.lowlink = Math.min(parent.v.lowlink, v.lowlink);
      if (v.lowlink === v.index) {
        const scc: UnixSock[] = [];
        let w: UnixSock;
        do {
          w = stack.pop()!;
          w.onStack = false;
          scc.push(w);
        } while (w !== v);
        out.push(scc);
      }
    }
  }
  return out;
}

/** True if no edge leaves `scc` (every copy of a member sits in a member's queue, or an embryo's of a member listener). */
function closed(reg: UnixRegistry, scc: readonly UnixSock[]): boolean {
  const set = new Set(scc);
  for (const v of scc) {
    for (const e of v.edges) {
      const w = successor(reg, e.to);
      if (w === null || !set.has(w)) return false;
    }
  }
  return true;
}

/** unix_scc_cyclic(): more than one vertex, or a vertex with an edge to itself. */
function cyclic(reg: UnixRegistry, scc: readonly UnixSock[]): boolean {
  if (scc.length > 1) return true;
  const v = scc[0]!;
  for (const e of v.edges) if (successor(reg, e.to) === v) return true;
  return false;
}

function walkAccesses(reg: UnixRegistry): number[] {
  const acc = [reg.acc(GC_STATE, true)];
  for (const v of reg.inflightList) acc.push(v.acc(SK_GC, true));
  return acc;
}

function collectAccesses(scc: readonly UnixSock[]): number[] {
  const acc: number[] = [];
  for (const v of scc) {
    acc.push(v.acc(SK_QUEUE, true));
    for (const e of v.acceptQ) acc.push(e.acc(SK_QUEUE, true));
  }
  return acc;
}

/**
 * The graph collector's work under unix_gc_lock (`__unix_gc()` from v6.10): one step
 * walks the graph (vertices and edges are kept up to date on every send and receive, so
 * the walk reads only them), then for each component from which no edge leaves, one step
 * reads its sockets' file counts (unix_vertex_dead(): count == out-degree), and a dead
 * component's whole receive queues — an embryo's too — are spliced onto the hitlist in
 * one more step (unix_collect_skb()). @internal
 */
export function* sccScan(reg: UnixRegistry): KernelPath<GcScan> {
  const e = reg.engine;
  yield dynamicStep(e, '__unix_walk_scc', () => walkAccesses(reg));
  e.touch(walkAccesses(reg));
  const sccs = tarjan(reg);
  const components = sccs.filter((s) => cyclic(reg, s));
  const garbage: UnixSock[] = [];
  const hitlist: Skb[] = [];
  for (const scc of sccs) {
    if (!closed(reg, scc)) continue;
    const counts = scc.map((v) => access(v.file!.simId, F_COUNT, false));
    yield { fn: 'unix_vertex_dead', acc: counts };
    e.touch(counts);
    if (!scc.every((v) => v.file !== null && v.file.count === v.inflight)) continue;
    yield { fn: 'unix_collect_skb', acc: collectAccesses(scc) };
    e.touch(collectAccesses(scc));
    for (const v of scc) {
      garbage.push(v);
      for (const q of queuesOf(v)) {
        for (const skb of q.splice(0)) {
          skb.owner = null;
          hitlist.push(skb);
        }
      }
    }
  }
  return { components, garbage, hitlist };
}
