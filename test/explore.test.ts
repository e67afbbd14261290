import { countPreemptions, defineScenario, explore, KernelError, matchesVerdict, ModelError, O_RDWR, parseSchedule, Random, replay, scenarioPolicy, verdictOf, type ExploreProgress, type KernelPath, type Plugin } from 'fdlab';
import { access, syscallSteps } from 'fdlab/extend';
import { describe, expect, it } from 'vitest';
import { searchSettings, searchWorlds } from '../src/explore/explore.js';
import { traceKey } from '../src/explore/trace-key.js';
import { programSource, randomProgram, searchTraces } from './dpor-programs.js';
import { abba, counter3, forkShared, fposRace, stealFpos } from './explore-fixtures.js';

describe('explore: the two-thread f_pos race', () => {
  it('finds the race without the lock, with a minimal schedule of one preemption', () => {
    const r = explore(fposRace({ lock: false }));
    expect(r.strategy).toBe('dpor');
    expect(r.exhaustive).toBe(true);
    expect(r.runs).toBe(40);
    expect(verdictOf(r)).toEqual(['assertion', 'fpos-race']);
    const v = r.violations.find((x) => x.kind === 'fpos-race')!;
    expect(v.location).toBe('f_pos:read');
    expect(v.object).toBe('file#1');
    expect(v.preemptions).toBe(1);
    expect(v.minimalSchedule).toBe('0.0.0.1'); // T1 reads f_pos while T0 is between read and write
    expect(v.message).toMatch(/updated by T0 and T1 concurrently/);
    expect(v.why).toMatch(/f_pos_lock/);
    expect(v.trace.some((e) => e.kind === 'violation' && e.fn === 'fpos-race')).toBe(true);
    // The minimal schedule replays to the same violation.
    const rep = replay(fposRace({ lock: false }), v.minimalSchedule);
    expect(rep.violations.map((x) => x.kind)).toContain('fpos-race');
    expect(rep.preemptions).toBe(1);
    expect(r.outcomes.map((o) => o.outcome).sort()).toEqual(['f_pos=1', 'f_pos=2']);
    expect(r.outcomes.reduce((n, o) => n + o.count, 0)).toBe(40);
  });

  it('proves the locked version clean over every interleaving and says how many schedules it covered', () => {
    const r = explore(fposRace({ lock: true }));
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.runs).toBe(24);
    expect(r.sleepBlocked).toBe(0);
    expect(r.outcomes).toEqual([{ outcome: 'f_pos=2', count: 24 }]);
    expect(matchesVerdict(r, 'clean')).toBe(true);
  });

  it('naive search agrees and needs 3432 runs', () => {
    const r = explore(fposRace({ lock: false }), { strategy: 'dfs' });
    expect(r.exhaustive).toBe(true);
    expect(r.runs).toBe(3432);
    expect(verdictOf(r)).toEqual(['assertion', 'fpos-race']);
    expect(r.violations.find((v) => v.kind === 'fpos-race')!.preemptions).toBe(1);
  });

  it('iterative preemption bounding finds it early and still reaches an exhaustive verdict', () => {
    const quick = explore(fposRace({ lock: false }), { preemptionBound: 3, stopAtFirstViolation: true, portfolio: false });
    expect(quick.violations[0]!.preemptions).toBe(1);
    expect(quick.exhaustive).toBe(false);
    expect(quick.preemptionBound).toBe(1);
    expect(quick.runs).toBeLessThan(10);
    const dfs = explore(fposRace({ lock: false }), { strategy: 'dfs', preemptionBound: 3, stopAtFirstViolation: true, portfolio: false });
    expect(dfs.violations[0]!.preemptions).toBe(1);
    const all = explore(fposRace({ lock: true }), { strategy: 'dfs', preemptionBound: Infinity });
    expect(all.exhaustive).toBe(true);
    expect(all.violations).toEqual([]);
    const bounded = explore(fposRace({ lock: false }), { strategy: 'dfs', preemptionBound: 0 });
    expect(bounded.exhaustive).toBe(false);
    expect(bounded.violations).toEqual([]); // no race without preemption
    expect(bounded.runs).toBe(2);
  });

  it('the first-violation portfolio: a random run before each systematic one finds a shallow race at once, a deep one still by bounding', () => {
    const runs = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((seed) => {
      const shallow = explore(fposRace({ lock: false }), { preemptionBound: Infinity, stopAtFirstViolation: true, shrink: false, seed });
      expect(shallow.violations.map((v) => v.kind)).toContain('fpos-race');
      expect(shallow.exhaustive).toBe(false);
      return shallow.runs;
    });
    const systematic = explore(fposRace({ lock: false }), { preemptionBound: Infinity, stopAtFirstViolation: true, shrink: false, portfolio: false }).runs;
    expect(runs.sort((a, b) => a - b)[4]).toBeLessThan(systematic); // the median run count
    const clean = explore(fposRace({ lock: true }), { preemptionBound: Infinity, stopAtFirstViolation: true });
    expect(clean.violations).toEqual([]);
    expect(clean.exhaustive).toBe(true); // decided by the systematic runs; the random ones are extra
  });
});

describe('explore: kernel scenarios and verdicts', () => {
  it('a reference received while the owner reads races on f_pos only under when-shared', () => {
    const before = explore(stealFpos, { policy: 'before' });
    expect(before.policy.fdgetPos).toBe('when-shared');
    expect(matchesVerdict(before, stealFpos.expected!.before!)).toBe(true);
    const v = before.violations[0]!;
    expect(v.kind).toBe('fpos-race');
    expect(v.message).toMatch(/skipped f_pos_lock because f_count was 1/);
    expect(v.preemptions).toBe(1);
    const after = explore(stealFpos, { policy: 'after' });
    expect(after.policy.fdgetPos).toBe('always');
    expect(matchesVerdict(after, 'clean')).toBe(true);
    expect(after.runs).toBeGreaterThan(1);
  });

  it('two processes sharing a struct file through fork always lock: clean', () => {
    for (const policy of ['before', 'after'] as const) {
      const r = explore(forkShared, { policy });
      expect(r.exhaustive).toBe(true);
      expect(r.violations).toEqual([]);
    }
  });

  it('reports a lock-order deadlock with the steps the threads wait in', () => {
    const r = explore(abba());
    const v = r.violations.find((x) => x.kind === 'deadlock')!;
    expect(v.location).toBe('mutex_lock(A) | mutex_lock(B)');
    expect(v.message).toMatch(/T0 waits in mutex_lock\(B\)/);
    expect(v.preemptions).toBe(1);
    expect(r.outcomes.map((o) => o.outcome).sort()).toEqual(['deadlock', 'x=12', 'x=21']);
  });

  it('records a leaked reference (kernel.audit) and a failed check, and the default outcome label', () => {
    const leaky = defineScenario({
      name: 'leaky',
      title: 'a thread takes a reference nobody owns',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', O_RDWR);
        const f = p.fileOf(fd);
        p.thread(function* (sys) {
          return yield* syscallSteps(sys.task, (function* () {
            yield { fn: 'get_file', acc: access(f.simId, 0, true) };
            f.getFile();
            return 'took';
          })());
        });
        return { fd };
      },
      check() {
        throw new Error('always fails');
      },
    });
    const r = explore(leaky);
    expect(verdictOf(r)).toEqual(['assertion', 'leak']);
    const leak = r.violations.find((v) => v.kind === 'leak')!;
    expect(leak.message).toMatch(/file#\d+: f_count 2 but 1 owner/);
    expect(leak.object).toMatch(/^file#\d+$/);
    expect(r.violations.find((v) => v.kind === 'assertion')!.message).toBe('always fails');
    expect(r.outcomes).toEqual([{ outcome: '["took"]', count: 1 }]);
  });

  it('labels a thread result that refers to itself without looping', () => {
    const s = defineScenario({
      name: 'cyclic-result',
      title: 'a thread returns an object that contains itself',
      source: 'test',
      setup(k) {
        k.spawnProcess().thread(function* (sys) {
          const fd = yield* sys.getpid();
          const o: { fd: number; self?: unknown } = { fd };
          o.self = o;
          return o;
        });
      },
    });
    expect(explore(s).outcomes.map((o) => o.outcome)).toEqual(['[{"fd":1,"self":"[cycle]"}]']);
  });

  it('labels failed syscalls by errno and records thrown exceptions', () => {
    const s = defineScenario({
      name: 'errors',
      title: 'one thread fails with EBADF, one throws',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const q = k.spawnProcess();
        p.thread(function* (sys) {
          yield* sys.close(42);
        });
        q.thread(function* (sys): KernelPath<void> {
          yield* sys.getpid();
          throw new TypeError('bug in the body');
        });
      },
    });
    const r = explore(s);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['[{"error":"EBADF"},{"threw":"bug in the body"}]']);
    expect(verdictOf(r)).toEqual(['exception']);
    expect(KernelError.is(new KernelError('EBADF', 'x'))).toBe(true);
  });

  it('reports a livelock as step-limit and does not claim exhaustiveness', () => {
    const spin = defineScenario({
      name: 'spin',
      title: 'a thread spins forever',
      source: 'test',
      setup(k) {
        const e = k.engine;
        const id = e.register({ simName: () => 'flag' });
        e.startThread(e.spawn('spinner'), (function* (): KernelPath<void> {
          for (;;) yield { fn: 'cpu_relax', acc: access(id, 0, false) };
        })());
      },
    });
    const r = explore(spin, { maxSteps: 50 });
    expect(r.exhaustive).toBe(false);
    expect(verdictOf(r)).toEqual(['step-limit']);
    expect(r.outcomes).toEqual([{ outcome: 'step-limit', count: 1 }]);
  });

  it('installs plugins on each fresh kernel before setup', () => {
    let installs = 0;
    const counting: Plugin<{ n: number }> = { name: 'counting', install: () => ({ n: ++installs }) };
    const s = defineScenario({
      name: 'with-plugin',
      title: 'uses a plugin',
      source: 'test',
      plugins: [counting],
      setup(k) {
        const api = k.use(counting);
        k.spawnProcess().thread(function* (sys) {
          yield* sys.getpid();
          return api.n === installs;
        });
      },
    });
    const r = explore(s);
    expect(r.outcomes).toEqual([{ outcome: '[true]', count: 1 }]);
    expect(installs).toBe(r.runs); // one fresh kernel, one install, per run
  });
});

describe('explore: options', () => {
  it('resolves before / after / presets and rejects unknown ones', () => {
    expect(scenarioPolicy(stealFpos, 'before').fdgetPos).toBe('when-shared');
    expect(scenarioPolicy(stealFpos, 'linux-6.4').fdgetPos).toBe('when-shared');
    expect(scenarioPolicy(stealFpos, { fdgetPos: 'always' }).fdgetPos).toBe('always');
    expect(() => explore(counter3(), { policy: 'before' })).toThrow(ModelError);
    expect(() => explore(counter3(), { policy: 'linux-0.01' as never })).toThrow(ModelError);
    expect(() => explore(counter3(), { strategy: 'bfs' as never })).toThrow(ModelError);
    expect(() => explore(counter3(), { shard: { index: 2, count: 2 } })).toThrow(ModelError);
    expect(() => explore(counter3(), { preemptionBound: -1 })).toThrow(ModelError);
  });

  it('caps runs and time with an injectable clock', () => {
    const capped = explore(fposRace({ lock: true }), { strategy: 'dfs', maxRuns: 10 });
    expect(capped.runs).toBe(10);
    expect(capped.exhaustive).toBe(false);
    let t = 0;
    const timed = explore(fposRace({ lock: true }), { strategy: 'dfs', maxTimeMs: 5, now: () => t++ });
    expect(timed.exhaustive).toBe(false);
    expect(timed.runs).toBeLessThan(10);
    expect(timed.elapsedMs).toBeGreaterThan(0);
  });

  it('reports progress through onProgress', () => {
    let t = 0;
    const seen: ExploreProgress[] = [];
    explore(fposRace({ lock: false }), { strategy: 'dfs', now: () => (t += 10), progressEveryMs: 100, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.at(-1)!.runs).toBeGreaterThan(seen[0]!.runs);
    expect(seen.at(-1)!.violations).toBe(2);
  });

  it('stops at the first violation', () => {
    const r = explore(fposRace({ lock: false }), { strategy: 'dfs', stopAtFirstViolation: true });
    expect(r.exhaustive).toBe(false);
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.runs).toBeLessThan(3432);
  });

  it('keeps the found schedule when shrinking is off', () => {
    const r = explore(fposRace({ lock: false }), { strategy: 'dfs', shrink: false, stopAtFirstViolation: true });
    const v = r.violations[0]!;
    expect(v.minimalSchedule).toBe(v.schedule);
    expect(parseSchedule(v.schedule).length).toBe(14);
  });

  it('samples with seeded random and PCT, reproducibly', () => {
    for (const strategy of ['random', 'pct'] as const) {
      const a = explore(fposRace({ lock: false }), { strategy, seed: 3, maxRuns: 200 });
      const b = explore(fposRace({ lock: false }), { strategy, seed: 3, maxRuns: 200 });
      expect(a.runs).toBe(200);
      expect(a.exhaustive).toBe(false);
      expect(verdictOf(a)).toEqual(['assertion', 'fpos-race']);
      expect(JSON.stringify({ ...a, elapsedMs: 0 })).toBe(JSON.stringify({ ...b, elapsedMs: 0 }));
      const clean = explore(fposRace({ lock: true }), { strategy, seed: 3, maxRuns: 100 });
      expect(clean.violations).toEqual([]);
      expect(clean.exhaustive).toBe(false);
    }
  });

  it('PCT with depth 1 runs threads without preemption, depth 2 preempts once', () => {
    const d1 = explore(fposRace({ lock: false }), { strategy: 'pct', pctDepth: 1, maxRuns: 50 });
    expect(d1.violations).toEqual([]);
    const d2 = explore(fposRace({ lock: false }), { strategy: 'pct', pctDepth: 2, maxRuns: 300, seed: 5 });
    expect(verdictOf(d2)).toContain('fpos-race');
  });

  it('counts preemptions as countPreemptions does', () => {
    const v = explore(fposRace({ lock: false })).violations[0]!;
    const choices = parseSchedule(v.minimalSchedule);
    expect(countPreemptions(choices, () => true)).toBe(v.preemptions);
  });
});

describe('explore: preemption bounding is exact within the bound', () => {
  it('a bounded DPOR search sees every trace class a bounded naive search sees', () => {
    const classes = (src: ReturnType<typeof programSource>, strategy: 'dpor' | 'dfs', bound: number) => {
      const keys = new Set<string>();
      searchWorlds(src, searchSettings({ strategy, preemptionBound: bound, shrink: false }), (t) => {
        if (t.end === 'complete' || t.end === 'deadlock') keys.add(traceKey(t.engine.schedule, t.engine.schedule.map((_, i) => t.accessesOf(i))));
      });
      return keys;
    };
    const r = new Random(3);
    for (let i = 0; i < 150; i++) {
      const src = programSource(randomProgram(r, 3, 2, i % 2 === 0));
      for (const b of [0, 1]) {
        const naive = classes(src, 'dfs', b);
        const dpor = classes(src, 'dpor', b);
        expect([...naive].filter((k) => !dpor.has(k))).toEqual([]);
      }
      // Unlimited: the bounded passes, then DPOR, cover everything.
      const all = searchTraces(src, 'dpor');
      const iter = classes(src, 'dpor', Infinity);
      expect([...all.traces].filter((k) => !iter.has(k))).toEqual([]);
    }
  });

  it('with an unlimited bound, DPOR finishes the search after the passes for 0, 1 and 2 preemptions', () => {
    const r = explore(fposRace({ lock: true }), { preemptionBound: Infinity });
    expect(r.exhaustive).toBe(true);
    expect(r.preemptionBound).toBe(2);
    expect(r.violations).toEqual([]);
  });
});
