import type { TraceEvent, TraceObjects } from '../sim/events.js';
import { effectName, NO_OBJECTS, threadLabel, traceName } from './names.js';

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
  /**
   * The object table the events' ids refer to (default: the log's own, when it is a
   * `TraceLog` such as `engine.events`).
   */
  objects?: TraceObjects | undefined;
}

/** Effects whose count change needs no function name: the name says it. */
const IMPLIED = new Set(['get_file', 'file_ref_get', 'fput', 'f_pos']);

/** posix_lock_file()'s lock types by number. */
const LOCK_TYPES = ['F_RDLCK', 'F_WRLCK', 'F_UNLCK'];

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

/** The structured detail of an effect in words: `reserved`, `copy of P1.files`, `F_WRLCK by P1.files`. */
function detailWords(e: TraceEvent, objects: TraceObjects): string[] {
  const d = e.detail;
  if (d === undefined) return [];
  const out: string[] = [];
  if (d.note !== undefined && d.note !== '') out.push(d.note);
  if (d.path !== undefined) out.push(d.path);
  if (d.file !== undefined) out.push(traceName(objects, d.file, undefined, d.fileGen));
  if (d.from !== undefined) out.push(`copy of ${traceName(objects, d.from)}`);
  const type = d.lockType === undefined ? undefined : (LOCK_TYPES[d.lockType] ?? String(d.lockType));
  if (d.owner !== undefined) out.push(type !== undefined ? `${type} by ${traceName(objects, d.owner)}` : `owner ${traceName(objects, d.owner)}`);
  else if (type !== undefined) out.push(type);
  if (d.parent !== undefined) out.push(`child of ${traceName(objects, d.parent)}`);
  if (d.thread !== undefined && e.fn !== 'de_thread') {
    const t = threadLabel(objects, d.thread);
    out.push(e.fn === 'exit' ? `last thread ${t} exited` : `thread ${t}`);
  }
  return out;
}

/**
 * One effect event in a few words: a count change as `file#1.f_count 1→2`, a slot change
 * as `fd_install P1.files.fd[3] ← file#1`, anything else as `fn obj (detail)`. Names come
 * from `opts.objects` (the object table the event's ids refer to; renderers pass the
 * log's own).
 *
 * @example
 * ```ts
 * import { Kernel, formatEffect } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * p.dup(p.open('/srv', 0));
 * const e = k.engine.events.find((x) => x.fn === 'get_file')!;
 * formatEffect(e, { objects: k.engine }); // 'file#1.f_count 1→2'
 * ```
 */
export function formatEffect(e: TraceEvent, opts: FormatOptions = {}): string {
  const objects = opts.objects ?? NO_OBJECTS;
  const ascii = opts.ascii === true;
  const arrow = ascii ? '->' : '→';
  const name = effectName(e, objects);
  const words = detailWords(e, objects);
  if (e.before !== undefined || e.after !== undefined) {
    const extra = [IMPLIED.has(e.fn) ? '' : e.fn, ...words].filter((s) => s !== '').join(' ');
    const change = `${formatCount(e.before, opts)}${arrow}${formatCount(e.after, opts)}`;
    return `${name === '' ? '' : `${name} `}${change}${extra === '' ? '' : ` (${extra})`}`;
  }
  const d = e.detail;
  if ((e.fn === 'fd_install' || e.fn === 'do_dup2') && d?.file !== undefined) {
    return `${e.fn} ${name} ${ascii ? '<-' : '←'} ${traceName(objects, d.file, undefined, d.fileGen)}`;
  }
  if ((e.fn === 'lock' || e.fn === 'unlock') && d?.note !== undefined) return `${d.note} ${name}`;
  const subject = e.fn === 'de_thread' && d?.thread !== undefined ? threadLabel(objects, d.thread) : name;
  const parts = [e.fn, subject].filter((s) => s !== '').join(' ');
  if (e.kind === 'violation' && e.note !== undefined && e.note !== '') words.push(e.note);
  return words.length > 0 ? `${parts} (${words.join(' ')})` : parts;
}
