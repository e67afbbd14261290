/**
 * Small random concurrent programs on a bare engine, for the DPOR differential tests:
 * each thread runs a few steps that read and write shared locations (and, optionally,
 * take and release mutexes); the outcome is the final memory plus what each thread read.
 */
import { defineScenario, Engine, Epoll, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLET, EPOLLIN, EPOLLONESHOT, KernelError, O_NONBLOCK, Random, type KernelPath, type PolicyInput, type Sys } from 'fdlab';
import { access, Lock, type Step } from 'fdlab/extend';
import { scenarioSource, type RunWorld, type WorldSource } from '../src/explore/world.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { drive } from '../src/explore/drive.js';
import { randomChooser } from '../src/explore/samplers.js';
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

/**
 * One system call of a random epoll/poll program (issue 9). The fds are those the
 * setup of {@link syscallProgramSource} creates: `r`/`w` a pipe watched by the epoll
 * `ep` (level-triggered), `r2`/`w2` a pipe watched edge-triggered and one-shot.
 */
export type SyscallOp =
  | { readonly k: 'write' | 'write2' | 'read' | 'close' | 'epoll_wait' | 'poll' | 'mod' | 'del' | 'add' | 'eventfd_write' };

/** A random epoll/poll program: `threads` threads (alternating between a parent and its forked child) of 1..maxOps calls. */
export function randomSyscallProgram(r: Random, threads: number, maxOps: number): SyscallOp[][] {
  const kinds: SyscallOp['k'][] = ['write', 'write2', 'read', 'close', 'epoll_wait', 'poll', 'mod', 'del', 'add', 'eventfd_write'];
  const prog: SyscallOp[][] = [];
  for (let t = 0; t < threads; t++) {
    const ops: SyscallOp[] = [];
    const n = 1 + r.below(maxOps);
    for (let i = 0; i < n; i++) ops.push({ k: kinds[r.below(kinds.length)]! });
    prog.push(ops);
  }
  return prog;
}

interface Fds { readonly ep: number; readonly r: number; readonly w: number; readonly r2: number; readonly w2: number; readonly efd: number }

function* syscallBody(sys: Sys, fds: Fds, ops: readonly SyscallOp[]): KernelPath<string> {
  const e = Epoll.on(sys);
  const out: string[] = [];
  for (const op of ops) {
    try {
      switch (op.k) {
        case 'write': out.push(String(yield* sys.write(fds.w, 'x'))); break;
        case 'write2': out.push(String(yield* sys.write(fds.w2, 'y'))); break;
        case 'read': out.push(yield* sys.read(fds.r, 1)); break;
        case 'close': yield* sys.close(fds.r); out.push('closed'); break;
        case 'epoll_wait': out.push((yield* e.wait(fds.ep, 4, 0)).map((x) => `${x.data}:${x.events}`).join('+')); break;
        case 'poll': out.push((yield* sys.poll([{ fd: fds.r, events: EPOLLIN }, { fd: fds.efd, events: EPOLLIN }], 0)).revents.join('+')); break;
        case 'mod': yield* e.ctl(fds.ep, EPOLL_CTL_MOD, fds.r2, { events: EPOLLIN | EPOLLET | EPOLLONESHOT, data: 2 }); out.push('mod'); break;
        case 'del': yield* e.ctl(fds.ep, EPOLL_CTL_DEL, fds.r); out.push('del'); break;
        case 'add': yield* e.ctl(fds.ep, EPOLL_CTL_ADD, fds.efd, { events: EPOLLIN, data: 3 }); out.push('add'); break;
        case 'eventfd_write': out.push(String(yield* sys.write(fds.efd, '1'))); break;
      }
    } catch (err) {
      if (!KernelError.is(err)) throw err;
      out.push(err.code);
    }
  }
  return out.join(',');
}

/**
 * The world source of an epoll/poll program: a process with an epoll watching two pipes
 * (and an eventfd it may add), forked once; thread i runs in the parent (even i) or the
 * child (odd i), so fd lookups borrow and the runs stay short enough for naive search.
 * Non-blocking pipes: a blocking read would make most runs deadlocks.
 */
export function syscallProgramSource(prog: readonly SyscallOp[][], policy: PolicyInput = 'current'): WorldSource {
  const s = defineScenario({
    name: 'random-epoll-program',
    title: 'random epoll/poll program',
    source: 'test',
    setup(k) {
      const p = k.spawnProcess({ name: 'P' });
      const ep = Epoll.create1(p, 0);
      const [r, w] = p.pipe(O_NONBLOCK);
      const [r2, w2] = p.pipe(O_NONBLOCK);
      const efd = p.eventfd(0, O_NONBLOCK);
      Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: 1 });
      Epoll.ctl(p, ep, EPOLL_CTL_ADD, r2, { events: EPOLLIN | EPOLLET | EPOLLONESHOT, data: 2 });
      const fds: Fds = { ep, r, w, r2, w2, efd };
      const c = p.fork();
      prog.forEach((ops, i) => (i % 2 === 0 ? p : c).thread((sys) => syscallBody(sys, fds, ops)));
    },
  });
  return scenarioSource(s, scenarioPolicy(s, policy));
}

/**
 * Runs `n` random schedules of `src` and counts those whose trace class is not in
 * `classes` (what an exhaustive DPOR search explored): a cheap soundness check for worlds
 * too big for naive search.
 */
export function sampledMisses(src: WorldSource, classes: ReadonlySet<string>, n: number, seed: number): number {
  const rng = new Random(seed);
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const w = src.start(false);
    const accs: Array<number | readonly number[]> = [];
    const pick = randomChooser(rng.below(2 ** 31));
    const d = drive(w, (en, cnt, step, last) => {
      const t = pick(en, cnt, step, last);
      accs.push(w.engine.threads[t]!.pending!.acc);
      return t;
    }, 10_000);
    if (d.end === 'step-limit') continue;
    if (!classes.has(traceKey(w.engine.schedule, accs))) missing++;
  }
  return missing;
}
