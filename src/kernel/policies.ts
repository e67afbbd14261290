import { ModelError } from '../sim/model-error.js';
import { checkIntOption, describeValue, hasOwnKey } from '../sim/validate.js';
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
};

/**
 * Named coherent policy sets: the behaviour of a kernel version.
 *
 * - `linux-3.14`: f_pos_lock only when shared; no fget recheck; exec unshares before
 *   de_thread; files freed after an RCU grace period.
 * - `linux-5.11`: the exec/POSIX-lock fix (unshare after de_thread).
 * - `linux-5.16`: fget rechecks slot and fdt (CVE-2021-4083 fixes).
 * - `linux-6.4`: the last kernel with the `f_count > 1` f_pos optimisation for all files.
 * - `linux-6.5-rc`: the lock is always taken (20ea1e7d13c1).
 * - `linux-6.5`: reinstated for regular files, always for directories (797964253d35).
 * - `linux-6.6`: keyed on `->iterate_shared`.
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
  'linux-3.14': { fdgetPos: 'when-shared', fgetRecheck: 'none', execUnshare: 'before-de_thread', slabTypesafeByRcu: false },
  'linux-5.11': { fdgetPos: 'when-shared', fgetRecheck: 'none', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-5.16': { fdgetPos: 'when-shared', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.4': { fdgetPos: 'when-shared', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.5-rc': { fdgetPos: 'always', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
  'linux-6.5': { fdgetPos: 'when-shared-or-dir', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false },
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
};

/**
 * Throws a ModelError (`bad-option`) naming the key if a resolved policy holds a value
 * the model does not know (`fileRefMax` must be an integer from 1 to 2^53 - 1).
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
    if (!POLICY_VALUES[k]!.includes(v as string)) throw new ModelError('bad-option', `bad value ${describeValue(v)} for policy ${k} (one of ${POLICY_VALUES[k]!.join(', ')})`);
  }
  if (typeof p.slabTypesafeByRcu !== 'boolean') throw new ModelError('bad-option', `bad value ${describeValue(p.slabTypesafeByRcu)} for policy slabTypesafeByRcu`);
  checkIntOption('policy fileRefMax', p.fileRefMax ?? NaN, 1, Number.MAX_SAFE_INTEGER);
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
  for (const k in DEFAULT_POLICY) if (!hasOwnKey(input, k)) return false;
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
