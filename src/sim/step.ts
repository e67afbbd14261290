import type { SimThread } from './thread.js';

/**
 * Something a step can wait for: a held mutex, a grace period, other threads.
 * While `blocks(t)` is true the scheduler never picks thread `t`.
 *
 * @example
 * ```ts
 * import type { Blocker } from 'fdlab';
 * const never: Blocker = { name: 'never', blocks: () => false };
 * ```
 */
export interface Blocker {
  /** Short name for traces and deadlock reports, e.g. `f_pos_lock of file#1`. */
  readonly name: string;
  /** True while thread `t` cannot take the step. */
  blocks(t: SimThread): boolean;
  /**
   * For a sleep: true if the event the thread waits for has already happened (its wait
   * condition holds) although no wake-up reached it. Asked only when every live thread is
   * parked, to tell a program that waits forever (false) from a lost wake-up (true);
   * absent where the condition is not known.
   */
  satisfied?(t: SimThread): boolean;
}

/**
 * The next atomic step of a kernel path: what a generator yields at a preemption point.
 *
 * Code between two `yield`s runs atomically. `acc` lists the memory locations the step
 * reads or writes (see {@link access}), which the explorer uses to decide which steps
 * commute.
 *
 * @example
 * ```ts
 * import { access, type Step } from 'fdlab';
 * const s: Step = { fn: 'f_pos:read', acc: access(7, 1, false) };
 * ```
 */
export interface Step {
  /** The kernel function or field the step models, e.g. `'__fget_light:count'`. */
  readonly fn: string;
  /** One encoded access or a list of them. */
  readonly acc: number | readonly number[];
  /** If present, the step may not run while the blocker blocks. */
  readonly blocker?: Blocker | undefined;
}

/**
 * Fields per object id: a location is `id * FIELDS + field`. Large enough that every
 * fd slot of a table (fs.nr_open is at most 2^20 by default) is its own field, and
 * small enough that `id * FIELDS * 2` stays an exact double for 2^31 objects.
 * @internal
 */
export const FIELDS = 2 ** 21;

/**
 * Encodes an access to field `field` of the object with id `id` (a memory location),
 * as a read or a write.
 *
 * @example
 * ```ts
 * import { access, accessIsWrite, accessLocation } from 'fdlab';
 * const a = access(3, 1, true);
 * accessIsWrite(a);  // true
 * accessLocation(a); // 3 * 2 ** 21 + 1
 * ```
 */
export function access(id: number, field: number, write: boolean): number {
  return (id * FIELDS + field) * 2 + (write ? 1 : 0);
}

/**
 * True if an encoded access is a write.
 *
 * @example
 * ```ts
 * import { access, accessIsWrite } from 'fdlab';
 * accessIsWrite(access(1, 0, false)); // false
 * ```
 */
export function accessIsWrite(a: number): boolean {
  return a % 2 === 1;
}

/**
 * The memory location (object id × FIELDS + field) of an encoded access.
 *
 * @example
 * ```ts
 * import { access, accessLocation } from 'fdlab';
 * accessLocation(access(2, 3, false)); // 2 * 2 ** 21 + 3
 * ```
 */
export function accessLocation(a: number): number {
  return Math.floor(a / 2);
}

/**
 * A step whose accesses depend on state it reads: `accesses()` is evaluated, without
 * recording, whenever the explorer or checked mode asks — so it always describes what
 * the step would touch if it ran now (e.g. `do_dup2` takes a reference on whatever file
 * the old slot holds at that moment). `accesses()` must depend only on locations the step
 * itself declares reading, so anything that changes its answer is a conflicting write.
 *
 * @example
 * ```ts
 * import { Kernel, access, dynamicStep } from 'fdlab';
 * const k = new Kernel();
 * const s = dynamicStep(k.engine, 'demo', () => [access(1, 0, false)]);
 * s.acc; // [access(1, 0, false)]
 * ```
 */
export function dynamicStep(engine: { peek<T>(fn: () => T): T }, fn: string, accesses: () => number | readonly number[], blocker?: Blocker): Step {
  return {
    fn,
    get acc() {
      return engine.peek(accesses);
    },
    blocker,
  };
}

/**
 * A kernel path: a generator that yields a {@link Step} before each atomic step and
 * returns the path's result.
 *
 * @example
 * ```ts
 * import { access, type KernelPath } from 'fdlab';
 * function* twoSteps(): KernelPath<number> {
 *   yield { fn: 'a', acc: access(1, 0, false) };
 *   yield { fn: 'b', acc: access(1, 0, true) };
 *   return 2;
 * }
 * ```
 */
export type KernelPath<T = void> = Generator<Step, T, unknown>;
