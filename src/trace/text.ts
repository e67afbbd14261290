import type { TraceEvent } from '../sim/events.js';
import type { TraceObjects } from '../sim/events.js';
import { formatCount, formatEffect, type FormatOptions } from './format.js';
import { objectsFor, traceName } from './names.js';
import { buildTimeline, type TimelineStep } from './timeline.js';

/**
 * Options of {@link renderText}.
 *
 * @example
 * ```ts
 * import type { TextOptions } from 'fdlab';
 * const o: TextOptions = { plain: false, touched: true, ascii: true };
 * ```
 */
export interface TextOptions extends FormatOptions {
  /** List effects and violations made outside scheduled steps (setup, plain calls); default true. */
  plain?: boolean | undefined;
  /** Also list the locations each step touched, `w` for writes and `r` for reads; default false. */
  touched?: boolean | undefined;
  /** Widest a thread column may be; longer function labels are cut with `…` (default 40). */
  maxColumnWidth?: number | undefined;
}

function cut(s: string, w: number, ascii: boolean): string {
  if (s.length <= w) return s;
  return ascii ? `${s.slice(0, Math.max(0, w - 1))}~` : `${s.slice(0, Math.max(0, w - 1))}…`;
}

function touchedList(r: TimelineStep, opts: FormatOptions, objects: TraceObjects): string {
  if (r.objs.length === 0) return '';
  const arrow = opts.ascii === true ? '->' : '→';
  const parts = r.objs.map((o) => {
    const change = o.before !== undefined && o.after !== undefined && o.before !== o.after ? ` ${formatCount(o.before, opts)}${arrow}${formatCount(o.after, opts)}` : '';
    return `${o.write ? 'w' : 'r'} ${traceName(objects, o.objId, o.field)}${change}`;
  });
  return `[${parts.join(', ')}]`;
}

/**
 * Renders an event log as a text timeline: one line per scheduler step with the step
 * number, the kernel function in the column of the thread that took it, and the step's
 * effects (`file#1.f_count 1→2`); violations as `!!` lines under the step that found
 * them; effects outside scheduled steps as plain `·` lines naming their context. The
 * same events always give the same string.
 *
 * @example
 * ```ts
 * import { Kernel, O_DIRECTORY, runEngine, renderText } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p1 = k.spawnProcess();
 * const fd = p1.open('/srv', O_DIRECTORY);
 * p1.thread(function* (sys) { yield* sys.getdents(fd, 2); });
 * runEngine(k.engine, { kind: 'round-robin' });
 * console.log(renderText(k.engine.events, { plain: false }));
 * ```
 */
export function renderText(events: readonly TraceEvent[], options: TextOptions = {}): string {
  const objects = objectsFor(events, options.objects);
  const fmt: FormatOptions = { ascii: options.ascii, objects };
  const ascii = options.ascii === true;
  const plain = options.plain !== false;
  const maxW = Math.max(4, options.maxColumnWidth ?? 40);
  const tl = buildTimeline(events);
  const col = new Map<number, number>();
  tl.threads.forEach((t, i) => col.set(t.tid, i));
  const widths = tl.threads.map((t) => Math.min(maxW, Math.max(t.name.length, 1)));
  let maxStep = 0;
  for (const r of tl.rows) {
    if (r.step > maxStep) maxStep = r.step;
    if (r.kind !== 'step') continue;
    const c = col.get(r.tid);
    if (c !== undefined) widths[c] = Math.min(maxW, Math.max(widths[c]!, r.fn.length));
  }
  const sw = Math.max(4, String(maxStep).length);
  const gap = '  ';
  const line = (stepCell: string, cells: readonly string[], rest: string): string =>
    [stepCell.padStart(sw), ...cells.map((c, i) => cut(c, widths[i]!, ascii).padEnd(widths[i]!)), rest].join(gap).trimEnd();
  const out: string[] = [];
  out.push(line('step', tl.threads.map((t) => t.name), 'changes'));
  out.push(line('-'.repeat(sw), widths.map((w) => '-'.repeat(w)), '-------'));
  const dot = ascii ? '.' : '·';
  const violationLine = (v: TraceEvent): string => `${'!!'.padStart(sw)}${gap}${v.fn}: ${v.note ?? ''}`.trimEnd();
  for (const r of tl.rows) {
    if (r.kind === 'plain') {
      const e = r.event;
      if (e.kind === 'violation') out.push(violationLine(e));
      else if (plain) out.push(`${dot.padStart(sw)}${gap}${e.thread}: ${formatEffect(e, fmt)}`);
      continue;
    }
    const cells = tl.threads.map((t) => (t.tid === r.tid ? r.fn : ''));
    const changes = r.effects.map((e) => formatEffect(e, fmt));
    if (options.touched === true) {
      const t = touchedList(r, fmt, objects);
      if (t !== '') changes.push(t);
    }
    out.push(line(String(r.step), cells, changes.join(', ')));
    for (const v of r.violations) out.push(violationLine(v));
  }
  return `${out.join('\n')}\n`;
}
