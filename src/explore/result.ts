import type { KernelPolicy } from '../kernel/policies.js';
import type { TraceEvent } from '../sim/events.js';
import type { ViolationKind } from '../sim/violation.js';
import type { StrategyName } from './options.js';

/**
 * A violation found by `explore()`, with the schedule that showed it, a minimal schedule
 * (fewest preemptions, then fewest steps) and the trace of that minimal schedule.
 *
 * @example
 * ```ts
 * import type { FoundViolation } from 'fdlab';
 * const show = (v: FoundViolation) => `${v.kind} in ${v.location}: replay ${v.minimalSchedule}`;
 * ```
 */
export interface FoundViolation {
  /** What kind of invariant broke, e.g. `'fpos-race'`. */
  readonly kind: ViolationKind;
  /** What happened, in kernel words (from the minimal schedule's replay). */
  readonly message: string;
  /** The invariant behind the kind. */
  readonly why: string;
  /** The kernel function of the step that broke it (e.g. `f_pos:read`). */
  readonly location: string;
  /** The full schedule of the run that first showed it. */
  readonly schedule: string;
  /** A schedule with the fewest preemptions that shows the same violation; replay it. */
  readonly minimalSchedule: string;
  /** Preemptions in `minimalSchedule`. */
  readonly preemptions: number;
  /** The events of a traced replay of `minimalSchedule` (replayed when first read). */
  readonly trace: readonly TraceEvent[];
  /** The thread that took the breaking step. */
  readonly thread: string;
  /** The step number in the minimal schedule's replay. */
  readonly step: number;
  /** The object involved, e.g. `file#1`. */
  readonly object: string;
  /** The object's recent history in the traced replay (replayed when first read). */
  readonly history: readonly string[];
}

/**
 * One distinct outcome of the explored runs and how many runs ended in it.
 *
 * @example
 * ```ts
 * import type { OutcomeCount } from 'fdlab';
 * const o: OutcomeCount = { outcome: '["l","l"]', count: 3 };
 * ```
 */
export interface OutcomeCount {
  /** The outcome label (the scenario's `outcome()` or the threads' results as JSON). */
  readonly outcome: string;
  /** Runs that ended in it. */
  readonly count: number;
}

/**
 * What `explore()` returns.
 *
 * @example
 * ```ts
 * import type { ExploreResult } from 'fdlab';
 * const verdict = (r: ExploreResult) =>
 *   r.violations.length > 0 ? 'racy' : r.exhaustive ? 'proved clean' : 'nothing found';
 * ```
 */
export interface ExploreResult {
  /** The scenario's name. */
  readonly scenario: string;
  /** The policy the runs used, resolved to every switch. */
  readonly policy: KernelPolicy;
  /** The strategy used. */
  readonly strategy: StrategyName;
  /** True if the whole schedule space (of this shard) was covered. */
  readonly exhaustive: boolean;
  /** Runs executed (complete or cut short by a sleep set, deadlock or step limit). */
  readonly runs: number;
  /** Scheduler steps over all runs. */
  readonly steps: number;
  /** For `'dpor'`: runs ended early because every runnable thread was asleep (redundant). */
  readonly sleepBlocked: number;
  /** The highest preemption bound of an exact bounded pass, when preemption bounding was on. */
  readonly preemptionBound?: number;
  /** Distinct outcomes of the complete runs, in order of first appearance. */
  readonly outcomes: readonly OutcomeCount[];
  /** Distinct violations (by kind, location and object), in order of discovery. */
  readonly violations: readonly FoundViolation[];
  /** Wall-clock milliseconds, by the `now` clock. */
  readonly elapsedMs: number;
}
