import { type Kernel, KernelError, type KernelPath, O_RDWR, type Task } from '../../index.js';
import { access, allocStep, flagsWithin, hasSyscalls, installStep, requireSyscall } from '../../extend.js';
import { PIDFD_NONBLOCK, PIDFD_THREAD } from './constants.js';
import { findTask, pidfdFileOperations, type PidRef } from './pidfd-file.js';
import type { PidfdOptions } from './options.js';

/**
 * pidfd_open(pid, flags) as a kernel path for the calling task `t`: validate flags and
 * pid, find the pid, reserve an fd (always O_CLOEXEC), create the pidfs file, install.
 * Models sys_pidfd_open() / pidfd_create() in kernel/pid.c and fs/pidfs.c.
 *
 * errno: EINVAL (unknown flags — PIDFD_THREAD is one before v6.9 —, pid ≤ 0), ESRCH (no such pid, or reaped — a zombie not
 * yet reaped still has its pid and gets a pidfd), ENOENT (a non-leader thread without
 * PIDFD_THREAD; EINVAL under `uapi: 'v6.9'`), EMFILE.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { pidfd, pidfdOpenSteps } from 'fdlab/pidfd';
 * const k = new Kernel();
 * k.use(pidfd());
 * const p = k.spawnProcess();
 * p.thread(function* (sys) { return yield* pidfdOpenSteps(k, {}, sys.task, p.pid, 0); });
 * ```
 */
export function* pidfdOpenSteps(k: Kernel, opts: PidfdOptions, t: Task, pid: number, flags: number): KernelPath<number> {
  requireSyscall(k.policy, 'pidfd_open', 'v5.11');
  // PIDFD_THREAD came in v6.9 (policy `syscalls` 'v6.9'); PIDFD_NONBLOCK in v5.10.
  if (!flagsWithin(flags, PIDFD_NONBLOCK | (hasSyscalls(k.policy, 'v6.9') ? PIDFD_THREAD : 0))) throw new KernelError('EINVAL', 'pidfd_open', `bad flags ${flags}`);
  // pid_t is an int: a pid of 2^31 or more is no pid at all.
  if (!Number.isInteger(pid) || pid <= 0 || pid > 0x7fffffff) throw new KernelError('EINVAL', 'pidfd_open', `bad pid ${pid}`);
  const thread = (flags & PIDFD_THREAD) !== 0;
  yield { fn: 'find_get_pid', acc: [access(k.vfs.simId, 0, false), k.pidNsAccess(false)] };
  const found = findTask(k, pid);
  // find_get_pid() fails first in every version: ESRCH (only pidfd_prepare()'s
  // pid_has_task() check, reached with a pid that exists, changed from EINVAL to ENOENT).
  if (found === null) throw new KernelError('ESRCH', 'pidfd_open', `no task with pid ${pid}`);
  if (!thread && found.task !== found.process.main) {
    throw new KernelError(opts.uapi === 'v6.9' ? 'EINVAL' : 'ENOENT', 'pidfd_open', `${pid} is not a thread-group leader (use PIDFD_THREAD)`);
  }
  const files = t.filesOrThrow('pidfd_open');
  yield { ...allocStep(files), fn: 'get_unused_fd_flags(O_CLOEXEC)' };
  const fd = files.allocFd(0, t.process.rlimitNofile, true);
  yield { fn: 'pidfs_alloc_file', acc: k.vfs.anonFileAccesses() };
  const file = k.vfs.openAnon('[pidfd]', pidfdFileOperations, O_RDWR | (flags & PIDFD_NONBLOCK));
  file.privateData = { pid, thread } satisfies PidRef;
  yield installStep(files, fd);
  files.fdInstall(fd, file);
  return fd;
}
