import type { Violation } from '../sim/violation.js';

/** A violation seen during a search, with the schedule of its first run. @internal */
export interface Seen {
  /** The violation as the run reported it. */
  readonly violation: Violation;
  /** The full schedule of that run. */
  readonly schedule: readonly number[];
  /** Preemptions that no schedule showing it can have fewer of (known from exact bounded passes; 0 if unknown). */
  readonly bound: number;
  /** Preemptions of that run. */
  readonly preemptions: number;
}

/**
 * The deduplication key of a violation: kind, location (the step's kernel function) and
 * object.
 * @internal
 */
export function violationKey(v: Violation): string {
  return `${v.kind}\u0000${v.fn}\u0000${v.object}`;
}

/**
 * Accumulates the distinct outcomes (with counts) and the distinct violations of a
 * search, in order of first appearance.
 * @internal
 */
export class Collector {
  /** Outcome label → runs. */
  readonly outcomes = new Map<string, number>();
  /** Violation key → first sighting. */
  readonly seen = new Map<string, Seen>();

  /** Counts one run ending in `label`. */
  outcome(label: string): void {
    this.outcomes.set(label, (this.outcomes.get(label) ?? 0) + 1);
  }

  /** Records the violations of a run; returns how many were new. */
  violations(list: readonly Violation[], schedule: readonly number[], bound = 0, preemptions = 0): number {
    let added = 0;
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      const key = violationKey(v);
      if (this.seen.has(key)) continue;
      this.seen.set(key, { violation: v, schedule: schedule.slice(), bound, preemptions });
      added++;
    }
    return added;
  }
}
