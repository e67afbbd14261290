import type { PolicyInput } from '../kernel/policies.js';

/**
 * How `explore` chooses the schedules it runs.
 *
 * - `'dpor'`: exhaustive depth-first search with source-DPOR (Abdulla, Aronis, Jonsson,
 *   Sagonas, POPL 2014) and sleep sets: one run per Mazurkiewicz trace, or close to it.
 * - `'dfs'`: naive exhaustive depth-first search over every interleaving.
 * - `'random'`: seeded uniform choice among the runnable threads at every step.
 * - `'pct'`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
 *   Nagarakatte, ASPLOS 2010) with bug depth `pctDepth`.
 *
 * @example
 * ```ts
 * import type { StrategyName } from 'fdlab';
 * const s: StrategyName = 'dpor';
 * ```
 */
export type StrategyName = 'dpor' | 'dfs' | 'random' | 'pct';

/**
 * One of `count` deterministic parts of a search: the parts together cover exactly what
 * the whole search covers, so several cores or machines can share it.
 *
 * @example
 * ```ts
 * import type { Shard } from 'fdlab';
 * const second: Shard = { index: 1, count: 4 };
 * ```
 */
export interface Shard {
  /** Which part, from 0 to `count - 1`. */
  readonly index: number;
  /** How many parts. */
  readonly count: number;
}

/**
 * Progress of a running search, reported to {@link ExploreOptions.onProgress}.
 *
 * @example
 * ```ts
 * import type { ExploreProgress } from 'fdlab';
 * const line = (p: ExploreProgress) => `${p.runs} runs, ${p.violations} violations`;
 * ```
 */
export interface ExploreProgress {
  /** Runs so far. */
  readonly runs: number;
  /** Steps so far. */
  readonly steps: number;
  /** Distinct violations so far. */
  readonly violations: number;
  /** Milliseconds since the search began. */
  readonly elapsedMs: number;
}

/**
 * Options of `explore()`.
 *
 * @example
 * ```ts
 * import type { ExploreOptions } from 'fdlab';
 * const quick: ExploreOptions = { policy: 'before', preemptionBound: 2, stopAtFirstViolation: true };
 * const proof: ExploreOptions = { policy: 'after', strategy: 'dpor' };
 * const sample: ExploreOptions = { strategy: 'pct', pctDepth: 2, maxRuns: 1000, seed: 7 };
 * ```
 */
export interface ExploreOptions {
  /** `'before'` / `'after'` (the scenario's sets) or any policy input; default: the current kernel. */
  readonly policy?: 'before' | 'after' | PolicyInput;
  /** Search strategy; default `'dpor'`. */
  readonly strategy?: StrategyName;
  /**
   * For `'dpor'` and `'dfs'`: CHESS iterative preemption bounding (Musuvathi & Qadeer,
   * PLDI 2007). Every schedule with 0 preemptions runs first, then every one with at most
   * 1, 2, ... up to this bound (each pass an exact bounded search, so a bug is found with
   * the fewest preemptions it needs). The search is exhaustive only if no schedule was cut
   * by the bound. `Infinity` keeps raising the bound until nothing is cut; with `'dpor'`
   * it runs the passes for 0, 1 and 2 preemptions and then one unbounded DPOR pass.
   */
  readonly preemptionBound?: number;
  /** Seed of `'random'` and `'pct'` (default 1). */
  readonly seed?: number;
  /** PCT bug depth d: d - 1 priority change points per run (default 2). */
  readonly pctDepth?: number;
  /** Stop after this many runs (default: unlimited for exhaustive, 1000 for random and PCT). */
  readonly maxRuns?: number;
  /**
   * Checked mode in every explored run (default true): a step touching an undeclared
   * location fails the search with a ModelError. Off only for measurements.
   */
  readonly checked?: boolean;
  /** Stop after this much time, measured with `now` (default: unlimited). */
  readonly maxTimeMs?: number;
  /** The clock for `maxTimeMs` and `elapsedMs` (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Stop as soon as one violation is found (default false). With `'dpor'` or `'dfs'` the
   * search then runs as a portfolio: one seeded random run before each systematic run,
   * so a bug most interleavings show is found at once, and one that needs a precise
   * preemption by the bounded search; whether the search was exhaustive is still decided
   * by the systematic runs alone. Set `portfolio: false` for the systematic runs only.
   */
  readonly stopAtFirstViolation?: boolean;
  /** With `stopAtFirstViolation`: interleave seeded random runs with the systematic ones (default true). */
  readonly portfolio?: boolean;
  /** Run only one deterministic part of the search. */
  readonly shard?: Shard;
  /** Step limit of one run; more is a `step-limit` violation (default 10,000). */
  readonly maxSteps?: number;
  /** Shrink each violation's schedule to the fewest preemptions (default true). */
  readonly shrink?: boolean;
  /** Run budget of the shrinking search per violation (default 20,000). */
  readonly shrinkRuns?: number;
  /** Called about every `progressEveryMs` (default 250 ms) of clock time during the search. */
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Interval of `onProgress` calls in milliseconds. */
  readonly progressEveryMs?: number;
}
