import type { TouchedObject, TraceEvent } from '../sim/events.js';

/**
 * A thread column of a timeline: a thread that took at least one scheduled step.
 *
 * @example
 * ```ts
 * import type { TimelineThread } from 'fdlab';
 * const t: TimelineThread = { tid: 0, name: 'P1.T1' };
 * ```
 */
export interface TimelineThread {
  /** Thread id (index in the engine). */
  readonly tid: number;
  /** Thread name, e.g. `P1.T1`. */
  readonly name: string;
}

/**
 * One scheduler step of a timeline with the effects and violations that happened inside it.
 *
 * @example
 * ```ts
 * import type { TimelineStep } from 'fdlab';
 * const show = (r: TimelineStep) => `${r.step} ${r.thread} ${r.fn} (${r.effects.length} effects)`;
 * ```
 */
export interface TimelineStep {
  /** Row kind. */
  readonly kind: 'step';
  /** Scheduler step number. */
  readonly step: number;
  /** Id of the thread that took the step. */
  readonly tid: number;
  /** Name of that thread. */
  readonly thread: string;
  /** Kernel function of the step, e.g. `fdget_pos`. */
  readonly fn: string;
  /** Locations the step touched. */
  readonly objs: readonly TouchedObject[];
  /** Effect events made during the step, in order. */
  readonly effects: readonly TraceEvent[];
  /** Violation events reported during the step, in order. */
  readonly violations: readonly TraceEvent[];
  /** Position of the first event of the step in the log. */
  readonly seq: number;
}

/**
 * An effect or violation made outside any scheduled step: scenario setup, a plain call,
 * a thread running to its first yield, a teardown check.
 *
 * @example
 * ```ts
 * import type { TimelinePlain } from 'fdlab';
 * const show = (r: TimelinePlain) => `${r.event.thread}: ${r.event.fn}`;
 * ```
 */
export interface TimelinePlain {
  /** Row kind. */
  readonly kind: 'plain';
  /** The effect or violation event. */
  readonly event: TraceEvent;
  /** Scheduler step the event happened after (0 before the first step). */
  readonly step: number;
  /** Position of the event in the log. */
  readonly seq: number;
}

/**
 * A row of a timeline: a scheduled step or a plain event.
 *
 * @example
 * ```ts
 * import type { TimelineRow } from 'fdlab';
 * const fnOf = (r: TimelineRow) => (r.kind === 'step' ? r.fn : r.event.fn);
 * ```
 */
export type TimelineRow = TimelineStep | TimelinePlain;

/**
 * An event log grouped into rows: the thread columns and, in log order, one row per
 * scheduled step (carrying its effects and violations) or per plain event.
 *
 * @example
 * ```ts
 * import type { Timeline } from 'fdlab';
 * const columns = (t: Timeline) => t.threads.map((th) => th.name);
 * ```
 */
export interface Timeline {
  /** Threads that took a step, by id (the setup context, id -1, never does). */
  readonly threads: readonly TimelineThread[];
  /** Rows in log order. */
  readonly rows: readonly TimelineRow[];
}

interface MutableStep {
  kind: 'step';
  step: number;
  tid: number;
  thread: string;
  fn: string;
  objs: readonly TouchedObject[];
  effects: TraceEvent[];
  violations: TraceEvent[];
  seq: number;
}

/**
 * Groups an event log into a timeline. An effect or violation belongs to step `n` when it
 * carries step number `n` and comes before the step event of `n` (the engine writes the
 * step event after the step's effects); every other effect or violation is a plain row.
 *
 * @example
 * ```ts
 * import { Kernel, buildTimeline } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * k.spawnProcess().open('/srv', 0);
 * buildTimeline(k.engine.events).rows.every((r) => r.kind === 'plain'); // true: no step was scheduled
 * ```
 */
export function buildTimeline(events: readonly TraceEvent[]): Timeline {
  // Position of the step event of each step number.
  const stepAt = new Map<number, number>();
  const threads = new Map<number, string>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === 'step' && !stepAt.has(e.step)) stepAt.set(e.step, i);
    if (e.kind === 'step' && !threads.has(e.tid)) threads.set(e.tid, e.thread);
  }
  const rows: TimelineRow[] = [];
  const open = new Map<number, MutableStep>();
  const get = (step: number, e: TraceEvent): MutableStep => {
    let r = open.get(step);
    if (r === undefined) {
      r = { kind: 'step', step, tid: e.tid, thread: e.thread, fn: '', objs: [], effects: [], violations: [], seq: e.seq };
      open.set(step, r);
      rows.push(r);
    }
    return r;
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === 'step') {
      if (stepAt.get(e.step) !== i) continue; // a duplicate step number: ignore
      const r = get(e.step, e);
      r.tid = e.tid;
      r.thread = e.thread;
      r.fn = e.fn;
      r.objs = e.objs ?? [];
      open.delete(e.step);
      continue;
    }
    const at = stepAt.get(e.step);
    if (at !== undefined && i < at) {
      const r = get(e.step, e);
      (e.kind === 'violation' ? r.violations : r.effects).push(e);
    } else {
      rows.push({ kind: 'plain', event: e, step: e.step, seq: e.seq });
    }
  }
  const ths = [...threads].sort((a, b) => a[0] - b[0]).map(([tid, name]) => ({ tid, name }));
  return { threads: ths, rows };
}
