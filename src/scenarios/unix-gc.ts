import { SOCK_DGRAM, MSG_PEEK, Unix, type KernelPath, type Sys, type UnixSock } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

function* dupper(sys: Sys, fd: number): KernelPath<number> {
  return yield* sys.dup(fd);
}

function* closer(sys: Sys, fd: number): KernelPath {
  yield* sys.close(fd);
}

function* collector(sys: Sys): KernelPath<number> {
  return (yield* Unix.on(sys).gc()).collected.length;
}

function* peekThenClose(sys: Sys, s: number): KernelPath<number> {
  const r = yield* Unix.on(sys).recvmsg(s, 4, 1, MSG_PEEK);
  yield* sys.close(s);
  return r.fds.length;
}

function* closeThenCollect(sys: Sys, fd: number): KernelPath<number> {
  yield* sys.close(fd);
  return (yield* Unix.on(sys).gc()).collected.length;
}

/**
 * CVE-2021-4083 (Jann Horn; fixed by 054aa8d439b9 "fget: check that the fd still exists
 * after getting a ref to it", v5.16): socket S sits in flight in its own queue and fd `s`
 * is its only other reference. T1 dup()s `s` — fget() loads the slot, then takes a
 * reference — while T2 closes `s` and T3 runs the collector. If the close lands between
 * fget()'s load and its increment, the collector sees `file_count == inflight`, decides
 * S is garbage, and then fget() resurrects S into a new fd: the collector purges the
 * queue of a socket a user holds. With the recheck of the slot after the increment the
 * dup fails with EBADF instead.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { unixGcCloseRace } from 'fdlab/scenarios';
 * explore(unixGcCloseRace, { policy: 'before' }).violations[0]?.kind; // 'use-after-free'
 * ```
 */
export const unixGcCloseRace = /* @__PURE__ */ defineScenario({
  name: 'unix-gc-close-race',
  title: 'fget() racing close() of an in-flight AF_UNIX socket while the collector runs (CVE-2021-4083)',
  source: 'CVE-2021-4083: 054aa8d439b9 "fget: check that the fd still exists after getting a ref to it" (v5.16)',
  description:
    'S is in flight in its own queue; T1 dup()s its fd, T2 closes it, T3 runs unix_gc(). Without the recheck of the fd slot after the increment, fget() can take a reference after the collector decided S was garbage and hand S back to the user.',
  before: 'linux-5.11',
  after: 'linux-5.16',
  expected: { before: ['use-after-free'], after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const [s, s2] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, s2, 'x', [s]);
    p.thread((sys) => dupper(sys, s));
    p.thread((sys) => closer(sys, s));
    p.thread(collector);
  },
});

/**
 * CVE-2021-0920 (fixed by cbcf01128d0a "af_unix: fix garbage collect vs MSG_PEEK", v5.14;
 * exploited in the wild): T is in flight only in S's queue, S is in flight in T's queue
 * and the user holds fd `s`. T1 peeks at `s` (MSG_PEEK duplicates T's file into a new
 * fd without touching the in-flight count) and then closes `s`, while T2 runs the
 * classic collector. When the collector decides T is a candidate before the peek and S
 * after the close, both look garbage and are purged although the user holds T. With
 * the `spin_lock(&unix_gc_lock); spin_unlock(&unix_gc_lock);` handshake between the
 * duplication and the install, the peek waits for the collector, which then still sees
 * the fd of S.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { unixGcMsgPeek } from 'fdlab/scenarios';
 * explore(unixGcMsgPeek, { policy: 'after' }).violations.length; // 0
 * ```
 */
export const unixGcMsgPeek = /* @__PURE__ */ defineScenario({
  name: 'unix-gc-msg-peek',
  title: 'MSG_PEEK duplicates an in-flight socket while the classic collector runs (CVE-2021-0920)',
  source: 'CVE-2021-0920: cbcf01128d0a "af_unix: fix garbage collect vs MSG_PEEK" (v5.14)',
  description:
    'T and S are in flight in each other\'s queue; the user holds S. T1 peeks T out of S\'s queue and closes S; T2 runs the classic unix_gc(). Without the GC-lock handshake in unix_peek_fds() the collector can purge T after the peek installed it.',
  before: 'linux-5.11',
  after: 'linux-5.16',
  expected: { before: ['use-after-free'], after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const [s, s2] = Unix.socketpair(p, SOCK_DGRAM);
    const [t, t2] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, s2, 'x', [t]); // T in flight in S's queue (first on gc_inflight_list)
    Unix.sendmsg(p, t2, 'y', [s]); // S in flight in T's queue
    p.close(t);
    p.close(s2);
    p.close(t2);
    p.thread((sys) => peekThenClose(sys, s));
    p.thread(collector);
  },
});

/**
 * What the unix-gc-cycle scenario's setup hands its check: the two sockets of the cycle.
 *
 * @example
 * ```ts
 * import type { UnixGcCycleContext } from 'fdlab/scenarios';
 * const freed = (c: UnixGcCycleContext) => c.A.dead && c.B.dead;
 * ```
 */
export interface UnixGcCycleContext {
  /** The socket the user holds until T1 closes it. */
  readonly A: UnixSock;
  /** The socket only A's queue holds. */
  readonly B: UnixSock;
}

/**
 * What each collector is for: A and B are in flight in each other's queue. While the
 * user holds `a`, nothing may be collected; once `a` is closed, the collector frees
 * both. T1 closes `a` and runs the collector; T2 runs the collector at any moment (a run
 * in progress makes another return at once, as gc_in_progress does). After one more run
 * at the end, both sockets must be freed, under 'classic' and 'scc' alike.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { unixGcCycle } from 'fdlab/scenarios';
 * explore(unixGcCycle, { policy: 'before' }).violations.length; // 0
 * ```
 */
export const unixGcCycle = /* @__PURE__ */ defineScenario<UnixGcCycleContext>({
  name: 'unix-gc-cycle',
  title: 'a cycle of two in-flight sockets is kept while reachable and collected after the last close',
  source: 'net/unix/garbage.c: the classic collector (1fd05ba5a2f2, v2.6.23) and the graph collector (v6.10)',
  description:
    'A and B are in flight in each other\'s queue; the user holds a. T1 closes a and runs unix_gc(); T2 runs unix_gc(). The cycle must survive while a is open and be freed at the end.',
  before: { unixGc: 'classic' },
  after: { unixGc: 'scc' },
  expected: { before: 'clean', after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const [a, a2] = Unix.socketpair(p, SOCK_DGRAM);
    const [b, b2] = Unix.socketpair(p, SOCK_DGRAM);
    Unix.sendmsg(p, b2, 'x', [a]); // A in flight in B's queue
    Unix.sendmsg(p, a2, 'y', [b]); // B in flight in A's queue
    p.close(b);
    p.close(a2);
    p.close(b2);
    const A = Unix.sockOf(p, a);
    const B = k.unix.socks[2]!;
    p.thread((sys) => closeThenCollect(sys, a));
    p.thread(collector);
    return { A, B };
  },
  check(k, { A, B }) {
    // A run that started before the close may have made the closer's run return at once
    // (gc_in_progress): the next run collects.
    k.unixGc();
    if (!A.dead || !B.dead) throw new Error(`the cycle survived: ${A.name} ${A.dead ? 'freed' : 'live'}, ${B.name} ${B.dead ? 'freed' : 'live'}`);
  },
});
