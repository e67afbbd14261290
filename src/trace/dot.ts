import type { TraceEvent } from '../sim/events.js';
import { formatCount, type FormatOptions } from './format.js';
import { referencesAt } from './refs.js';

/**
 * Options of {@link renderDot}.
 *
 * @example
 * ```ts
 * import type { DotOptions } from 'fdlab';
 * const o: DotOptions = { atStep: 12, mounts: true };
 * ```
 */
export interface DotOptions extends FormatOptions {
  /** Draw the references as they stood after this scheduler step (default: the end of the trace). */
  atStep?: number | undefined;
  /** Also draw mounts with their counts (default false). */
  mounts?: boolean | undefined;
  /** Graph label (default `references at step N` or `references at the end`). */
  title?: string | undefined;
  /**
   * AF_UNIX sockets to draw over the references: each socket beside its file, an edge per
   * in-flight copy from the socket to the socket whose queue holds it, and the components
   * the collector found as clusters (red for the ones it freed). Take it from the live
   * kernel with `UnixGc.graph(kernel)`; it describes that moment, not `atStep`.
   */
  unix?: DotUnixGraph | undefined;
}

/**
 * The AF_UNIX in-flight graph as plain data, for {@link renderDot} (`UnixGc.graph(k)`
 * builds it).
 *
 * @example
 * ```ts
 * import type { DotUnixGraph } from 'fdlab';
 * const g: DotUnixGraph = {
 *   sockets: [{ name: 'unix#1', file: 'file#3', inflight: 1, dead: false }],
 *   edges: [{ from: 'unix#1', to: 'unix#1', skb: 'skb#1' }],
 *   held: [{ skb: 'skb#1', on: 'unix#1', file: 'file#3' }],
 *   components: [['unix#1']],
 *   collected: [],
 * };
 * ```
 */
export interface DotUnixGraph {
  /** Every socket. */
  readonly sockets: ReadonlyArray<{
    /** The socket's name, e.g. `unix#1`. */
    readonly name: string;
    /** Its file's name (none for an embryo or a released socket). */
    readonly file?: string | undefined;
    /** In-flight copies of its file. */
    readonly inflight: number;
    /** Released. */
    readonly dead: boolean;
    /** An embryo's listener. */
    readonly listener?: string | undefined;
  }>;
  /** One per in-flight copy of a socket. */
  readonly edges: ReadonlyArray<{
    /** The socket whose file is in flight. */
    readonly from: string;
    /** The socket whose queue holds the message. */
    readonly to: string;
    /** The message, e.g. `skb#3`. */
    readonly skb: string;
  }>;
  /** Every file reference a queued message holds (any file type). */
  readonly held: ReadonlyArray<{
    /** The message. */
    readonly skb: string;
    /** The socket whose queue it is on. */
    readonly on: string;
    /** The file's name. */
    readonly file: string;
  }>;
  /** Strongly connected components of the in-flight graph (or the last collector run's). */
  readonly components: ReadonlyArray<readonly string[]>;
  /** Sockets the last collector run freed. */
  readonly collected: readonly string[];
}

function renderUnix(g: DotUnixGraph, out: string[]): void {
  const q = quoteDot;
  const collected = new Set(g.collected);
  const inComponent = new Set<string>();
  g.components.forEach((c, i) => {
    const dead = c.every((n) => collected.has(n));
    out.push(`  subgraph ${q(`cluster_unix_${i}`)} {`);
    out.push(`    label=${q(dead ? 'component (collected)' : 'component')};`);
    out.push(`    style=${q('dashed')};`);
    out.push(`    color=${q(dead ? 'red' : 'blue')};`);
    for (const n of c) {
      inComponent.add(n);
      out.push(`    ${q(`sock:${n}`)};`);
    }
    out.push('  }');
  });
  for (const s of g.sockets) {
    const lines = [s.name];
    if (s.inflight > 0) lines.push(`in flight: ${s.inflight}`);
    if (s.listener !== undefined) lines.push(`embryo of ${s.listener}`);
    if (s.dead) lines.push('released');
    const attrs = [`shape=${q('component')}`];
    if (s.dead) attrs.push(`style=${q('dashed')}`, `color=${q('grey50')}`, `fontcolor=${q('grey50')}`);
    if (collected.has(s.name)) attrs.push(`color=${q('red')}`);
    out.push(`  ${q(`sock:${s.name}`)} [label=${q(lines.join('\n'))}, ${attrs.join(', ')}];`);
    if (s.file !== undefined) out.push(`  ${q(s.file)} -> ${q(`sock:${s.name}`)} [style=${q('dotted')}, arrowhead=${q('none')}, label=${q('private_data')}];`);
    if (s.listener !== undefined) out.push(`  ${q(`sock:${s.listener}`)} -> ${q(`sock:${s.name}`)} [style=${q('dotted')}, label=${q('accept queue')}];`);
  }
  const skbs = new Set<string>();
  for (const h of g.held) {
    if (!skbs.has(h.skb)) {
      skbs.add(h.skb);
      out.push(`  ${q(h.skb)} [label=${q(`${h.skb}\non ${h.on}`)}, shape=${q('note')}];`);
      out.push(`  ${q(`sock:${h.on}`)} -> ${q(h.skb)} [style=${q('dotted')}, label=${q('sk_receive_queue')}];`);
    }
    out.push(`  ${q(h.skb)} -> ${q(h.file)} [label=${q('SCM_RIGHTS')}];`);
  }
  for (const e of g.edges) out.push(`  ${q(`sock:${e.from}`)} -> ${q(`sock:${e.to}`)} [color=${q('purple')}, label=${q(`in flight (${e.skb})`)}];`);
}

/**
 * Quotes a string as a DOT id: `"..."` with `"` and `\` escaped and line breaks as `\n`.
 *
 * @example
 * ```ts
 * import { quoteDot } from 'fdlab';
 * quoteDot('P1.files.fd[3]'); // '"P1.files.fd[3]"'
 * ```
 */
export function quoteDot(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * Renders a Graphviz digraph of who holds references to which file after step `atStep`
 * (default: the end): one cluster per fd table with a box per used slot, an edge from
 * each slot to the file it holds, each file with its f_count. A file whose count exceeds
 * its visible holders is marked `unowned refs: n` (references held by threads or kernel
 * objects, or leaked); a file with more slots than references `slots without refs: n`
 * (a use-after-free waiting to happen); `__fput` in progress and freed files are drawn
 * dashed and grey. With `unix`, AF_UNIX sockets, their in-flight edges and the
 * collector's components are drawn too.
 *
 * @example
 * ```ts
 * import { Kernel, renderDot } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p = k.spawnProcess();
 * p.dup(p.open('/srv', 0));
 * const dot = renderDot(k.engine.events); // 'digraph "fdlab" { ... }' — feed it to `dot -Tsvg`
 * ```
 */
export function renderDot(events: readonly TraceEvent[], options: DotOptions = {}): string {
  const snap = referencesAt(events, options.atStep, options.objects);
  const q = quoteDot;
  const title = options.title ?? (options.atStep === undefined ? 'references at the end' : `references at step ${options.atStep}`);
  const out: string[] = [];
  out.push(`digraph ${q('fdlab')} {`);
  out.push(`  graph [rankdir=${q('LR')}, label=${q(title)}, labelloc=${q('t')}, fontname=${q('monospace')}];`);
  out.push(`  node [fontname=${q('monospace')}, fontsize=${q('10')}];`);
  out.push(`  edge [fontname=${q('monospace')}, fontsize=${q('9')}];`);
  snap.tables.forEach((t, i) => {
    const label = t.count === undefined ? t.name : `${t.name} (count ${formatCount(t.count, options)})`;
    out.push(`  subgraph ${q(`cluster_${i}`)} {`);
    out.push(`    label=${q(label)};`);
    out.push(`    style=${q('rounded')};`);
    if (t.slots.length === 0) out.push(`    ${q(`${t.name}:empty`)} [label=${q('no open fds')}, shape=${q('plaintext')}];`);
    for (const s of t.slots) {
      const id = s.name;
      if (s.file === undefined) out.push(`    ${q(id)} [label=${q(`fd ${s.fd}\nreserved`)}, shape=${q('box')}, style=${q('dashed')}];`);
      else out.push(`    ${q(id)} [label=${q(`fd ${s.fd}`)}, shape=${q('box')}];`);
    }
    out.push('  }');
  });
  const inFlight = new Map<string, number>();
  for (const h of options.unix?.held ?? []) inFlight.set(h.file, (inFlight.get(h.file) ?? 0) + 1);
  for (const f of snap.files) {
    const lines = [f.name];
    // References held by queued AF_UNIX messages have an owner: the message.
    const unowned = f.unowned - (inFlight.get(f.name) ?? 0);
    if (f.path !== undefined) lines.push(f.path);
    lines.push(`f_count ${formatCount(f.count, options)}`);
    const attrs: string[] = [`shape=${q('ellipse')}`];
    if (f.state === 'freed') lines.push('freed');
    else if (f.state === 'dying') lines.push('__fput');
    if (f.state !== 'open') attrs.push(`style=${q('dashed')}`, `color=${q('grey50')}`, `fontcolor=${q('grey50')}`);
    if (unowned > 0 && f.state === 'open') {
      lines.push(`unowned refs: ${unowned}`);
      attrs.push(`color=${q('darkorange')}`, `penwidth=${q('2')}`);
    }
    if (f.missing > 0) {
      lines.push(`slots without refs: ${f.missing}`);
      attrs.push(`color=${q('red')}`, `penwidth=${q('2')}`);
    }
    out.push(`  ${q(f.name)} [label=${q(lines.join('\n'))}, ${attrs.join(', ')}];`);
  }
  for (const t of snap.tables) {
    for (const s of t.slots) {
      if (s.file !== undefined) out.push(`  ${q(s.name)} -> ${q(s.file)};`);
    }
  }
  if (options.mounts === true) {
    for (const m of snap.mounts) {
      out.push(`  ${q(m.name)} [label=${q(`${m.name}\nmnt_count ${formatCount(m.count, options)}`)}, shape=${q('folder')}];`);
    }
  }
  for (const l of snap.locks) {
    out.push(`  ${q(`lock:${l.name}`)} [label=${q(`${l.name}\nheld by ${l.holder}`)}, shape=${q('note')}];`);
    if (l.file !== undefined) out.push(`  ${q(`lock:${l.name}`)} -> ${q(l.file)} [style=${q('dotted')}, arrowhead=${q('none')}];`);
  }
  if (options.unix !== undefined) renderUnix(options.unix, out);
  out.push('}');
  return `${out.join('\n')}\n`;
}
