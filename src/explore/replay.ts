import type { PolicyInput } from '../kernel/policies.js';
import type { TraceEvent } from '../sim/events.js';
import { formatSchedule, parseSchedule } from '../sim/schedule.js';
import type { Violation } from '../sim/violation.js';
import { checkRunOptions, checkSchedule } from './check-options.js';
import { drive, scriptChooser } from './drive.js';
import { scenarioPolicy } from './policy.js';
import type { Scenario } from './scenario.js';
import { scenarioSource, type WorldSource } from './world.js';

/**
 * Options of {@link replay}.
 *
 * @example
 * ```ts
 * import type { ReplayOptions } from 'fdlab';
 * const o: ReplayOptions = { policy: 'before', maxSteps: 1000 };
 * ```
 */
export interface ReplayOptions {
  /** The policy (as in `explore`): `'before'`, `'after'` or a policy input; default: the current kernel. */
  readonly policy?: 'before' | 'after' | PolicyInput;
  /** Step limit (default 10,000). */
  readonly maxSteps?: number;
}

/**
 * What {@link replay} returns. The same scenario, policy and schedule always give the
 * same value, byte for byte once serialised.
 *
 * @example
 * ```ts
 * import type { ReplayResult } from 'fdlab';
 * const steps = (r: ReplayResult) => r.trace.filter((e) => e.kind === 'step').length;
 * ```
 */
export interface ReplayResult {
  /** Every event of the run: steps, effects, violations. */
  readonly trace: readonly TraceEvent[];
  /** The violations the run showed (detectors, deadlock, checks, audit). */
  readonly violations: readonly Violation[];
  /** The outcome label (as in `explore`'s outcome table). */
  readonly outcome: string;
  /** The full schedule actually run (the given one, continued without preemption). */
  readonly schedule: string;
  /** True if every thread finished (no deadlock, no step limit). */
  readonly completed: boolean;
  /** Preemptions in the schedule. */
  readonly preemptions: number;
}

/** Replays a schedule on a world source with tracing on. @internal */
export function replayWorld(source: WorldSource, script: readonly number[], maxSteps: number): ReplayResult {
  const world = source.start(true);
  const d = drive(world, scriptChooser(script), maxSteps);
  if (d.steps < script.length) {
    throw new RangeError(`schedule has ${script.length} steps but the run ended after ${d.steps} steps (${d.end})`);
  }
  const outcome = world.finish(d.end);
  const e = world.engine;
  return {
    trace: e.events,
    violations: e.violations,
    outcome,
    schedule: formatSchedule(e.schedule),
    completed: d.end === 'complete',
    preemptions: d.preemptions,
  };
}

/**
 * Re-runs one schedule of a scenario with tracing on: follows the schedule string (one
 * thread index per step, e.g. `'0.0.1.1'`) and, when it ends, continues without
 * preemption (the last thread while it can run, else the lowest runnable one). Throws a
 * RangeError if the schedule names a thread that cannot run at its step, or is longer
 * than the run.
 *
 * Models rr-style deterministic replay: the interleaving is the only input, so a
 * schedule found by `explore` — or written by hand — reproduces the same trace in Node
 * and in a browser.
 *
 * @example
 * ```ts
 * import { replay, render, type Scenario } from 'fdlab';
 * declare const racy: Scenario;
 * const r = replay(racy, '0.0.1', { policy: 'before' });
 * r.violations.map((v) => v.kind); // e.g. ['fpos-race']
 * r.trace.length;                  // every step and effect
 * ```
 */
export function replay<C>(scenario: Scenario<C>, schedule: string | readonly number[], options: ReplayOptions = {}): ReplayResult {
  checkSchedule('replay', schedule);
  checkRunOptions('replay options', options, ['policy', 'maxSteps']);
  const source = scenarioSource(scenario, scenarioPolicy(scenario, options.policy));
  const script = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  return replayWorld(source, script, options.maxSteps ?? 10_000);
}
