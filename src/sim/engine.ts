import { traceLog, type EffectDetail, type TraceLog, type TouchedObject } from './events.js';
import { KernelError } from './kernel-error.js';
import { ModelError } from './model-error.js';
import { Rcu } from './rcu.js';
import { accessIsWrite, accessLocation, FIELDS, type Step } from './step.js';
import { SimThread } from './thread.js';
import { WHY, type Violation, type ViolationKind } from './violation.js';

/**
 * First object id of the ranges {@link Engine.registerRange} hands out; ids below it are
 * the registry's own. Ranges are 10^8 ids apart from 100000001, so object `i` of the first
 * (the struct file slab: `file#1`, `file#2`, ...) reads as id 100000001 + i in traces, and
 * a struct fd word (`id * 4` plus two flag bits) of any of them is below 2^31, a small
 * integer in V8.
 */
const RANGE_BASE = 100_000_001;
/** Ids per range. */
const RANGE_SIZE = 100_000_000;
const MAX_RANGES = 4;

/**
 * What a traced object is, so renderers and the reference tracker know it without
 * parsing its name: a struct file, a files_struct (`fdtable`), the fd arrays of one
 * table generation (`fdt`), a mount, an inode, a lock, a process (its thread group), or
 * anything else.
 *
 * @example
 * ```ts
 * import type { TraceKind } from 'fdlab';
 * const k: TraceKind = 'fdt';
 * ```
 */
export type TraceKind = 'file' | 'fdtable' | 'fdt' | 'mount' | 'inode' | 'lock' | 'process' | 'other';

/**
 * An object the engine can name in traces: anything that owns memory locations steps
 * touch (a file, an fd table, a lock). Only `simName` is required; the optional methods
 * let renderers draw the object (its kind, its own name, the object it belongs to) and
 * let the engine snapshot its generation when it records an effect.
 *
 * @example
 * ```ts
 * import type { Traceable } from 'fdlab';
 * const counter: Traceable = { simName: () => 'counter', simCount: () => 0 };
 * // A custom object whose names contain `#` and `[`: renderers never parse them.
 * const ring: Traceable = { simName: (f) => `ring#1[${f}]`, simLabel: () => 'ring#1', simKind: () => 'other' };
 * ```
 */
export interface Traceable {
  /** Name of field `field` of the object; with `gen`, of that generation of it (`file#3@2.f_count`). */
  simName(field: number, gen?: number): string;
  /** The object's reference count where it has one. */
  simCount?(field: number): number | undefined;
  /** What the object is (default `'other'`). */
  simKind?(): TraceKind;
  /** The object's own name, e.g. `file#3@2`, `P1.files` (default: the name of field 0). */
  simLabel?(gen?: number): string;
  /** Id of the object this one belongs to: an fd array's files_struct, f_pos_lock's file. */
  simOwner?(): number | undefined;
  /** The object's current generation, recorded with each effect on it (struct file). */
  simGen?(): number;
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
  /** Every violation the detectors reported. */
  readonly violations: Violation[] = [];
  /** The thread chosen at each step so far. */
  readonly schedule: number[] = [];
  /** Detector kinds switched off. */
  readonly disabled = new Set<string>();
  /** RCU state of this engine. */
  readonly rcu: Rcu;
  /**
   * Checked mode: a step that touches a location it did not declare, or a thread body
   * that touches shared state outside a step, throws a {@link ModelError}. On by
   * default; the explorer switches it off only when asked (benchmarks).
   */
  checked = true;
  /**
   * The buffer the running step records its accesses into (encoded as by `access()`), or
   * null when nothing is recorded: plain calls and scenario setup run outside any step.
   * Only its first entries are this step's (the buffer is reused, not truncated); after a
   * step, read them with {@link lastAccesses}.
   */
  rec: number[] | null = null;
  /** How many accesses {@link rec} holds (its length is not kept: truncating an array frees its store). */
  private recN = 0;
  private readonly objs: Traceable[] = [];
  private readonly ranges: Array<(i: number) => Traceable | undefined> = [];
  private currentFn = '';
  private readonly recBuf: number[] = [];
  /** The declaration of the running step; null while a body runs before its first yield. */
  private declared: Step | null = null;
  /** The running step's declared accesses, as evaluated when it began. */
  private declaredAcc: number | readonly number[] = [];
  private log: TraceLog | null = null;

  /** @param tracing - record events (default true) */
  constructor(tracing = true) {
    this.tracing = tracing;
    this.rcu = new Rcu(this);
  }

  /** The event log (empty when tracing is off); its object table is this engine. */
  get events(): TraceLog {
    return (this.log ??= traceLog(this));
  }

  /** The object registered under `id`. */
  objectAt(id: number): Traceable | undefined {
    if (id < RANGE_BASE) return this.objs[id];
    const r = Math.floor((id - RANGE_BASE) / RANGE_SIZE);
    const resolve = this.ranges[r];
    return resolve === undefined ? undefined : resolve(id - RANGE_BASE - r * RANGE_SIZE);
  }

  /** The name of thread `tid` (`setup` for -1). */
  threadName(tid: number): string | undefined {
    return tid === -1 ? this.setupThread.name : this.threads[tid]?.name;
  }

  /** Gives `obj` an object id; its fields are locations `id * 2^21 + field`. */
  register(obj: Traceable): number {
    if (this.objs.length === RANGE_BASE) throw new ModelError('internal', `more than ${RANGE_BASE} registered objects`);
    this.objs.push(obj);
    return this.objs.length - 1;
  }

  /**
   * Reserves a range of {@link rangeSize} (10^8) object ids for a collection that keeps its own
   * objects, so that the registry holds no entry per object: object `i` of the collection
   * has id `base + i`, and `objectAt(base + i)` is `resolve(i)`. The struct file slab
   * registers this way (a million open files, one range). Returns `base`.
   */
  registerRange(resolve: (i: number) => Traceable | undefined): number {
    if (this.ranges.length === MAX_RANGES) throw new ModelError('internal', `more than ${MAX_RANGES} object id ranges`);
    this.ranges.push(resolve);
    return RANGE_BASE + (this.ranges.length - 1) * RANGE_SIZE;
  }

  /** Ids in a range handed out by {@link registerRange}. */
  get rangeSize(): number {
    return RANGE_SIZE;
  }

  /** Name of an encoded access's location, e.g. `file#1.f_pos`. */
  locationName(acc: number): string {
    const loc = accessLocation(acc);
    const o = this.objectAt(Math.floor(loc / FIELDS));
    return o ? o.simName(loc % FIELDS) : `loc${loc}`;
  }

  /**
   * Records a read of field `field` of object `id` by the running step: the one API
   * through which model state is observed, so the explorer's race analysis sees what
   * steps actually did. Free outside steps (plain calls record nothing).
   */
  read(id: number, field: number): void {
    const r = this.rec;
    if (r !== null) this.record(r, (id * FIELDS + field) * 2);
  }

  /** Records a write (or read-modify-write) of field `field` of object `id` by the running step. */
  write(id: number, field: number): void {
    const r = this.rec;
    if (r !== null) this.record(r, (id * FIELDS + field) * 2 + 1);
  }

  /** Records encoded accesses (as built by `access()`), e.g. a step claiming what it declared. */
  touch(acc: number | readonly number[]): void {
    const r = this.rec;
    if (r === null) return;
    if (typeof acc === 'number') this.record(r, acc);
    else for (let i = 0; i < acc.length; i++) this.record(r, acc[i]!);
  }

  /**
   * Runs `fn` without recording: for code that inspects state on behalf of a
   * declaration or an assertion (a peek), never for a decision a step acts on.
   */
  peek<T>(fn: () => T): T {
    const r = this.rec;
    this.rec = null;
    try {
      return fn();
    } finally {
      this.rec = r;
    }
  }

  private record(r: number[], a: number): void {
    const n = this.recN;
    for (let i = n - 1; i >= 0; i--) if (r[i] === a) return;
    r[n] = a;
    this.recN = n + 1;
    if (this.checked) this.checkAccess(a);
  }

  private checkAccess(a: number): void {
    const t = this.current;
    const d = this.declared;
    const where = () => `${this.locationName(a)} (${accessIsWrite(a) ? 'write' : 'read'})`;
    if (d === null) {
      throw new ModelError('outside-step', `${t.name} touches ${where()} before its first step: a thread body may touch shared state only inside a step`);
    }
    if (t.user && t.inKernel === 0 && t.afterSyscall) {
      throw new ModelError('outside-step', `${t.name} touches ${where()} in user space, between system calls (after step ${d.fn}): read shared state through a system call, or peek with engine.peek() for assertions`);
    }
    const acc = this.declaredAcc;
    const loc = accessLocation(a);
    const w = accessIsWrite(a);
    if (typeof acc === 'number') {
      if (accessLocation(acc) === loc && (!w || accessIsWrite(acc))) return;
    } else {
      for (let i = 0; i < acc.length; i++) {
        const x = acc[i]!;
        if (accessLocation(x) === loc && (!w || accessIsWrite(x))) return;
      }
    }
    throw new ModelError('undeclared-access', `step ${d.fn} of ${t.name} touches ${where()}, which it did not declare`);
  }

  /** The accesses the last step recorded (valid until the next step). */
  get lastAccesses(): readonly number[] {
    return this.recBuf.slice(0, this.recN);
  }

  /**
   * The buffer of the last step's recorded accesses, valid up to {@link recordedCount}
   * and until the next step: {@link lastAccesses} without the copy, for the explorer.
   * @internal
   */
  get recorded(): readonly number[] {
    return this.recBuf;
  }

  /** @internal How many accesses of {@link recorded} the last step recorded. */
  get recordedCount(): number {
    return this.recN;
  }

  /** Creates a thread with no body yet. */
  spawn(name: string): SimThread {
    const t = new SimThread(this.threads.length, name);
    this.threads.push(t);
    return t;
  }

  /**
   * Writes an effect event (if tracing): a state change made by the current thread to
   * field `field` of object `objId` (no field: the object as a whole). The object's
   * generation is snapshotted; names are built only when the trace is rendered.
   * @param op - the kernel function, e.g. `fd_install`
   * @param objId - engine object id of the object changed
   * @param field - the field changed (a file's F_COUNT, an fd number of a slot array)
   * @param before - count before
   * @param after - count after
   * @param detail - structured values: the file installed, the table copied, ...
   */
  effect(op: string, objId: number, field?: number, before?: number, after?: number, detail?: EffectDetail): void {
    if (!this.tracing) return;
    const t = this.current;
    const gen = this.objectAt(objId)?.simGen?.();
    const ev = this.events;
    ev.push({ seq: ev.length, step: this.stepCount, tid: t.id, thread: t.name, kind: 'effect', fn: op, objId, field, gen, before, after, detail });
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
      const ev = this.events;
      for (let i = ev.length - 1; i >= 0 && history.length < 8; i--) {
        const e = ev[i]!;
        if (e.kind === 'effect' && e.objId !== undefined && this.concerns(e.objId, e.gen, object)) {
          const note = e.detail?.note;
          history.unshift(`#${e.step} ${e.thread} ${e.fn}${e.before !== undefined ? ` ${e.before}→${e.after}` : ''}${note ? ` ${note}` : ''}`);
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

  /**
   * Runs the pending step of thread `tid` (which must be enabled). `declared` is the
   * step's `acc` if the caller has already evaluated it (a dynamic declaration is then
   * not computed twice).
   */
  step(tid: number, declared?: number | readonly number[]): void {
    const t = this.threads[tid]!;
    const s = t.pending as Step;
    this.stepCount++;
    this.schedule.push(tid);
    this.currentFn = s.fn;
    let touched: TouchedObject[] | undefined;
    if (this.tracing) touched = this.touched(s);
    const prev = this.current;
    this.current = t;
    if (this.checked) this.declaredAcc = declared ?? s.acc;
    this.rec = this.recBuf;
    this.recN = 0;
    this.declared = s;
    t.afterSyscall = false;
    try {
      t.advance(undefined);
    } finally {
      this.rec = null;
      this.declared = null;
      this.current = prev;
    }
    if (touched !== undefined) {
      for (let i = 0; i < touched.length; i++) touched[i]!.after = this.countOf(s, i);
      this.events.push({ seq: this.events.length, step: this.stepCount, tid, thread: t.name, kind: 'step', fn: s.fn, objs: touched });
    }
    if (t.done) this.threadDone(t);
  }

  /** Starts thread `t` on `gen`, running it to its first yield in its own context. */
  startThread(t: SimThread, gen: Generator<Step, unknown, unknown>): void {
    const prev = this.current;
    const prevRec = this.rec;
    const prevN = this.recN;
    const prevDecl = this.declared;
    this.current = t;
    // Until its first yield a body runs at no scheduled point: it must touch nothing shared.
    // (Its own buffer: a step that starts a thread keeps what it recorded.)
    this.rec = [];
    this.recN = 0;
    this.declared = null;
    const prevAcc = this.declaredAcc;
    try {
      t.start(gen);
    } finally {
      this.rec = prevRec;
      this.recN = prevN;
      this.declared = prevDecl;
      this.declaredAcc = prevAcc;
      this.current = prev;
    }
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
          const err = new ModelError('would-block', `${r.value.fn} would wait for ${b.name} in a plain call; run it in a thread instead`);
          // Unwind the path so its cleanup runs (a waiter leaves the wait queue, fds are
          // put, locks released): cleanup steps never wait.
          for (let u = gen.return(undefined as T); !u.done; u = gen.next());
          throw err;
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
    return accs.map((a, i) => {
      const loc = accessLocation(a);
      return { objId: Math.floor(loc / FIELDS), field: loc % FIELDS, write: accessIsWrite(a), before: this.countOf(s, i) };
    });
  }

  /** True if an effect on object `id` (generation `gen`) concerns the object a detector named `name`: it or its owner. */
  private concerns(id: number, gen: number | undefined, name: string): boolean {
    const o = this.objectAt(id);
    if (o === undefined) return false;
    if ((o.simLabel ? o.simLabel(gen) : o.simName(0)) === name) return true;
    const ownerId = o.simOwner?.();
    const owner = ownerId === undefined ? undefined : this.objectAt(ownerId);
    return owner !== undefined && (owner.simLabel ? owner.simLabel() : owner.simName(0)) === name;
  }

  private countOf(s: Step, i: number): number | undefined {
    const a = typeof s.acc === 'number' ? s.acc : s.acc[i];
    if (a === undefined) return undefined;
    const loc = accessLocation(a);
    const o = this.objectAt(Math.floor(loc / FIELDS));
    return o?.simCount ? o.simCount(loc % FIELDS) : undefined;
  }
}
