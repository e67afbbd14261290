/**
 * The model-based fuzz: a random program (a plain prelude on several processes, then
 * thread bodies under a random schedule) is run with the invariants checked after every
 * plain call and every scheduler step, the audit at quiescent points, and after teardown
 * (every task exits) nothing may be left: no live struct file, no table, no lock.
 */
import fc from 'fast-check';
import { dmaBufOf, Kernel, KernelError, ModelError, POLICY_PRESETS, Random, type KernelPath, type PresetName, type Process, type Sys } from '../../src/index.js';
import { plainSyscall } from '../../src/extend.js';
import { formatParked, isProgramWait, parkedThreads } from '../../src/sim/parked.js';
import { exitSteps } from '../../src/task/syscalls/lifecycle.js';
import { quiescentInvariants, stepInvariants, watchFput } from './invariants.js';
import { installPlugins, opArb, runPlainOp, runStepOp, type FuzzWorld, type Op } from './subsystems.js';

/** A generated program. */
export interface FuzzProgram {
  /** Processes spawned at the start (1–3), with their RLIMIT_NOFILE and uid. */
  readonly procs: ReadonlyArray<{ readonly rlimit: number; readonly root: boolean }>;
  /** Plain calls at quiescent points: [process index, op]. */
  readonly prelude: ReadonlyArray<readonly [number, Op]>;
  /** One body per process that is alive when the concurrent phase starts. */
  readonly bodies: ReadonlyArray<readonly Op[]>;
  /** Bodies that clone() starts. */
  readonly extra: ReadonlyArray<readonly Op[]>;
  /** Seed of the random schedule. */
  readonly seed: number;
}

/** Arbitrary programs; `size` scales the op lists. */
export function programArb(size = 1): fc.Arbitrary<FuzzProgram> {
  const n = (max: number) => Math.max(1, Math.round(max * size));
  return fc.record({
    procs: fc.array(fc.record({ rlimit: fc.constantFrom(4, 8, 64), root: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    prelude: fc.array(fc.tuple(fc.nat(5), opArb(true)), { maxLength: n(12) }),
    bodies: fc.array(fc.array(opArb(false), { maxLength: n(8) }), { minLength: 1, maxLength: 4 }),
    extra: fc.array(fc.array(opArb(false), { maxLength: n(4) }), { minLength: 1, maxLength: 3 }),
    seed: fc.nat(),
  });
}

/** What a run saw, for the figures in docs/reliability.md. */
export interface FuzzStats {
  programs: number;
  plainCalls: number;
  steps: number;
  kernelErrors: number;
  threads: number;
  /** Programs whose threads all ended parked, each waiting for an event that had not happened (as on Linux). */
  waits: number;
  /** Programs parked for any other reason (a lost wake-up, a kill that did not end a wait, a lock cycle): model bugs. */
  deadlocks: number;
  /** The first few such parkings, described. */
  deadlockSamples: string[];
  wouldBlock: number;
}

export const freshStats = (): FuzzStats => ({ programs: 0, plainCalls: 0, steps: 0, kernelErrors: 0, threads: 0, waits: 0, deadlocks: 0, deadlockSamples: [], wouldBlock: 0 });

class InvariantError extends Error {}

function check(where: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new InvariantError(`${where}:\n  ${problems.join('\n  ')}`);
}

/** Runs one program; throws on a broken invariant, an untyped error or a leak. `sabotage` (tests of the checks) runs after the prelude. */
export function runProgram(prog: FuzzProgram, stats: FuzzStats = freshStats(), sabotage?: (k: Kernel) => void): void {
  // Every preset in turn (chosen by the schedule seed): kernel history is part of the model.
  const presets = Object.keys(POLICY_PRESETS) as PresetName[];
  const policy = presets[prog.seed % presets.length]!;
  const k = new Kernel({ policy, trace: (globalThis as { FUZZ_TRACE?: boolean }).FUZZ_TRACE === true });
  const fput = watchFput(k);
  const { pf, uring } = installPlugins(k);
  const procs: Process[] = prog.procs.map((o, i) => k.spawnProcess({ name: `P${i}`, rlimitNofile: o.rlimit, creds: { uid: o.root ? 0 : 1000 } }));
  let errors = 0;
  // A cloned thread does not clone again: the program stays finite.
  const w: FuzzWorld = { k, procs, pf, uring, body: (i) => bodyOf(prog.extra[i % prog.extra.length]!.filter((op) => op.op !== 'clone')) };
  function bodyOf(ops: readonly Op[]): (sys: Sys) => KernelPath<unknown> {
    return function* (sys) {
      for (const op of ops) {
        try {
          yield* runStepOp(w, sys, op);
        } catch (e) {
          if (!KernelError.is(e)) throw e;
          errors++;
        }
      }
    };
  }

  // Plain prelude: an audit after every call.
  for (const [i, op] of prog.prelude) {
    const p = procs[i % procs.length]!;
    try {
      runPlainOp(w, p, op);
    } catch (e) {
      // A plain call that would sleep (a read of an empty pipe) is refused and changes nothing.
      if (ModelError.is(e) && e.code === 'would-block') stats.wouldBlock++;
      else if (!KernelError.is(e)) throw e;
      errors++;
    }
    stats.plainCalls++;
    check(`after plain ${op.sub}.${op.op}(${op.a.join(', ')}) by ${p.name}`, [...quiescentInvariants(k), ...fput.problems]);
  }

  sabotage?.(k);

  // Concurrent phase: one body per live process, random schedule, invariants per step.
  const live = procs.filter((p) => !p.exited && p.main.files !== null);
  live.forEach((p, i) => p.thread(bodyOf(prog.bodies[i % prog.bodies.length]!)));
  const rng = new Random(prog.seed);
  const e = k.engine;
  const buf: number[] = [];
  let steps = 0;
  for (;;) {
    const n = e.enabled(buf);
    if (n === 0) break;
    if (steps >= 20_000) throw new InvariantError('more than 20,000 steps');
    e.step(buf[rng.below(n)]!);
    steps++;
    check(`after step ${steps}`, [...stepInvariants(k), ...fput.problems]);
  }
  for (const t of e.threads) if (t.error !== undefined && !KernelError.is(t.error)) throw t.error;
  if (!e.allDone()) {
    const parked = parkedThreads(e);
    if (isProgramWait(parked)) stats.waits++;
    else {
      stats.deadlocks++;
      if (stats.deadlockSamples.length < 5) stats.deadlockSamples.push(parked.map(formatParked).join('; '));
    }
  }
  else check('at the end of the concurrent phase', [...quiescentInvariants(k), ...fput.problems]);

  stats.programs++;
  stats.steps += steps;
  stats.threads += e.threads.length;
  stats.kernelErrors += errors;
  if (!e.allDone()) return; // a parked thread holds what it holds; nothing to tear down

  // Teardown: every task exits; then nothing may remain.
  for (const p of k.processes.values()) {
    for (const t of [...p.tasks]) if (!t.exited && t.files !== null) plainSyscall(t, () => e.runPlain(t.sim, exitSteps(t)));
  }
  // The device finishes its work: every pending dma-buf fence signals (from interrupt
  // context), and a poll callback armed on it drops the file reference it took.
  for (const f of k.slab.objects) {
    const buf = f.live ? dmaBufOf(f) : null;
    if (buf === null || !buf.fencePending) continue;
    buf.fencePending = false;
    if (buf.cbActive) buf.callback(undefined);
  }
  // Cycles of AF_UNIX sockets only the collector frees (each run may free a chain's next link).
  for (let i = 0; i < 64 && k.unixGc().collected.length > 0; i++);
  const left = [...k.slab.objects].filter((f) => f.live).map((f) => `${f.name} (count ${f.count})`);
  check('after teardown', [...quiescentInvariants(k), ...fput.problems, ...left.map((l) => `leaked ${l}`)]);
}
