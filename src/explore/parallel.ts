import type { KernelPolicy } from '../kernel/policies.js';
import { ModelError } from '../sim/model-error.js';
import { explore } from './explore.js';
import type { ExploreOptions, StrategyName } from './options.js';
import type { OutcomeCount } from './result.js';
import type { Scenario } from './scenario.js';

/**
 * The format marker of {@link ShardResult}: a new partition of the search is a new format.
 * @internal
 */
export const SHARD_FORMAT = 'fdlab-shard/2';

/**
 * A violation in a {@link ShardResult}: everything of a found violation except its trace
 * and history, which a replay of `minimalSchedule` recreates wherever it is needed.
 *
 * @example
 * ```ts
 * import type { ShardViolation } from 'fdlab';
 * const key = (v: ShardViolation) => `${v.kind}@${v.location}/${v.object}`;
 * ```
 */
export interface ShardViolation {
  /** The violation kind, e.g. `'fpos-race'`. */
  readonly kind: string;
  /** What happened, in kernel words. */
  readonly message: string;
  /** The invariant behind the kind. */
  readonly why: string;
  /** The kernel function of the breaking step. */
  readonly location: string;
  /** The object involved. */
  readonly object: string;
  /** The thread that took the breaking step. */
  readonly thread: string;
  /** The full schedule of the run that first showed it. */
  readonly schedule: string;
  /** The shrunk schedule to replay. */
  readonly minimalSchedule: string;
  /** Preemptions in `minimalSchedule`. */
  readonly preemptions: number;
}

/**
 * What {@link exploreShard} returns: plain JSON-safe data (no functions, no lazy traces),
 * so a Web Worker can `postMessage` it, a CI job can write it to a file, and
 * {@link mergeResults} can combine the shards of a search wherever they ran.
 *
 * @example
 * ```ts
 * import type { ShardResult } from 'fdlab';
 * const text = (r: ShardResult) => JSON.stringify(r); // safe: plain data
 * ```
 */
export interface ShardResult {
  /**
   * Format marker of the serialised form. `fdlab-shard/2` since the cut between the
   * shards moved (where the product of the branching widths reaches 4 × count): shards of
   * the `/1` partition do not combine with these.
   */
  readonly format: typeof SHARD_FORMAT;
  /** The scenario's name. */
  readonly scenario: string;
  /** The resolved policy of the runs. */
  readonly policy: KernelPolicy;
  /** The strategy. */
  readonly strategy: StrategyName;
  /** This shard's index. */
  readonly index: number;
  /** How many shards the search was split into. */
  readonly count: number;
  /** True if this shard's part of the schedule space was covered. */
  readonly exhaustive: boolean;
  /** Runs of this shard. */
  readonly runs: number;
  /** Scheduler steps of this shard. */
  readonly steps: number;
  /** Sleep-set-blocked runs of this shard. */
  readonly sleepBlocked: number;
  /** Outcomes with run counts. */
  readonly outcomes: readonly OutcomeCount[];
  /** Distinct violations, shrunk. */
  readonly violations: readonly ShardViolation[];
  /** Milliseconds the shard took, by its `now` clock. */
  readonly elapsedMs: number;
}

/**
 * Runs one deterministic part of a search (`shardIndex` of `shardCount`, the explorer's
 * `shard` option) and returns it as plain data. The shards of one search can run in
 * Web Workers, worker threads, CI matrix jobs or a Kubernetes indexed Job; their
 * results combine with {@link mergeResults}. Nothing in it needs Node.
 *
 * Models dividing a model checker's schedule tree among workers by the first branching
 * decisions, as distributed stateless model checkers do.
 *
 * @example
 * ```ts
 * import { exploreShard, mergeResults, type Scenario } from 'fdlab';
 * declare const s: Scenario;
 * const parts = [0, 1].map((i) => exploreShard(s, { policy: 'after' }, i, 2));
 * mergeResults(parts).exhaustive; // the whole search, as one worker would have run it
 * ```
 */
export function exploreShard<C>(scenario: Scenario<C>, options: ExploreOptions, shardIndex: number, shardCount: number): ShardResult {
  if (options !== undefined && typeof options === 'object' && options !== null && 'shard' in options && options.shard !== undefined) {
    throw new ModelError('bad-option', 'exploreShard: give the shard as arguments, not as the shard option');
  }
  const r = explore(scenario, { ...options, shard: { index: shardIndex, count: shardCount } });
  return {
    format: SHARD_FORMAT,
    scenario: r.scenario,
    policy: r.policy,
    strategy: r.strategy,
    index: shardIndex,
    count: shardCount,
    exhaustive: r.exhaustive,
    runs: r.runs,
    steps: r.steps,
    sleepBlocked: r.sleepBlocked,
    outcomes: r.outcomes.map((o) => ({ outcome: o.outcome, count: o.count })),
    violations: r.violations.map((v) => ({
      kind: v.kind, message: v.message, why: v.why, location: v.location, object: v.object, thread: v.thread,
      schedule: v.schedule, minimalSchedule: v.minimalSchedule, preemptions: v.preemptions,
    })),
    elapsedMs: r.elapsedMs,
  };
}
