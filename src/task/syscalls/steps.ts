import { F_COUNT, F_STATE, type RefFile } from '../../file/ref-file.js';
import { FILES_ALLOC, type Fdtable } from '../../fdtable/fdtable.js';
import { access, type KernelPath, type Step } from '../../sim/step.js';
import { fputDeferred } from '../../file/fput.js';
import { FMODE_PATH } from '../../file/constants.js';
import { locksRemovePosix } from '../posix-locks.js';
import type { Task } from '../task.js';

/* Step descriptors shared by the syscall paths. */

/** @internal */
export const allocStep = (files: Fdtable): Step => ({ fn: 'get_unused_fd_flags', acc: access(files.simId, FILES_ALLOC, true) });
/** @internal */
export const installStep = (files: Fdtable, fd: number): Step => ({ fn: 'fd_install', acc: access(files.fdt.simId, fd, true) });
/** @internal */
export const putUnusedStep = (files: Fdtable): Step => ({ fn: 'put_unused_fd', acc: access(files.simId, FILES_ALLOC, true) });
/** @internal */
export const closeSlotStep = (files: Fdtable, fd: number): Step => ({
  fn: 'file_close_fd',
  acc: fd < files.fdt.maxFds ? [access(files.fdt.simId, fd, true), access(files.simId, FILES_ALLOC, true)] : access(files.simId, FILES_ALLOC, true),
});
/** @internal */
export const countStep = (fn: string, f: RefFile): Step => ({ fn, acc: access(f.simId, F_COUNT, true) });
/** @internal */
export const flushStep = (f: RefFile): Step => ({ fn: 'filp_flush', acc: [access(f.simId, F_STATE, true), access(f.inode.simId, 1, true)] });

/**
 * filp_flush(file, owner): ->flush, then (unless O_PATH) drop the POSIX locks `owner`
 * holds on the inode. Runs on every close of an fd. @internal
 */
export function filpFlush(t: Task, f: RefFile, owner: Fdtable): void {
  const e = t.world.engine;
  if (f.count === 0) e.report('use-after-free', `VFS: Close: file count is 0 (${f.name})`, f.name);
  f.ops.flush?.(f, owner);
  if (!(f.mode & FMODE_PATH)) locksRemovePosix(f, owner);
}

/** filp_close(): filp_flush() then fput() (deferred). @internal */
export function filpClose(t: Task, f: RefFile, owner: Fdtable): void {
  filpFlush(t, f, owner);
  fputDeferred(t, f);
}

/** filp_close() as a kernel path: the flush step, then the (deferred) fput step. @internal */
export function* filpCloseSteps(t: Task, f: RefFile, owner: Fdtable): KernelPath {
  yield flushStep(f);
  filpFlush(t, f, owner);
  yield countStep('fput', f);
  fputDeferred(t, f);
}

/**
 * Closes slot `fd` of `files` from inside the kernel (close_files(), do_close_on_exec(),
 * __range_close()): file_close_fd_locked() in one step, then filp_close(). @internal
 */
export function* closeSlotSteps(t: Task, files: Fdtable, fd: number): KernelPath {
  yield closeSlotStep(files, fd);
  const f = files.closeFdLocked(fd);
  if (f !== null) yield* filpCloseSteps(t, f, files);
}
