import type { EffectDetail, TraceEvent, TraceObjects } from '../sim/events.js';
import type { FormatOptions } from './format.js';
import { effectName, NO_OBJECTS, objectsFor, traceKindOf, traceName } from './names.js';

/**
 * A JSON value as {@link renderJson} writes it.
 *
 * @example
 * ```ts
 * import type { JsonValue } from 'fdlab';
 * const v: JsonValue = { schedule: '0.1.0', seed: 7 };
 * ```
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Format name written as `format` at the top of {@link renderJson} output.
 *
 * @example
 * ```ts
 * import { TRACE_JSON_FORMAT } from 'fdlab';
 * TRACE_JSON_FORMAT; // 'fdlab-trace'
 * ```
 */
export const TRACE_JSON_FORMAT = 'fdlab-trace';

/**
 * Version of the {@link renderJson} layout; bumped when a field changes meaning.
 *
 * @example
 * ```ts
 * import { TRACE_JSON_VERSION } from 'fdlab';
 * TRACE_JSON_VERSION; // 2
 * ```
 */
export const TRACE_JSON_VERSION = 2;

/** A number JSON can carry: saturated counts (Infinity) become the string `'Infinity'`. */
function num(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/** A detail's values in a fixed key order, with the referenced file's name beside its id. */
function detailToJson(d: EffectDetail, objects: TraceObjects): { [key: string]: JsonValue } {
  const o: { [key: string]: JsonValue } = {};
  if (d.file !== undefined) {
    o['file'] = d.file;
    if (d.fileGen !== undefined) o['fileGen'] = d.fileGen;
    o['fileName'] = traceName(objects, d.file, undefined, d.fileGen);
  }
  if (d.from !== undefined) o['from'] = d.from;
  if (d.owner !== undefined) o['owner'] = d.owner;
  if (d.lockType !== undefined) o['lockType'] = d.lockType;
  if (d.parent !== undefined) o['parent'] = d.parent;
  if (d.thread !== undefined) o['thread'] = d.thread;
  if (d.path !== undefined) o['path'] = d.path;
  if (d.note !== undefined) o['note'] = d.note;
  return o;
}

/**
 * One event as a plain JSON object with a fixed key order and no undefined fields:
 * `seq, step, tid, thread, kind, fn`, then for effects `objId, field, gen` and `name`
 * (the changed field's or object's name, built from `objects`), `before, after`,
 * `detail` (with `fileName` beside a `file` id); for violations `obj` and `note`; for
 * steps `objs` (each `objId, field, name, write, before, after`).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { eventToJson } from 'fdlab/extend';
 * const k = new Kernel();
 * k.spawnProcess().open('/srv', 0);
 * eventToJson(k.engine.events.find((e) => e.fn === 'alloc_file')!, k.engine);
 * // { seq: .., kind: 'effect', fn: 'alloc_file', objId: .., field: 0, gen: 1, name: 'file#1.f_count', before: 0, after: 1, detail: { path: '/srv' } }
 * ```
 */
export function eventToJson(e: TraceEvent, objects: TraceObjects = NO_OBJECTS): { [key: string]: JsonValue } {
  const o: { [key: string]: JsonValue } = { seq: e.seq, step: e.step, tid: e.tid, thread: e.thread, kind: e.kind, fn: e.fn };
  if (e.objId !== undefined) {
    o['objId'] = e.objId;
    if (e.field !== undefined) o['field'] = e.field;
    if (e.gen !== undefined) o['gen'] = e.gen;
    o['name'] = effectName(e, objects);
  }
  if (e.before !== undefined) o['before'] = num(e.before);
  if (e.after !== undefined) o['after'] = num(e.after);
  if (e.detail !== undefined) o['detail'] = detailToJson(e.detail, objects);
  if (e.obj !== undefined) o['obj'] = e.obj;
  if (e.note !== undefined) o['note'] = e.note;
  if (e.objs !== undefined) {
    o['objs'] = e.objs.map((t) => {
      const x: { [key: string]: JsonValue } = { objId: t.objId, field: t.field, name: traceName(objects, t.objId, t.field), write: t.write };
      if (t.before !== undefined) x['before'] = num(t.before);
      if (t.after !== undefined) x['after'] = num(t.after);
      return x;
    });
  }
  return o;
}

/** Every object id the events refer to, with the objects they belong to, sorted. */
function referencedIds(events: readonly TraceEvent[], objects: TraceObjects): number[] {
  const ids = new Set<number>();
  const add = (id: number | undefined): void => {
    for (let depth = 0; id !== undefined && !ids.has(id) && depth < 8; depth++) {
      ids.add(id);
      id = objects.objectAt(id)?.simOwner?.();
    }
  };
  for (const e of events) {
    add(e.objId);
    const d = e.detail;
    if (d !== undefined) {
      add(d.file);
      add(d.from);
      add(d.owner);
      add(d.parent);
    }
    if (e.objs !== undefined) for (const t of e.objs) add(t.objId);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * The object table of a JSON trace: one entry per object the events refer to, by id:
 * `{ id, kind, name, owner? }` (`name` is the object's own name at the end of the run;
 * a recycled file's incarnations are told apart by the events' `gen`).
 */
function objectsToJson(events: readonly TraceEvent[], objects: TraceObjects): JsonValue[] {
  return referencedIds(events, objects).map((id) => {
    const x: { [key: string]: JsonValue } = { id, kind: traceKindOf(objects, id), name: traceName(objects, id) };
    const owner = objects.objectAt(id)?.simOwner?.();
    if (owner !== undefined) x['owner'] = owner;
    return x;
  });
}

/** Copies `v` with object keys sorted, dropping undefined values, functions and cycles. */
function stable(v: unknown, seen: Set<object> = new Set()): JsonValue | undefined {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return num(v);
    case 'bigint':
      return v.toString();
    case 'object': {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
      try {
        if (Array.isArray(v)) return v.map((x) => stable(x, seen) ?? null);
        const toJSON = (v as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function') return stable((toJSON as () => unknown).call(v), seen);
        if (v instanceof Map) return stable(Object.fromEntries(v), seen);
        if (v instanceof Set) return stable([...v], seen);
        const out: { [key: string]: JsonValue } = {};
        for (const k of Object.keys(v).sort()) {
          const x = stable((v as Record<string, unknown>)[k], seen);
          if (x !== undefined) out[k] = x;
        }
        return out;
      } finally {
        seen.delete(v);
      }
    }
    default:
      return undefined;
  }
}

/**
 * Renders an event log as stable, pretty (2-space) JSON for tools:
 * `{ format: 'fdlab-trace', version: 2, meta?, objects: [...], events: [...] }`.
 *
 * - `objects`: every object the events refer to, sorted by id, as
 *   `{ id, kind, name, owner? }` — `kind` is a `TraceKind` (`file`, `fdtable`,
 *   `fdt`, `mount`, ...), `owner` the id of the object it belongs to (an fd array's
 *   files_struct, f_pos_lock's file).
 * - `events`: see {@link eventToJson}. An effect is `objId`, `field` (absent for the
 *   object as a whole), `gen` (struct files), `name`, `before`, `after` and `detail`; a
 *   step's `objs` carry `objId`, `field` and `name`.
 *
 * Version 1 (before structured effects) had `obj` and `note` strings on effects and
 * `name` only on touched objects. Events keep a fixed key order and omit undefined
 * fields; `extra` (a schedule, violations, a scenario name ...) is written under `meta`
 * with its keys sorted; saturated counts are written as the string `"Infinity"`. The
 * same input always gives the same string.
 *
 * @example
 * ```ts
 * import { Kernel, renderJson } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * k.spawnProcess().open('/srv', 0);
 * const json = renderJson(k.engine.events, { scenario: 'open' });
 * JSON.parse(json).events.length > 0; // true
 * ```
 */
export function renderJson(events: readonly TraceEvent[], extra?: object, options: FormatOptions = {}): string {
  const objects = objectsFor(events, options.objects);
  const doc: { [key: string]: JsonValue } = { format: TRACE_JSON_FORMAT, version: TRACE_JSON_VERSION };
  if (extra !== undefined) {
    const meta = stable(extra);
    if (meta !== undefined) doc['meta'] = meta;
  }
  doc['objects'] = objectsToJson(events, objects);
  doc['events'] = events.map((e) => eventToJson(e, objects));
  return `${JSON.stringify(doc, null, 2)}\n`;
}
