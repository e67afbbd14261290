import type { Step } from '../sim/step.js';

/**
 * True if two encoded accesses conflict: the same location, at least one a write.
 * (An access is `location * 2 + write`.)
 * @internal
 */
export function accessesConflict(x: number, y: number): boolean {
  return x === y ? x % 2 === 1 : Math.floor(x / 2) === Math.floor(y / 2);
}

/**
 * True if two steps of different threads are dependent: some location both touch, with
 * at least one write. Independent steps commute — the basis of partial-order reduction.
 * @internal
 */
export function stepsConflict(a: Step, b: Step): boolean {
  return accsConflict(a.acc, b.acc);
}

/**
 * {@link stepsConflict} on the steps' access lists (the explorer keeps an executed
 * event's accesses, not a Step object per event).
 * @internal
 */
export function accsConflict(x: number | readonly number[], y: number | readonly number[]): boolean {
  if (typeof x === 'number') {
    if (typeof y === 'number') return accessesConflict(x, y);
    for (let j = 0; j < y.length; j++) if (accessesConflict(x, y[j]!)) return true;
    return false;
  }
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (typeof y === 'number') {
      if (accessesConflict(xi, y)) return true;
    } else {
      for (let j = 0; j < y.length; j++) if (accessesConflict(xi, y[j]!)) return true;
    }
  }
  return false;
}
