import { EPOLLOUT, KernelError, SOCK_DGRAM, Unix, type Kernel, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';
import { IORING_OP_POLL_ADD, IORING_REGISTER_FILES, IOSQE_ASYNC, IOSQE_FIXED_FILE, ioUring, type UringApi } from '../plugins/io-uring/index.js';

function* pollThenClose(sys: Sys, u: UringApi, ring: number, a: number): KernelPath<number> {
  // A request on fixed slot 0 (socket a) runs on an io-wq worker while the user lets go.
  const r = yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_POLL_ADD, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, pollEvents: EPOLLOUT, userData: 1 }]);
  yield* sys.close(a);
  yield* sys.close(ring);
  return r.submitted;
}

function* collect(sys: Sys): KernelPath<number> {
  const report = yield* Unix.on(sys).gc();
  return report.collected.length;
}

/**
 * What the uring-scm-gc-uaf scenario's setup hands its check: what sending the ring fd
 * over the socket returned (1 byte, or the errno: EINVAL under `'plain'`).
 *
 * @example
 * ```ts
 * import type { UringScmGcUafContext } from 'fdlab/scenarios';
 * const refused = (c: UringScmGcUafContext) => c.sent === 'EINVAL';
 * ```
 */
export interface UringScmGcUafContext {
  /** sendmsg()'s result for the ring fd: the bytes sent, or the errno name. */
  readonly sent: number | string;
}

/**
 * Seed 003, Jann Horn's first objection to "io_uring: add file set registration" (2019): a
 * ring and a unix socket reference each other — socket `a` is registered in the ring, so
 * under the SCM designs it is in flight on the ring's hidden `ring_sock`, and the ring fd is
 * in flight on `a` (sent from its peer). The user closes its fds while an io-wq worker still
 * uses fixed slot 0; the classic collector finds the cycle unreachable and purges the
 * ring_sock's message — dropping `a`'s only reference while the ring's table still points at
 * it: a use-after-free. Under v6.7's 'plain' design the ring fd cannot be sent (EINVAL), the
 * cycle is never built, and every schedule is clean.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringScmGcUaf } from 'fdlab/scenarios';
 * explore(uringScmGcUaf, { policy: 'before' }).violations.some((v) => v.kind === 'use-after-free'); // true
 * ```
 */
export const uringScmGcUaf = /* @__PURE__ */ defineScenario<UringScmGcUafContext>({
  name: 'uring-scm-gc-uaf',
  title: 'the unix collector frees a registered socket the ring still uses (ring ⇄ socket cycle)',
  source: 'seed 003: Jann Horn, "the GC is just going to go through unix_destruct_scm() and drop references on your files"',
  description: 'P1 registers socket a in its ring, sends the ring fd to a, submits a POLL_ADD on fixed slot 0 to io-wq and closes a and the ring; P2 runs the collector.',
  plugins: [/* @__PURE__ */ ioUring()],
  before: ['linux-5.16', { uringFileRegistration: 'scm', unixGc: 'classic' }],
  after: 'current',
  expected: { before: ['use-after-free'], after: 'clean' },
  setup(k: Kernel) {
    const u = k.use(ioUring());
    const p = k.spawnProcess({ name: 'P1' });
    const ring = u.setup(p, 8);
    const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
    u.register(p, ring, IORING_REGISTER_FILES, [a], 1);
    let sent: number | string;
    try {
      sent = Unix.sendmsg(p, b, 'r', [ring]);
    } catch (e) {
      if (!KernelError.is(e)) throw e;
      sent = e.code;
    }
    p.thread((sys) => pollThenClose(sys, u, ring, a));
    k.spawnProcess({ name: 'P2' }).thread((sys) => collect(sys));
    return { sent };
  },
  check(k, { sent }) {
    if (k.policy.uringFileRegistration === 'plain' && sent !== 'EINVAL') throw new Error(`sending a ring fd under 'plain' must be EINVAL, got ${String(sent)}`);
  },
});
