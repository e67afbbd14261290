import { describe, expect, it } from 'vitest';
import { explore, replay, shrinkSchedule } from 'fdlab';
import { fposRace, stealFpos } from './explore-fixtures.js';

describe('shrinking', () => {
  it('turns a many-preemption failing schedule into one with one preemption', () => {
    const s = fposRace({ lock: false });
    const long = '0.1.0.1.0.1.0.1.0.1.0.1.0.1';
    expect(replay(s, long).preemptions).toBe(12); // the last switch is not one: T0 is done
    const r = shrinkSchedule(s, long, { kind: 'fpos-race' });
    expect(r.preemptions).toBe(1);
    expect(r.kind).toBe('fpos-race');
    expect(r.schedule).toBe('0.0.0.1');
    expect(replay(s, r.schedule).violations.map((v) => v.kind)).toContain('fpos-race');
  });

  it('keeps the violation kind asked for', () => {
    const s = fposRace({ lock: false });
    const r = shrinkSchedule(s, '0.1.0.1.0.1.0.1.0.1.0.1.0.1', { kind: 'assertion' });
    expect(r.kind).toBe('assertion');
    expect(r.preemptions).toBe(1);
  });

  it('shrinks what random search finds in a kernel scenario to the fewest preemptions', () => {
    const r = explore(stealFpos, { policy: 'before', strategy: 'random', seed: 11, maxRuns: 300 });
    const v = r.violations.find((x) => x.kind === 'fpos-race')!;
    expect(v.preemptions).toBe(1);
    expect(replay(stealFpos, v.schedule, { policy: 'before' }).preemptions).toBeGreaterThanOrEqual(1);
    expect(replay(stealFpos, v.minimalSchedule, { policy: 'before' }).violations.map((x) => x.kind)).toContain('fpos-race');
  });

  it('refuses a schedule that shows no violation', () => {
    expect(() => shrinkSchedule(fposRace({ lock: true }), '0.1')).toThrow(RangeError);
  });
});
