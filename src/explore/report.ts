import { formatParked, parkedThreads } from '../sim/parked.js';
import type { Engine } from '../sim/engine.js';
import { WHY, type Violation, type ViolationKind } from '../sim/violation.js';

/**
 * Records a violation found by the explorer itself (deadlock, step limit, a failed
 * scenario check, a failed audit) with a stable location, so deduplication by kind and
 * location groups the same problem across schedules. Adds a trace event when tracing.
 * @internal
 */
export function addViolation(engine: Engine, kind: ViolationKind, message: string, fn: string, object: string): void {
  if (engine.disabled.has(kind)) return;
  const v: Violation = { kind, message, why: WHY[kind] ?? kind, thread: 'scheduler', tid: -1, step: engine.stepCount, fn, object, history: [] };
  engine.violations.push(v);
  if (engine.tracing) {
    engine.events.push({ seq: engine.events.length, step: engine.stepCount, tid: -1, thread: 'scheduler', kind: 'violation', fn: kind, obj: object, note: message });
  }
}

/**
 * Reports a deadlock: no thread can run while some still have a step to take. The
 * location names the steps the threads wait in, so one lock-order inversion is one
 * entry however many schedules reach it.
 * @internal
 */
export function reportDeadlock(engine: Engine): void {
  const parked = parkedThreads(engine);
  const waits = parked.map(formatParked);
  const fns = parked.map((p) => p.fn);
  const objs = parked.map((p) => p.waitsFor);
  addViolation(engine, 'deadlock', `all live threads are parked: ${waits.join('; ')}`, fns.sort().join(' | '), [...new Set(objs)].sort().join(' | '));
}

/**
 * Reports that a run exceeded its step limit.
 * @internal
 */
export function reportStepLimit(engine: Engine, maxSteps: number): void {
  addViolation(engine, 'step-limit', `run stopped after ${maxSteps} steps`, 'step-limit', '');
}
