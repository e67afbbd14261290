import { F_COUNT } from '../file/ref-file.js';
import type { Engine } from '../sim/engine.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import type { GcScan } from './gc-classic.js';
import { GC_STATE, SK_GC, SK_QUEUE, type Skb, type UnixRegistry, type UnixSock } from './sock.js';

/** unix_edge_successor(): an embryo's messages count as its listener's; null if the receiver is not in flight (a live root). */
function successor(_reg: UnixRegistry, to: UnixSock): UnixSock | null {
  const v = to.listener ?? to;
  // A vertex exists exactly while the socket has a copy in flight (it is in the vertex list).
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
 * The walk itself, in two parts. First one pass over the vertex list lays the graph out
 * flat — for each vertex slot, the slots of its edges' successors (-1 for a receiver not
 * in flight) — and records the walk's writes (the graph state and every vertex). Then
 * Tarjan runs over those arrays and never touches a socket: at 10^5 vertices each socket
 * read misses the CPU caches, and a depth-first walk chases them one after another,
 * while the pass reads them in list order, where the CPU overlaps the misses. The state
 * lives in typed arrays over the slots ({@link WalkArrays}): a slot is unvisited if its
 * index is below this walk's first index (the kernel's unix_vertex_unvisited_index: no
 * pass resets the marks), on the stack if visited and not yet given a component; whether
 * an edge leaves a component is noted as the walk goes (an edge to a finished component,
 * to a receiver not in flight, or a tree edge whose child finished a component of its
 * own). @internal
 */
export function walkScc(reg: UnixRegistry, e: Engine | null): SccWalk {
  const vs = reg.vertices;
  const nv = vs.length;
  const count = reg.vertexCount;
  const a = walkArrays(reg, nv, count);
  if (e !== null) e.write(reg.simId, GC_STATE);
  const off = a.off;
  let tgt = a.tgt;
  let m = 0;
  for (let s = 0; s < nv; s++) {
    off[s] = m;
    const v = vs[s];
    if (v === null || v === undefined) continue;
    if (e !== null) e.write(v.simId, SK_GC);
    for (let edge = v.firstEdge; edge !== null; edge = edge.next) {
      if (m === tgt.length) {
        const t = new Int32Array(2 * m + 8);
        t.set(tgt);
        a.tgt = tgt = t;
      }
      const w = successor(reg, edge.to);
      tgt[m++] = w === null ? -1 : w.vertexPos;
    }
  }
  off[nv] = m;
  const { index, low, comp, leaves, stack, fv, fi } = a;
  const base = reg.walkBase;
  let next = base;
  const sccs: UnixSock[][] = [];
  const closedOut: boolean[] = [];
  const cyclicOut: boolean[] = [];
  let sp = 0;
  // The explicit edge stack: the vertex and the position of its next edge in tgt.
  let fp = 0;
  for (let r = 0; r < nv && next - base < count; r++) {
    if (vs[r] === null || index[r]! >= base) continue;
    index[r] = low[r] = next++;
    stack[sp++] = r;
    fv[fp] = r;
    fi[fp++] = off[r]!;
    while (fp > 0) {
      const top = fp - 1;
      const v = fv[top]!;
      const i = fi[top]!;
      if (i < off[v + 1]!) {
        fi[top] = i + 1;
        const w = tgt[i]!;
        if (w < 0) {
          leaves[v] = base;
        } else if (index[w]! < base) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          fv[fp] = w;
          fi[fp++] = off[w]!;
        } else if (comp[w]! < base) {
          // On the stack: in v's component.
          if (index[w]! < low[v]!) low[v] = index[w]!;
        } else {
          leaves[v] = base;
        }
        continue;
      }
      fp--;
      if (low[v] === index[v]) {
        const scc: UnixSock[] = [];
        let closed = true;
        let w: number;
        do {
          w = stack[--sp]!;
          comp[w] = index[v]!;
          if (leaves[w] === base) closed = false;
          scc.push(vs[w]!);
        } while (w !== v);
        sccs.push(scc);
        closedOut.push(closed);
        // unix_scc_cyclic(): more than one vertex, or an edge to itself.
        let cyclic = scc.length > 1;
        for (let j = off[v]!; !cyclic && j < off[v + 1]!; j++) cyclic = tgt[j] === v;
        cyclicOut.push(cyclic);
      }
      if (fp > 0) {
        const parent = fv[fp - 1]!;
        // A child that finished a component of its own: the parent's edge to it leaves the parent's.
        if (comp[v]! >= base) leaves[parent] = base;
        else if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
  }
  reg.walkBase = next;
  return { sccs, closed: closedOut, cyclic: cyclicOut };
}

/**
 * The walk's state over vertex slots, kept on the registry between walks (indices of
 * earlier walks are below the next walk's first index, so nothing is cleared): the flat
 * graph (slot s's successors are tgt[off[s] .. off[s + 1])), Tarjan's index and lowlink,
 * the component (its root's index), the last walk that saw an edge leave the slot's
 * component from it, and the two stacks. @internal
 */
export interface WalkArrays {
  off: Int32Array;
  tgt: Int32Array;
  index: Int32Array;
  low: Int32Array;
  comp: Int32Array;
  leaves: Int32Array;
  stack: Int32Array;
  fv: Int32Array;
  fi: Int32Array;
}

/** The registry's walk arrays, grown to `nv` slots; starts the indices over before they would overflow. */
function walkArrays(reg: UnixRegistry, nv: number, count: number): WalkArrays {
  let a = reg.walkArrays;
  if (a === null || a.index.length < nv) {
    const cap = Math.max(nv, 2 * (a?.index.length ?? 8));
    const grow = (old: Int32Array | undefined): Int32Array => {
      const x = new Int32Array(cap);
      if (old !== undefined) x.set(old);
      return x;
    };
    a = {
      off: new Int32Array(cap + 1),
      tgt: a?.tgt ?? new Int32Array(cap),
      index: grow(a?.index),
      low: new Int32Array(cap),
      comp: grow(a?.comp),
      leaves: grow(a?.leaves),
      stack: new Int32Array(cap),
      fv: new Int32Array(cap),
      fi: new Int32Array(cap),
    };
    reg.walkArrays = a;
  }
  if (reg.walkBase + count >= 0x7fffffff) {
    a.index.fill(0);
    a.comp.fill(0);
    a.leaves.fill(0);
    reg.walkBase = 1;
  }
  return a;
}

function walkAccesses(reg: UnixRegistry): number[] {
  const acc = [reg.acc(GC_STATE, true)];
  for (const v of reg.vertices) if (v !== null) acc.push(v.acc(SK_GC, true));
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
      takeQueue(v.queueMut(), hitlist);
      for (const emb of v.acceptQ) {
        takeQueue(emb.queueMut(), hitlist);
      }
    }
  }
  return { components, garbage, hitlist };
}

/**
 * Splices a whole queue onto the hitlist (skb_queue_splice_init(), which moves the list
 * without touching a message): the messages' `owner` is cleared when the purge frees
 * them, since nothing reaches a hitlist message through its owner meanwhile.
 */
function takeQueue(q: Skb[], hitlist: Skb[]): void {
  for (let i = 0; i < q.length; i++) hitlist.push(q[i]!);
  q.length = 0;
}
