import { describe, expect, it } from 'vitest';
import { explore, type ExploreOptions, type ExploreResult, type Scenario } from 'fdlab';
import { Random } from 'fdlab';
import { counter3, fposRace, stealFpos } from './explore-fixtures.js';
import { programSource, randomProgram } from './dpor-programs.js';
import { searchSettings, searchWorlds } from '../src/explore/explore.js';
import { traceKey } from '../src/explore/trace-key.js';
import type { WorldSource } from '../src/explore/world.js';

/** The trace classes of the terminal runs and the runs of one search (or one shard of it). */
function classes(src: WorldSource, strategy: 'dpor' | 'dfs', shard: { index: number; count: number } | null, maxRuns = Infinity): { keys: Set<string>; runs: number; exhaustive: boolean } {
  const keys = new Set<string>();
  const r = searchWorlds(src, searchSettings({ strategy, shrink: false, maxRuns, ...(shard ? { shard } : {}) }), (t) => {
    if (t.end !== 'complete' && t.end !== 'deadlock') return;
    const tids = t.engine.schedule;
    keys.add(traceKey(tids, tids.map((_, i) => t.accessesOf(i))));
  });
  return { keys, runs: r.runs, exhaustive: r.exhaustive };
}

function summary(rs: readonly ExploreResult[]): { outcomes: string[]; kinds: string[]; exhaustive: boolean } {
  return {
    outcomes: [...new Set(rs.flatMap((r) => r.outcomes.map((o) => o.outcome)))].sort(),
    kinds: [...new Set(rs.flatMap((r) => r.violations.map((v) => `${v.kind}@${v.location}`)))].sort(),
    exhaustive: rs.every((r) => r.exhaustive),
  };
}

function sharded(s: Scenario<never>, o: ExploreOptions, count: number): ExploreResult[] {
  return Array.from({ length: count }, (_, index) => explore(s, { ...o, shard: { index, count } }));
}

describe('sharding', () => {
  const cases: Array<[string, Scenario<never>, ExploreOptions]> = [
    ['f_pos race', fposRace({ lock: false }) as Scenario<never>, {}],
    ['three threads on a counter', counter3() as Scenario<never>, {}],
    ['steal-fpos before', stealFpos as Scenario<never>, { policy: 'before' }],
  ];
  for (const [title, s, o] of cases) {
    for (const strategy of ['dpor', 'dfs'] as const) {
      it(`${title} (${strategy}): the union of the shards equals the whole search`, () => {
        const whole = summary([explore(s, { ...o, strategy })]);
        for (const count of [2, 3, 5]) {
          const parts = sharded(s, { ...o, strategy }, count);
          expect(summary(parts)).toEqual(whole);
          expect(parts.every((p) => p.runs > 0 || p.outcomes.length === 0)).toBe(true);
        }
      });
    }
  }

  it('splits naive search into disjoint parts: the runs add up', () => {
    const s = fposRace({ lock: false }) as Scenario<never>;
    const parts = sharded(s, { strategy: 'dfs' }, 4);
    expect(parts.reduce((n, p) => n + p.runs, 0)).toBe(3432);
    expect(parts.filter((p) => p.runs > 0).length).toBeGreaterThan(1);
  });

  it('splits random runs by index: the shards together run exactly the unsharded runs', () => {
    const s = fposRace({ lock: false }) as Scenario<never>;
    const whole = explore(s, { strategy: 'random', maxRuns: 300, seed: 9 });
    const parts = sharded(s, { strategy: 'random', maxRuns: 300, seed: 9 }, 3);
    expect(parts.reduce((n, p) => n + p.runs, 0)).toBe(300);
    const count = (rs: readonly ExploreResult[]) => {
      const m = new Map<string, number>();
      for (const r of rs) for (const o of r.outcomes) m.set(o.outcome, (m.get(o.outcome) ?? 0) + o.count);
      return [...m].sort();
    };
    expect(count(parts)).toEqual(count([whole]));
  });

  it('is deterministic', () => {
    const s = counter3() as Scenario<never>;
    const a = explore(s, { shard: { index: 1, count: 3 } });
    const b = explore(s, { shard: { index: 1, count: 3 } });
    expect(JSON.stringify({ ...a, elapsedMs: 0 })).toBe(JSON.stringify({ ...b, elapsedMs: 0 }));
  });

  it('partitions random programs of 3 and 4 threads: the shards\' trace classes are the whole search\'s, and naive runs add up', () => {
    // The cut is where the product of the branching widths reaches 4 × count: wide trees
    // (four threads) are cut after fewer decisions than narrow ones, and every path must
    // still meet exactly one cut node (or end before it) whatever the count.
    const r = new Random(20261201);
    let programs = 0;
    for (let i = 0; i < 100; i++) {
      const threads = i % 3 === 0 ? 4 : 3;
      const src = programSource(randomProgram(r, threads, threads === 4 ? 2 : 3, i % 2 === 0));
      const naive = classes(src, 'dfs', null, 600);
      if (!naive.exhaustive) continue;
      programs++;
      const dpor = classes(src, 'dpor', null);
      for (const count of [2, 5, 16]) {
        let naiveRuns = 0;
        const naiveKeys = new Set<string>();
        const dporKeys = new Set<string>();
        for (let index = 0; index < count; index++) {
          const a = classes(src, 'dfs', { index, count });
          naiveRuns += a.runs;
          for (const k of a.keys) naiveKeys.add(k);
          const b = classes(src, 'dpor', { index, count });
          expect(b.exhaustive).toBe(true);
          for (const k of b.keys) dporKeys.add(k);
        }
        expect(naiveRuns).toBe(naive.runs);
        expect([...naiveKeys].sort()).toEqual([...naive.keys].sort());
        // Sharded DPOR finds every class: the classes the whole DPOR search found, which
        // are the naive search's (test/dpor-fuzz.test.ts), and no other.
        expect([...dporKeys].sort()).toEqual([...naive.keys].sort());
        expect([...dpor.keys].sort()).toEqual([...naive.keys].sort());
      }
    }
    expect(programs).toBeGreaterThan(40);
  });
});
