/**
 * exploreShard + mergeResults (issue 13): the shards of a search, run anywhere and
 * serialised as JSON, merge into the single-worker result.
 */
import { describe, expect, it } from 'vitest';
import { explore, exploreShard, mergeResults, ModelError, type ExploreOptions, type Scenario } from '../src/index.js';
import { scenarios } from '../src/scenarios/index.js';
import { counter3, fposRace, stealFpos } from './explore-fixtures.js';

const vkeys = (vs: ReadonlyArray<{ kind: string; location: string; object: string }>) => vs.map((v) => `${v.kind}@${v.location}/${v.object}`).sort();

function shards(s: Scenario<never>, o: ExploreOptions, count: number) {
  // Through JSON, as a worker, a CI job or a file would carry them.
  return Array.from({ length: count }, (_, i) => JSON.parse(JSON.stringify(exploreShard(s, o, i, count))));
}

describe('parallel exploration: exploreShard + mergeResults', () => {
  const cases: Array<[string, Scenario<never>, ExploreOptions]> = [
    ['f_pos race', fposRace({ lock: false }) as Scenario<never>, {}],
    ['counter', counter3() as Scenario<never>, {}],
    ['steal-fpos before', stealFpos as Scenario<never>, { policy: 'before' }],
    ['pidfd-getfd-fpos before', scenarios['pidfd-getfd-fpos']!, { policy: 'before' }],
    ['pidfd-getfd-fpos after', scenarios['pidfd-getfd-fpos']!, { policy: 'after' }],
    ['exec-posix-locks before', scenarios['exec-posix-locks']!, { policy: 'before' }],
  ];
  for (const [title, s, o] of cases) {
    for (const strategy of ['dpor', 'dfs'] as const) {
      if (strategy === 'dfs' && title.startsWith('pidfd')) continue; // naive search of the seed scenario is too big for CI
      it(`${title} (${strategy}): the merged result equals the single-worker result`, () => {
        const whole = explore(s, { ...o, strategy });
        for (const count of [2, 3]) {
          const m = mergeResults(shards(s, { ...o, strategy }, count));
          expect(m.shards).toBe(count);
          expect(m.exhaustive).toBe(whole.exhaustive);
          expect(m.policy).toEqual(whole.policy);
          expect(vkeys(m.violations)).toEqual(vkeys(whole.violations));
          if (strategy === 'dfs') {
            // Naive search splits into disjoint parts: the counts add up exactly.
            expect(m.runs).toBe(whole.runs);
            expect([...m.outcomes].sort((a, b) => a.outcome.localeCompare(b.outcome))).toEqual([...whole.outcomes].sort((a, b) => a.outcome.localeCompare(b.outcome)));
          } else {
            expect(m.outcomes.map((x) => x.outcome).sort()).toEqual(whole.outcomes.map((x) => x.outcome).sort());
          }
        }
      });
    }
  }

  it('random sampling: the shards run exactly the unsharded runs', () => {
    const s = fposRace({ lock: false }) as Scenario<never>;
    const whole = explore(s, { strategy: 'random', maxRuns: 200, seed: 4 });
    const m = mergeResults(shards(s, { strategy: 'random', maxRuns: 200, seed: 4 }, 3));
    expect(m.runs).toBe(200);
    const sorted = (os: ReadonlyArray<{ outcome: string; count: number }>) => [...os].sort((a, b) => a.outcome.localeCompare(b.outcome));
    expect(sorted(m.outcomes)).toEqual(sorted(whole.outcomes));
  });

  it('refuses an incomplete or mixed set of shards', () => {
    const s = counter3() as Scenario<never>;
    const [a, b, c] = shards(s, {}, 3);
    expect(() => mergeResults([a, b])).toThrow(ModelError);
    expect(() => mergeResults([a, b, b])).toThrow(ModelError);
    expect(() => mergeResults([a, b, { ...c, strategy: 'dfs' }])).toThrow(/another search/);
    expect(() => mergeResults([])).toThrow(ModelError);
    expect(() => mergeResults([{ runs: 3 } as never])).toThrow(/not a shard result/);
    for (const junk of [null, 42, 'fdlab-shard/2', undefined]) expect(() => mergeResults([junk as never])).toThrow(/not a shard result/);
    // Shards of the earlier partition (format 1) must not be combined with these.
    expect(() => mergeResults([a, b, { ...c, format: 'fdlab-shard/1' as never }])).toThrow(/another version of fdlab/);
    expect(mergeResults([c, a, b]).shards).toBe(3);
    expect(() => exploreShard(s, { shard: { index: 0, count: 2 } }, 0, 2)).toThrow(/give the shard as arguments/);
  });
});
