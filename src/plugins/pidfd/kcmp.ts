import { KernelError, type Fdtable, type Kernel, type KernelPath, type Process, type RefFile, type Task } from '../../index.js';
import { EP_RBR, access, dynamicStep, fgetTaskSteps, fileEventpoll, fputDeferredSteps, slotReadAccesses, taskFilesAccess, taskFilesOf } from '../../extend.js';
import { findTask } from './pidfd-file.js';
import { ptraceMayAccess } from './ptrace.js';

/** kcmp(): the open file descriptions behind `idx1` of the first task and `idx2` of the second (KCMP_FILE, include/uapi/linux/kcmp.h). @example `pf.kcmp(p, a.pid, b.pid, KCMP_FILE, 3, 4)` */
export const KCMP_FILE = 0;
/** kcmp(): the address spaces (mm): shared by the threads of a process. @example `pf.kcmp(p, a.pid, b.pid, KCMP_VM, 0, 0)` */
export const KCMP_VM = 1;
/** kcmp(): the fd tables (files_struct): shared by threads until unshare(CLONE_FILES), and by clone(CLONE_FILES). @example `pf.kcmp(p, a.pid, b.pid, KCMP_FILES, 0, 0)` */
export const KCMP_FILES = 2;
/** kcmp(): the fs_struct (root and cwd): shared by the threads of a process. @example `pf.kcmp(p, a.pid, b.pid, KCMP_FS, 0, 0)` */
export const KCMP_FS = 3;
/** kcmp(): the signal handler tables: shared by the threads of a process. @example `pf.kcmp(p, a.pid, b.pid, KCMP_SIGHAND, 0, 0)` */
export const KCMP_SIGHAND = 4;
/** kcmp(): the I/O contexts (io_context), allocated on a task's first block I/O. @example `pf.kcmp(p, a.pid, b.pid, KCMP_IO, 0, 0)` */
export const KCMP_IO = 5;
/** kcmp(): the System V semaphore undo lists, allocated on a task's first SEM_UNDO. @example `pf.kcmp(p, a.pid, b.pid, KCMP_SYSVSEM, 0, 0)` */
export const KCMP_SYSVSEM = 6;
/** kcmp(): the file behind `idx1` of the first task against the target of an epoll item of the second (v4.13). @example `pf.kcmp(p, a.pid, b.pid, KCMP_EPOLL_TFD, 3, { efd: 5, tfd: 3, toff: 0 })` */
export const KCMP_EPOLL_TFD = 7;

/**
 * struct kcmp_epoll_slot: which epoll item of the second task KCMP_EPOLL_TFD compares —
 * the epoll's fd, the target fd the item was added for, and which of the items for that
 * fd (several, when the fd was closed and reused while its old file stayed alive).
 *
 * @example
 * ```ts
 * import type { KcmpEpollSlot } from 'fdlab/pidfd';
 * const slot: KcmpEpollSlot = { efd: 5, tfd: 3, toff: 0 };
 * ```
 */
export interface KcmpEpollSlot {
  /** The epoll's fd in the second task. */
  readonly efd: number;
  /** The fd the item was added for. */
  readonly tfd: number;
  /** Which of the items for `tfd`, in the interest set's order. */
  readonly toff: number;
}

/** What kcmp_ptr() compares: the object, or null for a NULL pointer; `id` orders unequal ones. */
type Obj = { readonly id: number; readonly ref: object } | null;

/**
 * kcmp_ptr(): 0 for the same object, else 1 or 2 — on Linux by the order of the two
 * pointers obfuscated with a per-boot cookie, so only equality means anything across
 * runs; the model orders by object id (and NULL first), deterministically.
 */
function kcmpPtr(a: Obj, b: Obj): number {
  if (a?.ref === b?.ref) return 0;
  return (a?.id ?? -1) < (b?.id ?? -1) ? 1 : 2;
}

const fileObj = (f: RefFile | null): Obj => (f === null ? null : { id: f.simId, ref: f });
const filesObj = (f: Fdtable | null): Obj => (f === null ? null : { id: f.simId, ref: f });

/**
 * The per-process objects of the model (mm, fs, sighand). An exiting task drops its mm
 * and fs around exit_files() (exit_mm() before it, exit_fs() after): the model lets them
 * go with `task->files`, the location its kcmp step declares; sighand stays until the
 * task is reaped.
 */
function processObj(t: Task, p: Process, keptAfterExit: boolean): Obj {
  return !keptAfterExit && taskFilesOf(t) === null ? null : { id: p.pid, ref: p };
}

/** get_file_raw_ptr(): the file in slot `idx` of `task`'s table, without a reference (NULL if none, or no table). */
function* fileRawPtr(k: Kernel, task: Task, idx: number): KernelPath<RefFile | null> {
  const valid = Number.isInteger(idx) && idx >= 0 && idx < 2 ** 31;
  // Declared when it runs: the table is the one task->files points to then.
  yield dynamicStep(k.engine, 'get_file_raw_ptr', () => {
    const files = task.files;
    return files !== null && valid ? [taskFilesAccess(task, false), ...slotReadAccesses(files, idx)] : [taskFilesAccess(task, false)];
  });
  const files = taskFilesOf(task);
  if (files === null || !valid) return null;
  return files.lookupRaw(idx);
}

/**
 * kcmp(pid1, pid2, type, idx1, idx2) as a kernel path for task `t`: whether two tasks
 * share a kernel object. Models SYSCALL_DEFINE5(kcmp) in kernel/kcmp.c:
 *
 * 1. find_task_by_vpid() of both (ESRCH if either is missing; a zombie is found);
 * 2. kcmp_lock(): both tasks' exec_update_lock, then ptrace_may_access(PTRACE_MODE_READ)
 *    of both (EPERM; the model has no LSM, so READ and ATTACH agree);
 * 3. by `type`: KCMP_FILE compares the raw pointers in the two tables (no reference is
 *    taken; EBADF if either slot is empty); KCMP_FILES the tables, KCMP_VM / KCMP_FS /
 *    KCMP_SIGHAND the process's (the model's threads share them, processes never do;
 *    an exited task's mm, fs and files are NULL, its signal handlers kept); KCMP_IO and KCMP_SYSVSEM compare two
 *    NULL pointers, equal (the model's tasks never do block I/O or SEM_UNDO, which
 *    allocate them); KCMP_EPOLL_TFD (kcmp_epoll_target()) reads the slot (EFAULT
 *    without one), the raw file of `idx1` (EBADF), takes a reference on the epoll file
 *    of the second task (fget_task(): EBADF), finds the `toff`-th item for `tfd` under
 *    ep->mtx (EINVAL if not an epoll, ENOENT if none) and drops the reference — which
 *    can be the last one, as in the kernel; any other type is EINVAL.
 *
 * Returns 0 for the same object, else 1 or 2 (see kcmpPtr: only equality is portable).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { KCMP_FILE, kcmpSteps, pidfd } from 'fdlab/pidfd';
 * const k = new Kernel();
 * k.use(pidfd());
 * const p = k.spawnProcess();
 * const fd = p.open('/data/log', O_RDONLY);
 * const dup = p.dup(fd);
 * p.thread(function* (sys) { return yield* kcmpSteps(k, sys.task, p.pid, p.pid, KCMP_FILE, fd, dup); });
 * k.run();
 * ```
 */
export function* kcmpSteps(k: Kernel, t: Task, pid1: number, pid2: number, type: number, idx1: number, idx2: number | KcmpEpollSlot | null): KernelPath<number> {
  yield { fn: 'find_task_by_vpid', acc: [access(k.vfs.simId, 0, false), k.pidNsAccess(false)] };
  const a = findTask(k, pid1);
  const b = findTask(k, pid2);
  if (a === null || b === null) throw new KernelError('ESRCH', 'kcmp', `pid ${a === null ? pid1 : pid2} has no task`);
  // The objects compared by pointer are read in this step too (task->files for KCMP_FILES).
  yield { fn: 'kcmp_lock(exec_update_lock); ptrace_may_access', acc: [access(k.vfs.simId, 1, false), taskFilesAccess(a.task, false), taskFilesAccess(b.task, false)] };
  for (const x of [a, b]) {
    if (!ptraceMayAccess(t.process, x.process)) throw new KernelError('EPERM', 'kcmp', `${t.process.name} may not inspect ${x.process.name}`);
  }
  const t1 = a.task;
  const t2 = b.task;
  switch (type) {
    case KCMP_FILE: {
      const f1 = yield* fileRawPtr(k, t1, idx1);
      const f2 = typeof idx2 === 'number' ? yield* fileRawPtr(k, t2, idx2) : null;
      if (f1 === null || f2 === null) throw new KernelError('EBADF', 'kcmp', `fd ${f1 === null ? idx1 : String(idx2)} is not open`);
      return kcmpPtr(fileObj(f1), fileObj(f2));
    }
    case KCMP_FILES:
      return kcmpPtr(filesObj(taskFilesOf(t1)), filesObj(taskFilesOf(t2)));
    case KCMP_VM:
    case KCMP_FS:
      return kcmpPtr(processObj(t1, a.process, false), processObj(t2, b.process, false));
    case KCMP_SIGHAND:
      return kcmpPtr(processObj(t1, a.process, true), processObj(t2, b.process, true));
    case KCMP_IO:
    case KCMP_SYSVSEM:
      return kcmpPtr(null, null);
    case KCMP_EPOLL_TFD:
      return yield* epollTargetSteps(k, t, t1, t2, idx1, idx2);
    default:
      throw new KernelError('EINVAL', 'kcmp', `type ${type}`);
  }
}

/** kcmp_epoll_target(): the file of `idx1` in `t1` against the target of the slot's epoll item in `t2`. */
function* epollTargetSteps(k: Kernel, caller: Task, t1: Task, t2: Task, idx1: number, slot: number | KcmpEpollSlot | null): KernelPath<number> {
  if (typeof slot !== 'object' || slot === null) throw new KernelError('EFAULT', 'kcmp', 'no kcmp_epoll_slot');
  const filp = yield* fileRawPtr(k, t1, idx1);
  if (filp === null) throw new KernelError('EBADF', 'kcmp', `fd ${idx1} is not open`);
  const efd = slot.efd;
  const epFile = yield* fgetTaskSteps(caller, t2, efd);
  if (epFile === null) throw new KernelError('EBADF', 'kcmp', `epoll fd ${efd} is not open`);
  let target: RefFile | null;
  try {
    // get_epoll_tfile_raw_ptr(): EINVAL for a file that is not an epoll, else ep_find_tfd()
    // under ep->mtx: the toff-th item added for tfd, in the rbtree's (file, fd) order.
    const ep = fileEventpoll(epFile);
    if (ep === null) throw new KernelError('EINVAL', 'kcmp', `fd ${efd} is not an epoll`);
    yield ep.mtx.lockStep();
    ep.mtx.lock();
    try {
      yield { fn: 'ep_find_tfd', acc: ep.acc(EP_RBR, false) };
      const matches = [...ep.items.values()].filter((epi) => epi.fd === slot.tfd).sort((x, y) => x.file.simId - y.file.simId);
      target = Number.isInteger(slot.toff) && slot.toff >= 0 ? matches[slot.toff]?.file ?? null : null;
    } finally {
      yield ep.mtx.unlockStep();
      ep.mtx.unlock();
    }
  } finally {
    yield* fputDeferredSteps(caller, epFile);
  }
  if (target === null) throw new KernelError('ENOENT', 'kcmp', `no item ${slot.toff} for fd ${slot.tfd} in epoll fd ${efd}`);
  return kcmpPtr(fileObj(filp), fileObj(target));
}
