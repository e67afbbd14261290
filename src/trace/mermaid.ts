import type { TraceEvent } from '../sim/events.js';
import { formatEffect, type FormatOptions } from './format.js';
import { objectsFor, traceName, traceRootOf } from './names.js';
import { buildTimeline } from './timeline.js';

/**
 * Options of {@link renderMermaid}.
 *
 * @example
 * ```ts
 * import type { MermaidOptions } from 'fdlab';
 * const o: MermaidOptions = { title: 'fdget_pos race', plain: false };
 * ```
 */
export interface MermaidOptions extends FormatOptions {
  /** Draw effects made outside scheduled steps (setup, plain calls) as `-)` arrows; default true. */
  plain?: boolean | undefined;
  /** Diagram title. */
  title?: string | undefined;
}

/**
 * Escapes text for a Mermaid label: characters the sequence-diagram grammar would read
 * (`#`, `;`, `<`, `>`, `&`, `"`, `%`, `:`, `,`) become `#NN;` entity codes, line breaks
 * become spaces.
 *
 * @example
 * ```ts
 * import { escapeMermaid } from 'fdlab';
 * escapeMermaid('file#1; f_count'); // 'file#35;1#59; f_count'
 * ```
 */
export function escapeMermaid(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[#;<>&"%:,{}]/g, (c) => `#${c.charCodeAt(0)};`);
}

/**
 * Renders an event log as a Mermaid `sequenceDiagram`. Participants are the threads and
 * the objects they touched (files, fd tables, mounts, ...; an fd slot or a lock is drawn
 * as the object it belongs to, following `simOwner`); each scheduler step is an
 * arrow from its thread to each object it touched (solid for writes, dashed for
 * reads), labelled with the step number, the kernel function and the count changes on
 * that object; violations are `Note over` lines.
 *
 * @example
 * ```ts
 * import { Kernel, O_DIRECTORY, runEngine, renderMermaid } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p1 = k.spawnProcess();
 * const fd = p1.open('/srv', O_DIRECTORY);
 * p1.thread(function* (sys) { yield* sys.getdents(fd, 2); });
 * runEngine(k.engine, { kind: 'round-robin' });
 * const text = renderMermaid(k.engine.events, { title: 'getdents' }); // starts with 'sequenceDiagram'
 * ```
 */
export function renderMermaid(events: readonly TraceEvent[], options: MermaidOptions = {}): string {
  const plain = options.plain !== false;
  const objects = objectsFor(events, options.objects);
  const fmt: FormatOptions = { ascii: options.ascii, objects };
  const tl = buildTimeline(events);
  // Participant of object `id` (generation `gen`): the object it belongs to, keyed by its
  // rendered name, so that a step's touched locations (which carry no generation) and its
  // effects on the current incarnation meet in one participant. Each object's own name is
  // an alias, so a violation naming it finds it.
  const aliases = new Map<string, string>();
  const participant = (id: number, gen: number | undefined): string => {
    const root = traceRootOf(objects, id);
    const name = traceName(objects, root, undefined, root === id ? gen : undefined);
    const own = traceName(objects, id, undefined, gen);
    if (!aliases.has(own)) aliases.set(own, name);
    return name;
  };
  const body: string[] = [];
  const threadIds = new Map<string, string>();
  const objectIds = new Map<string, string>();
  let usesSetup = false;
  for (const t of tl.threads) threadIds.set(t.name, `T${t.tid}`);
  const threadId = (e: { tid: number; thread: string }): string => {
    if (e.tid < 0) {
      usesSetup = true;
      return 'S';
    }
    let id = threadIds.get(e.thread);
    if (id === undefined) threadIds.set(e.thread, (id = `T${e.tid}`));
    return id;
  };
  const objectId = (name: string): string => {
    let id = objectIds.get(name);
    if (id === undefined) objectIds.set(name, (id = `O${objectIds.size}`));
    return id;
  };
  const note = (v: TraceEvent): void => {
    const t = threadId(v);
    const o = v.obj !== undefined && v.obj !== '' ? objectIds.get(aliases.get(v.obj) ?? v.obj) : undefined;
    const over = o !== undefined && o !== t ? `${t},${o}` : t;
    body.push(`  Note over ${over}: ${escapeMermaid(`!! ${v.fn}: ${v.note ?? ''}`.trim())}`);
  };
  for (const r of tl.rows) {
    if (r.kind === 'plain') {
      const e = r.event;
      if (e.kind === 'violation') {
        note(e);
        continue;
      }
      if (!plain) continue;
      const from = threadId(e);
      const to = e.objId !== undefined ? objectId(participant(e.objId, e.gen)) : from;
      body.push(`  ${from}-)${to}: ${escapeMermaid(formatEffect(e, fmt))}`);
      continue;
    }
    const from = threadId(r);
    // Objects of the step in order: touched locations first, then effect targets.
    const targets = new Map<string, { write: boolean; changes: string[] }>();
    for (const o of r.objs) {
      const name = participant(o.objId, undefined);
      const t = targets.get(name);
      if (t === undefined) targets.set(name, { write: o.write, changes: [] });
      else t.write ||= o.write;
    }
    for (const e of r.effects) {
      const name = e.objId !== undefined ? participant(e.objId, e.gen) : '';
      let t = targets.get(name);
      if (t === undefined) targets.set(name, (t = { write: true, changes: [] }));
      t.changes.push(formatEffect(e, fmt));
    }
    if (targets.size === 0) targets.set('', { write: false, changes: [] });
    for (const [name, t] of targets) {
      const to = name === '' ? from : objectId(name);
      const label = `${r.step} ${r.fn}${t.changes.length > 0 ? ` ${t.changes.join(', ')}` : ''}`;
      body.push(`  ${from}${t.write ? '->>' : '-->>'}${to}: ${escapeMermaid(label)}`);
    }
    for (const v of r.violations) note(v);
  }
  const out = ['sequenceDiagram'];
  if (options.title !== undefined && options.title !== '') out.push(`  title ${escapeMermaid(options.title)}`);
  if (usesSetup) out.push('  participant S as setup');
  for (const [name, id] of [...threadIds].sort((a, b) => Number(a[1].slice(1)) - Number(b[1].slice(1)))) {
    out.push(`  participant ${id} as ${escapeMermaid(name)}`);
  }
  for (const [name, id] of objectIds) out.push(`  participant ${id} as ${escapeMermaid(name)}`);
  out.push(...body);
  return `${out.join('\n')}\n`;
}
