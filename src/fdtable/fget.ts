import { FMODE_PATH } from '../file/constants.js';
import { fputDeferred } from '../file/fput.js';
import { F_COUNT, type RefFile } from '../file/ref-file.js';
import type { FputContext } from '../file/world.js';
import { access, type KernelPath } from '../sim/step.js';
import { EMPTY_FD, FDPUT_FPUT, FDPUT_POS_UNLOCK } from './fd-word.js';
import { fileNeedsPosLock, FILES_COUNT, FILES_FDT, slotAccess, slotReadAccesses, type Fdtable } from './fdtable.js';

/**
 * Per-thread state the lookup paths write: how the last fdget_pos() decided about
 * f_pos_lock, for the f_pos race report.
 *
 * @example
 * ```ts
 * import type { LookupContext } from 'fdlab';
 * const ctx: LookupContext = { taskWork: [], posWhy: '' };
 * ```
 */
export interface LookupContext extends FputContext {
  /** Why the last fdget_pos() took or skipped f_pos_lock. */
  posWhy: string;
}

/**
 * `__fget_files_rcu()` as a kernel path: load `files->fdt`, load the slot, take a
 * reference with inc-not-zero, then — per the `fgetRecheck` policy — reload the slot
 * (and `files->fdt`) and retry if it changed. Each load and the increment are separate
 * steps, so a close and a re-open (which may recycle the very same struct file memory)
 * can run between them.
 *
 * A file returned through a pointer loaded before the object was freed and recycled is
 * reported as `stale-file`.
 *
 * @example
 * ```ts
 * import { fgetSteps, type Fdtable, type LookupContext } from 'fdlab';
 * function* lookup(ctx: LookupContext, files: Fdtable) { return yield* fgetSteps(ctx, files, 3, 0); }
 * ```
 */
export function* fgetSteps(ctx: LookupContext, files: Fdtable, fd: number, mask: number): KernelPath<RefFile | null> {
  const w = files.world;
  const rcu = w.engine.rcu;
  const recheck = w.policy.fgetRecheck;
  yield rcu.readLockStep();
  rcu.readLock();
  for (;;) {
    yield { fn: 'rcu_dereference(files->fdt)', acc: access(files.simId, FILES_FDT, false) };
    w.engine.read(files.simId, FILES_FDT);
    const fdt = files.fdt;
    if (!(fd >>> 0 === fd && fd < fdt.maxFds)) {
      yield rcu.readUnlockStep();
      rcu.readUnlock();
      return null;
    }
    yield { fn: 'rcu_dereference(fdt->fd[fd])', acc: slotAccess(files, fd, false) };
    w.engine.touch(slotAccess(files, fd, false));
    const f = fdt.fd[fd]!;
    if (f === null) {
      yield rcu.readUnlockStep();
      rcu.readUnlock();
      return null;
    }
    // Ghost state: which file the pointer pointed at when it was loaded. The kernel
    // cannot read this without a reference; the detector can.
    let seenGen = f.gen;
    // No reference is held yet: the object may be freed and handed to another open at
    // any moment, so this step also depends on the slab.
    yield { fn: 'file_ref_get', acc: [access(f.simId, F_COUNT, true), w.slab.speculativeAccess()] };
    w.engine.touch(w.slab.speculativeAccess());
    if (!f.getFileActive()) continue;
    if (recheck !== 'none') {
      yield {
        fn: recheck === 'slot' ? 'recheck fdt->fd[fd]' : 'recheck fdt->fd[fd] and files->fdt',
        acc: recheck === 'slot' ? [slotAccess(files, fd, false), w.slab.speculativeAccess()] : [slotAccess(files, fd, false), access(files.simId, FILES_FDT, false), w.slab.speculativeAccess()],
      };
      w.engine.touch(slotAccess(files, fd, false));
      w.engine.touch(w.slab.speculativeAccess());
      if (recheck === 'slot+fdt') w.engine.read(files.simId, FILES_FDT);
      if (fdt.fd[fd] !== f || (recheck === 'slot+fdt' && files.fdt !== fdt)) {
        if (w.engine.tracing) w.engine.effect('fget_retry', f.simId, undefined, undefined, undefined, { note: 'slot changed under us' });
        yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
        fputDeferred(ctx, f);
        continue;
      }
      seenGen = f.gen; // the recheck validated the pointer afresh
    }
    if ((f.mode & mask) !== 0) {
      yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
      fputDeferred(ctx, f);
      yield rcu.readUnlockStep();
      rcu.readUnlock();
      return null;
    }
    yield rcu.readUnlockStep();
    rcu.readUnlock();
    if (f.gen !== seenGen) {
      w.engine.report(
        'stale-file',
        `fget(${fd}) on ${files.name} returned ${f.name}: the pointer was loaded from the slot before the object was freed and reused (fgetRecheck: ${recheck})`,
        f.name,
      );
    }
    return f;
  }
}

/**
 * `fdget()` / `__fget_light()` as a kernel path: read files->count; if 1, borrow the
 * slot's file without a reference; otherwise run fgetSteps() and mark the struct fd
 * cloned. Returns a packed struct fd.
 *
 * @example
 * ```ts
 * import { fdgetSteps, type Fdtable, type LookupContext } from 'fdlab';
 * function* f(ctx: LookupContext, files: Fdtable) { return yield* fdgetSteps(ctx, files, 0, 0); }
 * ```
 */
export function* fdgetSteps(ctx: LookupContext, files: Fdtable, fd: number, mask = FMODE_PATH): KernelPath<number> {
  yield { fn: '__fget_light:files->count', acc: access(files.simId, FILES_COUNT, false) };
  files.world.engine.read(files.simId, FILES_COUNT);
  if (files.count === 1) {
    yield { fn: 'files_lookup_fd_raw', acc: slotReadAccesses(files, fd) };
    const f = files.lookupRaw(fd);
    if (f === null || (f.mode & mask) !== 0) return EMPTY_FD;
    return f.simId * 4;
  }
  const f = yield* fgetSteps(ctx, files, fd, mask);
  return f === null ? EMPTY_FD : f.simId * 4 + FDPUT_FPUT;
}

/**
 * `fdget_pos()` as a kernel path: fdgetSteps(), then one step that reads the file's
 * count and decides — once, now — whether to take f_pos_lock under the `fdgetPos`
 * policy, then the (blocking) lock step. A reference that appears later does not
 * change the decision: that is the race of seed 000.
 *
 * @example
 * ```ts
 * import { fdgetPosSteps, type Fdtable, type LookupContext } from 'fdlab';
 * function* f(ctx: LookupContext, files: Fdtable) { return yield* fdgetPosSteps(ctx, files, 0); }
 * ```
 */
export function* fdgetPosSteps(ctx: LookupContext, files: Fdtable, fd: number): KernelPath<number> {
  const w = yield* fdgetSteps(ctx, files, fd, FMODE_PATH);
  if (w === EMPTY_FD) return w;
  const f = files.fileOfWord(w);
  const rule = files.world.policy.fdgetPos;
  yield { fn: 'file_needs_f_pos_lock', acc: access(f.simId, F_COUNT, false) };
  files.world.engine.read(f.simId, F_COUNT);
  const count = f.count;
  if (!fileNeedsPosLock(rule, f)) {
    ctx.posWhy = `skipped f_pos_lock because f_count was ${count} at fdget_pos (fdgetPos: ${rule}${(w & FDPUT_FPUT) === 0 ? ', borrowed fd' : ''})`;
    return w;
  }
  ctx.posWhy = `took f_pos_lock (f_count ${count} at fdget_pos, fdgetPos: ${rule})`;
  const lock = f.posLock;
  yield lock.lockStep();
  lock.lock();
  return w + FDPUT_POS_UNLOCK;
}

/**
 * `fdput_pos()` as a kernel path: unlock f_pos_lock if held, then `fdput()`.
 *
 * @example
 * ```ts
 * import { fdputPosSteps, type Fdtable, type LookupContext } from 'fdlab';
 * function* f(ctx: LookupContext, files: Fdtable, w: number) { yield* fdputPosSteps(ctx, files, w); }
 * ```
 */
export function* fdputPosSteps(ctx: LookupContext, files: Fdtable, w: number): KernelPath {
  if ((w & FDPUT_POS_UNLOCK) !== 0) {
    const lock = files.fileOfWord(w).posLock;
    yield lock.unlockStep();
    lock.unlock();
  }
  yield* fdputSteps(ctx, files, w);
}

/**
 * `fdput()` as a kernel path: drops the reference of a cloned struct fd.
 *
 * @example
 * ```ts
 * import { fdputSteps, type Fdtable, type LookupContext } from 'fdlab';
 * function* f(ctx: LookupContext, files: Fdtable, w: number) { yield* fdputSteps(ctx, files, w); }
 * ```
 */
export function* fdputSteps(ctx: LookupContext, files: Fdtable, w: number): KernelPath {
  if ((w & FDPUT_FPUT) === 0) return;
  const f = files.fileOfWord(w);
  yield { fn: 'fput', acc: access(f.simId, F_COUNT, true) };
  fputDeferred(ctx, f);
}
