/*
 * The collectors against an independent reachability oracle (fast-check): random programs
 * of socketpair / socket+bind+listen / connect / accept / send-fds / receive (and
 * MSG_PEEK) / close / collector runs, each run on a kernel with the classic and one with
 * the scc collector. After every call, no socket a user can still reach (from an fd,
 * through the queues of reachable sockets and their embryos — computed here from fd
 * tables and queues only) has been freed; after every fd is closed and the collector has
 * run to a fixpoint, every socket is freed; both collectors freed the same sockets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MSG_DONTWAIT, MSG_PEEK, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM, KernelError, Unix, unixSockOfFile, type Kernel, type Process, type UnixSock,
} from '../src/index.js';
import { newKernel } from './helpers.js';

type Op =
  | { readonly op: 'pair'; readonly type: number }
  | { readonly op: 'listen' }
  | { readonly op: 'connect'; readonly to: number }
  | { readonly op: 'accept'; readonly fd: number }
  | { readonly op: 'send'; readonly fd: number; readonly pass: readonly number[] }
  | { readonly op: 'recv'; readonly fd: number; readonly peek: boolean }
  | { readonly op: 'close'; readonly fd: number }
  | { readonly op: 'gc' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pair' as const), type: fc.constantFrom(SOCK_DGRAM, SOCK_STREAM) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('listen' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('connect' as const), to: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('accept' as const), fd: fc.nat(15) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('send' as const), fd: fc.nat(15), pass: fc.array(fc.nat(15), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('recv' as const), fd: fc.nat(15), peek: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('close' as const), fd: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gc' as const) }) },
);

/** Sockets reachable from a user: fds, then what reachable sockets' (and their embryos') queues carry. */
function oracle(k: Kernel): Set<UnixSock> {
  const seen = new Set<UnixSock>();
  const work: UnixSock[] = [];
  const add = (s: UnixSock | null) => {
    if (s !== null && !seen.has(s)) {
      seen.add(s);
      work.push(s);
    }
  };
  for (const p of k.processes.values()) for (const f of p.files.fdt.fd) if (f) add(unixSockOfFile(f));
  while (work.length > 0) {
    const s = work.pop()!;
    for (const q of [s.queue, ...s.acceptQ.map((e) => e.queue)]) for (const skb of q) for (const f of skb.files) add(unixSockOfFile(f));
    // An embryo is reachable through its listener (accept() hands it out).
    for (const e of s.acceptQ) add(e);
  }
  return seen;
}

function openFds(p: Process): number[] {
  const out: number[] = [];
  p.files.fdt.fd.forEach((f, i) => {
    if (f) out.push(i);
  });
  return out;
}

const pick = (fds: readonly number[], i: number): number => fds[i % fds.length]!;

function apply(k: Kernel, p: Process, o: Op, names: string[]): void {
  const fds = openFds(p);
  try {
    switch (o.op) {
      case 'pair':
        Unix.socketpair(p, o.type);
        break;
      case 'listen': {
        const l = Unix.socket(p, SOCK_STREAM | SOCK_NONBLOCK);
        const name = `\0l${names.length}`;
        Unix.bind(p, l, name);
        Unix.listen(p, l, 4);
        names.push(name);
        break;
      }
      case 'connect': {
        if (names.length === 0) return;
        const c = Unix.socket(p, SOCK_STREAM);
        Unix.connect(p, c, names[o.to % names.length]!);
        break;
      }
      case 'accept':
        if (fds.length > 0) Unix.accept(p, pick(fds, o.fd));
        break;
      case 'send':
        if (fds.length > 0) Unix.sendmsg(p, pick(fds, o.fd), 'm', o.pass.map((i) => pick(fds, i)), MSG_DONTWAIT);
        break;
      case 'recv':
        if (fds.length > 0) Unix.recvmsg(p, pick(fds, o.fd), 4, 2, MSG_DONTWAIT | (o.peek ? MSG_PEEK : 0));
        break;
      case 'close':
        if (fds.length > 0) p.close(pick(fds, o.fd));
        break;
      case 'gc':
        k.unixGc();
        break;
    }
  } catch (e) {
    if (!KernelError.is(e)) throw e;
  }
}

/** Runs `prog` on a fresh kernel with collector `gc`; checks the oracle after every call; returns the freed sockets at the end. */
function run(prog: readonly Op[], gc: 'classic' | 'scc'): string[] {
  const k = newKernel({ policy: { unixGc: gc }, trace: false });
  const p = k.spawnProcess();
  const names: string[] = [];
  const check = () => {
    const reach = oracle(k);
    for (const s of k.unix.socks) if (s.dead && reach.has(s)) throw new Error(`${gc}: ${s.name} freed while reachable`);
    expect(k.engine.violations).toEqual([]);
  };
  for (const o of prog) {
    apply(k, p, o, names);
    check();
  }
  for (const fd of openFds(p)) {
    p.close(fd);
    check();
  }
  for (let i = 0; i < 64 && k.unixGc().collected.length > 0; i++);
  const live = k.unix.socks.filter((s) => !s.dead).map((s) => s.name);
  expect(live, `${gc}: sockets left after every fd closed and the collector ran`).toEqual([]);
  expect(k.unix.totInflight).toBe(0);
  return k.unix.socks.map((s) => s.name);
}

describe('UnixGc against a reachability oracle', () => {
  it('no reachable socket is freed; everything is freed at the end; classic and scc free the same sockets', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (prog) => {
        expect(run(prog, 'classic')).toEqual(run(prog, 'scc'));
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('after every call the two collectors have freed the same sockets, up to the chains scc frees one run later', () => {
    // A dead component holding another dead component is freed by the classic collector in
    // one run; the graph collector frees the holder first and the held one at its next
    // run. With a collector run after every call both reach the same fixpoint.
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (prog) => {
        const dead: string[][] = [];
        for (const gc of ['classic', 'scc'] as const) {
          const k = newKernel({ policy: { unixGc: gc }, trace: false });
          const p = k.spawnProcess();
          const names: string[] = [];
          const trail: string[] = [];
          for (const o of prog) {
            apply(k, p, o, names);
            for (let i = 0; i < 64 && k.unixGc().collected.length > 0; i++);
            trail.push(k.unix.socks.filter((s) => s.dead).map((s) => s.name).join(','));
          }
          for (const fd of openFds(p)) p.close(fd);
          for (let i = 0; i < 64 && k.unixGc().collected.length > 0; i++);
          dead.push(trail);
        }
        expect(dead[0]).toEqual(dead[1]);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
