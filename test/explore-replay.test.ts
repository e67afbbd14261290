import { describe, expect, it } from 'vitest';
import { explore, replay } from 'fdlab';
import { abba, fposRace, stealFpos } from './explore-fixtures.js';

describe('replay', () => {
  it('reproduces the same trace, byte for byte', () => {
    const v = explore(stealFpos, { policy: 'before' }).violations[0]!;
    const a = replay(stealFpos, v.minimalSchedule, { policy: 'before' });
    const b = replay(stealFpos, v.minimalSchedule, { policy: 'before' });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.violations.map((x) => x.kind)).toEqual(['fpos-race']);
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(v.trace));
    expect(a.completed).toBe(true);
  });

  it('continues without preemption when the schedule ends early, and returns the full schedule', () => {
    const r = replay(fposRace({ lock: false }), '1');
    expect(r.schedule).toBe('1.1.1.1.1.1.1.0.0.0.0.0.0.0');
    expect(r.preemptions).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.outcome).toBe('f_pos=2');
    const empty = replay(fposRace({ lock: false }), '');
    expect(empty.schedule).toBe('0.0.0.0.0.0.0.1.1.1.1.1.1.1');
    expect(replay(fposRace({ lock: false }), [0, 0, 1]).preemptions).toBe(1);
  });

  it('records every step, effect and violation in the trace', () => {
    const r = replay(fposRace({ lock: false }), '0.0.0.1.1.1');
    const steps = r.trace.filter((e) => e.kind === 'step');
    expect(steps.length).toBe(14);
    expect(steps[0]!.fn).toBe('fdget');
    expect(r.trace.filter((e) => e.kind === 'violation').map((e) => e.fn)).toEqual(['fpos-race', 'assertion']);
    expect(r.violations.map((v) => v.kind)).toEqual(['fpos-race', 'assertion']);
  });

  it('shows a deadlock as an incomplete run', () => {
    const r = replay(abba(), '0.0.1.1');
    expect(r.completed).toBe(false);
    expect(r.outcome).toBe('deadlock');
    expect(r.violations.map((v) => v.kind)).toEqual(['deadlock']);
  });

  it('rejects a schedule that picks a thread that cannot run', () => {
    expect(() => replay(abba(), '0.1.1.1')).toThrow(/schedule step 3: thread 1 cannot run/);
    expect(() => replay(abba(), '0.0.1.1.0')).toThrow(/the run ended after 4 steps \(deadlock\)/);
    expect(() => replay(abba(), '0.x')).toThrow(RangeError);
    expect(() => replay(abba(), '7')).toThrow(RangeError);
  });
});
