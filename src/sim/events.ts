/**
 * One location a step touched, with the object's count before and after the step
 * where the object has one (a file's f_count, say).
 *
 * @example
 * ```ts
 * import type { TouchedObject } from 'fdlab';
 * const o: TouchedObject = { name: 'file#1.f_count', write: true, before: 1, after: 2 };
 * ```
 */
export interface TouchedObject {
  /** Location name, e.g. `file#1.f_count` or `P1.fdtable[3]`. */
  readonly name: string;
  /** True for a write (or read-modify-write). */
  readonly write: boolean;
  /** Count before the step, when the object is counted. */
  before?: number | undefined;
  /** Count after the step, when the object is counted. */
  after?: number | undefined;
}

/**
 * A trace event. `step` events are written by the scheduler for each atomic step of a
 * thread; `effect` events are written by the kernel model for each state change (a
 * count moving, a slot filled, a lock taken), in plain and in concurrent use alike;
 * `violation` events mark what a detector found.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p = k.spawnProcess();
 * p.dup(p.open('/data/log', 0));
 * k.engine.events.filter((e) => e.kind === 'effect').map((e) => e.fn);
 * ```
 */
export interface TraceEvent {
  /** Position in the event log. */
  readonly seq: number;
  /** Scheduler step number the event belongs to (0 outside scheduled runs). */
  readonly step: number;
  /** Thread id (index in the engine), -1 for the setup context. */
  readonly tid: number;
  /** Thread name. */
  readonly thread: string;
  /** What kind of event. */
  readonly kind: 'step' | 'effect' | 'violation';
  /** Kernel function, e.g. `fget`, `fd_install`, `__fput`. */
  readonly fn: string;
  /** The object an effect changed, e.g. `file#2`. */
  readonly obj?: string | undefined;
  /** Count before an effect. */
  readonly before?: number | undefined;
  /** Count after an effect. */
  readonly after?: number | undefined;
  /** Free text: the fd number, the errno, the violation message. */
  readonly note?: string | undefined;
  /** For step events: the locations the step touched. */
  readonly objs?: readonly TouchedObject[] | undefined;
}
