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
 * dashed and grey.
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
  for (const f of snap.files) {
    const lines = [f.name];
    if (f.path !== undefined) lines.push(f.path);
    lines.push(`f_count ${formatCount(f.count, options)}`);
    const attrs: string[] = [`shape=${q('ellipse')}`];
    if (f.state === 'freed') lines.push('freed');
    else if (f.state === 'dying') lines.push('__fput');
    if (f.state !== 'open') attrs.push(`style=${q('dashed')}`, `color=${q('grey50')}`, `fontcolor=${q('grey50')}`);
    if (f.unowned > 0 && f.state === 'open') {
      lines.push(`unowned refs: ${f.unowned}`);
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
  out.push('}');
  return `${out.join('\n')}\n`;
}
