import { describe, expect, it } from 'vitest';
import { explore, type ExploreOptions, type ExploreResult, type Scenario } from 'fdlab';
import { counter3, fposRace, stealFpos } from './explore-fixtures.js';

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
});
