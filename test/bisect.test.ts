/*
 * bisect(): a scenario under every kernel preset, the ranges in which a violation kind
 * existed, and the policy changes (with their commits) at each end of a range.
 */
import { describe, expect, it } from 'vitest';
import { BISECT_PRESETS, bisect, DEFAULT_POLICY, defineScenario, POLICY_HISTORY, POLICY_PRESETS, POLICY_VALUES, policyChanges, scenarioPolicy } from '../src/index.js';
import { epollPollVsFput, execPosixLocks, fgetStaleRecycle, fposThreadsShared, pidfdGetfdFpos, pidfdGetfdFposRegular, uringFixedInstall, uringScmGcUaf } from '../src/scenarios/index.js';

describe('bisect', () => {
  it('seed 000: the directory race exists from pidfd_getfd() (in linux-5.11, not 3.14) to linux-6.4 and 20ea1e7d13c1 fixes it', () => {
    const b = bisect(pidfdGetfdFpos);
    expect(b.versions.map((v) => v.preset)).toEqual(BISECT_PRESETS);
    expect(b.exhaustive).toBe(true);
    expect(b.versions.filter((v) => v.verdict !== 'clean').map((v) => v.preset)).toEqual(['linux-5.11', 'linux-5.16', 'linux-6.4']);
    // linux-3.14 has no pidfd_open(): the stealing thread ends with ENOSYS, so no race.
    expect(b.versions[0]!.result!.outcomes.every((o) => o.outcome.includes('"ENOSYS"'))).toBe(true);
    expect(b.ranges).toHaveLength(1);
    expect(b.ranges[0]).toMatchObject({ kind: 'fpos-race', first: 'linux-5.11', last: 'linux-6.4', introducedAfter: 'linux-3.14', fixedIn: 'linux-6.5-rc' });
    expect(b.ranges[0]!.introducedBy.find((c) => c.key === 'syscalls')).toEqual({ key: 'syscalls', from: 'v3.14', to: 'v5.11', origin: POLICY_HISTORY.syscalls['v5.11'], decisive: true });
    // linux-5.11 also moved exec's unshare_files(): tried alone, it is not what matters.
    expect(b.ranges[0]!.introducedBy.find((c) => c.key === 'execUnshare')?.decisive).toBe(false);
    expect(b.ranges[0]!.fixedBy.map((c) => c.decisive)).toEqual([true]);
    expect(POLICY_HISTORY.syscalls['v5.11'].title).toContain('8649c322f75c');
    expect(b.ranges[0]!.fixedBy).toEqual([{ key: 'fdgetPos', from: 'when-shared', to: 'always', origin: POLICY_HISTORY.fdgetPos.always, decisive: true }]);
    expect(b.ranges[0]!.fixedBy[0]!.origin!.commit).toBe('20ea1e7d13c1');
  });

  it('a race that comes back: the regular-file steal returns in v6.5 (7d84d1b9af63, the ->iterate_shared rule) and is still present', () => {
    const b = bisect(pidfdGetfdFposRegular);
    expect(b.ranges.map((r) => [r.first, r.last, r.fixedIn])).toEqual([['linux-5.11', 'linux-6.4', 'linux-6.5-rc'], ['linux-6.5', 'linux-6.15', null]]);
    expect(b.ranges[1]!.introducedAfter).toBe('linux-6.5-rc');
    expect(b.ranges[1]!.introducedBy.map((c) => c.origin?.commit)).toEqual(['7d84d1b9af63']);
  });

  it('seed 001: the exec lock loss is fixed in linux-5.11 by moving unshare_files() after de_thread()', () => {
    const b = bisect(execPosixLocks);
    expect(b.ranges).toHaveLength(1);
    expect(b.ranges[0]).toMatchObject({ kind: 'assertion', first: 'linux-3.14', last: 'linux-3.14', fixedIn: 'linux-5.11' });
    // linux-5.11 also brought close_range() and the pidfd calls: not suspects here, since
    // the scenario made no call linux-3.14 lacked.
    expect(b.ranges[0]!.fixedBy).toMatchObject([{ key: 'execUnshare', from: 'before-de_thread', to: 'after-de_thread' }]);
  });

  it('a scenario whose setup needs io_uring is unavailable on linux-3.14, and the race begins where io_uring does', () => {
    const b = bisect(uringScmGcUaf);
    expect(b.versions[0]).toMatchObject({ preset: 'linux-3.14', verdict: 'unavailable', result: null, exhaustive: true });
    expect(b.versions[0]!.unavailable).toMatch(/io_uring_setup: ENOSYS/);
    expect(b.exhaustive).toBe(true);
    expect(b.ranges[0]).toMatchObject({ kind: 'use-after-free', first: 'linux-5.11', introducedAfter: 'linux-3.14', fixedIn: 'linux-6.7' });
    expect(b.ranges[0]!.introducedBy.map((c) => c.key)).toContain('syscalls');
    // A setup that every version refuses is the scenario's error, the caller's to see.
    const broken = defineScenario({ name: 'broken', title: 'setup fails', source: 'test', setup: (k) => void k.spawnProcess().close(7) });
    expect(() => bisect(broken, { presets: ['linux-6.15'] })).toThrow(/EBADF/);
    expect(() => bisect(broken)).toThrow(/EBADF/);
    // One that an older version refuses with EINVAL (sparse registration came in v5.19) is unavailable there.
    const u = bisect(uringFixedInstall, { presets: ['linux-5.16', 'linux-6.4'] });
    expect(u.versions.map((v) => v.verdict)).toEqual(['unavailable', 'clean']);
    expect(u.versions[0]!.unavailable).toMatch(/io_uring_register: EINVAL/);
  });

  it('`with` holds a switch fixed: without the fget recheck, the stale file appears when struct file becomes SLAB_TYPESAFE_BY_RCU', () => {
    expect(bisect(fgetStaleRecycle).ranges).toEqual([]);
    // v6.7 also changed io_uring's registration design (a suspect this scenario never
    // touches): holding it fixed too leaves the one switch that matters.
    const b = bisect(fgetStaleRecycle, { with: { fgetRecheck: 'none', uringFileRegistration: 'plain' } });
    expect(b.ranges).toHaveLength(1);
    expect(b.ranges[0]).toMatchObject({ kind: 'stale-file', first: 'linux-6.7', last: 'linux-6.15', fixedIn: null, introducedAfter: 'linux-6.6' });
    expect(b.ranges[0]!.introducedBy.map((c) => [c.key, c.origin?.commit])).toEqual([['slabTypesafeByRcu', '0ede61d8589c']]);
  });

  it('tries each suspect alone: of the two v6.7 changes, struct file becoming SLAB_TYPESAFE_BY_RCU is the one that matters', () => {
    const b = bisect(fgetStaleRecycle, { with: { fgetRecheck: 'none' } });
    expect(b.ranges[0]!.introducedBy.map((c) => [c.key, c.decisive])).toEqual([['slabTypesafeByRcu', true], ['uringFileRegistration', false]]);
    // A counterfactual search that is not exhaustive and finds nothing proves nothing; one
    // that finds the race does (12 runs find it on linux-6.7, not all of linux-6.6's).
    const bounded = bisect(fgetStaleRecycle, { with: { fgetRecheck: 'none' }, presets: ['linux-6.6', 'linux-6.7'], maxRuns: 12 });
    expect(bounded.ranges[0]!.introducedBy.map((c) => [c.key, c.decisive])).toEqual([['slabTypesafeByRcu', undefined], ['uringFileRegistration', false]]);
  });

  it('versions with the same policy are searched once; a clean scenario has no ranges', () => {
    const b = bisect(fposThreadsShared, { presets: ['linux-6.9', 'linux-6.15', 'current'] });
    expect(b.ranges).toEqual([]);
    const by = new Map(b.versions.map((v) => [v.preset, v]));
    // linux-6.15 and current resolve to the same switches: one search, shared.
    expect(by.get('linux-6.15')!.policy).toEqual(by.get('current')!.policy);
    expect(by.get('linux-6.15')!.result).toBe(by.get('current')!.result);
    expect(by.get('linux-6.9')!.result).not.toBe(by.get('current')!.result);
  });

  it('a bounded search is reported as not exhaustive', () => {
    const b = bisect(pidfdGetfdFpos, { presets: ['linux-6.4', 'linux-6.15'], maxRuns: 1 });
    expect(b.versions.map((v) => v.preset)).toEqual(['linux-6.4', 'linux-6.15']);
    expect(b.exhaustive).toBe(false);
  });

  it('runs every preset but current, oldest first (a new preset cannot be left out)', () => {
    expect([...BISECT_PRESETS, 'current']).toEqual(Object.keys(POLICY_PRESETS));
  });

  it('seed 002: epoll\'s borrowed file pointer is fixed in linux-6.9 by epi_fget() (4efaa5acf0a1)', () => {
    const b = bisect(epollPollVsFput);
    const fixes = b.ranges.map((r) => [r.kind, r.fixedIn, r.fixedBy.map((c) => c.origin?.commit)]);
    expect(fixes.length).toBeGreaterThan(0);
    for (const f of fixes) expect(f).toEqual([f[0], 'linux-6.9', ['4efaa5acf0a1']]);
  });

  it('rejects an empty or unknown preset list', () => {
    expect(() => bisect(pidfdGetfdFpos, { presets: [] })).toThrow(RangeError);
    expect(() => bisect(pidfdGetfdFpos, { presets: ['toString' as never] })).toThrow(/unknown preset 'toString'/);
  });

  it('every value of every versioned switch has a documented origin, and every preset boundary names one', () => {
    for (const key of Object.keys(POLICY_VALUES)) {
      const table = (POLICY_HISTORY as unknown as Record<string, Record<string, { title: string; since: string }>>)[key]!;
      expect(Object.keys(table).sort()).toEqual([...POLICY_VALUES[key]!].sort());
      for (const o of Object.values(table)) expect(o.title.length > 0 && /^v\d/.test(o.since)).toBe(true);
    }
    const s = defineScenario({ name: 'noop', title: 'noop', source: 'test', setup() {} });
    for (let i = 1; i < BISECT_PRESETS.length; i++) {
      const older = scenarioPolicy(s, BISECT_PRESETS[i - 1]!);
      const newer = scenarioPolicy(s, BISECT_PRESETS[i]!);
      for (const c of policyChanges(older, newer)) expect(c.origin, `${BISECT_PRESETS[i]} ${c.key}`).toBeDefined();
    }
    expect(POLICY_PRESETS.current).toEqual(DEFAULT_POLICY);
  });
});
