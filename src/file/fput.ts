import { ModelError } from '../sim/model-error.js';
import { access, type KernelPath, type Step } from '../sim/step.js';
import { FMODE_OPENED } from './constants.js';
import { F_COUNT, F_EP, F_STATE, type RefFile } from './ref-file.js';
import type { FputContext } from './world.js';

type Stage = readonly [fn: string, field: number, run: (f: RefFile) => unknown];

function isPath(r: unknown): r is KernelPath {
  return typeof r === 'object' && r !== null && typeof (r as KernelPath).next === 'function';
}

/** Runs a hook's path to the end in a plain call; a step that would wait is model misuse. */
function runPlainPath(f: RefFile, path: KernelPath): void {
  const e = f.mount.world.engine;
  for (let r = path.next(); !r.done; r = path.next()) {
    const b = (r.value as Step).blocker;
    if (b !== undefined && b.blocks(e.current)) throw new ModelError('would-block', `${r.value.fn} in __fput would wait for ${b.name} in a plain call; run it in a thread instead`);
  }
}

/**
 * The stages of `__fput()` in fs/file_table.c, in the kernel's order: eventpoll first
 * ("should be the first called in the file cleanup chain"), then file locks, then
 * ->release, then the mount reference, then the memory. Written once as data so the
 * plain call and the stepped path cannot drift apart. A file that was never
 * FMODE_OPENED (->open failed, or it was never opened) skips everything but the free,
 * as `__fput()` jumps to `out:`.
 *
 * Stages of the kernel's `__fput()` the model leaves out, having no state they touch:
 * fsnotify_close(), security_file_release(), ->fasync(-1) for FASYNC files, cdev_put(),
 * fops_put(), file_f_owner_release(), put_file_access(), dput() and
 * dissolve_on_fput().
 */
const opened = (f: RefFile): boolean => (f.mode & FMODE_OPENED) !== 0;
const STAGES: readonly Stage[] = [
  ['eventpoll_release', F_EP, function* (f) {
    if (!opened(f)) return;
    // A hook may be a kernel path (eventpoll_release_file() sleeps on ep->mtx).
    for (const h of f.mount.world.fputHooks.eventpollRelease.list) {
      const r = h(f);
      if (isPath(r)) yield* r;
    }
  }],
  ['locks_remove_file', F_STATE, (f) => {
    if (!opened(f)) return;
    for (const h of f.mount.world.fputHooks.locksRemoveFile.list) h(f);
  }],
  ['f_op->release', F_STATE, (f) => {
    if (opened(f)) return f.ops.release?.(f);
    return undefined;
  }],
  ['mntput', F_STATE, (f) => {
    if (opened(f)) f.mount.mntput();
  }],
  ['file_free', F_STATE, (f) => f.mount.world.slab.free(f)],
];

function begin(f: RefFile): boolean {
  const w = f.mount.world;
  if (!f.live || w.slab.dying.has(f)) {
    w.engine.report('double-release', `__fput of ${f.name} ${f.live ? 'while its __fput is in progress' : 'after it was freed'}`, f.name);
    return false;
  }
  w.slab.dying.add(f);
  if (w.engine.tracing) w.engine.effect('__fput', f.simId, undefined, undefined, undefined, { note: 'begin' });
  return true;
}

/**
 * Models `__fput(file)`: the teardown after the last reference is gone, run to
 * completion. A second `__fput` of one incarnation is a `double-release` violation.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, fputTeardown } from 'fdlab';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * if (f.put()) fputTeardown(f); // what fput() does
 * f.live; // false
 * ```
 */
export function fputTeardown(f: RefFile): void {
  if (!begin(f)) return;
  for (const [, , run] of STAGES) {
    const r = run(f);
    if (isPath(r)) runPlainPath(f, r);
  }
}

/**
 * Models `__fput(file)` as a kernel path: one atomic step per teardown stage, so other
 * threads can run between, e.g., eventpoll_release and the final free.
 *
 * @example
 * ```ts
 * import { fputTeardownSteps, type RefFile } from 'fdlab';
 * function* lastPut(f: RefFile) { if (f.put()) yield* fputTeardownSteps(f); }
 * ```
 */
export function* fputTeardownSteps(f: RefFile): KernelPath {
  yield { fn: '__fput', acc: access(f.simId, F_STATE, true) };
  if (!begin(f)) return;
  for (const [fn, field, run] of STAGES) {
    yield { fn, acc: stageAccess(f, fn, field) };
    const r = run(f);
    if (isPath(r)) yield* r;
  }
}

function stageAccess(f: RefFile, fn: string, field: number): number | number[] {
  const own = access(f.simId, field, true);
  if (fn === 'file_free') return [own, f.mount.world.slab.allocAccess()];
  if (fn === 'mntput') return [own, f.mount.countAccess(true)];
  const qs = fn === 'f_op->release' ? f.ops.waitQueues?.(f) : undefined;
  if (qs !== undefined) {
    // A type with wait queues has readiness state its ->release changes (a pipe's writer
    // count, in the inode's location) and wakes the other side.
    const acc = [own, access(f.inode.simId, 0, true)];
    for (const q of qs) acc.push(q.writeAccess());
    return acc;
  }
  return own;
}

/**
 * fput() from a syscall path: drops a reference and, if it was the last, queues the
 * file's `__fput()` as task work, to run on return to user space (`__fput_deferred()`
 * → task_work_add(), fs/file_table.c).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, fputDeferred, runTaskWork } from 'fdlab';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * const ctx = { taskWork: [] };
 * fputDeferred(ctx, f); // count 0, __fput queued
 * runTaskWork(ctx);     // now freed
 * ```
 */
export function fputDeferred(ctx: FputContext, f: RefFile): void {
  if (f.put()) ctx.taskWork.push(f);
}

/**
 * fputDeferred() as a kernel path: the decrement is one atomic step.
 *
 * @example
 * ```ts
 * import { fputDeferredSteps, type FputContext, type RefFile } from 'fdlab';
 * function* drop(ctx: FputContext, f: RefFile) { yield* fputDeferredSteps(ctx, f); }
 * ```
 */
export function* fputDeferredSteps(ctx: FputContext, f: RefFile): KernelPath {
  yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
  fputDeferred(ctx, f);
}

/**
 * Runs queued task work: the deferred `__fput()`s (task_work_run() on return to user).
 *
 * @example
 * ```ts
 * import { runTaskWork } from 'fdlab';
 * runTaskWork({ taskWork: [] }); // nothing queued
 * ```
 */
export function runTaskWork(ctx: FputContext): void {
  for (let f = ctx.taskWork.shift(); f !== undefined; f = ctx.taskWork.shift()) fputTeardown(f);
}

/**
 * runTaskWork() as a kernel path.
 *
 * @example
 * ```ts
 * import { runTaskWorkSteps, type FputContext } from 'fdlab';
 * function* ret(ctx: FputContext) { yield* runTaskWorkSteps(ctx); }
 * ```
 */
export function* runTaskWorkSteps(ctx: FputContext): KernelPath {
  for (let f = ctx.taskWork.shift(); f !== undefined; f = ctx.taskWork.shift()) yield* fputTeardownSteps(f);
}
