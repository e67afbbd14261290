import type { KernelPolicy } from '../kernel/policies.js';
import { formatSchedule } from '../sim/schedule.js';
import type { Violation } from '../sim/violation.js';
import { checkExploreOptions } from './check-options.js';
import { Collector, violationKey } from './collector.js';
import { continueChoice, drive, type Chooser } from './drive.js';
import type { ExploreOptions, Shard, StrategyName } from './options.js';
import { scenarioPolicy } from './policy.js';
import { replayWorld, type ReplayResult } from './replay.js';
import type { ExploreResult, FoundViolation } from './result.js';
import { pctChooser, randomChooser, runSeed } from './samplers.js';
import type { Scenario } from './scenario.js';
import { shrinkWorld } from './shrink.js';
import { TreeSearch } from './tree.js';
import { scenarioSource, type WorldSource } from './world.js';

/** Search settings after defaults. @internal */
export interface SearchSettings {
  readonly strategy: StrategyName;
  readonly preemptionBound: number | undefined;
  readonly seed: number;
  readonly pctDepth: number;
  readonly maxRuns: number;
  readonly maxTimeMs: number;
  readonly now: () => number;
  readonly stopAtFirstViolation: boolean;
  readonly portfolio: boolean;
  readonly shard: Shard | null;
  readonly maxSteps: number;
  readonly shrink: boolean;
  readonly shrinkRuns: number;
  readonly onProgress: ((p: { runs: number; steps: number; violations: number; elapsedMs: number }) => void) | undefined;
  readonly progressEveryMs: number;
}

/** Applies the defaults of {@link ExploreOptions}. @internal */
export function searchSettings(given: ExploreOptions): SearchSettings {
  const o = checkExploreOptions(given) as ExploreOptions;
  // checkExploreOptions() has checked every value (ModelError bad-option); here only defaults.
  const strategy = o.strategy ?? 'dpor';
  const sampled = strategy === 'random' || strategy === 'pct';
  const shard = o.shard ?? null;
  const bound = o.preemptionBound;
  return {
    strategy,
    preemptionBound: bound,
    seed: o.seed ?? 1,
    pctDepth: o.pctDepth ?? 2,
    maxRuns: o.maxRuns ?? (sampled ? 1000 : Infinity),
    maxTimeMs: o.maxTimeMs ?? Infinity,
    now: o.now ?? Date.now,
    stopAtFirstViolation: o.stopAtFirstViolation ?? false,
    portfolio: o.portfolio ?? true,
    shard: shard !== null && shard.count > 1 ? shard : null,
    maxSteps: o.maxSteps ?? 10_000,
    shrink: o.shrink ?? true,
    shrinkRuns: o.shrinkRuns ?? 20_000,
    onProgress: o.onProgress,
    progressEveryMs: o.progressEveryMs ?? 250,
  };
}

/** The raw result of a search over a world source, before violations are shrunk. @internal */
export interface SearchOutcome {
  readonly collector: Collector;
  readonly exhaustive: boolean;
  readonly runs: number;
  readonly steps: number;
  readonly sleepBlocked: number;
  readonly bound: number | undefined;
}

/** With `preemptionBound: Infinity` and DPOR: the last bound searched exactly before one unbounded DPOR pass. @internal */
export const DPOR_AFTER = 2;

/**
 * How far the prefixes of the tree are explored exhaustively and partitioned among
 * `count` shards: until the product of the branching widths along a prefix reaches
 * 4 × count (for binary choices, ⌈log₂ count⌉ + 2 decisions). A product rather than a
 * number of decisions, so a tree of many threads is cut where it has a few prefixes per
 * shard, not thousands that every shard would re-run up to the cut.
 * @internal
 */
export function splitWidth(count: number): number {
  return 4 * count;
}

/**
 * Runs a search over any world source (the scenario's kernel, or a bare engine in
 * tests) and collects outcomes and violations.
 * @internal
 */
export function searchWorlds(source: WorldSource, s: SearchSettings, onRun?: (search: TreeSearch) => void): SearchOutcome {
  const col = new Collector();
  const t0 = s.now();
  let runs = 0;
  let steps = 0;
  let sleepBlocked = 0;
  let stopped = false;
  let lastProgress = t0;
  const stop = (): boolean => {
    if (runs >= s.maxRuns) return true;
    if (s.stopAtFirstViolation && col.seen.size > 0) return true;
    if (s.maxTimeMs !== Infinity || s.onProgress !== undefined) {
      const t = s.now();
      if (s.onProgress !== undefined && t - lastProgress >= s.progressEveryMs) {
        lastProgress = t;
        s.onProgress({ runs, steps, violations: col.seen.size, elapsedMs: t - t0 });
      }
      if (t - t0 >= s.maxTimeMs) return true;
    }
    return false;
  };

  if (s.strategy === 'random' || s.strategy === 'pct') {
    let k = 0;
    if (s.strategy === 'pct') {
      // Probe: one run without preemption tells PCT how long runs are.
      const w = source.start(false);
      const d = drive(w, (en, n, _i, last) => continueChoice(en, n, last), s.maxSteps);
      k = Math.max(1, d.steps);
      steps += d.steps;
    }
    const count = s.shard?.count ?? 1;
    for (let r = s.shard?.index ?? 0; r < s.maxRuns && !stopped; r += count) {
      const seed = runSeed(s.seed, r);
      const choose: Chooser = s.strategy === 'random' ? randomChooser(seed) : pctChooser(seed, s.pctDepth, k);
      const w = source.start(false);
      const d = drive(w, choose, s.maxSteps);
      if (s.strategy === 'pct') k = Math.max(k, d.steps);
      col.outcome(w.finish(d.end));
      if (w.engine.violations.length > 0) col.violations(w.engine.violations, w.engine.schedule, 0, d.preemptions);
      runs++;
      steps += d.steps;
      stopped = stop();
    }
    return { collector: col, exhaustive: false, runs, steps, sleepBlocked, bound: undefined };
  }

  // A portfolio for the first violation (as Coyote and shuttle run one): when the caller
  // only wants a violation, each systematic run is preceded by one seeded random run.
  // Shallow bugs, which most interleavings show, fall to the first random runs; deep
  // ones, which need one precise preemption, to the bounded search. Random runs never
  // count towards exhaustiveness, which only the systematic search decides.
  let probes = 0;
  const probe = (): void => {
    const w = source.start(false);
    const d = drive(w, randomChooser(runSeed(s.seed, probes++)), s.maxSteps);
    col.outcome(w.finish(d.end));
    if (w.engine.violations.length > 0) col.violations(w.engine.violations, w.engine.schedule, 0, d.preemptions);
    runs++;
    steps += d.steps;
    stopped = stop();
  };
  const portfolio = s.stopAtFirstViolation && s.portfolio && s.shard === null;

  const dpor = s.strategy === 'dpor';
  const maxBound = s.preemptionBound;
  const split = s.shard !== null ? splitWidth(s.shard.count) : 0;
  let exhaustive = false;
  // Preemption bounding runs exact bounded naive searches for bounds 0, 1, 2, ... (a
  // partial-order reduction inside a bound would skip traces reachable within it). With
  // DPOR and a bound above DPOR_AFTER (Infinity included), the bounded passes stop after
  // DPOR_AFTER and one unbounded DPOR pass completes the search.
  let bound = maxBound === undefined ? Infinity : 0;
  let reduce = maxBound === undefined && dpor;
  let lastBound: number | undefined;
  // The portfolio's first probe runs before the search tree is even built: for a shallow
  // bug it is the whole search.
  if (portfolio) {
    probe();
    if (stopped) return { collector: col, exhaustive: false, runs, steps, sleepBlocked, bound: undefined };
  }
  const search = new TreeSearch(source, { dpor: reduce, bound, maxSteps: s.maxSteps, shard: s.shard, split });
  for (;;) {
    search.restart(bound, reduce);
    if (bound !== Infinity) lastBound = bound;
    const known = bound === Infinity ? (lastBound ?? -1) + 1 : bound;
    let complete = true;
    while (!stopped) {
      if (portfolio) {
        probe();
        if (stopped) break;
      }
      if (!search.next()) break;
      steps += search.length;
      const end = search.end;
      if (end === 'skipped') continue;
      runs++;
      const world = search.world!;
      if (end === 'complete' || end === 'deadlock' || end === 'step-limit') col.outcome(world.finish(end));
      const vs = world.engine.violations;
      if (vs.length > 0) col.violations(vs, world.engine.schedule, known, search.preemptions);
      if (onRun !== undefined) onRun(search);
      stopped = stop();
    }
    if (stopped) complete = false;
    sleepBlocked += search.sleepBlocked;
    if (complete && !search.pruned) {
      exhaustive = !search.stepLimited;
      break;
    }
    if (stopped || maxBound === undefined || bound >= maxBound) break;
    // Naive bounded passes grow exponentially with the bound. Past DPOR_AFTER one
    // unbounded DPOR pass is cheaper than the next bounded one and covers every bound at
    // once, so a finite bound above it ends too — with a proof over all schedules.
    if (dpor && bound >= DPOR_AFTER) {
      bound = Infinity;
      reduce = true;
    } else bound++;
  }
  return { collector: col, exhaustive, runs, steps, sleepBlocked, bound: lastBound };
}

/**
 * Turns each distinct violation into its report: shrinks the schedule (fewest
 * preemptions, then shortest) and takes the message, thread and step from the shrunk
 * run. The trace (and the object's history) come from a replay with tracing on, made
 * the first time `trace` or `history` is read: same schedule, same events, so laziness
 * changes nothing but the cost of a search whose traces nobody looks at.
 * @internal
 */
export function reportViolations(source: WorldSource, col: Collector, s: SearchSettings): FoundViolation[] {
  const out: FoundViolation[] = [];
  const replays = new Map<string, () => ReplayResult>();
  // Bounded passes are exact: a violation first seen in the pass of bound b (or after
  // the passes up to b - 1) has no schedule with fewer than b preemptions.
  for (const [key, seen] of col.seen) {
    const matches = (v: Violation): boolean => violationKey(v) === key;
    let minimal = seen.schedule;
    let preemptions = seen.preemptions;
    let v = seen.violation;
    if (s.shrink) {
      // A shard's bounded passes split the schedules differently from bound to bound:
      // only an unsharded search knows what the lower bounds lacked.
      const r = shrinkWorld(source, seen.schedule, matches, s.maxSteps, s.shrinkRuns, s.shard === null ? seen.bound : 0);
      minimal = r.schedule;
      preemptions = r.preemptions;
      v = r.violation ?? v;
    }
    const text = formatSchedule(minimal);
    let traced = replays.get(text);
    if (traced === undefined) {
      let rep: ReplayResult | undefined;
      traced = () => (rep ??= replayWorld(source, minimal, s.maxSteps));
      replays.set(text, traced);
    }
    const f = new LazyViolation(v, minimal === seen.schedule ? text : formatSchedule(seen.schedule), text, preemptions, traced, matches);
    out.push(f);
  }
  return out;
}

/**
 * A found violation whose trace and history come from a traced replay made the first
 * time either is read (a search whose traces nobody looks at never replays). Both are
 * included by JSON.stringify.
 */
class LazyViolation implements FoundViolation {
  readonly kind: FoundViolation['kind'];
  readonly message: string;
  readonly why: string;
  readonly location: string;
  readonly thread: string;
  readonly step: number;
  readonly object: string;

  constructor(
    v: Violation,
    readonly schedule: string,
    readonly minimalSchedule: string,
    readonly preemptions: number,
    private readonly replayed: () => ReplayResult,
    private readonly matches: (v: Violation) => boolean,
  ) {
    this.kind = v.kind;
    this.message = v.message;
    this.why = v.why;
    this.location = v.fn;
    this.thread = v.thread;
    this.step = v.step;
    this.object = v.object;
  }

  get trace(): FoundViolation['trace'] {
    return this.replayed().trace;
  }

  get history(): readonly string[] {
    return this.replayed().violations.find(this.matches)?.history ?? [];
  }

  toJSON(): FoundViolation {
    const { kind, message, why, location, schedule, minimalSchedule, preemptions, thread, step, object, trace, history } = this;
    return { kind, message, why, location, schedule, minimalSchedule, preemptions, thread, step, object, trace, history };
  }
}

/**
 * Explores the interleavings of a scenario: re-runs it from scratch on a fresh kernel
 * for each schedule (stateless model checking) and reports the distinct outcomes and
 * every violation with a minimal schedule to replay and its trace.
 *
 * With the default `'dpor'` strategy the search is exhaustive with source-DPOR and
 * sleep sets (Abdulla et al., POPL 2014): steps that touch disjoint objects, or only read
 * the same object, commute, so roughly one run per Mazurkiewicz trace suffices; a clean
 * exhaustive result proves the scenario race-free for every interleaving. `'dfs'` runs
 * every interleaving; `'random'` and `'pct'` (Burckhardt et al., ASPLOS 2010) sample.
 * `preemptionBound` runs schedules with few preemptions first (CHESS), which finds
 * shallow bugs fastest.
 *
 * @example
 * ```ts
 * import { explore, type Scenario } from 'fdlab';
 * declare const racy: Scenario;
 * const bug = explore(racy, { policy: 'before', preemptionBound: 2, stopAtFirstViolation: true });
 * bug.violations[0]?.kind;            // e.g. 'fpos-race'
 * bug.violations[0]?.minimalSchedule; // e.g. '0.0.0.1' — replay it
 * const fix = explore(racy, { policy: 'after' });
 * fix.exhaustive && fix.violations.length === 0; // proved clean over fix.runs schedules
 * ```
 */
export function explore<C>(scenario: Scenario<C>, options: ExploreOptions = {}): ExploreResult {
  const s = searchSettings(options);
  const t0 = s.now();
  const policy: KernelPolicy = scenarioPolicy(scenario, options.policy);
  const source = scenarioSource(scenario, policy, options.checked ?? true);
  const r = searchWorlds(source, s);
  const violations = reportViolations(source, r.collector, s);
  const outcomes = [...r.collector.outcomes].map(([outcome, count]) => ({ outcome, count }));
  return {
    scenario: scenario.name,
    policy,
    strategy: s.strategy,
    exhaustive: r.exhaustive,
    runs: r.runs,
    steps: r.steps,
    sleepBlocked: r.sleepBlocked,
    ...(r.bound !== undefined ? { preemptionBound: r.bound } : {}),
    outcomes,
    violations,
    elapsedMs: s.now() - t0,
  };
}
