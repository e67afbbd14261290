/*
 * fdlab/testing: the helpers scenario authors use (and the project's own tests).
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, O_RDWR } from '../src/index.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';
import { catchErrno, errnoOf, expectVerdict, stepToEnd, stepUntil } from '../src/testing/index.js';
import { newKernel } from './helpers.js';

describe('stepUntil / stepToEnd', () => {
  it('park a thread before a step, let a plain call run in between, then finish it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const t = p.thread(function* (sys) {
      return yield* sys.read(fd, 4);
    });
    stepUntil(k, t, 'f_pos:read');
    expect(t.sim.pending?.fn).toBe('f_pos:read');
    p.lseek(fd, 2, 0);
    stepToEnd(k, t);
    expect(t.sim.result).toBe('ne 1');
    expect(t.sim.pending).toBeNull();
  });

  it('accept a RegExp and a SimThread; say why a label is never reached', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const t = p.thread(function* (sys) {
      const fd = yield* sys.open('/data/log', 0);
      yield* sys.close(fd);
    });
    stepUntil(k, t.sim, /^fd_install/);
    expect(t.sim.pending?.fn).toMatch(/^fd_install/);
    expect(() => stepUntil(k, t, 'no_such_step')).toThrow(/finished before reaching no_such_step/);
  });

  it('stepToEnd refuses to spin on a blocked thread', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.fork();
    const a = p.thread(function* (sys) {
      return yield* sys.read(fd, 1);
    });
    const b = p.thread(function* (sys) {
      return yield* sys.read(fd, 1);
    });
    stepUntil(k, a, 'f_pos:read'); // a holds f_pos_lock (the file is shared)
    expect(() => stepToEnd(k, b)).toThrow(/is blocked in/);
    stepToEnd(k, a);
    stepToEnd(k, b);
    expect([a.sim.result, b.sim.result]).toEqual(['l', 'i']);
  });
});

describe('catchErrno / errnoOf', () => {
  it('a failed call in a thread body becomes its errno name; a successful one returns its value', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const bad = p.thread(function* (sys) {
      return yield* catchErrno(sys.read(42, 1));
    });
    const good = p.thread(function* (sys) {
      return yield* catchErrno(sys.open('/data/log', 0));
    });
    k.run();
    expect(bad.sim.result).toBe('EBADF');
    expect(good.sim.result).toBe(0);
    p.close(0);
  });

  it('errnoOf names the errno of a plain call and fails when the call succeeds', () => {
    const p = newKernel().spawnProcess();
    expect(errnoOf(() => p.close(42))).toBe('EBADF');
    expect(errnoOf(() => p.open('/nope', 0))).toBe('ENOENT');
    expect(() => errnoOf(() => 1)).toThrow(/call succeeded/);
    expect(() => errnoOf(() => { throw new TypeError('not a kernel error'); })).toThrow(TypeError);
  });
});

describe('expectVerdict', () => {
  it('passes on the expected verdict and returns the search', () => {
    const r = expectVerdict(pidfdGetfdFpos, 'before', 'fpos-race');
    expect(r.violations[0]!.kind).toBe('fpos-race');
    expect(expectVerdict(pidfdGetfdFpos, 'after', 'clean').exhaustive).toBe(true);
    expect(expectVerdict(pidfdGetfdFpos, 'linux-6.4', ['fpos-race']).policy.fdgetPos).toBe('when-shared');
  });

  it('fails with what was found and the schedule to replay', () => {
    expect(() => expectVerdict(pidfdGetfdFpos, 'before', 'clean')).toThrow(/pidfd-getfd-fpos under before: expected clean, found fpos-race in .* \(replay '[\d.]+'\)/);
    expect(() => expectVerdict(pidfdGetfdFpos, 'after', 'fpos-race')).toThrow(/expected fpos-race, found no violation in \d+ run\(s\) \(exhaustive\)/);
  });

  it('a clean verdict needs an exhaustive search', () => {
    const s = defineScenario({
      name: 'two-dups', title: 'two threads dup', source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', 0);
        p.thread(function* (sys) { return yield* sys.dup(fd); });
        p.thread(function* (sys) { return yield* sys.dup(fd); });
      },
    });
    expect(() => expectVerdict(s, undefined, 'clean', { maxRuns: 1 })).toThrow(/not exhaustive \(1 runs\): nothing is proved/);
    expect(expectVerdict(s, undefined, 'clean').runs).toBeGreaterThan(1);
  });
});
