import type { Traceable } from './engine.js';

/**
 * One location a step touched — an engine object id and a field of that object — with
 * the object's count before and after the step where the object has one (a file's
 * f_count, say). The location's name (`file#1.f_count`) is built only when a trace is
 * rendered, from the object table (see {@link TraceObjects}).
 *
 * @example
 * ```ts
 * import type { TouchedObject } from 'fdlab';
 * const o: TouchedObject = { objId: 7, field: 0, write: true, before: 1, after: 2 };
 * ```
 */
export interface TouchedObject {
  /** Engine object id of the object the location belongs to. */
  readonly objId: number;
  /** Field of that object (a file's F_COUNT, the fd number of a slot array, ...). */
  readonly field: number;
  /** True for a write (or read-modify-write). */
  readonly write: boolean;
  /** Count before the step, when the object is counted. */
  before?: number | undefined;
  /** Count after the step, when the object is counted. */
  after?: number | undefined;
}

/**
 * Structured values of an effect event beyond its object, field and count change: the
 * ids and numbers a renderer needs, snapshotted when the effect happened. Names are
 * built from them only when rendering.
 *
 * @example
 * ```ts
 * import type { EffectDetail } from 'fdlab';
 * // fd_install(): the file (object id 9, generation 1) published in the slot.
 * const d: EffectDetail = { file: 9, fileGen: 1 };
 * ```
 */
export interface EffectDetail {
  /** A struct file the effect refers to (installed into, or removed from, a slot): its object id. */
  readonly file?: number | undefined;
  /** That file's allocation generation at the time (tells incarnations of a recycled object apart). */
  readonly fileGen?: number | undefined;
  /** The table `dup_fd()` copied: its object id. */
  readonly from?: number | undefined;
  /** The owner of POSIX locks (a files_struct): its object id. */
  readonly owner?: number | undefined;
  /** The lock type of `posix_lock_file()`: 0 F_RDLCK, 1 F_WRLCK, 2 F_UNLCK. */
  readonly lockType?: number | undefined;
  /** The parent of a spawned process: its object id. */
  readonly parent?: number | undefined;
  /** A thread the effect refers to (the sibling de_thread() killed, an exiting process's last thread): its thread id. */
  readonly thread?: number | undefined;
  /** A path or anon-inode name given to a new file (a value, never parsed). */
  readonly path?: string | undefined;
  /** A constant word for the reader (`reserved`, `begin`, `mutex_lock`), never parsed. */
  readonly note?: string | undefined;
}

/**
 * A trace event. `step` events are written by the scheduler for each atomic step of a
 * thread; `effect` events are written by the kernel model for each state change (a
 * count moving, a slot filled, a lock taken), in plain and in concurrent use alike;
 * `violation` events mark what a detector found.
 *
 * An effect is a structured record: the operation (`fn`, the kernel function), the
 * engine object it changed (`objId`), the field of that object (`field`; absent for an
 * effect on the object as a whole, such as its allocation), the object's generation
 * where it has one (`gen`, for recycled struct files), the count before and after, and
 * {@link EffectDetail}. No event carries an object name: renderers build names from the
 * log's object table ({@link TraceLog}).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p = k.spawnProcess();
 * p.dup(p.open('/data/log', 0));
 * k.engine.events.filter((e) => e.kind === 'effect').map((e) => e.fn);
 * ```
 */
export interface TraceEvent {
  /** Position in the event log. */
  readonly seq: number;
  /** Scheduler step number the event belongs to (0 outside scheduled runs). */
  readonly step: number;
  /** Thread id (index in the engine), -1 for the setup context. */
  readonly tid: number;
  /** Thread name. */
  readonly thread: string;
  /** What kind of event. */
  readonly kind: 'step' | 'effect' | 'violation';
  /** Kernel function: the step's label, the effect's operation (`fget`, `fd_install`, `__fput`), the violation's kind. */
  readonly fn: string;
  /** For effects: engine object id of the object changed. */
  readonly objId?: number | undefined;
  /** For effects: the field of that object; absent when the effect is on the object as a whole. */
  readonly field?: number | undefined;
  /** For effects: the object's generation at the time, where it has one (struct file). */
  readonly gen?: number | undefined;
  /** Count before an effect. */
  readonly before?: number | undefined;
  /** Count after an effect. */
  readonly after?: number | undefined;
  /** For effects: structured values (the file installed, the table copied, ...). */
  readonly detail?: EffectDetail | undefined;
  /** For violations: the object the detector named, e.g. `file#2`. */
  readonly obj?: string | undefined;
  /** For violations: the message. */
  readonly note?: string | undefined;
  /** For step events: the locations the step touched. */
  readonly objs?: readonly TouchedObject[] | undefined;
}

/**
 * What renderers need to name the objects of a trace: the engine's object table (and,
 * optionally, thread names by id). {@link Engine} is one.
 *
 * @example
 * ```ts
 * import type { TraceObjects, Traceable } from 'fdlab';
 * const table: Traceable[] = [{ simName: (f) => `box[${f}]` }];
 * const objects: TraceObjects = { objectAt: (id) => table[id] };
 * ```
 */
export interface TraceObjects {
  /** The object registered under `id`. */
  objectAt(id: number): Traceable | undefined;
  /** The name of thread `tid`, if known. */
  threadName?(tid: number): string | undefined;
}

/**
 * An event log that knows its object table: an array of events with a non-enumerable
 * `objects` property (so `JSON.stringify` and deep equality see a plain array).
 * `engine.events` is one, and so is the `trace` of a replay or a found violation, so
 * renderers can name what the events refer to. A filtered copy is a plain array again:
 * pass `{ objects }` to the renderer then.
 *
 * @example
 * ```ts
 * import { Kernel, type TraceLog } from 'fdlab';
 * const k = new Kernel();
 * const log: TraceLog = k.engine.events;
 * log.objects === k.engine; // true
 * ```
 */
export type TraceLog = TraceEvent[] & {
  /** The object table the events' ids refer to. */
  readonly objects: TraceObjects;
};

/**
 * Makes `events` a {@link TraceLog} over `objects` (in place) and returns it.
 *
 * @example
 * ```ts
 * import { traceLog, renderText, type Traceable } from 'fdlab';
 * const box: Traceable = { simName: (f) => `box[${f}]` };
 * const log = traceLog({ objectAt: (id) => (id === 0 ? box : undefined) }, [
 *   { seq: 0, step: 0, tid: -1, thread: 'setup', kind: 'effect', fn: 'fill', objId: 0, field: 2, before: 0, after: 1 },
 * ]);
 * renderText(log); // '... setup: box[2] 0→1 (fill)'
 * ```
 */
export function traceLog(objects: TraceObjects, events: TraceEvent[] = []): TraceLog {
  Object.defineProperty(events, 'objects', { value: objects, enumerable: false, configurable: true });
  return events as TraceLog;
}

/**
 * The object table of an event log, if it is a {@link TraceLog}.
 *
 * @example
 * ```ts
 * import { Kernel, traceObjectsOf } from 'fdlab';
 * const k = new Kernel();
 * traceObjectsOf(k.engine.events) === k.engine; // true
 * traceObjectsOf([]); // undefined
 * ```
 */
export function traceObjectsOf(events: readonly TraceEvent[]): TraceObjects | undefined {
  return (events as Partial<TraceLog>).objects;
}
