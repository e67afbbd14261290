/**
 * DPOR soundness, tested differentially: for many small random three-thread programs,
 * every Mazurkiewicz trace class naive exhaustive search finds (canonical trace key)
 * must be among the classes source-DPOR explored, and the outcome sets must agree.
 * A textbook Flanagan–Godefroid with sleep sets missed classes in ~20 % of such programs.
 */
import fc from 'fast-check';
import { Random } from 'fdlab';
import { describe, expect, it } from 'vitest';
import {
  programSource, randomProgram, randomSyscallProgram, sampledMisses, searchTraces, syscallProgramSource, type Op, type Program,
} from './dpor-programs.js';
import type { WorldSource } from '../src/explore/world.js';

interface Tally {
  programs: number;
  classes: number;
  naiveRuns: number;
  dporRuns: number;
  sleepBlocked: number;
  misses: string[];
}

function differential(prog: Program, tally: Tally, naiveCap: number): void {
  differentialOn(programSource(prog), JSON.stringify(prog), tally, naiveCap);
}

function differentialOn(src: WorldSource, prog: string, tally: Tally, naiveCap: number): void {
  const naive = searchTraces(src, 'dfs', naiveCap);
  if (!naive.exhaustive) return; // too big for the naive reference
  const dpor = searchTraces(src, 'dpor');
  tally.programs++;
  tally.classes += naive.traces.size;
  tally.naiveRuns += naive.runs;
  tally.dporRuns += dpor.runs;
  tally.sleepBlocked += dpor.sleepBlocked;
  const missed = [...naive.traces].filter((k) => !dpor.traces.has(k));
  const outMissed = [...naive.outcomes].filter((o) => !dpor.outcomes.has(o));
  if (missed.length > 0 || outMissed.length > 0 || dpor.traces.size > naive.traces.size) {
    tally.misses.push(JSON.stringify({ prog, missed, outMissed }));
  }
}

const fresh = (): Tally => ({ programs: 0, classes: 0, naiveRuns: 0, dporRuns: 0, sleepBlocked: 0, misses: [] });

describe('source-DPOR against naive exhaustive search on random programs', () => {
  it('misses no trace class over 4,000 three-thread programs without locks', () => {
    const r = new Random(20261123);
    const t = fresh();
    for (let i = 0; i < 4000; i++) differential(randomProgram(r, 3, 3, false), t, 3000);
    expect(t.misses).toEqual([]);
    expect(t.programs).toBeGreaterThan(3500);
    // Source-DPOR is close to optimal here: at most a few redundant runs per hundred classes.
    expect(t.dporRuns / t.classes).toBeLessThan(1.05);
    expect(t.dporRuns).toBeLessThan(t.naiveRuns / 3);
  });

  it('misses no trace class over 2,500 three-thread programs with mutexes', () => {
    const r = new Random(7);
    const t = fresh();
    for (let i = 0; i < 2500; i++) differential(randomProgram(r, 3, 2, true), t, 3000);
    expect(t.misses).toEqual([]);
    expect(t.programs).toBeGreaterThan(1500);
    expect(t.dporRuns / t.classes).toBeLessThan(1.1);
  });

  it('misses no trace class on programs fast-check generates (and shrinks on failure)', () => {
    const access = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean());
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.array(access, { minLength: 1, maxLength: 2 }).map((acc) => ({ kind: 'acc' as const, acc })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((l) => ({ kind: 'lock' as const, l })) },
    );
    // A 'lock' op stands for lock; access; unlock, so every thread releases what it takes.
    const expand = (ops: Op[]): Op[] =>
      ops.flatMap((o) => (o.kind === 'lock' ? [o, { kind: 'acc' as const, acc: [[o.l, true] as const] }, { kind: 'unlock' as const, l: o.l }] : [o]));
    const program = fc.array(fc.array(op, { minLength: 1, maxLength: 2 }).map(expand), { minLength: 2, maxLength: 3 });
    fc.assert(
      fc.property(program, (prog) => {
        const t = fresh();
        differential(prog, t, 3000);
        return t.misses.length === 0;
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('misses no trace class on random epoll/poll/pipe/eventfd programs (parent and forked child, both policies)', () => {
    // Whole-kernel runs cost ~1 ms, so naive search is capped low (the small programs
    // finish) and every program is also checked by random schedules, which must all land
    // in classes DPOR explored.
    const r = new Random(2026);
    for (const policy of ['current', { epollItemPoll: 'borrow' as const }] as const) {
      const t = fresh();
      let sampled = 0;
      for (let i = 0; i < 24; i++) {
        const prog = randomSyscallProgram(r, 2, 2);
        const src = syscallProgramSource(prog, policy);
        differentialOn(src, JSON.stringify(prog), t, 300);
        const dpor = searchTraces(src, 'dpor');
        expect(dpor.exhaustive).toBe(true);
        expect(sampledMisses(src, dpor.traces, 60, i), JSON.stringify(prog)).toBe(0);
        sampled++;
      }
      expect(t.misses).toEqual([]);
      expect(t.programs).toBeGreaterThan(3);
      expect(sampled).toBe(24);
    }
  }, 120_000);
});
