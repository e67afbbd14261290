import { F_COUNT } from '../file/ref-file.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { GcScan } from './gc-classic.js';
import { queuesOf } from './gc-classic.js';
import { GC_STATE, SK_GC, SK_QUEUE, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/** unix_edge_successor(): an embryo's messages count as its listener's; null if the receiver is not in flight (a live root). */
function successor(_reg: UnixRegistry, to: UnixSock): UnixSock | null {
  const v = to.listener ?? to;
  // A vertex exists exactly while the socket has a copy in flight (it is on inflightList).
  return v.inflight > 0 ? v : null;
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
  // The explicit edge stack: the vertex and the position in its edge list.
  const fv: UnixSock[] = [];
  const fi: number[] = [];
  for (const root of reg.inflightList) {
    if (root.index !== 0) continue;
    root.index = root.lowlink = next++;
    root.onStack = true;
    stack.push(root);
    fv.push(root);
    fi.push(0);
    while (fv.length > 0) {
      const top = fv.length - 1;
      const v = fv[top]!;
      const i = fi[top]!;
      if (i < v.edges.length) {
        fi[top] = i + 1;
        const w = successor(reg, v.edges[i]!.to);
        if (w === null) continue;
        if (w.index === 0) {
          w.index = w.lowlink = next++;
          w.onStack = true;
          stack.push(w);
          fv.push(w);
          fi.push(0);
        } else if (w.onStack && w.index < v.lowlink) {
          v.lowlink = w.index;
        }
        continue;
      }
      fv.pop();
      fi.pop();
      const parent = fv[fv.length - 1];
      if (parent !== undefined && v.lowlink < parent.lowlink) parent.lowlink = v.lowlink;
      if (v.lowlink === v.index) {
        const scc: UnixSock[] = [];
        let w: UnixSock;
        do {
          w = stack.pop()!;
          w.onStack = false;
          w.scc = v.index;
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
  const id = scc[0]!.scc;
  for (const v of scc) {
    for (const e of v.edges) {
      const w = successor(reg, e.to);
      if (w === null || w.scc !== id) return false;
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
  // What the walk reads, recorded in place (one null check each when nothing records).
  e.write(reg.simId, GC_STATE);
  for (const v of reg.inflightList) e.write(v.simId, SK_GC);
  const sccs = tarjan(reg);
  const components = sccs.filter((s) => cyclic(reg, s));
  const garbage: UnixSock[] = [];
  const hitlist: Skb[] = [];
  for (const scc of sccs) {
    if (!closed(reg, scc)) continue;
    yield dynamicStep(e, 'unix_vertex_dead', () => scc.map((v) => access(v.file!.simId, F_COUNT, false)));
    let dead = true;
    for (const v of scc) {
      const f = v.file;
      if (f !== null) e.read(f.simId, F_COUNT);
      if (f === null || f.count !== v.inflight) {
        dead = false;
        break;
      }
    }
    if (!dead) continue;
    yield dynamicStep(e, 'unix_collect_skb', () => collectAccesses(scc));
    for (const v of scc) {
      e.write(v.simId, SK_QUEUE);
      for (const emb of v.acceptQ) e.write(emb.simId, SK_QUEUE);
    }
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
