import { ModelError } from '../sim/model-error.js';
import { checkBoolOption, checkIntOption, checkOptions, describeValue } from '../sim/validate.js';

/*
 * Validation of the explorer's inputs (explore, replay, shrinkSchedule): own keys only,
 * integers where counts go, a schedule that is a string or a list of thread indices.
 * Everything here throws ModelError `bad-option` (`bad-argument` for the schedule).
 */

const MAX = Number.MAX_SAFE_INTEGER;

/** Every key of ExploreOptions: a new option must be added here. @internal */
export const EXPLORE_OPTION_KEYS: readonly string[] = [
  'policy', 'checked', 'strategy', 'preemptionBound', 'seed', 'pctDepth', 'maxRuns', 'maxTimeMs', 'now', 'stopAtFirstViolation',
  'portfolio', 'shard', 'maxSteps', 'shrink', 'shrinkRuns', 'onProgress', 'progressEveryMs',
];

function checkFn(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') throw new ModelError('bad-option', `${name} must be a function, got ${describeValue(v)}`);
}

/** An integer ≥ min, or Infinity (no limit). */
function checkLimit(name: string, v: unknown, min: number): void {
  if (v === Infinity) return;
  checkIntOption(name, v, min, MAX);
}

/** A number of milliseconds ≥ 0 (Infinity allowed where `infinite`). */
function checkMs(name: string, v: unknown, infinite: boolean): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!infinite && v === Infinity)) {
    throw new ModelError('bad-option', `${name} must be a number of milliseconds ≥ 0, got ${describeValue(v)}`);
  }
}

/** Checks explore() options; returns them as a fresh object of their own keys. @internal */
export function checkExploreOptions(o: unknown): Record<string, unknown> {
  // Copied, key by key as the unknown keys are looked for: an options object built by
  // spreading (`{ ...base, seed }`) is often a slow dictionary in V8, where every read of
  // an absent key is a hash lookup up the prototype chain, and validation and the
  // settings read each of the 17 keys, most of them absent (2.9 µs per explore() call,
  // against 1.0 µs with the copy: a sixth of a first-violation search).
  const x: Record<string, unknown> = {};
  checkOptions('explore options', o, EXPLORE_OPTION_KEYS, x);
  const s = x.strategy;
  if (s !== undefined && s !== 'dpor' && s !== 'dfs' && s !== 'random' && s !== 'pct') {
    throw new ModelError('bad-option', `unknown strategy ${describeValue(s)} (known: dpor, dfs, random, pct)`);
  }
  checkLimit('preemptionBound', x.preemptionBound, 0);
  // runSeed() hashes the seed as a 32-bit word: larger seeds would collide.
  checkIntOption('seed', x.seed, 0, 0xffffffff);
  checkIntOption('pctDepth', x.pctDepth, 1, MAX);
  checkLimit('maxRuns', x.maxRuns, 1);
  checkMs('maxTimeMs', x.maxTimeMs, true);
  checkFn('now', x.now);
  checkBoolOption('stopAtFirstViolation', x.stopAtFirstViolation);
  checkBoolOption('portfolio', x.portfolio);
  checkBoolOption('shrink', x.shrink);
  checkBoolOption('checked', x.checked);
  checkIntOption('maxSteps', x.maxSteps, 1, MAX);
  checkIntOption('shrinkRuns', x.shrinkRuns, 0, MAX);
  checkFn('onProgress', x.onProgress);
  checkMs('progressEveryMs', x.progressEveryMs, false);
  const sh = x.shard;
  if (sh !== undefined) {
    checkOptions('shard', sh, ['index', 'count']);
    const { index, count } = sh as { index?: unknown; count?: unknown };
    checkIntOption('shard.count', count ?? NaN, 1, 2 ** 20);
    checkIntOption('shard.index', index ?? NaN, 0, (count as number) - 1);
  }
  return x;
}

/** Checks replay() / shrinkSchedule() options. @internal */
export function checkRunOptions(what: string, o: unknown, keys: readonly string[]): void {
  checkOptions(what, o, keys);
  const x = (o ?? {}) as Record<string, unknown>;
  checkIntOption('maxSteps', x.maxSteps, 1, MAX);
  if (keys.includes('maxRuns')) checkIntOption('maxRuns', x.maxRuns, 1, MAX);
  if (x.kind !== undefined && typeof x.kind !== 'string') throw new ModelError('bad-option', `kind must be a violation kind, got ${describeValue(x.kind)}`);
}

/**
 * A schedule is a string (parsed by parseSchedule) or a list of thread indices; anything
 * else (a number, a plain object, null) is misuse, not an empty schedule. @internal
 */
export function checkSchedule(fn: string, schedule: unknown): void {
  if (typeof schedule === 'string') return;
  if (Array.isArray(schedule) && schedule.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 31)) return;
  throw new ModelError('bad-argument', `${fn}: a schedule is a string like '0.0.1' or a list of thread indices, got ${describeValue(schedule)}`);
}
