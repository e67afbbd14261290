import { ModelError } from '../sim/model-error.js';
import { describeValue } from '../sim/validate.js';
import { SHARD_FORMAT, type ShardResult, type ShardViolation } from './parallel.js';
import type { OutcomeCount } from './result.js';

/**
 * The combined result of the shards of one search (see {@link mergeResults}).
 *
 * @example
 * ```ts
 * import type { MergedResult } from 'fdlab';
 * const verdict = (m: MergedResult) => (m.violations.length > 0 ? 'racy' : m.exhaustive ? 'proved clean' : 'nothing found');
 * ```
 */
export interface MergedResult extends Omit<ShardResult, 'format' | 'index' | 'count' | 'elapsedMs'> {
  /** How many shards were merged (all of them: 0 … count − 1). */
  readonly shards: number;
  /** The slowest shard's time: the search's wall-clock time when the shards ran in parallel. */
  readonly elapsedMs: number;
  /** Every shard's time added up: the work done. */
  readonly totalMs: number;
}

const key = (v: ShardViolation) => `${v.kind}\u0000${v.location}\u0000${v.object}`;

/** The better report of one violation: fewer preemptions, then a shorter schedule, then the earlier shard. */
function better(a: ShardViolation, b: ShardViolation): boolean {
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  return a.minimalSchedule.length < b.minimalSchedule.length;
}

/**
 * Merges the shards of one search into its result: outcome counts add up (in order of
 * first appearance, shard by shard), violations are deduplicated by kind, location and
 * object keeping the report with the fewest preemptions, and the search is exhaustive if
 * every shard was. Throws a ModelError unless the parts are exactly shards 0 … count − 1
 * of one scenario, policy and strategy (a missing shard would make a proof unsound).
 *
 * @example
 * ```ts
 * import { exploreShard, mergeResults, type Scenario } from 'fdlab';
 * declare const s: Scenario;
 * const m = mergeResults([exploreShard(s, {}, 1, 2), exploreShard(s, {}, 0, 2)]);
 * m.shards; // 2
 * ```
 */
export function mergeResults(parts: readonly ShardResult[]): MergedResult {
  if (!Array.isArray(parts) || parts.length === 0) throw new ModelError('bad-argument', `mergeResults needs a non-empty list of shard results, got ${describeValue(parts)}`);
  for (const p of parts) {
    if (typeof p === 'object' && p !== null && typeof p.format === 'string' && /^fdlab-shard\/\d+$/.test(p.format) && p.format !== SHARD_FORMAT) {
      // Another partition of the tree: merged with these shards it could leave runs out.
      throw new ModelError('bad-argument', `shard ${String(p.index)}/${String(p.count)} is of format ${p.format}, made by another version of fdlab that cuts the search elsewhere; run every shard with one version (format ${SHARD_FORMAT})`);
    }
    if (typeof p !== 'object' || p === null || p.format !== SHARD_FORMAT) throw new ModelError('bad-argument', `not a shard result (format ${SHARD_FORMAT}): ${describeValue(p)}`);
  }
  const sorted = [...parts].sort((a, b) => a.index - b.index);
  const first = sorted[0]!;
  const same = JSON.stringify([first.scenario, first.policy, first.strategy, first.count]);
  for (const p of sorted) {
    if (JSON.stringify([p.scenario, p.policy, p.strategy, p.count]) !== same) {
      throw new ModelError('bad-argument', `shard ${p.index}/${p.count} of ${p.scenario} (${p.strategy}) belongs to another search than shard ${first.index}/${first.count} of ${first.scenario}`);
    }
  }
  const indices = sorted.map((p) => p.index);
  if (sorted.length !== first.count || indices.some((x, i) => x !== i)) {
    throw new ModelError('bad-argument', `need shards 0 … ${first.count - 1} of ${first.scenario} exactly once, got ${indices.join(', ')}`);
  }
  const outcomes = new Map<string, number>();
  const violations = new Map<string, ShardViolation>();
  let runs = 0;
  let steps = 0;
  let sleepBlocked = 0;
  let elapsedMs = 0;
  let totalMs = 0;
  for (const p of sorted) {
    for (const o of p.outcomes) outcomes.set(o.outcome, (outcomes.get(o.outcome) ?? 0) + o.count);
    for (const v of p.violations) {
      const prev = violations.get(key(v));
      if (prev === undefined || better(v, prev)) violations.set(key(v), v);
    }
    runs += p.runs;
    steps += p.steps;
    sleepBlocked += p.sleepBlocked;
    elapsedMs = Math.max(elapsedMs, p.elapsedMs);
    totalMs += p.elapsedMs;
  }
  return {
    scenario: first.scenario,
    policy: first.policy,
    strategy: first.strategy,
    shards: sorted.length,
    exhaustive: sorted.every((p) => p.exhaustive),
    runs,
    steps,
    sleepBlocked,
    outcomes: [...outcomes].map(([outcome, count]): OutcomeCount => ({ outcome, count })),
    violations: [...violations.values()],
    elapsedMs,
    totalMs,
  };
}
