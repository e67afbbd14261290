/**
 * The explorer: scenarios, exhaustive search with partial-order reduction, random and
 * PCT search, replay, shrinking and sharding.
 *
 * @packageDocumentation
 */
export { defineScenario, type Scenario, type ScenarioExpectation, type Verdict } from './scenario.js';
export type { ExploreOptions, ExploreProgress, Shard, StrategyName } from './options.js';
export type { ExploreResult, FoundViolation, OutcomeCount } from './result.js';
export { explore } from './explore.js';
export { exploreShard, type ShardResult, type ShardViolation } from './parallel.js';
export { mergeResults, type MergedResult } from './merge.js';
export { replay, type ReplayOptions, type ReplayResult } from './replay.js';
export { shrinkSchedule, type ShrinkOptions, type ShrinkResult } from './shrink.js';
export { scenarioPolicy } from './policy.js';
export { matchesVerdict, verdictOf } from './verdict.js';
export {
  bisect, BISECT_PRESETS, policyChanges,
  type BisectOptions, type BisectRange, type BisectResult, type BisectVersion, type PolicyChange,
} from './bisect.js';
