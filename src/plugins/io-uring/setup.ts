import { KernelError, O_CLOEXEC, O_RDWR, type Kernel, type KernelPath, type Task } from '../../index.js';
import { allocStep, installStep, requireSyscall } from '../../extend.js';
import { IORING_MAX_ENTRIES } from './constants.js';
import { Ring, uringFileOperations } from './ring.js';

/**
 * io_uring_setup(entries, params) as a kernel path for task `t`: a new ring whose file is
 * installed at the lowest free fd, always O_RDWR | O_CLOEXEC (io_uring_install_fd(), so a
 * ring survives fork() but not exec()). Models io_uring_setup() → io_uring_create() in
 * io_uring/io_uring.c: `entries` 0 or above IORING_MAX_ENTRIES is EINVAL, any setup
 * flag EINVAL in the model (SQPOLL, IOPOLL, ... are not modelled), no free fd EMFILE.
 * The new ring joins `rings` (the plugin's list of the kernel's rings), named after its place.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { ioUring, ioUringSetupSteps } from 'fdlab/io-uring';
 * const k = new Kernel();
 * k.use(ioUring());
 * const p = k.spawnProcess();
 * p.thread(function* (sys) { return yield* ioUringSetupSteps(k, sys.task, 8, 0, []); });
 * k.run();
 * ```
 */
export function* ioUringSetupSteps(k: Kernel, t: Task, entries: number, flags: number, rings: Ring[]): KernelPath<number> {
  requireSyscall(k.policy, 'io_uring_setup', 'v5.11');
  if (!Number.isInteger(entries) || entries <= 0 || entries > IORING_MAX_ENTRIES) throw new KernelError('EINVAL', 'io_uring_setup', `entries ${entries}`);
  if (flags !== 0) throw new KernelError('EINVAL', 'io_uring_setup', `setup flags ${flags} are not modelled`);
  const files = t.filesOrThrow('io_uring_setup');
  yield { ...allocStep(files, ...k.vfs.anonFileAccesses()), fn: 'io_uring_create: get_unused_fd_flags, io_uring_get_file' };
  const fd = files.allocFd(0, t.process.rlimitNofile, true);
  const ring = new Ring(k, rings.length + 1, entries);
  const file = k.vfs.openAnon('[io_uring]', uringFileOperations, O_RDWR | O_CLOEXEC);
  file.privateData = ring;
  ring.file = file;
  if (k.policy.uringFileRegistration !== 'plain') ring.attachSock(file);
  rings.push(ring);
  yield installStep(files, fd);
  files.fdInstall(fd, file);
  return fd;
}
