import type { TraceEvent } from '../sim/events.js';

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
 * TRACE_JSON_VERSION; // 1
 * ```
 */
export const TRACE_JSON_VERSION = 1;

/** A number JSON can carry: saturated counts (Infinity) become the string `'Infinity'`. */
function num(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/**
 * One event as a plain JSON object with a fixed key order and no undefined fields.
 *
 * @example
 * ```ts
 * import { eventToJson } from 'fdlab';
 * eventToJson({ seq: 0, step: 0, tid: -1, thread: 'setup', kind: 'effect', fn: 'alloc_file', obj: 'file#1', before: 0, after: 1 });
 * ```
 */
export function eventToJson(e: TraceEvent): { [key: string]: JsonValue } {
  const o: { [key: string]: JsonValue } = { seq: e.seq, step: e.step, tid: e.tid, thread: e.thread, kind: e.kind, fn: e.fn };
  if (e.obj !== undefined) o['obj'] = e.obj;
  if (e.before !== undefined) o['before'] = num(e.before);
  if (e.after !== undefined) o['after'] = num(e.after);
  if (e.note !== undefined) o['note'] = e.note;
  if (e.objs !== undefined) {
    o['objs'] = e.objs.map((t) => {
      const x: { [key: string]: JsonValue } = { name: t.name, write: t.write };
      if (t.before !== undefined) x['before'] = num(t.before);
      if (t.after !== undefined) x['after'] = num(t.after);
      return x;
    });
  }
  return o;
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
 * `{ format: 'fdlab-trace', version: 1, meta?, events: [...] }`. Events keep a fixed key
 * order and omit undefined fields; `extra` (a schedule, violations, a scenario name ...)
 * is written under `meta` with its keys sorted; saturated counts are written as the
 * string `"Infinity"`. The same input always gives the same string.
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
export function renderJson(events: readonly TraceEvent[], extra?: object): string {
  const doc: { [key: string]: JsonValue } = { format: TRACE_JSON_FORMAT, version: TRACE_JSON_VERSION };
  if (extra !== undefined) {
    const meta = stable(extra);
    if (meta !== undefined) doc['meta'] = meta;
  }
  doc['events'] = events.map(eventToJson);
  return `${JSON.stringify(doc, null, 2)}\n`;
}
