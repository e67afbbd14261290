/**
 * DPOR on whole scenarios: the outcomes and violation kinds found with reduction equal
 * those of naive exhaustive search, with fewer runs and (nearly) one run per
 * Mazurkiewicz trace; random schedules of the shipped scenarios land in trace classes
 * DPOR explored.
 */
import { Random } from 'fdlab';
import { scenarios } from 'fdlab/scenarios';
import { describe, expect, it } from 'vitest';
import { drive } from '../src/explore/drive.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { randomChooser } from '../src/explore/samplers.js';
import type { Scenario } from '../src/explore/scenario.js';
import { traceKey } from '../src/explore/trace-key.js';
import { scenarioSource, type WorldSource } from '../src/explore/world.js';
import { searchTraces } from './dpor-programs.js';
import { abba, closeVsDup, counter3, fposRace, spawner } from './explore-fixtures.js';

function sourceOf(s: Scenario<never>, policy?: 'before' | 'after'): WorldSource {
  return scenarioSource(s, scenarioPolicy(s, policy));
}

const small: Array<[string, Scenario<never>]> = [
  ['f_pos race without the lock', fposRace({ lock: false }) as Scenario<never>],
  ['f_pos race under f_pos_lock', fposRace({ lock: true }) as Scenario<never>],
  ['ABBA deadlock', abba() as Scenario<never>],
  ['three threads on a counter', counter3() as Scenario<never>],
  ['close racing dup (kernel paths)', closeVsDup as Scenario<never>],
  ['a thread started in the middle of a run', spawner() as Scenario<never>],
];

describe('DPOR equals naive exhaustive search on small scenarios', () => {
  for (const [title, s] of small) {
    it(title, () => {
      const src = sourceOf(s);
      const naive = searchTraces(src, 'dfs');
      const dpor = searchTraces(src, 'dpor');
      expect(naive.exhaustive && dpor.exhaustive).toBe(true);
      expect([...dpor.outcomes].sort()).toEqual([...naive.outcomes].sort());
      expect([...dpor.kinds].sort()).toEqual([...naive.kinds].sort());
      expect([...naive.traces].filter((k) => !dpor.traces.has(k))).toEqual([]);
      expect(dpor.runs).toBeLessThan(naive.runs);
      // Optimality: DPOR runs ÷ Mazurkiewicz traces.
      expect(dpor.runs / naive.traces.size).toBeLessThanOrEqual(1.1);
    });
  }

  it('needs 86x fewer runs than naive search on the two-thread f_pos race', () => {
    const src = sourceOf(fposRace({ lock: false }) as Scenario<never>);
    const naive = searchTraces(src, 'dfs');
    const dpor = searchTraces(src, 'dpor');
    expect(naive.runs).toBe(3432); // C(14, 7): two threads of seven steps
    expect(dpor.runs).toBe(40);
    expect(naive.traces.size).toBe(40);
  });
});

describe('random schedules of shipped scenarios land in classes DPOR explored', () => {
  const cases: Array<[Scenario<never>, 'before' | 'after']> = [];
  for (const s of Object.values(scenarios)) {
    if (s.before !== undefined) cases.push([s, 'before']);
    if (s.after !== undefined) cases.push([s, 'after']);
  }
  cases.push([fposRace({ lock: true, threads: 3 }) as Scenario<never>, 'before']);
  for (const [s, policy] of cases) {
    it(`${s.name} (${policy})`, () => {
      const src = s.name.startsWith('fpos-race') ? sourceOf(s) : sourceOf(s, policy);
      const dpor = searchTraces(src, 'dpor');
      expect(dpor.exhaustive).toBe(true);
      const rng = new Random(99);
      let missing = 0;
      for (let i = 0; i < 1000; i++) {
        const w = src.start(false);
        const accs: Array<number | readonly number[]> = [];
        const pick = randomChooser(rng.below(2 ** 31));
        const d = drive(w, (en, n, step, last) => {
          const t = pick(en, n, step, last);
          accs.push(w.engine.threads[t]!.pending!.acc);
          return t;
        }, 10_000);
        if (d.end === 'step-limit') continue;
        if (!dpor.traces.has(traceKey(w.engine.schedule, accs))) missing++;
      }
      expect(missing).toBe(0);
    });
  }
});
