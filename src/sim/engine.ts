import type { TraceEvent, TouchedObject } from './events.js';
import { KernelError } from './kernel-error.js';
import { ModelError } from './model-error.js';
import { Rcu } from './rcu.js';
import { accessIsWrite, accessLocation, FIELDS, type Step } from './step.js';
import { SimThread } from './thread.js';
import { WHY, type Violation, type ViolationKind } from './violation.js';

/**
 * An object the engine can name in traces: anything that owns memory locations steps
 * touch (a file, an fd table, a lock).
 *
 * @example
 * ```ts
 * import type { Traceable } from 'fdlab';
 * const counter: Traceable = { simName: () => 'counter', simCount: () => 0 };
 * ```
 */
export interface Traceable {
  /** Name of field `field` of the object (field 0 is the object itself). */
  simName(field: number): string;
  /** The object's reference count where it has one. */
  simCount?(field: number): number | undefined;
}

/**
 * The step engine: threads, the current thread, the step counter, the event log and
 * the violations found. It knows nothing about files; the kernel model runs on it.
 *
 * Models the part of the scheduler (kernel/sched/) that matters for races: one thread
 * at a time takes one atomic step, and whoever drives the engine chooses which.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.engine.threads.length; // 1 — the first process's main thread
 * ```
 */
export class Engine {
  /** All threads, by id (spawn order). */
  readonly threads: SimThread[] = [];
  /** The context of plain calls made outside any thread (scenario setup). */
  readonly setupThread = new SimThread(-1, 'setup');
  /** The thread whose step is running, or the context of a plain call. */
  current: SimThread = this.setupThread;
  /** Scheduler steps taken so far. */
  stepCount = 0;
  /** Whether steps and effects are written to {@link events}. */
  tracing: boolean;
  /** The event log (empty when tracing is off). */
  readonly events: TraceEvent[] = [];
  /** Every violation the detectors reported. */
  readonly violations: Violation[] = [];
  /** The thread chosen at each step so far. */
  readonly schedule: number[] = [];
  /** Detector kinds switched off. */
  readonly disabled = new Set<string>();
  /** RCU state of this engine. */
  readonly rcu: Rcu;
  private readonly objs: Traceable[] = [];
  private currentFn = '';

  /** @param tracing - record events (default true) */
  constructor(tracing = true) {
    this.tracing = tracing;
    this.rcu = new Rcu(this);
  }

  /** The object registered under `id`. */
  objectAt(id: number): Traceable | undefined {
    return this.objs[id];
  }

  /** Gives `obj` an object id; its fields are locations `id * 2^21 + field`. */
  register(obj: Traceable): number {
    this.objs.push(obj);
    return this.objs.length - 1;
  }

  /** Name of an encoded access's location, e.g. `file#1.f_pos`. */
  locationName(acc: number): string {
    const loc = accessLocation(acc);
    const o = this.objs[Math.floor(loc / FIELDS)];
    return o ? o.simName(loc % FIELDS) : `loc${loc}`;
  }

  /** Creates a thread with no body yet. */
  spawn(name: string): SimThread {
    const t = new SimThread(this.threads.length, name);
    this.threads.push(t);
    return t;
  }

  /** Writes an effect event (if tracing): a state change made by the current thread. */
  effect(fn: string, obj?: string, before?: number, after?: number, note?: string): void {
    if (!this.tracing) return;
    const t = this.current;
    this.events.push({ seq: this.events.length, step: this.stepCount, tid: t.id, thread: t.name, kind: 'effect', fn, obj, before, after, note });
  }

  /**
   * Records a violation found by a detector at the current step.
   * @param kind - the violated invariant
   * @param message - what happened
   * @param object - the object involved
   * @param why - overrides the kind's standard explanation
   */
  report(kind: ViolationKind, message: string, object = '', why?: string): void {
    if (this.disabled.has(kind)) return;
    const t = this.current;
    const history: string[] = [];
    if (this.tracing && object !== '') {
      for (let i = this.events.length - 1; i >= 0 && history.length < 8; i--) {
        const e = this.events[i]!;
        if (e.kind === 'effect' && e.obj !== undefined && (e.obj === object || e.obj.startsWith(`${object}.`))) {
          history.unshift(`#${e.step} ${e.thread} ${e.fn}${e.before !== undefined ? ` ${e.before}→${e.after}` : ''}${e.note ? ` ${e.note}` : ''}`);
        }
      }
    }
    const v: Violation = { kind, message, why: why ?? WHY[kind] ?? kind, thread: t.name, tid: t.id, step: this.stepCount, fn: this.currentFn, object, history };
    this.violations.push(v);
    if (this.tracing) {
      this.events.push({ seq: this.events.length, step: this.stepCount, tid: t.id, thread: t.name, kind: 'violation', fn: kind, obj: object, note: message });
    }
  }

  /** Fills `out` with the ids of threads that can take a step; returns how many. */
  enabled(out: number[]): number {
    let n = 0;
    const ts = this.threads;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      const p = t.pending;
      if (p === null) continue;
      const b = p.blocker;
      if (b !== undefined && b.blocks(t)) continue;
      out[n++] = i;
    }
    return n;
  }

  /** True if thread `tid` has a pending step that is not blocked. */
  isEnabled(tid: number): boolean {
    const t = this.threads[tid];
    if (t === undefined || t.pending === null) return false;
    const b = t.pending.blocker;
    return b === undefined || !b.blocks(t);
  }

  /** True when no thread has a step left. */
  allDone(): boolean {
    for (const t of this.threads) if (t.pending !== null) return false;
    return true;
  }

  /** Runs the pending step of thread `tid` (which must be enabled). */
  step(tid: number): void {
    const t = this.threads[tid]!;
    const s = t.pending as Step;
    this.stepCount++;
    this.schedule.push(tid);
    this.currentFn = s.fn;
    let touched: TouchedObject[] | undefined;
    if (this.tracing) touched = this.touched(s);
    const prev = this.current;
    this.current = t;
    t.advance(undefined);
    this.current = prev;
    if (touched !== undefined) {
      for (let i = 0; i < touched.length; i++) touched[i]!.after = this.countOf(s, i);
      this.events.push({ seq: this.events.length, step: this.stepCount, tid, thread: t.name, kind: 'step', fn: s.fn, objs: touched });
    }
    if (t.done) this.threadDone(t);
  }

  /** Starts thread `t` on `gen`, running it to its first yield in its own context. */
  startThread(t: SimThread, gen: Generator<Step, unknown, unknown>): void {
    const prev = this.current;
    this.current = t;
    t.start(gen);
    this.current = prev;
    if (t.done) this.threadDone(t);
  }

  /**
   * Runs a kernel path to completion in the current context with no preemption: the
   * plain, synchronous way to use a path that is written as a generator.
   * Throws if the path would have to wait (nothing else can run in a plain call).
   */
  runPlain<T>(t: SimThread, gen: Generator<Step, T, unknown>): T {
    const prev = this.current;
    this.current = t;
    try {
      let r = gen.next();
      while (!r.done) {
        const b = r.value.blocker;
        if (b !== undefined && b.blocks(t)) {
          throw new ModelError('would-block', `${r.value.fn} would wait for ${b.name} in a plain call; run it in a thread instead`);
        }
        r = gen.next();
      }
      return r.value;
    } finally {
      this.current = prev;
    }
  }

  private threadDone(t: SimThread): void {
    const e = t.error;
    if (e !== undefined && !KernelError.is(e)) {
      const prevCur = this.current;
      this.current = t;
      this.report('exception', `${t.name} threw: ${e instanceof Error ? e.message : String(e)}`, t.name);
      this.current = prevCur;
    }
  }

  private touched(s: Step): TouchedObject[] {
    const accs = typeof s.acc === 'number' ? [s.acc] : s.acc;
    return accs.map((a, i) => ({ name: this.locationName(a), write: accessIsWrite(a), before: this.countOf(s, i) }));
  }

  private countOf(s: Step, i: number): number | undefined {
    const a = typeof s.acc === 'number' ? s.acc : s.acc[i];
    if (a === undefined) return undefined;
    const loc = accessLocation(a);
    const o = this.objs[Math.floor(loc / FIELDS)];
    return o?.simCount ? o.simCount(loc % FIELDS) : undefined;
  }
}
