/*
 * Issue 10's scenarios: CVE-2021-4083 (fget() racing close() while the collector runs),
 * CVE-2021-0920 (MSG_PEEK racing the classic collector) and the two-socket cycle under
 * both collectors. The verdicts are also checked generically by scenarios-seed.test.ts;
 * here: which schedule, which policy value fixes it, replays, and the CLI.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, verdictOf } from '../src/index.js';
import { unixGcCloseRace, unixGcCycle, unixGcMsgPeek } from '../src/scenarios/index.js';

describe('unix-gc-close-race (CVE-2021-4083)', () => {
  it("before (no fget recheck): the collector purges a socket that dup() handed back; the minimal schedule replays", () => {
    const r = explore(unixGcCloseRace, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(verdictOf(r)).toEqual(['use-after-free']);
    const v = r.violations[0]!;
    expect(v.message).toMatch(/unix_gc purges unix#1 as garbage, but it is reachable from P1\.files fd/);
    const steps = v.trace.filter((e) => e.kind === 'step').map((e) => `${e.thread}:${e.fn}`);
    // close() between fget's load and its increment; the collector's candidate check in between too.
    const close = steps.findIndex((s) => s.startsWith('P1.T2:file_close_fd'));
    const cand = steps.findIndex((s) => s.includes('total_refs == inflight'));
    const inc = steps.findIndex((s) => s.startsWith('P1.T1:file_ref_get'));
    expect(close).toBeLessThan(cand);
    expect(cand).toBeLessThan(inc);
    expect(replay(unixGcCloseRace, v.minimalSchedule, { policy: 'before' }).violations.map((x) => x.kind)).toContain('use-after-free');
  });

  it("the fix is the fget recheck alone: 'slot' and 'slot+fdt' are clean on the otherwise old kernel", () => {
    for (const fgetRecheck of ['slot', 'slot+fdt'] as const) {
      const r = explore(unixGcCloseRace, { policy: ['linux-5.11', { fgetRecheck }] });
      expect(r.exhaustive && r.violations.length === 0).toBe(true);
    }
    const a = explore(unixGcCloseRace, { policy: 'after' });
    expect(a.exhaustive && a.violations.length === 0).toBe(true);
    // dup() either got S before the close or failed with EBADF.
    expect(a.outcomes.some((o) => o.outcome.includes('EBADF'))).toBe(true);
  });
});

describe('unix-gc-msg-peek (CVE-2021-0920)', () => {
  it('before: the peeked socket is purged while installed in an fd', () => {
    const r = explore(unixGcMsgPeek, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(verdictOf(r)).toEqual(['use-after-free']);
    expect(r.violations[0]!.message).toMatch(/unix#3 as garbage/);
  });

  it("the fix is the GC-lock handshake: 'lock-unlock' alone makes the old kernel clean", () => {
    const r = explore(unixGcMsgPeek, { policy: ['linux-5.11', { unixPeekGcLock: 'lock-unlock' }] });
    expect(r.exhaustive && r.violations.length === 0).toBe(true);
    const a = explore(unixGcMsgPeek, { policy: 'after' });
    expect(a.exhaustive && a.violations.length === 0).toBe(true);
  });
});

describe('unix-gc-cycle', () => {
  it('both collectors: the cycle survives while reachable and is freed after the last close', () => {
    for (const policy of ['before', 'after'] as const) {
      const r = explore(unixGcCycle, { policy });
      expect(r.exhaustive).toBe(true);
      expect(r.violations).toEqual([]);
      // Some runs collect in the closer's own run (2), some find nothing until the end (0).
      const outs = new Set(r.outcomes.map((o) => o.outcome));
      expect([...outs].some((o) => o.includes('2'))).toBe(true);
    }
  });
});
