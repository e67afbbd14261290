/**
 * Small random concurrent programs on a bare engine, for the DPOR differential tests:
 * each thread runs a few steps that read and write shared locations (and, optionally,
 * take and release mutexes); the outcome is the final memory plus what each thread read.
 */
import { access, Engine, Lock, Random, type KernelPath, type Step } from 'fdlab';
import type { RunWorld, WorldSource } from '../src/explore/world.js';
import { searchSettings, searchWorlds } from '../src/explore/explore.js';
import { traceKey } from '../src/explore/trace-key.js';
import type { StrategyName } from '../src/explore/options.js';

/** One step of a thread: accesses, or a lock operation. */
export type Op =
  | { readonly kind: 'acc'; readonly acc: ReadonlyArray<readonly [number, boolean]> }
  | { readonly kind: 'lock' | 'unlock'; readonly l: number };

/** A program: the ops of each thread. */
export type Program = ReadonlyArray<readonly Op[]>;

/** A random program: `threads` threads of 1..maxOps ops over 2-3 locations. */
export function randomProgram(r: Random, threads: number, maxOps: number, locks: boolean): Program {
  const nLocs = 2 + r.below(2);
  const prog: Op[][] = [];
  for (let t = 0; t < threads; t++) {
    const ops: Op[] = [];
    const n = 1 + r.below(maxOps);
    for (let k = 0; k < n; k++) {
      const m = r.below(4) === 0 ? 2 : 1;
      const acc: Array<readonly [number, boolean]> = [];
      for (let a = 0; a < m; a++) acc.push([r.below(nLocs), r.below(2) === 0]);
      if (locks && r.below(3) === 0) {
        const l = r.below(2);
        ops.push({ kind: 'lock', l }, { kind: 'acc', acc }, { kind: 'unlock', l });
      } else ops.push({ kind: 'acc', acc });
    }
    prog.push(ops);
  }
  return prog;
}

interface Run {
  readonly vals: number[];
  readonly locals: number[];
  readonly locks: Lock[];
  readonly id: number;
}

function* body(r: Run, t: number, ops: readonly Op[]): KernelPath<number> {
  let loc = t + 1;
  for (const op of ops) {
    if (op.kind !== 'acc') {
      const l = r.locks[op.l]!;
      if (op.kind === 'lock') {
        yield l.lockStep();
        l.lock();
      } else {
        yield l.unlockStep();
        l.unlock();
      }
    } else {
      const step: Step = { fn: 'acc', acc: op.acc.map(([l, w]) => access(r.id, l, w)) };
      yield step;
      for (const [l, w] of op.acc) {
        if (w) r.vals[l] = (loc * 31 + t * 7 + l) % 1009;
        else loc = (loc * 17 + r.vals[l]!) % 1009;
      }
    }
  }
  r.locals[t] = loc;
  return loc;
}

/** The world source of a program: a fresh engine per run. */
export function programSource(prog: Program): WorldSource {
  return {
    start(tracing: boolean): RunWorld {
      const e = new Engine(tracing);
      const r: Run = { vals: [0, 0, 0, 0], locals: [], locks: [new Lock(e, 'A', true), new Lock(e, 'B', true)], id: e.register({ simName: (f) => `x${f}` }) };
      prog.forEach((ops, t) => e.startThread(e.spawn(`T${t}`), body(r, t, ops)));
      return { engine: e, finish: (end) => `${end} ${r.vals.join(',')} / ${r.locals.join(',')}` };
    },
  };
}

/** What one search saw: the trace classes of its terminal runs, outcomes, violation kinds. */
export interface Seen {
  readonly runs: number;
  readonly sleepBlocked: number;
  readonly exhaustive: boolean;
  readonly traces: Set<string>;
  readonly outcomes: Set<string>;
  readonly kinds: Set<string>;
}

/** Runs a search over a world source and records the canonical trace key of every terminal run. */
export function searchTraces(source: WorldSource, strategy: StrategyName, maxRuns = Infinity): Seen {
  const traces = new Set<string>();
  const r = searchWorlds(source, searchSettings({ strategy, maxRuns, shrink: false }), (s) => {
    if (s.end !== 'complete' && s.end !== 'deadlock') return;
    const tids = s.engine.schedule;
    const accs = tids.map((_, i) => s.accessesOf(i));
    traces.add(traceKey(tids, accs));
  });
  return {
    runs: r.runs,
    sleepBlocked: r.sleepBlocked,
    exhaustive: r.exhaustive,
    traces,
    outcomes: new Set(r.collector.outcomes.keys()),
    kinds: new Set([...r.collector.seen.values()].map((v) => v.violation.kind)),
  };
}
