import type { PolicyInput } from '../kernel/policies.js';
import { formatSchedule, parseSchedule } from '../sim/schedule.js';
import type { Violation, ViolationKind } from '../sim/violation.js';
import { checkRunOptions, checkSchedule } from './check-options.js';
import { violationKey } from './collector.js';
import { drive, scriptChooser } from './drive.js';
import { scenarioPolicy } from './policy.js';
import type { Scenario } from './scenario.js';
import { TreeSearch } from './tree.js';
import { scenarioSource, type WorldSource } from './world.js';

/** A shrunk schedule. @internal */
export interface Shrunk {
  /** The schedule prefix (the rest runs without preemption). */
  readonly schedule: readonly number[];
  /** Its preemptions. */
  readonly preemptions: number;
  /** Runs spent searching. */
  readonly runs: number;
  /** The matching violation as the shrunk schedule's run reported it (untraced). */
  readonly violation: Violation | undefined;
}

/**
 * Finds a schedule with the fewest preemptions, then the shortest prefix, whose run
 * reports a violation accepted by `matches`. Searches every schedule with 0, 1, 2, ...
 * preemptions (naive bounded depth-first search, exact for the bound) up to the
 * original's count (from `fromBound`, when fewer are known to show nothing), within
 * `budget` runs, keeping the shortest prefix at the first bound that fails; falls back
 * to the original schedule, trimmed of its non-preemptive tail.
 * @internal
 */
export function shrinkWorld(
  source: WorldSource,
  original: readonly number[],
  matches: (v: Violation) => boolean,
  maxSteps: number,
  budget: number,
  fromBound = 0,
): Shrunk {
  const w0 = source.start(false);
  const d0 = drive(w0, scriptChooser(original), maxSteps);
  w0.finish(d0.end);
  let best: Shrunk = { schedule: w0.engine.schedule.slice(0, d0.trimmed), preemptions: d0.preemptions, runs: 1, violation: w0.engine.violations.find(matches) };
  let runs = 1;
  for (let b = fromBound; b <= best.preemptions && runs < budget; b++) {
    const search = new TreeSearch(source, { dpor: false, bound: b, maxSteps, shard: null, split: 0 });
    let found: Shrunk | null = null;
    while (runs < budget && search.next()) {
      runs++;
      const end = search.end;
      const world = search.world!;
      if (end === 'complete' || end === 'deadlock' || end === 'step-limit') world.finish(end);
      const v = world.engine.violations.find(matches);
      if (v === undefined) continue;
      const len = search.trimmedLength();
      if (found === null || search.preemptions < found.preemptions || (search.preemptions === found.preemptions && len < found.schedule.length)) {
        found = { schedule: world.engine.schedule.slice(0, len), preemptions: search.preemptions, runs, violation: v };
      }
    }
    if (found !== null) {
      if (found.preemptions < best.preemptions || found.schedule.length < best.schedule.length) best = found;
      break;
    }
  }
  return { ...best, runs };
}

/**
 * Options of {@link shrinkSchedule}.
 *
 * @example
 * ```ts
 * import type { ShrinkOptions } from 'fdlab';
 * const o: ShrinkOptions = { policy: 'before', kind: 'fpos-race', maxRuns: 5000 };
 * ```
 */
export interface ShrinkOptions {
  /** The policy (as in `explore`); default: the current kernel. */
  readonly policy?: 'before' | 'after' | PolicyInput;
  /** The violation kind to keep; default: the first violation the schedule shows. */
  readonly kind?: ViolationKind;
  /** Step limit of one run (default 10,000). */
  readonly maxSteps?: number;
  /** Run budget (default 20,000). */
  readonly maxRuns?: number;
}

/**
 * The result of {@link shrinkSchedule}.
 *
 * @example
 * ```ts
 * import type { ShrinkResult } from 'fdlab';
 * const show = (r: ShrinkResult) => `${r.schedule} (${r.preemptions} preemptions)`;
 * ```
 */
export interface ShrinkResult {
  /** The minimal schedule string (replay continues without preemption after it). */
  readonly schedule: string;
  /** Its preemptions. */
  readonly preemptions: number;
  /** The violation kind kept. */
  readonly kind: ViolationKind;
  /** Runs spent. */
  readonly runs: number;
}

/**
 * Shrinks a failing schedule: finds one with the fewest preemptions (then the shortest
 * prefix) that still shows the same violation kind at the same location, so the
 * interleaving to explain is as simple as it gets. Throws a RangeError if the schedule
 * shows no violation (of `kind`).
 *
 * Follows CHESS's observation (Musuvathi & Qadeer, PLDI 2007) that most concurrency
 * bugs need only one or two preemptions.
 *
 * @example
 * ```ts
 * import { shrinkSchedule, type Scenario } from 'fdlab';
 * declare const racy: Scenario;
 * const r = shrinkSchedule(racy, '0.0.1.1.0.1.0.1.1.0', { policy: 'before' });
 * r.schedule;    // e.g. '0.0.1' — replay it
 * r.preemptions; // e.g. 1
 * ```
 */
export function shrinkSchedule<C>(scenario: Scenario<C>, schedule: string | readonly number[], options: ShrinkOptions = {}): ShrinkResult {
  checkSchedule('shrinkSchedule', schedule);
  checkRunOptions('shrink options', options, ['policy', 'kind', 'maxSteps', 'maxRuns']);
  const maxSteps = options.maxSteps ?? 10_000;
  const source = scenarioSource(scenario, scenarioPolicy(scenario, options.policy));
  const script = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  const w = source.start(false);
  const d = drive(w, scriptChooser(script), maxSteps);
  w.finish(d.end);
  const target = w.engine.violations.find((v) => options.kind === undefined || v.kind === options.kind);
  if (target === undefined) {
    throw new RangeError(`schedule '${formatSchedule(script)}' shows no ${options.kind ?? 'violation'} in scenario '${scenario.name}'`);
  }
  const key = violationKey(target);
  const r = shrinkWorld(source, w.engine.schedule, (v) => violationKey(v) === key, maxSteps, options.maxRuns ?? 20_000);
  return { schedule: formatSchedule(r.schedule), preemptions: r.preemptions, kind: target.kind, runs: r.runs };
}
