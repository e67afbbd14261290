import { formatParked, parkedThreads } from './parked.js';
import type { Engine } from './engine.js';
import { Random } from './random.js';
import { parseSchedule } from './schedule.js';

/**
 * How to pick the next thread: `round-robin` switches thread at every step, `random`
 * picks uniformly with a seed, `schedule` follows an explicit schedule string and then
 * continues without preemption (the last thread while it can run, else the lowest id).
 *
 * @example
 * ```ts
 * import type { Strategy } from 'fdlab';
 * const s: Strategy = { kind: 'schedule', schedule: '0.0.1.1' };
 * ```
 */
export type Strategy =
  | {
      /** Switch thread at every step, in id order. */
      readonly kind: 'round-robin';
    }
  | {
      /** Uniform choice among the runnable threads. */
      readonly kind: 'random';
      /** The seed. */
      readonly seed: number;
    }
  | {
      /** Follow an explicit schedule, then continue without preemption. */
      readonly kind: 'schedule';
      /** The thread to run at each step: `'0.0.1'` or `[0, 0, 1]`. */
      readonly schedule: string | readonly number[];
    }
  | {
      /** No preemption: the last thread while it can run, else the lowest id. */
      readonly kind: 'sequential';
    };

/**
 * Outcome of driving an engine to the end.
 *
 * @example
 * ```ts
 * import type { RunResult } from 'fdlab';
 * function ok(r: RunResult) { return r.completed && !r.deadlock; }
 * ```
 */
export interface RunResult {
  /** True if every thread finished. */
  readonly completed: boolean;
  /** True if the run stopped because every live thread was parked. */
  readonly deadlock: boolean;
  /** Steps taken in this call. */
  readonly steps: number;
}

/**
 * Drives the engine with `strategy` until every thread finishes, a deadlock, or
 * `maxSteps`. A deadlock and the step limit are reported as violations.
 *
 * Models the CPU scheduler as a deterministic chooser: the same strategy on the same
 * scenario always gives the same interleaving.
 *
 * @example
 * ```ts
 * import { Kernel, runEngine } from 'fdlab';
 * const k = new Kernel();
 * k.spawnProcess().thread(function* (sys) { yield* sys.getpid(); });
 * runEngine(k.engine, { kind: 'round-robin' }).completed; // true
 * ```
 */
export function runEngine(engine: Engine, strategy: Strategy, maxSteps = 100_000): RunResult {
  const buf: number[] = [];
  const rng = strategy.kind === 'random' ? new Random(strategy.seed) : null;
  const script = strategy.kind === 'schedule'
    ? (typeof strategy.schedule === 'string' ? parseSchedule(strategy.schedule) : strategy.schedule)
    : null;
  let pos = 0;
  let last = engine.schedule.length > 0 ? engine.schedule[engine.schedule.length - 1]! : -1;
  let steps = 0;
  for (;;) {
    const n = engine.enabled(buf);
    if (n === 0) {
      if (engine.allDone()) return { completed: true, deadlock: false, steps };
      reportDeadlock(engine);
      return { completed: false, deadlock: true, steps };
    }
    if (steps >= maxSteps) {
      engine.report('step-limit', `run stopped after ${maxSteps} steps`);
      return { completed: false, deadlock: false, steps };
    }
    let tid: number;
    if (script !== null && pos < script.length) {
      tid = script[pos++]!;
      if (!engine.isEnabled(tid)) {
        throw new RangeError(`schedule step ${pos - 1}: thread ${tid} cannot run (enabled: ${buf.slice(0, n).join(', ')})`);
      }
    } else if (rng !== null) {
      tid = buf[rng.below(n)]!;
    } else if (strategy.kind === 'round-robin') {
      tid = buf[0]!;
      for (let i = 0; i < n; i++) if (buf[i]! > last) { tid = buf[i]!; break; }
    } else {
      tid = last >= 0 && engine.isEnabled(last) ? last : buf[0]!;
    }
    engine.step(tid);
    last = tid;
    steps++;
  }
}

function reportDeadlock(engine: Engine): void {
  const waits = parkedThreads(engine).map(formatParked);
  engine.report('deadlock', `all live threads are parked: ${waits.join('; ')}`);
}
