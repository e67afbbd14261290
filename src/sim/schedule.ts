/**
 * Formats a list of thread choices as a schedule string, e.g. `[0, 0, 1]` → `'0.0.1'`.
 *
 * A schedule string names, for each scheduler step, the thread (by index in spawn
 * order) that took it. Replaying the same string on the same scenario gives the same
 * trace, byte for byte.
 *
 * @example
 * ```ts
 * import { formatSchedule } from 'fdlab';
 * formatSchedule([0, 0, 1, 1]); // '0.0.1.1'
 * ```
 */
export function formatSchedule(choices: readonly number[]): string {
  return choices.join('.');
}

/**
 * Parses a schedule string. Accepts `'0.0.1'`, `'0,0,1'`, `'0 0 1'` and the empty string.
 * Throws a RangeError on anything else.
 *
 * @example
 * ```ts
 * import { parseSchedule } from 'fdlab';
 * parseSchedule('0.1.1'); // [0, 1, 1]
 * ```
 */
export function parseSchedule(s: string): number[] {
  const t = s.trim();
  if (t === '') return [];
  return t.split(/[.,\s]+/).map((x) => {
    if (!/^\d+$/.test(x)) throw new RangeError(`bad schedule element '${x}' in '${s}'`);
    return Number(x);
  });
}

/**
 * Counts the preemptions in a schedule: switches away from a thread that could have
 * continued. `enabledAt(i)` tells whether thread `tid` was enabled before step `i`.
 *
 * @example
 * ```ts
 * import { countPreemptions } from 'fdlab';
 * countPreemptions([0, 1, 0], () => true); // 2
 * ```
 */
export function countPreemptions(choices: readonly number[], enabledAt: (step: number, tid: number) => boolean): number {
  let n = 0;
  for (let i = 1; i < choices.length; i++) {
    const prev = choices[i - 1]!;
    if (choices[i] !== prev && enabledAt(i, prev)) n++;
  }
  return n;
}
