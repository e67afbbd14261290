import { O_DIRECTORY, O_RDONLY, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';
import { IORING_OP_GETDENTS, IORING_REGISTER_FILES, IOSQE_ASYNC, IOSQE_FIXED_FILE, ioUring, type UringApi } from '../plugins/io-uring/index.js';

function* submitTwo(sys: Sys, u: UringApi, ring: number): KernelPath<number> {
  const getdents = (userData: number) => ({ opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, len: 2, userData });
  const r = yield* u.on(sys).enter(ring, [getdents(1), getdents(2)]);
  return r.submitted;
}

/**
 * Seed 000, first half (Christian Brauner reviewing io_uring getdents, July 2023): a
 * directory is registered as a fixed file and its regular fd closed, so its f_count is 1
 * — the slot's reference — however many requests use it. Two GETDENTS requests on the
 * slot run on io-wq workers at once. With the `file_count(file) > 1` trylock copied from
 * __fdget_pos() ('when-shared') neither takes f_pos_lock and both read and write the
 * directory position: the f_pos race. Taking it always ('always') is clean. The GETDENTS
 * op was never merged.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringFixedFpos } from 'fdlab/scenarios';
 * explore(uringFixedFpos, { policy: 'before' }).violations[0]?.kind; // 'fpos-race'
 * ```
 */
export const uringFixedFpos = /* @__PURE__ */ defineScenario({
  name: 'uring-fixed-fpos',
  title: 'two io_uring GETDENTS on a fixed file whose f_count is 1 skip f_pos_lock',
  source: 'seed 000: Christian Brauner on the io_uring getdents series (f_count stays 1 for fixed files)',
  description: 'P1 registers /srv, closes its fd, and submits two IOSQE_ASYNC GETDENTS on fixed slot 0; two io-wq workers iterate the directory concurrently.',
  plugins: [/* @__PURE__ */ ioUring()],
  before: { uringPosLock: 'when-shared' },
  after: { uringPosLock: 'always' },
  expected: { before: ['fpos-race'], after: 'clean' },
  setup(k) {
    const u = k.use(ioUring());
    const p = k.spawnProcess({ name: 'P1' });
    const ring = u.setup(p, 8);
    const fd = p.open('/srv', O_RDONLY | O_DIRECTORY);
    u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
    p.close(fd);
    p.thread((sys) => submitTwo(sys, u, ring));
  },
});
