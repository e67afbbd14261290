import { KernelError, O_RDONLY, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';
import { IORING_OP_READ, IORING_REGISTER_FILES, IORING_UNREGISTER_FILES, IOSQE_FIXED_FILE, ioUring, type UringApi } from '../plugins/io-uring/index.js';

/** Runs `p` and records its result, or the errno it failed with. */
function* pushOutcome(out: unknown[], p: KernelPath<unknown>): KernelPath<void> {
  try {
    out.push(yield* p);
  } catch (e) {
    if (!KernelError.is(e)) throw e;
    out.push(e.code);
  }
}

function* registerTwice(sys: Sys, u: UringApi, ring: number, fd: number): KernelPath<unknown[]> {
  const s = u.on(sys);
  const out: unknown[] = [];
  const call = (p: KernelPath<unknown>): KernelPath<void> => pushOutcome(out, p);
  // fget() succeeds twice, then fd 99 is not open: the error path.
  yield* call(s.register(ring, IORING_REGISTER_FILES, [fd, fd, 99], 3));
  yield* call(s.register(ring, IORING_REGISTER_FILES, [fd, fd], 2));
  yield* call(s.register(ring, IORING_UNREGISTER_FILES, null, 0));
  yield* call(s.register(ring, IORING_REGISTER_FILES, [fd], 1));
  // Slot 1 is beyond the one-slot table: nr_user_files must say so.
  const r = yield* s.enter(ring, [{ opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 1, off: 0, len: 1, userData: 1 }], 1);
  out.push(r.cqes[0]?.error ?? r.cqes[0]?.res);
  return out;
}

/**
 * Seed 003 (Jann Horn reviewing "io_uring: add file set registration", Feb 2019), the
 * two error-path defects: a registration that fails after N successful fget()s jumps to
 * io_sqe_files_unregister(), which only dequeues `ring_sock` skbs — there are none yet —
 * so the N references leak; and nothing resets `ctx->nr_user_files`, so after repeated
 * register/unregister it exceeds the table and a fixed-file lookup reads past
 * `user_files[]`. `before` is the patch as posted ('scm-as-posted'): the audit names the
 * leaked references' holder and the lookup is reported `out-of-bounds`; `after` is the
 * merged code ('scm'): clean.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringRegisterErrorPath } from 'fdlab/scenarios';
 * explore(uringRegisterErrorPath, { policy: 'before' }).violations.map((v) => v.kind); // ['out-of-bounds', 'leak']
 * ```
 */
export const uringRegisterErrorPath = /* @__PURE__ */ defineScenario({
  name: 'uring-register-error-path',
  title: 'the 2019 registration error path leaks fget() references and lets nr_user_files outgrow the table',
  source: 'seed 003: Jann Horn, "Re: [PATCH 14/19] io_uring: add file set registration"',
  description: 'P1 registers [fd, fd, 99] (EBADF after two fget()s), registers [fd, fd], unregisters, registers [fd], then reads fixed slot 1.',
  plugins: [/* @__PURE__ */ ioUring()],
  before: { uringFileRegistration: 'scm-as-posted' },
  after: { uringFileRegistration: 'scm' },
  expected: { before: ['leak', 'out-of-bounds'], after: 'clean' },
  setup(k) {
    const u = k.use(ioUring());
    const p = k.spawnProcess({ name: 'P1' });
    const ring = u.setup(p, 8);
    const fd = p.open('/data/log', O_RDONLY);
    p.thread((sys) => registerTwice(sys, u, ring, fd));
  },
});
