import { F_COUNT } from '../file/ref-file.js';
import type { Engine } from '../sim/engine.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { GcScan } from './gc-classic.js';
import { GC_STATE, SK_GC, SK_QUEUE, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/** unix_edge_successor(): an embryo's messages count as its listener's; null if the receiver is not in flight (a live root). */
function successor(_reg: UnixRegistry, to: UnixSock): UnixSock | null {
  const v = to.listener ?? to;
  // A vertex exists exactly while the socket has a copy in flight (it is on inflightList).
  return v.inflight > 0 ? v : null;
}

/** What one walk found: the components in completion order, and for each whether no edge leaves it and whether it is cyclic. @internal */
export interface SccWalk {
  readonly sccs: UnixSock[][];
  readonly closed: boolean[];
  readonly cyclic: boolean[];
}

/**
 * Tarjan's strongly connected components over the in-flight sockets, iteratively (an
 * explicit stack of vertices and of edge iterators, as __unix_walk_scc() does), in the
 * order components complete. @internal
 */
export function tarjan(reg: UnixRegistry): UnixSock[][] {
  return walkScc(reg, null).sccs;
}

/**
 * The walk itself. Each vertex is touched when it is first reached and when its
 * component is popped, nothing more: a vertex is unvisited if its index is below this
 * walk's first index (the kernel's unix_vertex_unvisited_index, so no pass resets the
 * marks), on the stack if visited and not yet given a component, and whether an edge
 * leaves a component is noted as the walk goes (an edge to a finished component, to a
 * receiver not in flight, or a tree edge whose child finished a component of its own) —
 * at 10^5 vertices every extra pass over the sockets is a cache miss per socket. With an
 * engine, records the walk's writes (the graph state and every vertex) as it goes.
 * @internal
 */
export function walkScc(reg: UnixRegistry, e: Engine | null): SccWalk {
  const base = reg.walkBase;
  let next = base;
  if (e !== null) e.write(reg.simId, GC_STATE);
  const sccs: UnixSock[][] = [];
  const closedOut: boolean[] = [];
  const cyclicOut: boolean[] = [];
  const stack: UnixSock[] = [];
  // The explicit edge stack: the vertex and the position in its edge list.
  const fv: UnixSock[] = [];
  const fi: number[] = [];
  for (const root of reg.inflightList) {
    if (root.index >= base) continue;
    if (e !== null) e.write(root.simId, SK_GC);
    root.index = root.lowlink = next++;
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
        if (w === null) {
          v.leaves = base;
        } else if (w.index < base) {
          if (e !== null) e.write(w.simId, SK_GC);
          w.index = w.lowlink = next++;
          stack.push(w);
          fv.push(w);
          fi.push(0);
        } else if (w.scc < base) {
          // On the stack: in v's component.
          if (w.index < v.lowlink) v.lowlink = w.index;
        } else {
          v.leaves = base;
        }
        continue;
      }
      fv.pop();
      fi.pop();
      if (v.lowlink === v.index) {
        const scc: UnixSock[] = [];
        let closed = true;
        let w: UnixSock;
        do {
          w = stack.pop()!;
          w.scc = v.index;
          if (w.leaves === base) closed = false;
          scc.push(w);
        } while (w !== v);
        sccs.push(scc);
        closedOut.push(closed);
        cyclicOut.push(scc.length > 1 || selfLoop(reg, v));
      }
      const parent = fv[fv.length - 1];
      if (parent !== undefined) {
        // A child that finished a component of its own: the parent's edge to it leaves the parent's.
        if (v.scc >= base) parent.leaves = base;
        else if (v.lowlink < parent.lowlink) parent.lowlink = v.lowlink;
      }
    }
  }
  reg.walkBase = next;
  return { sccs, closed: closedOut, cyclic: cyclicOut };
}

/** unix_scc_cyclic() of a one-vertex component: an edge to itself. */
function selfLoop(reg: UnixRegistry, v: UnixSock): boolean {
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
  // What the walk writes is recorded as it goes (one null check each when nothing records).
  const walk = walkScc(reg, e);
  const sccs = walk.sccs;
  const components = sccs.filter((_, i) => walk.cyclic[i]);
  const garbage: UnixSock[] = [];
  const hitlist: Skb[] = [];
  for (let c = 0; c < sccs.length; c++) {
    if (!walk.closed[c]) continue;
    const scc = sccs[c]!;
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
      garbage.push(v);
      takeQueue(v.queue, hitlist);
      for (const emb of v.acceptQ) {
        e.write(emb.simId, SK_QUEUE);
        takeQueue(emb.queue, hitlist);
      }
    }
  }
  return { components, garbage, hitlist };
}

/** Splices a whole queue onto the hitlist (skb_queue_splice_init()). */
function takeQueue(q: Skb[], hitlist: Skb[]): void {
  for (const skb of q) {
    skb.owner = null;
    hitlist.push(skb);
  }
  q.length = 0;
}
