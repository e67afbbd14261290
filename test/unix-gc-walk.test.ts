/*
 * The graph collector's walk (walkScc: the graph laid out flat, Tarjan over typed arrays,
 * closed and cyclic components noted on the way) against a textbook recursive Tarjan over
 * a graph rebuilt here from the queues alone: random programs of sockets, listeners,
 * connects, accepts, sends of fds, receives and closes; after every call both give the
 * same components in the same order, and the same "no edge leaves" and "cyclic" verdicts.
 * Walks follow one another on the same kernel, so the marks of earlier walks (indices
 * below the walk's first one) and the vertex list's holes and compaction are exercised.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelError, MSG_DONTWAIT, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM, Unix, unixSockOfFile, type Kernel, type Process, type UnixSock } from '../src/index.js';
import { walkScc } from '../src/unix/gc-scc.js';
import { newKernel } from './helpers.js';

type Op =
  | { readonly op: 'socket' | 'pair' | 'listen' }
  | { readonly op: 'connect'; readonly to: number }
  | { readonly op: 'accept' | 'recv' | 'close'; readonly fd: number }
  | { readonly op: 'send'; readonly fd: number; readonly pass: readonly number[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('socket' as const, 'pair' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('listen' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('connect' as const), to: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('accept' as const, 'recv' as const), fd: fc.nat(15) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), fd: fc.nat(15), pass: fc.array(fc.nat(15), { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('close' as const), fd: fc.nat(15) }) },
);

function openFds(p: Process): number[] {
  const out: number[] = [];
  p.files.fdt.fd.forEach((f, i) => {
    if (f) out.push(i);
  });
  return out;
}

function apply(p: Process, o: Op, names: string[]): void {
  const fds = openFds(p);
  const pick = (i: number): number => fds[i % fds.length]!;
  try {
    switch (o.op) {
      case 'socket':
        Unix.socket(p, SOCK_DGRAM);
        break;
      case 'pair':
        Unix.socketpair(p, SOCK_STREAM);
        break;
      case 'listen': {
        const l = Unix.socket(p, SOCK_STREAM | SOCK_NONBLOCK);
        names.push(`\0w${names.length}`);
        Unix.bind(p, l, names[names.length - 1]!);
        Unix.listen(p, l, 4);
        break;
      }
      case 'connect':
        if (names.length > 0) Unix.connect(p, Unix.socket(p, SOCK_STREAM), names[o.to % names.length]!);
        break;
      case 'accept':
        if (fds.length > 0) Unix.accept(p, pick(o.fd));
        break;
      case 'recv':
        if (fds.length > 0) Unix.recvmsg(p, pick(o.fd), 4, 2, MSG_DONTWAIT);
        break;
      case 'close':
        if (fds.length > 0) p.close(pick(o.fd));
        break;
      case 'send':
        if (fds.length > 0) Unix.sendmsg(p, pick(o.fd), 'm', o.pass.map(pick), MSG_DONTWAIT);
        break;
    }
  } catch (e) {
    if (!KernelError.is(e)) throw e;
  }
}

interface Component {
  readonly names: string[];
  readonly closed: boolean;
  readonly cyclic: boolean;
}

/**
 * The reference: edges read off the queues (a copy of socket u in a message on socket s's
 * queue is an edge u → s, an embryo's queue counting as its listener's), in send order per
 * socket; recursive Tarjan over the vertices in the registry's order.
 */
function reference(k: Kernel): Component[] {
  const vertices = [...k.unix.inflightList];
  const vertex = (s: UnixSock): UnixSock | null => {
    const v = s.listener ?? s;
    return v.inflight > 0 ? v : null;
  };
  const out = new Map<UnixSock, Array<{ id: number; at: number; to: UnixSock | null }>>();
  for (const s of k.unix.socks) {
    for (const skb of s.queue) {
      if (!skb.inflight) continue;
      skb.files.forEach((f, at) => {
        const u = unixSockOfFile(f);
        if (u === null) return;
        const list = out.get(u) ?? [];
        list.push({ id: skb.id, at, to: vertex(s) });
        out.set(u, list);
      });
    }
  }
  const succ = (v: UnixSock): Array<UnixSock | null> => (out.get(v) ?? []).sort((a, b) => a.id - b.id || a.at - b.at).map((e) => e.to);
  let next = 0;
  const index = new Map<UnixSock, number>();
  const low = new Map<UnixSock, number>();
  const comp = new Map<UnixSock, number>();
  const stack: UnixSock[] = [];
  const found: UnixSock[][] = [];
  const visit = (v: UnixSock): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of succ(v)) {
      if (w === null) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (!comp.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: UnixSock[] = [];
      let w: UnixSock;
      do {
        w = stack.pop()!;
        comp.set(w, found.length);
        scc.push(w);
      } while (w !== v);
      found.push(scc);
    }
  };
  for (const v of vertices) if (!index.has(v)) visit(v);
  return found.map((scc, c) => ({
    names: scc.map((s) => s.name),
    closed: scc.every((v) => succ(v).every((w) => w !== null && comp.get(w) === c)),
    cyclic: scc.length > 1 || succ(scc[0]!).includes(scc[0]!),
  }));
}

function walked(k: Kernel): Component[] {
  const w = walkScc(k.unix, null);
  return w.sccs.map((scc, c) => ({ names: scc.map((s) => s.name), closed: w.closed[c]!, cyclic: w.cyclic[c]! }));
}

describe('the scc walk', () => {
  it('finds the components of a recursive Tarjan over the queues, in its order, with the same closed and cyclic verdicts', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (prog) => {
        const k = newKernel({ policy: { unixGc: 'scc' }, trace: false });
        const p = k.spawnProcess();
        const names: string[] = [];
        for (const o of prog) {
          apply(p, o, names);
          expect(walked(k)).toEqual(reference(k));
        }
        for (const fd of openFds(p)) {
          p.close(fd);
          expect(walked(k)).toEqual(reference(k));
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('keeps the vertex list in first-in-flight order through holes and compaction', () => {
    const k = newKernel({ policy: { unixGc: 'scc' }, trace: false });
    const p = k.spawnProcess();
    const holder = Unix.socket(p, SOCK_DGRAM);
    const fds: number[] = [];
    for (let i = 0; i < 200; i++) fds.push(Unix.socket(p, SOCK_DGRAM));
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    // Every socket in flight on b's queue, one message each, then received in order: the
    // head of the list empties first, so holes pile up in front until the list compacts.
    for (const fd of fds) Unix.sendmsg(p, a, 'm', [fd]);
    expect([...k.unix.inflightList].length).toBe(200);
    for (let i = 0; i < 170; i++) {
      const r = Unix.recvmsg(p, b, 4, 1, MSG_DONTWAIT);
      for (const fd of r.fds) p.close(fd);
      const left = fds.slice(i + 1).map((fd) => p.fileOf(fd).name);
      expect([...k.unix.inflightList].map((s) => s.file!.name)).toEqual(left);
      if (i % 25 === 0) expect(walked(k)).toEqual(reference(k));
    }
    expect(k.unix.vertices.length).toBeLessThan(200);
    Unix.sendmsg(p, a, 'm', [holder]);
    expect([...k.unix.inflightList].at(-1)!.file!.name).toBe(p.fileOf(holder).name);
    expect(walked(k)).toEqual(reference(k));
  });
});
