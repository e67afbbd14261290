import { reportDeadlock, reportStepLimit } from './report.js';
import type { RunWorld, TerminalEnd } from './world.js';

/**
 * Picks the thread to run among the `n` enabled ones in `enabled[0..n)` (ascending ids)
 * at step `step`; `last` is the thread of the previous step (-1 at the start).
 * @internal
 */
export type Chooser = (enabled: readonly number[], n: number, step: number, last: number) => number;

/** How one driven run went. @internal */
export interface Driven {
  /** How it ended. */
  readonly end: TerminalEnd;
  /** Steps taken. */
  readonly steps: number;
  /** Switches away from a thread that could have continued. */
  readonly preemptions: number;
  /**
   * Length of the shortest prefix of the schedule that reproduces the run when the rest
   * is filled in without preemption.
   */
  readonly trimmed: number;
}

/**
 * The choice of a schedule that has run out: the last thread while it can run, else the
 * lowest runnable one (what `runEngine`'s `schedule` strategy does).
 * @internal
 */
export function continueChoice(enabled: readonly number[], n: number, last: number): number {
  for (let k = 0; k < n; k++) if (enabled[k] === last) return last;
  return enabled[0]!;
}

/**
 * Drives one world to its end with `choose`: detects deadlock (no runnable thread while
 * some still have a step) and the step limit, both reported as violations, and counts
 * preemptions.
 * @internal
 */
export function drive(world: RunWorld, choose: Chooser, maxSteps: number): Driven {
  const engine = world.engine;
  const buf: number[] = [];
  let last = -1;
  let steps = 0;
  let preemptions = 0;
  let trimmed = 0;
  for (;;) {
    const n = engine.enabled(buf);
    if (n === 0) {
      if (engine.allDone()) return { end: 'complete', steps, preemptions, trimmed };
      reportDeadlock(engine);
      return { end: 'deadlock', steps, preemptions, trimmed };
    }
    if (steps >= maxSteps) {
      reportStepLimit(engine, maxSteps);
      return { end: 'step-limit', steps, preemptions, trimmed };
    }
    const tid = choose(buf, n, steps, last);
    const dflt = continueChoice(buf, n, last);
    if (tid !== dflt) {
      trimmed = steps + 1;
      if (dflt === last) preemptions++;
    }
    engine.step(tid);
    last = tid;
    steps++;
  }
}

/**
 * A chooser that follows `script` and then continues without preemption; throws a
 * RangeError naming the step if the script picks a thread that cannot run.
 * @internal
 */
export function scriptChooser(script: readonly number[]): Chooser {
  return (enabled, n, step, last) => {
    if (step < script.length) {
      const tid = script[step]!;
      for (let k = 0; k < n; k++) if (enabled[k] === tid) return tid;
      throw new RangeError(`schedule step ${step}: thread ${tid} cannot run (runnable: ${enabled.slice(0, n).join(', ') || 'none'})`);
    }
    return continueChoice(enabled, n, last);
  };
}
