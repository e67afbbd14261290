import type { TraceEvent } from '../sim/events.js';

/**
 * How counts and arrows are written in rendered traces.
 *
 * @example
 * ```ts
 * import type { FormatOptions } from 'fdlab';
 * const o: FormatOptions = { ascii: true }; // `->` instead of `→`, `inf` instead of `∞`
 * ```
 */
export interface FormatOptions {
  /** ASCII only: `->` for `→`, `<-` for `←`, `inf` for a saturated count (default false). */
  ascii?: boolean | undefined;
}

/** Effects whose count change needs no function name: the name says it. */
const IMPLIED = new Set(['get_file', 'file_ref_get', 'fput', 'f_pos']);

/** A file's name: `file#3`, or `file#3@2` for the second incarnation of a recycled object. */
const FILE_RE = /^file#\d+(?:@\d+)?$/;

/**
 * True if `name` names a struct file (`file#3`, `file#3@2`).
 *
 * @example
 * ```ts
 * import { isFileName } from 'fdlab';
 * isFileName('file#3@2'); // true
 * isFileName('P1.files.fd[3]'); // false
 * ```
 */
export function isFileName(name: string): boolean {
  return FILE_RE.test(name);
}

/**
 * Writes a count: `3`, `∞` for a saturated count, `?` when unknown.
 *
 * @example
 * ```ts
 * import { formatCount } from 'fdlab';
 * formatCount(Infinity); // '∞'
 * formatCount(undefined); // '?'
 * ```
 */
export function formatCount(n: number | undefined, opts: FormatOptions = {}): string {
  if (n === undefined) return '?';
  if (n === Infinity) return opts.ascii === true ? 'inf' : '∞';
  if (n === -Infinity) return opts.ascii === true ? '-inf' : '-∞';
  return String(n);
}

/**
 * A parsed fd-slot location name.
 *
 * @example
 * ```ts
 * import { parseSlot, type SlotName } from 'fdlab';
 * const s: SlotName | undefined = parseSlot('P1.files.fd[3]'); // { table: 'P1.files', fd: 3 }
 * ```
 */
export interface SlotName {
  /** The fd table's name, e.g. `P1.files`. */
  readonly table: string;
  /** The fd number. */
  readonly fd: number;
}

/**
 * The slot an fd-table location names: `P1.files.fd[3]` → `{ table: 'P1.files', fd: 3 }`.
 *
 * @example
 * ```ts
 * import { parseSlot } from 'fdlab';
 * parseSlot('P1.files.fd[3]'); // { table: 'P1.files', fd: 3 }
 * parseSlot('file#1'); // undefined
 * ```
 */
export function parseSlot(name: string): SlotName | undefined {
  const m = /^(.*)\.fd\[(\d+)\]$/.exec(name);
  return m === null ? undefined : { table: m[1]!, fd: Number(m[2]) };
}

/**
 * The object a location or effect target belongs to: `file#1.f_count` → `file#1`,
 * `P1.files.fd[3]` → `P1.files`, `f_pos_lock of file#1` → `file#1`; anything else is
 * its own object.
 *
 * @example
 * ```ts
 * import { objectOf } from 'fdlab';
 * objectOf('P1.files.fd[3]'); // 'P1.files'
 * objectOf('file#2@3.f_pos'); // 'file#2@3'
 * ```
 */
export function objectOf(location: string): string {
  const slot = parseSlot(location);
  if (slot !== undefined) return slot.table;
  const of = /^.* of (file#\d+(?:@\d+)?)$/.exec(location);
  if (of !== null) return of[1]!;
  const f = /^(file#\d+(?:@\d+)?)\./.exec(location);
  if (f !== null) return f[1]!;
  const field = /^(.+)\.(?:count|fdt|open_fds|file_lock)$/.exec(location);
  if (field !== null) return field[1]!;
  return location;
}

/**
 * One effect event in a few words: a count change as `file#1.f_count 1→2`, a slot change
 * as `fd_install P1.files.fd[3] ← file#1`, anything else as `fn obj (note)`.
 *
 * @example
 * ```ts
 * import { formatEffect } from 'fdlab';
 * formatEffect({ seq: 0, step: 1, tid: 0, thread: 'P1.T1', kind: 'effect', fn: 'get_file', obj: 'file#1', before: 1, after: 2 });
 * // 'file#1.f_count 1→2'
 * ```
 */
export function formatEffect(e: TraceEvent, opts: FormatOptions = {}): string {
  const ascii = opts.ascii === true;
  const arrow = ascii ? '->' : '→';
  const obj = e.obj ?? '';
  if (e.before !== undefined || e.after !== undefined) {
    const name = isFileName(obj) ? `${obj}.f_count` : obj;
    const extra = [IMPLIED.has(e.fn) ? '' : e.fn, e.note ?? ''].filter((s) => s !== '').join(' ');
    const change = `${formatCount(e.before, opts)}${arrow}${formatCount(e.after, opts)}`;
    return `${name === '' ? '' : `${name} `}${change}${extra === '' ? '' : ` (${extra})`}`;
  }
  if ((e.fn === 'fd_install' || e.fn === 'do_dup2') && e.note !== undefined) {
    return `${e.fn} ${obj} ${ascii ? '<-' : '←'} ${e.note}`;
  }
  if ((e.fn === 'lock' || e.fn === 'unlock') && e.note !== undefined) return `${e.note} ${obj}`;
  const parts = [e.fn, obj].filter((s) => s !== '').join(' ');
  return e.note !== undefined && e.note !== '' ? `${parts} (${e.note})` : parts;
}
