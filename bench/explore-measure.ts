/*
 * The explorer's measurements. bench/explore.ts bundles this file with esbuild (as tsup
 * bundles the library: no tsx keepNames wrappers, which cost the kernel ~4x in
 * construction) and runs it in child processes: `warm` prints every warm figure as JSON,
 * `cold-fdlab` / `cold-fc` print the time of the first search in a fresh process.
 */
import fc from 'fast-check';
import { explore, Kernel, type ExploreOptions, type Scenario } from 'fdlab';
import { pidfdGetfdFpos } from 'fdlab/scenarios';
import { searchSettings, searchWorlds } from '../src/explore/explore.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { traceKey } from '../src/explore/trace-key.js';
import { scenarioSource, type WorldSource } from '../src/explore/world.js';
import { abba, closeVsDup, counter3, fposRace } from '../test/explore-fixtures.js';
import { programSource, randomProgram } from '../test/dpor-programs.js';
import { Random } from 'fdlab';
import { median, type BenchEntry } from './results.js';

/** A figure as bench/results.ts records it. */
export type Figure = BenchEntry;

const now = (): number => performance.now();

/** Median over rounds of (runs/s, steps/s) of repeated explore() calls. */
function throughput(s: Scenario<never>, o: ExploreOptions, rounds = 7, ms = 400): { runs: number; steps: number; perCall: number } {
  for (let t = now(); now() - t < 300; ) explore(s, o); // warm-up
  const rs: number[] = [];
  const ss: number[] = [];
  let perCall = 0;
  for (let r = 0; r < rounds; r++) {
    let runs = 0;
    let steps = 0;
    const t0 = now();
    while (now() - t0 < ms) {
      const x = explore(s, o);
      runs += x.runs;
      steps += x.steps;
      perCall = x.runs;
    }
    const dt = (now() - t0) / 1000;
    rs.push(runs / dt);
    ss.push(steps / dt);
  }
  return { runs: median(rs), steps: median(ss), perCall };
}

/** Runs of a search, and the Mazurkiewicz traces among its terminal runs. */
function traces(src: WorldSource, strategy: 'dfs' | 'dpor', maxRuns = Infinity): { runs: number; traces: number; exhaustive: boolean; sleepBlocked: number } {
  const keys = new Set<string>();
  const r = searchWorlds(src, searchSettings({ strategy, maxRuns, shrink: false }), (t) => {
    if (t.end !== 'complete' && t.end !== 'deadlock') return;
    const tids = t.engine.schedule;
    keys.add(traceKey(tids, tids.map((_, i) => t.accessesOf(i))));
  });
  return { runs: r.runs, traces: keys.size, exhaustive: r.exhaustive, sleepBlocked: r.sleepBlocked };
}

// --- fast-check ports -------------------------------------------------------------

/**
 * The two-thread f_pos race (test/explore-fixtures.ts fposRace without the lock) as a
 * fair async port: each thread awaits the scheduler at the same seven preemption points.
 */
async function fcFposRace(seed: number): Promise<number> {
  const out = await fc.check(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      const st = { pos: 0, count: 1, inside: [] as Array<{ tid: number; locked: boolean }>, race: false };
      const step = (label: string): Promise<string> => s.schedule(Promise.resolve(label), label);
      const thread = async (i: number): Promise<void> => {
        await step(`T${i} fdget`);
        st.count++;
        await step(`T${i} file_needs_f_pos_lock`);
        const locked = false;
        await step(`T${i} f_pos:read`);
        for (const o of st.inside) if (!o.locked || !locked) st.race = true;
        const mine = { tid: i, locked };
        st.inside.push(mine);
        const before = st.pos;
        await step(`T${i} vfs_read`);
        await step(`T${i} f_pos:write`);
        st.pos = before + 1;
        st.inside.splice(st.inside.indexOf(mine), 1);
        await step(`T${i} fdput`);
        st.count--;
        await step(`T${i} exit_to_user_mode`);
      };
      await s.waitFor(Promise.all([thread(0), thread(1)]));
      if (st.race || st.pos !== 2) throw new Error('f_pos race');
    }),
    { seed, numRuns: 1_000_000, endOnFailure: true },
  );
  if (!out.failed) throw new Error('fast-check did not find the f_pos race');
  return out.numRuns;
}

/**
 * A scenario driven by fast-check's scheduler on fdlab's own kernel model: each thread
 * is an async loop that awaits the scheduler before each of its steps, so fast-check
 * picks the interleaving at exactly fdlab's preemption points.
 */
async function fcOnModel(sc: Scenario<never>, policy: 'before' | 'after', seed: number): Promise<number> {
  const pol = scenarioPolicy(sc, policy);
  const out = await fc.check(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      const k = new Kernel({ policy: pol, trace: false });
      for (const p of sc.plugins ?? []) k.use(p);
      sc.setup(k);
      const e = k.engine;
      const thread = async (tid: number): Promise<void> => {
        const t = e.threads[tid]!;
        while (t.pending !== null) {
          await s.schedule(Promise.resolve(tid), `T${tid}`);
          if (e.isEnabled(tid)) e.step(tid);
        }
      };
      await s.waitFor(Promise.all(e.threads.map((_, i) => thread(i))));
      if (e.violations.length > 0) throw new Error(e.violations[0]!.kind);
    }),
    { seed, numRuns: 1_000_000, endOnFailure: true },
  );
  if (!out.failed) throw new Error('fast-check did not find the violation');
  return out.numRuns;
}

/** How fdlab searches for a first violation: CHESS-style iterative preemption bounding, no shrinking (fast-check does not shrink schedules either). */
export const FIRST: ExploreOptions = { preemptionBound: Infinity, stopAtFirstViolation: true, shrink: false };

async function timeIt(f: () => unknown): Promise<number> {
  const t0 = now();
  await f();
  return now() - t0;
}

/** Median time to first violation, warm: fdlab (repeated searches) and fast-check (20 seeds). */
async function firstViolation(s: Scenario<never>, policy: 'before' | 'after' | undefined, fcRun: (seed: number) => Promise<number>): Promise<{ ours: number; theirs: number; oursRuns: number; theirsRuns: number }> {
  const o: ExploreOptions = { ...FIRST, ...(policy ? { policy } : {}) };
  // Both tools seeded, medians over the same 20 seeds (fdlab's seed drives its random probes).
  for (let i = 0; i < 200; i++) explore(s, { ...o, seed: (i % 20) + 1 });
  for (let seed = 1; seed <= 20; seed++) await fcRun(seed);
  const ours: number[] = [];
  const oursRunList: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = now();
    const r = explore(s, { ...o, seed: (i % 20) + 1 });
    ours.push(now() - t0);
    oursRunList.push(r.runs);
    if (r.violations.length === 0) throw new Error('fdlab found no violation');
  }
  const oursRuns = median(oursRunList);
  const theirs: number[] = [];
  const theirsRuns: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    for (let seed = 1; seed <= 20; seed++) {
      let n = 0;
      theirs.push(await timeIt(async () => (n = await fcRun(seed))));
      theirsRuns.push(n);
    }
  }
  return { ours: median(ours), theirs: median(theirs), oursRuns, theirsRuns: median(theirsRuns) };
}

async function warm(): Promise<Figure[]> {
  const out: Figure[] = [];
  const race = fposRace({ lock: false }) as Scenario<never>;
  const locked = fposRace({ lock: true }) as Scenario<never>;

  // Checked mode is off in the throughput figures (the explorer's default is on; its cost
  // is its own figure below).
  const dfs = throughput(race, { strategy: 'dfs', checked: false });
  out.push({ name: 'explore.runs-per-s.fpos-race', value: dfs.runs, unit: 'runs/s', target: '>= 100000', note: `naive exhaustive search (${dfs.perCall} runs per explore() call, fresh Kernel per run, f_pos race detector + check + audit on), median of 7 rounds` });
  out.push({ name: 'explore.steps-per-s.fpos-race', value: dfs.steps, unit: 'steps/s', note: 'same search as explore.runs-per-s.fpos-race' });
  const dp = throughput(race, { checked: false });
  out.push({ name: 'explore.runs-per-s.fpos-race.dpor', value: dp.runs, unit: 'runs/s', note: `DPOR (${dp.perCall} runs per call, including the violation reports)` });
  const lk = throughput(locked, { strategy: 'dfs', checked: false });
  out.push({ name: 'explore.runs-per-s.fpos-race-locked', value: lk.runs, unit: 'runs/s', note: `naive exhaustive search under f_pos_lock (${lk.perCall} runs per call)` });
  const pid = throughput(pidfdGetfdFpos as Scenario<never>, { policy: 'after', checked: false });
  out.push({ name: 'explore.runs-per-s.pidfd-getfd-fpos', value: pid.runs, unit: 'runs/s', target: '>= 100000', note: `DPOR, policy after (clean, ${pid.perCall} runs per call): the kernel paths with the pidfd plugin` });
  // Off and on alternate, one short round each, and the figure is the median of the
  // per-pair ratios: a load change on a shared machine then hits both sides of a pair.
  const ratios: number[] = [];
  for (let i = 0; i < 9; i++) {
    const off = throughput(pidfdGetfdFpos as Scenario<never>, { policy: 'after', checked: false }, 1, 300);
    const on = throughput(pidfdGetfdFpos as Scenario<never>, { policy: 'after' }, 1, 300);
    ratios.push(off.runs / on.runs);
  }
  out.push({ name: 'explore.checked-mode.overhead', value: median(ratios), unit: 'x', note: `runs/s with checked mode off ÷ on, DPOR on pidfd-getfd-fpos (after), median of 9 alternating pairs (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})` });
  out.push({ name: 'explore.steps-per-s.pidfd-getfd-fpos', value: pid.steps, unit: 'steps/s', note: 'same search' });

  // Reduction and optimality.
  const src = (s: Scenario<never>, p?: 'before' | 'after'): WorldSource => scenarioSource(s, scenarioPolicy(s, p), false);
  for (const [name, s] of [['fpos-race', race], ['fpos-race-locked', locked]] as const) {
    const n = traces(src(s), 'dfs');
    const d = traces(src(s), 'dpor');
    out.push({ name: `dpor.reduction.${name}`, value: n.runs / d.runs, unit: 'x', baseline: n.runs, ratio: n.runs / d.runs, target: '>= 50', note: `naive ${n.runs} runs / DPOR ${d.runs} runs, same outcomes and violation kinds` });
  }
  {
    const cap = 200_000;
    const n = traces(src(pidfdGetfdFpos as Scenario<never>, 'before'), 'dfs', cap);
    const d = traces(src(pidfdGetfdFpos as Scenario<never>, 'before'), 'dpor');
    out.push({
      name: 'dpor.reduction.pidfd-getfd-fpos',
      value: n.runs / d.runs,
      unit: 'x',
      baseline: n.runs,
      ratio: n.runs / d.runs,
      target: '>= 50',
      note: `${n.exhaustive ? '' : 'lower bound: naive search stopped unfinished at '}${n.runs} naive runs / ${d.runs} DPOR runs (policy before)`,
    });
  }
  const opt: Array<[string, WorldSource]> = [
    ['fpos-race', src(race)],
    ['fpos-race-locked', src(locked)],
    ['abba', src(abba() as Scenario<never>)],
    ['counter3', src(counter3() as Scenario<never>)],
    ['close-vs-dup', src(closeVsDup as Scenario<never>)],
  ];
  for (const [name, s] of opt) {
    const n = traces(s, 'dfs');
    const d = traces(s, 'dpor');
    out.push({ name: `dpor.optimality.${name}`, value: d.runs / n.traces, unit: 'x', baseline: n.traces, ratio: d.runs / n.traces, target: '<= 1.1', note: `DPOR ${d.runs} runs (${d.sleepBlocked} sleep-set blocked) / ${n.traces} Mazurkiewicz traces (naive ${n.runs} runs)` });
  }
  for (const locks of [false, true]) {
    const r = new Random(locks ? 5 : 4);
    let dr = 0;
    let tr = 0;
    let programs = 0;
    for (let i = 0; i < 600; i++) {
      const s = programSource(randomProgram(r, 3, locks ? 2 : 3, locks));
      const n = traces(s, 'dfs', 3000);
      if (!n.exhaustive) continue;
      const d = traces(s, 'dpor');
      dr += d.runs;
      tr += n.traces;
      programs++;
    }
    out.push({ name: `dpor.optimality.random-3t${locks ? '-mutex' : ''}`, value: dr / tr, unit: 'x', baseline: tr, ratio: dr / tr, target: '<= 1.1', note: `${programs} random three-thread programs${locks ? ' with mutexes' : ''}: ${dr} DPOR runs / ${tr} traces` });
  }

  // Time to first violation against fast-check.
  const fv = await firstViolation(race, undefined, fcFposRace);
  out.push({ name: 'vs-fast-check.first-violation.speedup', value: fv.theirs / fv.ours, unit: 'x', baseline: fv.theirs, ratio: fv.theirs / fv.ours, target: '>= 10', note: `two-thread f_pos race, warm medians: fast-check ${fv.theirs.toFixed(3)} ms (${fv.theirsRuns} runs, 20 seeds x 3), fdlab ${fv.ours.toFixed(3)} ms (median ${fv.oursRuns} runs: a seeded random probe before each run of the bounded search)` });
  const fp = await firstViolation(pidfdGetfdFpos as Scenario<never>, 'before', (seed) => fcOnModel(pidfdGetfdFpos as Scenario<never>, 'before', seed));
  out.push({ name: 'vs-fast-check.first-violation.speedup.pidfd-getfd-fpos', value: fp.theirs / fp.ours, unit: 'x', baseline: fp.theirs, ratio: fp.theirs / fp.ours, target: '>= 10', note: `fast-check's scheduler driving fdlab's own model at its preemption points: ${fp.theirs.toFixed(3)} ms (${fp.theirsRuns} runs) vs fdlab ${fp.ours.toFixed(3)} ms (${fp.oursRuns} runs)` });
  return out;
}

async function cold(which: 'fdlab' | 'fc', scenario: 'fpos' | 'pidfd', seed: number): Promise<number> {
  if (scenario === 'fpos') {
    return which === 'fdlab' ? timeIt(() => explore(fposRace({ lock: false }), { ...FIRST, seed })) : timeIt(() => fcFposRace(seed));
  }
  return which === 'fdlab'
    ? timeIt(() => explore(pidfdGetfdFpos, { ...FIRST, policy: 'before', seed }))
    : timeIt(() => fcOnModel(pidfdGetfdFpos as Scenario<never>, 'before', seed));
}

const mode = process.argv[2];
if (mode === 'warm') console.log(JSON.stringify(await warm()));
else if (mode === 'cold') console.log(JSON.stringify(await cold(process.argv[3] as 'fdlab' | 'fc', process.argv[4] as 'fpos' | 'pidfd', Number(process.argv[5] ?? 1))));
