import { F_COUNT, F_STATE, type RefFile } from '../../file/ref-file.js';
import { FILES_ALLOC, FILES_FDT, slotAccess, type Fdtable } from '../../fdtable/fdtable.js';
import { access, type KernelPath, type Step } from '../../sim/step.js';
import { fputDeferred } from '../../file/fput.js';
import { FMODE_PATH } from '../../file/constants.js';
import { fileOpAccesses } from '../../file/file-operations.js';
import { locksRemovePosix } from '../posix-locks.js';
import type { Task } from '../task.js';

/* Step descriptors shared by the syscall paths. */

/**
 * The step of get_unused_fd_flags(): writes the table's allocation state (and files->fdt, which a resize replaces), plus any `extra` accesses the same step makes (e.g. the slab, for a call that also allocates its file).
 *
 * @example
 * ```ts
 * import { Kernel, allocStep } from 'fdlab';
 * allocStep(new Kernel().spawnProcess().files).fn; // 'get_unused_fd_flags'
 * ```
 */
export const allocStep = (files: Fdtable, ...extra: number[]): Step => ({ fn: 'get_unused_fd_flags', acc: [access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, true), ...extra] });
/**
 * The step of fd_install(): writes slot `fd` (through files->fdt).
 *
 * @example
 * ```ts
 * import { Kernel, installStep } from 'fdlab';
 * installStep(new Kernel().spawnProcess().files, 3).fn; // 'fd_install'
 * ```
 */
export const installStep = (files: Fdtable, fd: number): Step => ({ fn: 'fd_install', acc: [slotAccess(files, fd, true), access(files.simId, FILES_FDT, false)] });
/**
 * The step of put_unused_fd(): releases a reserved number (the allocation state).
 *
 * @example
 * ```ts
 * import { Kernel, putUnusedStep } from 'fdlab';
 * putUnusedStep(new Kernel().spawnProcess().files).fn; // 'put_unused_fd'
 * ```
 */
export const putUnusedStep = (files: Fdtable): Step => ({ fn: 'put_unused_fd', acc: [access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, false)] });
/**
 * The step of file_close_fd(): empties slot `fd` and frees its number.
 *
 * @example
 * ```ts
 * import { Kernel, closeSlotStep } from 'fdlab';
 * closeSlotStep(new Kernel().spawnProcess().files, 0).fn; // 'file_close_fd'
 * ```
 */
export const closeSlotStep = (files: Fdtable, fd: number): Step => ({
  fn: 'file_close_fd',
  acc: [slotAccess(files, fd, true), access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, false)],
});
/**
 * A step that changes the f_count of `f` (get_file, fput), labelled `fn`.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, countStep } from 'fdlab';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * countStep('fput', f).fn; // 'fput'
 * f.fput();
 * ```
 */
export const countStep = (fn: string, f: RefFile): Step => ({ fn, acc: access(f.simId, F_COUNT, true) });
/**
 * The step of filp_flush(): ->flush and the removal of the closer's POSIX locks.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, flushStep } from 'fdlab';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * flushStep(f).fn; // 'filp_flush'
 * f.fput();
 * ```
 */
export const flushStep = (f: RefFile): Step => ({ fn: 'filp_flush', acc: [access(f.simId, F_STATE, true), access(f.simId, F_COUNT, false), access(f.inode.simId, 1, true), fileOpAccesses(f, 'flush')].flat() });

/**
 * filp_flush(file, owner): ->flush, then (unless O_PATH) drop the POSIX locks `owner`
 * holds on the inode. Runs on every close of an fd. @internal
 */
export function filpFlush(t: Task, f: RefFile, owner: Fdtable): void {
  const e = t.world.engine;
  e.read(f.simId, F_COUNT);
  if (f.count === 0) e.report('use-after-free', `VFS: Close: file count is 0 (${f.name})`, f.name);
  f.ops.flush?.(f, owner);
  if (!(f.mode & FMODE_PATH)) locksRemovePosix(f, owner);
}

/** filp_close(): filp_flush() then fput() (deferred). @internal */
export function filpClose(t: Task, f: RefFile, owner: Fdtable): void {
  filpFlush(t, f, owner);
  fputDeferred(t, f);
}

/**
 * filp_close(file, owner) as a kernel path: the flush step (->flush, the owner's POSIX
 * locks), then the deferred fput step — for subsystems that close a file they took out of
 * a table themselves (io_uring's CLOSE after file_close_fd_locked()).
 *
 * @example
 * ```ts
 * import type { Fdtable, RefFile, Task } from 'fdlab';
 * import { filpCloseSteps } from 'fdlab/extend';
 * function* closeIt(t: Task, f: RefFile, files: Fdtable) { yield* filpCloseSteps(t, f, files); }
 * ```
 */
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
