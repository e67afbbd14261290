import type { FdtablePolicy } from '../fdtable/policy.js';
import type { FilePolicy } from '../file/world.js';
import type { TaskPolicy } from '../task/policy.js';

/**
 * Every behaviour switch of the kernel model: one key per behaviour that changed in
 * kernel history, one value per version of it. See each key's type for the commits.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel({ policy: ['linux-6.4', { fgetRecheck: 'none' }] });
 * k.policy.fdgetPos; // 'when-shared'
 * ```
 */
export interface KernelPolicy extends FilePolicy, FdtablePolicy, TaskPolicy {}

/**
 * How to name a policy: a preset name, a partial object of switches, or a list of those
 * applied left to right.
 *
 * @example
 * ```ts
 * import type { PolicyInput } from 'fdlab';
 * const p: PolicyInput = ['linux-5.11', { fdgetPos: 'always' }];
 * ```
 */
export type PolicyInput = PresetName | Partial<KernelPolicy> | ReadonlyArray<PresetName | Partial<KernelPolicy>>;

/**
 * The current kernel's behaviour (v6.15 and later): the default policy.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY } from 'fdlab';
 * DEFAULT_POLICY.fdgetPos; // 'raw-count-or-iterate'
 * ```
 */
export const DEFAULT_POLICY: KernelPolicy = {
  fdgetPos: 'raw-count-or-iterate',
  fgetRecheck: 'slot+fdt',
  execUnshare: 'after-de_thread',
  slabTypesafeByRcu: true,
  fileRefMax: Number.MAX_SAFE_INTEGER,
  closeFput: 'sync',
};

/**
 * Named coherent policy sets: the behaviour of a kernel version.
 *
 * Presets describe release tags (mainline `vX.Y`), not stable branches: fixes that were
 * backported — 20ea1e7d13c1 and 797964253d35 went to stable branches (5.15.y and others) — show in
 * a stable kernel earlier than the preset of their release says. Compose a preset with
 * the switch to model such a kernel, e.g. `['linux-5.16', { fdgetPos: 'when-shared-or-dir' }]`.
 *
 * - `linux-3.14`: f_pos_lock only when shared; no fget recheck; exec unshares before
 *   de_thread; files freed after an RCU grace period; close()'s last fput deferred to
 *   task work (until v6.6).
 * - `linux-5.11`: the exec/POSIX-lock fix (unshare after de_thread).
 * - `linux-5.16`: fget rechecks slot and fdt (CVE-2021-4083 fixes).
 * - `linux-6.4`: the last kernel with the `f_count > 1` f_pos optimisation for all files.
 * - `linux-6.5-rc`: the lock is always taken (20ea1e7d13c1, during the 6.5 cycle).
 * - `linux-6.5`: keyed on `->iterate_shared` (797964253d35 reinstated the optimisation
 *   for regular files during the 6.5 cycle; 7d84d1b9af63 made it the `->iterate_shared`
 *   rule and is in v6.5; `'when-shared-or-dir'` remains as a switch).
 * - `linux-6.6`: close() runs the last `__fput()` synchronously (021a160abf62).
 * - `linux-6.7`: struct file becomes SLAB_TYPESAFE_BY_RCU.
 * - `linux-6.15` / `current`: raw file_ref compare in fdget_pos().
 *
 * @example
 * ```ts
 * import { POLICY_PRESETS } from 'fdlab';
 * POLICY_PRESETS['linux-6.4'].fdgetPos; // 'when-shared'
 * ```
 */
export const POLICY_PRESETS: Readonly<Record<PresetName, Partial<KernelPolicy>>> = {
  'linux-3.14': { closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'none', execUnshare: 'before-de_thread', slabTypesafeByRcu: false },
  'linux-5.11': { closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'none', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-5.16': { closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.4': { closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.5-rc': { closeFput: 'task_work', fdgetPos: 'always', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.5': { closeFput: 'task_work', fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.6': { fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.7': { fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: true },
  'linux-6.15': { ...DEFAULT_POLICY },
  current: { ...DEFAULT_POLICY },
};

/**
 * The allowed values of each enumerated policy key (numbers and booleans are checked by
 * type).
 *
 * @example
 * ```ts
 * import { POLICY_VALUES } from 'fdlab';
 * POLICY_VALUES.fgetRecheck; // ['none', 'slot', 'slot+fdt']
 * ```
 */
export const POLICY_VALUES: Readonly<Record<string, readonly string[]>> = {
  fdgetPos: ['when-shared', 'always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'],
  fgetRecheck: ['none', 'slot', 'slot+fdt'],
  execUnshare: ['before-de_thread', 'after-de_thread'],
  closeFput: ['sync', 'task_work'],
};

/**
 * Throws a RangeError naming the key if a resolved policy holds a value the model does
 * not know.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY, checkPolicy } from 'fdlab';
 * checkPolicy(DEFAULT_POLICY); // fine
 * ```
 */
export function checkPolicy(p: KernelPolicy): void {
  // Called for every kernel an explorer builds: direct checks, no allocation.
  for (const k in POLICY_VALUES) {
    const v = (p as unknown as Record<string, unknown>)[k];
    if (!POLICY_VALUES[k]!.includes(v as string)) throw new RangeError(`bad value ${JSON.stringify(v)} for policy ${k} (one of ${POLICY_VALUES[k]!.join(', ')})`);
  }
  if (typeof p.slabTypesafeByRcu !== 'boolean') throw new RangeError(`bad value ${JSON.stringify(p.slabTypesafeByRcu)} for policy slabTypesafeByRcu`);
  if (typeof p.fileRefMax !== 'number' || !(p.fileRefMax >= 1)) throw new RangeError(`bad value ${p.fileRefMax} for policy fileRefMax`);
}

/**
 * True if `input` is already a complete, frozen policy (what `kernel.policy` and
 * `scenarioPolicy()` return), which a kernel can take as it is.
 *
 * @example
 * ```ts
 * import { Kernel, isResolvedPolicy } from 'fdlab';
 * isResolvedPolicy(new Kernel().policy); // true
 * isResolvedPolicy('linux-6.4');         // false
 * ```
 */
export function isResolvedPolicy(input: unknown): input is KernelPolicy {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !Object.isFrozen(input)) return false;
  for (const k in DEFAULT_POLICY) if (!(k in input)) return false;
  return true;
}

/**
 * A preset name.
 *
 * @example
 * ```ts
 * import type { PresetName } from 'fdlab';
 * const v: PresetName = 'linux-6.4';
 * ```
 */
export type PresetName =
  | 'linux-3.14'
  | 'linux-5.11'
  | 'linux-5.16'
  | 'linux-6.4'
  | 'linux-6.5-rc'
  | 'linux-6.5'
  | 'linux-6.6'
  | 'linux-6.7'
  | 'linux-6.15'
  | 'current';
