import type { ExploreResult } from './result.js';
import type { Verdict } from './scenario.js';

/**
 * The verdict a search reached: `'clean'` when no violation was found, else the
 * distinct violation kinds found, sorted.
 *
 * @example
 * ```ts
 * import { explore, verdictOf, type Scenario } from 'fdlab';
 * declare const s: Scenario;
 * verdictOf(explore(s, { policy: 'before' })); // e.g. ['fpos-race']
 * ```
 */
export function verdictOf(result: ExploreResult): Verdict {
  if (result.violations.length === 0) return 'clean';
  return [...new Set(result.violations.map((v) => v.kind))].sort();
}

/**
 * True if a search's result meets an expected verdict: `'clean'` needs an exhaustive
 * search without violations; a list of kinds needs each kind to have been found (other
 * kinds may appear too).
 *
 * Models the argument of a kernel fix: the old kernel shows the bug in some
 * interleaving, the fixed one in none.
 *
 * @example
 * ```ts
 * import { explore, matchesVerdict, type Scenario } from 'fdlab';
 * declare const s: Scenario;
 * matchesVerdict(explore(s, { policy: 'after' }), 'clean'); // true for a correct fix
 * ```
 */
export function matchesVerdict(result: ExploreResult, expected: Verdict): boolean {
  if (expected === 'clean') return result.exhaustive && result.violations.length === 0;
  const kinds = new Set(result.violations.map((v) => v.kind));
  return expected.every((k) => kinds.has(k));
}
