import { KernelError, O_CLOEXEC, type Kernel, type KernelPath, type RefFile, type Task } from '../../index.js';
import { EMPTY_FD, access, exitStateAccess, fdgetSteps, fdputSteps, fgetTaskSteps, fputDeferredSteps, receiveFdSteps, requireSyscall, taskExitingOf } from '../../extend.js';
import { findTask, pidfdPid } from './pidfd-file.js';
import type { PidfdOptions } from './options.js';
import { ptraceMayAccess } from './ptrace.js';

/**
 * pidfd_getfd(pidfd, targetfd, flags) as a kernel path for the calling task `t`: take a
 * duplicate of another process's fd. Models sys_pidfd_getfd() → pidfd_getfd() →
 * __pidfd_fget() in kernel/pid.c:
 *
 * 1. `flags` must be 0 (EINVAL); fdget(pidfd) (EBADF), pidfd_pid() (EBADF if not a pidfd);
 * 2. get_pid_task() (ESRCH if the task is gone);
 * 3. under exec_update_lock: ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS) (EPERM),
 *    then fget_task(): the target's `__fget_files()` with the recheck loop — each load
 *    and the increment a separate step; NULL gives ESRCH for an exiting target whose
 *    files are gone, else EBADF;
 * 4. receive_fd(file, NULL, O_CLOEXEC) into the caller (EMFILE), then fput().
 *
 * The new fd shares the struct file — and its f_pos — with the target. That extra
 * reference can appear while the target is inside an fdget_pos() that decided not to
 * lock because the count was 1: seed 000.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { pidfd, pidfdGetfdSteps } from 'fdlab/pidfd';
 * const k = new Kernel();
 * const pf = k.use(pidfd());
 * const target = k.spawnProcess();
 * const fd = target.open('/data/log', O_RDONLY);
 * const me = k.spawnProcess({ creds: { uid: 0 } });
 * const pfd = pf.pidfdOpen(me, target.pid, 0);
 * me.thread(function* (sys) { return yield* pidfdGetfdSteps(k, {}, sys.task, pfd, fd, 0); });
 * k.run();
 * ```
 */
export function* pidfdGetfdSteps(k: Kernel, opts: PidfdOptions, t: Task, pidfd: number, targetfd: number, flags: number): KernelPath<number> {
  requireSyscall(k.policy, 'pidfd_getfd', 'v5.11');
  if (flags !== 0) throw new KernelError('EINVAL', 'pidfd_getfd', 'flags must be 0');
  const files = t.filesOrThrow('pidfd_getfd');
  const w = Number.isInteger(pidfd) && pidfd >= 0 ? yield* fdgetSteps(t, files, pidfd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', 'pidfd_getfd', `pidfd ${pidfd} is not open`);
  const pfile = files.fileOfWord(w);
  let error: unknown;
  let fd = -1;
  try {
    const ref = pidfdPid(pfile);
    if (ref === null) throw new KernelError('EBADF', 'pidfd_getfd', `fd ${pidfd} is not a pidfd`);
    yield { fn: 'get_pid_task', acc: [access(k.vfs.simId, 0, false), k.pidNsAccess(false)] };
    const found = findTask(k, ref.pid);
    if (found === null) throw new KernelError('ESRCH', 'pidfd_getfd', `pid ${ref.pid} has no task`);
    const target = found.task;
    yield { fn: 'down_read(exec_update_lock); ptrace_may_access', acc: access(k.vfs.simId, 1, false) };
    if (!ptraceMayAccess(t.process, found.process)) {
      throw new KernelError('EPERM', 'pidfd_getfd', `${t.process.name} may not ptrace-attach to ${found.process.name}`);
    }
    const file = yield* pidfdFget(opts, t, target, targetfd);
    try {
      fd = yield* receiveFdSteps(t, file, O_CLOEXEC);
    } finally {
      yield* fputDeferredSteps(t, file);
    }
  } catch (e) {
    error = e;
  }
  yield* fdputSteps(t, files, w);
  if (error !== undefined) throw error;
  return fd;
}

/**
 * __pidfd_fget()'s lookup: fget_task(), with a NULL mapped to ESRCH if the target is
 * PF_EXITING, else EBADF. @internal
 */
function* pidfdFget(opts: PidfdOptions, caller: Task, target: Task, fd: number): KernelPath<RefFile> {
  const file = yield* fgetTaskSteps(caller, target, fd);
  if (file === null) {
    // __pidfd_fget(): any NULL from fget_task() on a PF_EXITING task is ESRCH — its
    // files may be gone, or about to go (the fd then looks closed). The flag is read after
    // the lookup, on its own: exit_signals() can set it in between.
    yield { fn: '__pidfd_fget: task->flags & PF_EXITING', acc: exitStateAccess(target.process, false) };
    if (taskExitingOf(target)) throw new KernelError(opts.exitingErrno ?? 'ESRCH', 'pidfd_getfd', `${target.name} is exiting`);
    throw new KernelError('EBADF', 'pidfd_getfd', `fd ${fd} is not installed in ${target.name}`);
  }
  return file;
}
