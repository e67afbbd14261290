import type { TraceKind } from '../sim/engine.js';
import { traceObjectsOf, type TraceEvent, type TraceObjects } from '../sim/events.js';

/** An object table that knows nothing: names fall back to `#id` and `#id.field`. @internal */
export const NO_OBJECTS: TraceObjects = { objectAt: () => undefined };

/** The object table to render `events` with: the given one, else the log's own. @internal */
export function objectsFor(events: readonly TraceEvent[], given: TraceObjects | undefined): TraceObjects {
  return given ?? traceObjectsOf(events) ?? NO_OBJECTS;
}

/**
 * The name of object `objId` of a trace — or, with `field`, of that field of it — as the
 * object itself spells it (`simLabel` / `simName`); `gen` names one incarnation of a
 * recycled struct file (`file#3@2`). Built when rendering, never parsed back. An id the
 * table does not know is written `#id` (`#id.field`).
 *
 * @example
 * ```ts
 * import { Kernel, traceName } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * p.open('/srv', 0);
 * const e = k.engine.events.find((x) => x.fn === 'fd_install')!;
 * traceName(k.engine, e.objId!, e.field); // 'P1.files.fd[0]'
 * traceName(k.engine, e.detail!.file!, undefined, e.detail!.fileGen); // 'file#1'
 * ```
 */
export function traceName(objects: TraceObjects, objId: number, field?: number, gen?: number): string {
  const o = objects.objectAt(objId);
  if (field !== undefined) return o === undefined ? `#${objId}.${field}` : o.simName(field, gen);
  if (o === undefined) return `#${objId}`;
  return o.simLabel !== undefined ? o.simLabel(gen) : o.simName(0, gen);
}

/**
 * What object `objId` of a trace is (`'other'` when the table does not know it or the
 * object does not say).
 *
 * @example
 * ```ts
 * import { Kernel, traceKindOf } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * traceKindOf(k.engine, p.files.simId); // 'fdtable'
 * traceKindOf(k.engine, p.files.fdt.simId); // 'fdt'
 * ```
 */
export function traceKindOf(objects: TraceObjects, objId: number): TraceKind {
  const o = objects.objectAt(objId);
  return o?.simKind !== undefined ? o.simKind() : 'other';
}

/**
 * The object that object `objId` ultimately belongs to, following `simOwner` (an fd
 * array → its files_struct; f_pos_lock → its file); the object itself if it has none.
 *
 * @example
 * ```ts
 * import { Kernel, traceRootOf } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * traceRootOf(k.engine, p.files.fdt.simId) === p.files.simId; // true
 * ```
 */
export function traceRootOf(objects: TraceObjects, objId: number): number {
  let id = objId;
  for (let depth = 0; depth < 8; depth++) {
    const up = objects.objectAt(id)?.simOwner?.();
    if (up === undefined || up === id) break;
    id = up;
  }
  return id;
}

/** The name of what an effect changed: its field, or the object as a whole. @internal */
export function effectName(e: TraceEvent, objects: TraceObjects): string {
  return e.objId === undefined ? (e.obj ?? '') : traceName(objects, e.objId, e.field, e.gen);
}

/** The name of thread `tid`, as the table knows it. @internal */
export function threadLabel(objects: TraceObjects, tid: number): string {
  return objects.threadName?.(tid) ?? `thread ${tid}`;
}
