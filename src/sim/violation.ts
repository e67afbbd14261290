/**
 * The kinds of violation the built-in detectors report. Plugins may add their own
 * kinds as plain strings.
 *
 * @example
 * ```ts
 * import type { ViolationKind } from 'fdlab';
 * const k: ViolationKind = 'fpos-race';
 * ```
 */
export type ViolationKind =
  | 'refcount-inc-on-zero'
  | 'refcount-underflow'
  | 'refcount-saturated'
  | 'use-after-free'
  | 'stale-file'
  | 'double-release'
  | 'fpos-race'
  | 'lock-misuse'
  | 'deadlock'
  | 'leak'
  | 'step-limit'
  | 'exception'
  | 'assertion'
  | (string & {});

/**
 * A broken invariant found by a detector: which thread, at which step, on which
 * object, with the object's recent history when tracing was on.
 *
 * @example
 * ```ts
 * import type { Violation } from 'fdlab';
 * function show(v: Violation) { return `${v.kind} at step ${v.step} by ${v.thread}: ${v.message}`; }
 * ```
 */
export interface Violation {
  /** What kind of invariant broke. */
  readonly kind: ViolationKind;
  /** What happened, in kernel words. */
  readonly message: string;
  /** Why it is wrong: the invariant that broke. */
  readonly why: string;
  /** Name of the thread that took the step. */
  readonly thread: string;
  /** Id of that thread (-1 for the setup context). */
  readonly tid: number;
  /** Scheduler step number. */
  readonly step: number;
  /** The kernel function of the step, e.g. `f_pos:read`. */
  readonly fn: string;
  /** The object involved, e.g. `file#1`. */
  readonly object: string;
  /** The object's recent effect events (empty when tracing was off). */
  readonly history: readonly string[];
}

/** The invariant behind each built-in kind, in kernel words. @internal */
export const WHY: Record<string, string> = {
  'refcount-inc-on-zero': 'a reference was added to a file whose count was already 0 (refcount_t: addition on 0; use-after-free)',
  'refcount-underflow': 'a reference was dropped from a file whose count was 0 (refcount_t: underflow; use-after-free)',
  'refcount-saturated': 'the count hit its maximum and saturated; the file can never be freed (refcount_t: saturated; leaking memory)',
  'use-after-free': 'a freed struct file was used: nothing kept its count above zero',
  'stale-file': 'a struct file pointer loaded before the object was freed and recycled (SLAB_TYPESAFE_BY_RCU) was used as if it were still the same file',
  'double-release': '__fput ran twice for one file incarnation',
  'fpos-race': 'two threads were inside the f_pos read-modify-write of one file while at least one did not hold f_pos_lock',
  'lock-misuse': 'a lock rule was broken',
  deadlock: 'every live thread is parked on a lock or a grace period',
  leak: 'a reference has no owner: kernel.audit() found a count that does not match its holders',
  'step-limit': 'the run exceeded its step limit (livelock or unbounded loop)',
  exception: 'a kernel path or thread body threw something other than a KernelError',
  assertion: 'a scenario check failed',
};
