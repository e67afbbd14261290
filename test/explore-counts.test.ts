/**
 * What the explorer reports besides verdicts — step totals per strategy, the step limit
 * at its boundary, merged exhaustiveness, trace keys — and the path walk's `.` and `..`
 * in the middle of a path. Each was a surviving mutant of the sampled mutation run
 * (docs/reliability.md): code whose answer no test looked at.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, explore, exploreShard, Kernel, mergeResults, O_RDONLY, type KernelPath, type Sys } from 'fdlab';
import { access } from 'fdlab/extend';
import { checkSameWorld } from '../src/sim/validate.js';
import { traceKey } from '../src/explore/trace-key.js';
import { fposRace } from './explore-fixtures.js';

function* twoCalls(sys: Sys): KernelPath<number> {
  yield* sys.getpid();
  return yield* sys.getpid();
}

/** Two threads of two getpid() calls: every run has the same number of steps. */
const fixedLength = defineScenario({
  name: 'fixed-length',
  title: 'every run the same length',
  source: 'test',
  setup(k) {
    const p = k.spawnProcess();
    p.thread((sys) => twoCalls(sys));
    p.thread((sys) => twoCalls(sys));
  },
});

describe('explore: step totals', () => {
  const L = explore(fixedLength, { strategy: 'dfs', maxRuns: 1 }).steps;

  it('a run of the fixture has a fixed length', () => {
    expect(L).toBeGreaterThan(3);
    const all = explore(fixedLength, { strategy: 'dfs' });
    expect(all.steps).toBe(all.runs * L);
  });

  it('random sampling counts the steps of its runs, and nothing else', () => {
    const r = explore(fixedLength, { strategy: 'random', maxRuns: 10 });
    expect(r.runs).toBe(10);
    expect(r.steps).toBe(10 * L);
  });

  it('PCT counts its probe run (which measures the run length) among the steps', () => {
    const r = explore(fixedLength, { strategy: 'pct', maxRuns: 10 });
    expect(r.runs).toBe(10);
    expect(r.steps).toBe(11 * L);
  });

  it('the portfolio probes of stopAtFirstViolation count their steps with their runs', () => {
    const r = explore(fixedLength, { stopAtFirstViolation: true });
    expect(r.exhaustive).toBe(true);
    expect(r.steps).toBe(r.runs * L);
  });
});

describe('explore: the step limit', () => {
  it('maxSteps equal to a run\'s length lets it complete; one less stops it', () => {
    const L = explore(fixedLength, { strategy: 'dfs', maxRuns: 1 }).steps;
    const exact = explore(fixedLength, { strategy: 'dfs', maxRuns: 1, maxSteps: L });
    expect(exact.violations).toEqual([]);
    expect(exact.exhaustive).toBe(false); // maxRuns 1
    const short = explore(fixedLength, { strategy: 'dfs', maxRuns: 1, maxSteps: L - 1 });
    expect(short.violations.map((v) => v.kind)).toEqual(['step-limit']);
  });
});

describe('mergeResults', () => {
  it('is exhaustive only if every shard was', () => {
    const s = fposRace({ lock: true });
    const full = [0, 1].map((index) => exploreShard(s, {}, index, 2));
    expect(mergeResults(full).exhaustive).toBe(true);
    const cut = [exploreShard(s, {}, 0, 2), exploreShard(s, { maxRuns: 1 }, 1, 2)];
    expect(cut[0]!.exhaustive && !cut[1]!.exhaustive).toBe(true);
    expect(mergeResults(cut).exhaustive).toBe(false);
  });
});

describe('traceKey', () => {
  it('keeps thread ids apart: thread 1 then 11 is not thread 11 then 1', () => {
    const w = access(1, 0, true);
    expect(traceKey([1, 11], [w, w])).not.toBe(traceKey([11, 1], [w, w]));
    // Independent steps commute: one trace, whichever order.
    expect(traceKey([1, 11], [access(1, 0, true), access(2, 0, true)])).toBe(traceKey([11, 1], [access(2, 0, true), access(1, 0, true)]));
  });
});

describe('the path walk', () => {
  it('"." and ".." in the middle of a path are walked through, not where the walk stops', () => {
    const p = new Kernel().spawnProcess();
    expect(p.read(p.open('/srv/./a', O_RDONLY), 8)).toBe('a');
    expect(p.read(p.open('/data/../srv/b', O_RDONLY), 8)).toBe('b');
    expect(() => p.open('/srv/a/../c', O_RDONLY)).toThrow(/ENOTDIR/); // a regular file has no '..', as in Linux
    expect(p.getdents(p.open('/srv/..', O_RDONLY), 8)).toEqual(['data', 'srv', 'tmp', 'mnt']);
  });
});

describe('the kernel\'s internal mounts and its mount events', () => {
  it('a new kernel has the root, anon_inode: and pipe: mounts', () => {
    const k = new Kernel();
    expect(k.snapshot().mounts.map((m) => m.path)).toEqual(['/', 'anon_inode:', 'pipe:']);
    expect([k.vfs.root, k.vfs.anon, k.vfs.pipefs].map((m) => [m.fstype, m.nouser])).toEqual([['rootfs', false], ['anon_inodefs', true], ['pipefs', true]]);
  });

  it('a traced mount is an event naming its filesystem type', () => {
    const k = new Kernel({ trace: true });
    const m = k.vfs.mount('/mnt', 'sysfs');
    const ev = k.engine.events.filter((e) => e.kind === 'effect' && e.fn === 'mount');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ objId: m.simId, detail: { note: 'sysfs' } });
  });
});

describe('checkSameWorld', () => {
  it.each([null, undefined, 42, 'p', Symbol('p')])('refuses %s as not an object (bad-argument), before asking whose it is', (v) => {
    const k = new Kernel();
    expect(() => checkSameWorld(k, v, 'process')).toThrow(/process must be an object/);
  });
});
