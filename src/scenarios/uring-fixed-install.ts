import { F_GETFD, FD_CLOEXEC, O_DIRECTORY, O_RDONLY, type KernelPath, type Sys, type Task } from '../index.js';
import { defineScenario } from '../explore/scenario.js';
import {
  IORING_OP_FIXED_FD_INSTALL, IORING_OP_GETDENTS, IORING_OP_OPENAT, IORING_REGISTER_FILES2, IORING_RSRC_REGISTER_SPARSE, IOSQE_ASYNC, IOSQE_FIXED_FILE,
  ioUring, type UringApi,
} from '../plugins/io-uring/index.js';

/**
 * What the uring-fixed-install thread saw: the installed fd, its FD_CLOEXEC bit, the
 * getdents result — or the errno of the install on a kernel without the op (before v6.8).
 */
type Seen = { readonly fd: number; readonly cloexec: boolean; readonly names: readonly string[] } | { readonly installError: string };

function* openUseInstall(sys: Sys, u: UringApi, ring: number): KernelPath<Seen> {
  const s = u.on(sys);
  const r = yield* s.enter(ring, [
    { opcode: IORING_OP_OPENAT, addr: '/srv', openFlags: O_RDONLY | O_DIRECTORY, fileIndex: 1, userData: 1 },
    { opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, len: 2, userData: 2 },
    { opcode: IORING_OP_FIXED_FD_INSTALL, flags: IOSQE_FIXED_FILE, fd: 0, userData: 3 },
  ], 2);
  const installed = r.cqes.find((c) => c.userData === 3)!;
  // Before v6.8 the op is past IORING_OP_LAST: EINVAL, and there is nothing to check.
  if (installed.res < 0) return { installError: installed.error ?? String(installed.res) };
  const fd = installed.res;
  const cloexec = (((yield* sys.fcntl(fd, F_GETFD, 0)) as number) & FD_CLOEXEC) !== 0;
  const names = yield* sys.getdents(fd, 2);
  return { fd, cloexec, names };
}

/**
 * What the uring-fixed-install scenario's setup hands its check.
 *
 * @example
 * ```ts
 * import type { UringFixedInstallContext } from 'fdlab/scenarios';
 * const locked = (c: UringFixedInstallContext) => c.user.posWhy.startsWith('took');
 * ```
 */
export interface UringFixedInstallContext {
  /** The thread that opens the direct descriptor, installs it and reads the directory through the new fd. */
  readonly user: Task;
}

/**
 * Seed 004 (Christian Brauner reviewing IORING_OP_FIXED_FD_INSTALL, Dec 2023): a
 * directory opened straight into a fixed slot (a direct descriptor, f_count 1) is used by
 * a GETDENTS on an io-wq worker while the same thread installs it as a regular fd. The new
 * fd is O_CLOEXEC by default; its file's count is above one for as long as the slot holds
 * it, so getdents(2) on the new fd takes f_pos_lock through fdget_pos() even under the old
 * `f_count > 1` rule — "regular system call fdget*() locking rules should work even with
 * that new extension added". Exhaustive search is clean under both policies.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringFixedInstall } from 'fdlab/scenarios';
 * explore(uringFixedInstall, { policy: 'before' }).violations.length; // 0
 * ```
 */
export const uringFixedInstall = /* @__PURE__ */ defineScenario<UringFixedInstallContext>({
  name: 'uring-fixed-install',
  title: 'FIXED_FD_INSTALL turns a direct descriptor into an O_CLOEXEC fd whose readdir locks f_pos',
  source: 'seed 004: Christian Brauner, "io_uring/openclose: add support for IORING_OP_FIXED_FD_INSTALL" (dc18b89ab113)',
  description: 'P1 opens /srv into fixed slot 0, a GETDENTS on the slot runs on io-wq, FIXED_FD_INSTALL gives P1 a regular fd, and getdents(2) on it must take f_pos_lock.',
  plugins: [/* @__PURE__ */ ioUring()],
  before: ['current', { fdgetPos: 'when-shared' }],
  after: 'current',
  expected: { before: 'clean', after: 'clean' },
  setup(k) {
    const u = k.use(ioUring());
    const p = k.spawnProcess({ name: 'P1' });
    const ring = u.setup(p, 8);
    u.register(p, ring, IORING_REGISTER_FILES2, { nr: 1, flags: IORING_RSRC_REGISTER_SPARSE, data: null }, 32);
    const user = p.thread((sys) => openUseInstall(sys, u, ring));
    return { user };
  },
  check(_k, { user }) {
    const seen = user.sim.result as Seen;
    if ('installError' in seen) return;
    if (!seen.cloexec) throw new Error(`the fd FIXED_FD_INSTALL returned (${seen.fd}) is not O_CLOEXEC`);
    if (!user.posWhy.startsWith('took f_pos_lock')) throw new Error(`getdents(2) on the installed fd did not lock f_pos: ${user.posWhy}`);
  },
  outcome: (_k, { user }) => {
    const seen = user.sim.result as Seen | undefined;
    if (seen === undefined) return String(user.sim.error);
    return 'installError' in seen ? `FIXED_FD_INSTALL: ${seen.installError}` : JSON.stringify(seen.names);
  },
});
