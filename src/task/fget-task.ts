import { fgetSteps } from '../fdtable/fget.js';
import type { RefFile } from '../file/ref-file.js';
import type { KernelPath } from '../sim/step.js';
import { taskFilesAccess, taskFilesOf, type Task } from './task.js';

/**
 * fget_task(task, fd) as a kernel path of `caller`: under task_lock, NULL when `target`
 * has no table (exit_files() has run), else __fget_files() on the target's table with
 * the reference taken in the caller's context. Models fget_task() in fs/file.c, which
 * pidfd_getfd() and kcmp(KCMP_EPOLL_TFD) use: the target's `task->files` is a declared
 * read, so the explorer orders it against the target's exit, unshare and exec.
 *
 * @example
 * ```ts
 * import type { Task } from 'fdlab';
 * import { fgetTaskSteps } from 'fdlab/extend';
 * function* steal(caller: Task, target: Task) { return yield* fgetTaskSteps(caller, target, 3); }
 * ```
 */
export function* fgetTaskSteps(caller: Task, target: Task, fd: number): KernelPath<RefFile | null> {
  yield { fn: 'fget_task: task_lock', acc: taskFilesAccess(target, false) };
  const files = taskFilesOf(target);
  if (files === null) return null;
  return yield* fgetSteps(caller, files, fd, 0);
}
