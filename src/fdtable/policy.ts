/**
 * When `fdget_pos()` takes f_pos_lock — the five rules of kernel history
 * (file_needs_f_pos_lock() and its predecessors in fs/file.c). All require
 * FMODE_ATOMIC_POS (regular files and directories).
 *
 * - `'when-shared'`: v3.14–v6.4, 9c225f2655e3 "vfs: atomic f_pos accesses as per POSIX":
 *   lock only if `file_count(file) > 1`.
 * - `'always'`: 20ea1e7d13c1 "file: always lock position for FMODE_ATOMIC_POS" (v6.5-rc,
 *   Jul 2023): pidfd_getfd() can add a reference at any time.
 * - `'when-shared-or-dir'`: 797964253d35 "file: reinstate f_pos locking optimization for
 *   regular files" (v6.5): `count > 1 || S_ISDIR(inode)`.
 * - `'when-shared-or-iterate'`: v6.6+ follow-up: `count > 1 || f_op->iterate_shared`.
 * - `'raw-count-or-iterate'`: 2025 "fs: reduce work in fdget_pos()": the raw file_ref
 *   is compared with FILE_REF_ONEREF, so any count other than exactly 1 (a dying or
 *   saturated file too) locks, `|| f_op->iterate_shared`. The current rule.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel({ policy: { fdgetPos: 'when-shared' } });
 * ```
 */
export type FdgetPosRule = 'when-shared' | 'always' | 'when-shared-or-dir' | 'when-shared-or-iterate' | 'raw-count-or-iterate';

/**
 * What `__fget_files_rcu()` rechecks after taking its reference.
 *
 * - `'none'`: before 2021: take the reference with inc-not-zero and return; a file freed
 *   and recycled between the slot load and the increment is returned.
 * - `'slot'`: 054aa8d439b9 "fget: check that the fd still exists after getting a ref to
 *   it" (CVE-2021-4083): reload the slot; if it changed, fput and retry.
 * - `'slot+fdt'`: e386dfc56f83 "fget: clarify and improve __fget_files() implementation"
 *   (v5.16): also recheck that `files->fdt` did not change (a resize).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel({ policy: { fgetRecheck: 'none' } });
 * ```
 */
export type FgetRecheck = 'none' | 'slot' | 'slot+fdt';

/**
 * The behaviour switches the fd-table layer reads.
 *
 * @example
 * ```ts
 * import type { FdtablePolicy } from 'fdlab';
 * const p: FdtablePolicy = { fdgetPos: 'always', fgetRecheck: 'slot+fdt' };
 * ```
 */
export interface FdtablePolicy {
  /** When fdget_pos() takes f_pos_lock. */
  readonly fdgetPos: FdgetPosRule;
  /** What fget rechecks after its speculative reference. */
  readonly fgetRecheck: FgetRecheck;
}
