/*
 * Issue 9's scenarios: seed 002's epoll-vs-fput race (CVE-2024-38580) before and after
 * epi_fget(), Christian Brauner's umount-EBUSY objection and the SB_NOUSER variant, and
 * the fork/dup rules of epoll(7). The verdicts are also checked generically by
 * scenarios-seed.test.ts; here are the specifics: which kinds, which outcomes, counts,
 * replays of the minimal schedule.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, verdictOf, type Scenario } from '../src/index.js';
import { epollForkShared, epollPollVsFput, epollUmountBusy } from '../src/scenarios/index.js';

const outcomes = (r: ReturnType<typeof explore>) => new Map(r.outcomes.map((o) => [o.outcome, o.count]));

describe('epoll-poll-vs-fput (seed 002, CVE-2024-38580)', () => {
  it("before ('borrow'): get_file() on a zero count, then a second __fput; the minimal schedule replays", () => {
    const r = explore(epollPollVsFput, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(verdictOf(r)).toEqual(['double-release', 'refcount-inc-on-zero']);
    const v = r.violations.find((x) => x.kind === 'refcount-inc-on-zero')!;
    expect(v.message).toMatch(/get_file on file#\d+ whose f_count is 0/);
    const steps = v.trace.filter((e) => e.kind === 'step').map((e) => `${e.thread}:${e.fn}`);
    // The closer's last fput comes before the waiter's poll, which runs under ep->mtx.
    expect(steps.findIndex((s) => s.startsWith('P1.T2:fput'))).toBeLessThan(steps.lastIndexOf('P1.T1:vfs_poll'));
    expect(replay(epollPollVsFput, v.minimalSchedule, { policy: 'before' }).violations.map((x) => x.kind)).toContain('refcount-inc-on-zero');
  });

  it("after ('epi-fget'): exhaustive and clean, and so is the SB_NOUSER variant (dma-buf is on an SB_NOUSER filesystem)", () => {
    const a = explore(epollPollVsFput, { policy: 'after' });
    expect(a.exhaustive && a.violations.length === 0).toBe(true);
    // Both outcomes happen: the poll saw the file (1 event) or it was already dying (0).
    expect([...outcomes(a).keys()].sort()).toEqual(['[0,null]', '[1,null]']);
    const n = explore(epollPollVsFput, { policy: { epollItemPoll: 'epi-fget-nouser' } });
    expect(n.exhaustive && n.violations.length === 0).toBe(true);
  });
});

describe('epoll-umount-busy (seed 002, Christian Brauner)', () => {
  it("'epi-fget': some schedules end with umount EBUSY; the count is reported as an outcome", () => {
    const r = explore(epollUmountBusy, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(verdictOf(r)).toEqual(['assertion']);
    const o = outcomes(r);
    const busy = [...o].filter(([k]) => k.includes('EBUSY')).reduce((n, [, c]) => n + c, 0);
    expect(busy).toBeGreaterThan(0);
    expect([...o.keys()].some((k) => k.includes('umounted'))).toBe(true);
  });

  it("'epi-fget-nouser' and 'borrow': never EBUSY", () => {
    for (const policy of ['after', { epollItemPoll: 'borrow' as const }] as const) {
      const r = explore(epollUmountBusy, { policy });
      expect(r.exhaustive).toBe(true);
      expect(r.violations).toEqual([]);
      expect([...outcomes(r).keys()].every((k) => k.includes('umounted'))).toBe(true);
    }
  });
});

describe('epoll-fork-shared (epoll(7) Q6)', () => {
  it('clean under every policy: the child deletes the shared item, its exit removes nothing, a closed fd is EBADF', () => {
    for (const policy of ['before', 'after'] as const) {
      const r = explore(epollForkShared as Scenario<never>, { policy });
      expect(r.exhaustive).toBe(true);
      expect(r.violations).toEqual([]);
      expect([...outcomes(r).keys()]).toEqual(['["2|DEL(closed fd): EBADF",null]']);
    }
  });
});
