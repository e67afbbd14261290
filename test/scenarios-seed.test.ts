/*
 * The shipped scenario catalogue (fdlab/scenarios): each scenario's expected verdicts
 * under its `before` and `after` policies, by exhaustive search; and issue 4's account
 * of seed 000 (pidfd_getfd vs fdget_pos) rule by rule.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, type FdgetPosRule, type Scenario } from '../src/index.js';
import { expectVerdict } from '../src/testing/index.js';
import { coreStealFpos, pidfdGetfdFpos, pidfdGetfdFposRegular, scenarios } from '../src/scenarios/index.js';

describe('every shipped scenario meets its expected verdicts', () => {
  const cases = Object.values(scenarios).flatMap((s) =>
    (['before', 'after'] as const).filter((p) => s.expected?.[p] !== undefined).map((p) => [s.name, p, s] as const),
  );
  it.each(cases)('%s under %s', (_name, policy, s) => {
    const r = expectVerdict(s as Scenario<unknown>, policy, s.expected![policy]!);
    expect(r.exhaustive).toBe(true);
    // The end-of-run audit is part of every explored run: a leak would be a 'leak' violation,
    // unless the leak is the bug the scenario shows (seed 003's error path).
    const leakExpected = s.expected![policy] !== 'clean' && s.expected![policy]!.includes('leak');
    if (!leakExpected) expect(r.violations.filter((v) => v.kind === 'leak')).toEqual([]);
  });
});

describe('seed 000: pidfd_getfd() against the f_count == 1 optimisation of fdget_pos()', () => {
  it('before (v3.14–v6.4 rule): the race is found; the minimal schedule has one preemption and follows the seed', () => {
    const r = explore(pidfdGetfdFpos, { policy: 'before' });
    const v = r.violations.find((x) => x.kind === 'fpos-race');
    expect(v).toBeDefined();
    expect(v!.preemptions).toBe(1);
    expect(v!.message).toMatch(/P1\.T1 skipped f_pos_lock because f_count was 1 at fdget_pos/);
    // The seed's order: P1 decides not to lock (count 1), P2 steals (count 2) and locks,
    // both iterate the same position.
    const steps = v!.trace.filter((e) => e.kind === 'step').map((e) => `${e.thread}:${e.fn}`);
    const at = (s: string) => steps.indexOf(s);
    expect(at('P1.T1:file_needs_f_pos_lock')).toBeGreaterThanOrEqual(0);
    expect(at('P1.T1:file_needs_f_pos_lock')).toBeLessThan(at('P2.T1:file_ref_get'));
    expect(at('P2.T1:file_ref_get')).toBeLessThan(at('P2.T1:mutex_lock(f_pos_lock of file#1)'));
    expect(steps.filter((s) => s.endsWith(':iterate_dir'))).toHaveLength(2);
    const rep = replay(pidfdGetfdFpos, v!.minimalSchedule, { policy: 'before' });
    expect(rep.violations.map((x) => x.kind)).toContain('fpos-race');
    expect(rep.outcome).toContain('"a","b"');
  });

  it.each<FdgetPosRule>(['always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'])(
    'after, rule %s: exhaustive search, zero violations, schedules counted',
    (rule) => {
      const r = explore(pidfdGetfdFpos, { policy: { fdgetPos: rule } });
      expect(r.exhaustive).toBe(true);
      expect(r.violations).toEqual([]);
      expect(r.runs).toBeGreaterThan(1);
    },
  );

  it('the invariant the old rule relied on: core syscalls only (fork, dup, threads) are race-free under the old rule', () => {
    const r = explore(coreStealFpos, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.runs).toBeGreaterThan(10);
  });

  it('the trade-off of the current rule: a regular file read with f_count 1 races again, and is reported', () => {
    const r = explore(pidfdGetfdFposRegular, { policy: 'after' });
    expect(r.violations.map((v) => v.kind)).toContain('fpos-race');
    expect(explore(pidfdGetfdFposRegular, { policy: { fdgetPos: 'always' } }).violations).toEqual([]);
  });
});
