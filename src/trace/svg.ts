import type { TraceEvent } from '../sim/events.js';
import { formatCount, type FormatOptions } from './format.js';
import { escapeHtml } from './html.js';
import { referencesAt, type ReferenceSnapshot } from './refs.js';

/**
 * The state a three-table picture needs, as `kernel.snapshot()` returns it (only these
 * fields are read).
 *
 * @example
 * ```ts
 * import { Kernel, type SvgState } from 'fdlab';
 * const s: SvgState = new Kernel().snapshot();
 * ```
 */
export interface SvgState {
  /** fd tables with their used slots. */
  readonly tables: ReadonlyArray<{
    /** Table name, e.g. `P1.files`. */
    readonly name: string;
    /** files_struct count. */
    readonly count: number;
    /** Used slots. */
    readonly slots: ReadonlyArray<{
      /** The fd number. */
      readonly fd: number;
      /** The installed file's name, null when reserved. */
      readonly file: string | null;
    }>;
  }>;
  /** Live files. */
  readonly files: ReadonlyArray<{
    /** File name, e.g. `file#1`. */
    readonly name: string;
    /** f_count, or `'saturated'`. */
    readonly count: number | 'saturated';
    /** f_pos. */
    readonly pos: number;
    /** f_flags. */
    readonly flags: number;
    /** The inode's path. */
    readonly path: string;
  }>;
  /** Mounts with their counts. */
  readonly mounts: ReadonlyArray<{
    /** Mount point. */
    readonly path: string;
    /** mnt_count. */
    readonly count: number;
  }>;
}

/**
 * What {@link renderSvg} draws: a kernel (anything with `snapshot()`), a snapshot, a
 * reference snapshot reconstructed from a trace, or the trace itself.
 *
 * @example
 * ```ts
 * import { Kernel, type SvgInput } from 'fdlab';
 * const inputs: SvgInput[] = [new Kernel(), new Kernel().snapshot(), []];
 * ```
 */
export type SvgInput = SvgState | SvgSource | ReferenceSnapshot | readonly TraceEvent[];

/**
 * Anything that can take a snapshot of its state: a `Kernel`.
 *
 * @example
 * ```ts
 * import { Kernel, type SvgSource } from 'fdlab';
 * const k: SvgSource = new Kernel();
 * ```
 */
export interface SvgSource {
  /** The current state, as `kernel.snapshot()` returns it. */
  snapshot(): SvgState;
}

/**
 * Options of {@link renderSvg}.
 *
 * @example
 * ```ts
 * import type { SvgOptions } from 'fdlab';
 * const o: SvgOptions = { title: 'after fork()', atStep: 12 };
 * ```
 */
export interface SvgOptions extends FormatOptions {
  /** A caption above the picture. */
  readonly title?: string;
  /** For a trace: draw the state at the end of this step, highlighting what the step changed (default: the end). */
  readonly atStep?: number;
}

/** One picture's worth of state, whatever the input was. */
interface Model {
  tables: Array<{ name: string; count: number | undefined; slots: Array<{ fd: number; file: string | undefined }> }>;
  files: Array<{ name: string; count: number | 'saturated' | undefined; pos: number | undefined; flags: number | undefined; path: string | undefined; unowned: number; state: string; posLock: string | undefined }>;
  mounts: Array<{ name: string; count: number | undefined }>;
}

function fromState(s: SvgState): Model {
  const slotsOf = new Map<string, number>();
  for (const t of s.tables) for (const sl of t.slots) if (sl.file !== null) slotsOf.set(sl.file, (slotsOf.get(sl.file) ?? 0) + 1);
  return {
    tables: s.tables.map((t) => ({ name: t.name, count: t.count, slots: t.slots.map((sl) => ({ fd: sl.fd, file: sl.file ?? undefined })) })),
    files: s.files.map((f) => ({
      name: f.name, count: f.count, pos: f.pos, flags: f.flags, path: f.path, state: 'open', posLock: undefined,
      unowned: typeof f.count === 'number' ? Math.max(0, f.count - (slotsOf.get(f.name) ?? 0)) : 0,
    })),
    mounts: s.mounts.map((m) => ({ name: `mnt:${m.path}`, count: m.count })),
  };
}

function fromRefs(r: ReferenceSnapshot): Model {
  return {
    tables: r.tables.map((t) => ({ name: t.name, count: t.count, slots: t.slots.map((s) => ({ fd: s.fd, file: s.file })) })),
    files: r.files.filter((f) => f.state !== 'freed').map((f) => ({
      name: f.name, count: f.count, pos: f.pos, flags: undefined, path: f.path, unowned: f.unowned, state: f.state,
      posLock: r.locks.find((l) => l.name === `f_pos_lock of ${f.name}`)?.holder,
    })),
    mounts: r.mounts.map((m) => ({ name: m.name, count: m.count })),
  };
}

function isRefs(x: object): x is ReferenceSnapshot {
  return 'locks' in x && !('processes' in x);
}

function modelOf(input: SvgInput, atStep: number | undefined): { now: Model; before: Model | null } {
  if (Array.isArray(input)) {
    const events = input as readonly TraceEvent[];
    const now = fromRefs(referencesAt(events, atStep));
    const before = atStep !== undefined && atStep > 0 ? fromRefs(referencesAt(events, atStep - 1)) : null;
    return { now, before };
  }
  const x = input as Exclude<SvgInput, readonly TraceEvent[]>;
  if ('snapshot' in x && typeof x.snapshot === 'function') return { now: fromState(x.snapshot()), before: null };
  if (isRefs(x)) return { now: fromRefs(x), before: null };
  return { now: fromState(x as SvgState), before: null };
}

/**
 * The mount a path lives on: the longest mount point that prefixes it. Anonymous inodes
 * (`[pidfd]`, `[eventpoll]`) live on anon_inodefs.
 */
function mountOf(path: string, mounts: readonly string[]): string | undefined {
  if (path.startsWith('[') && mounts.includes('mnt:anon_inode:')) return 'mnt:anon_inode:';
  let best: string | undefined;
  for (const m of mounts) {
    const p = m.slice('mnt:'.length);
    const under = p === '/' ? path.startsWith('/') : path === p || path.startsWith(p.endsWith('/') || p.endsWith(':') ? p : `${p}/`);
    if (under && (best === undefined || p.length > best.length - 'mnt:'.length)) best = m;
  }
  return best;
}

const ROW = 20;
const HEAD = 24;
const GAP = 18;
const COL = [16, 268, 520, 760];
const WIDTH = [180, 180, 170, 150];

/** Monospace 12 px: about 7.3 px per character; longer labels are cut with an ellipsis. */
function fit(text: string, width: number): string {
  const max = Math.floor((width - 16) / 7.3);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Draws the classic three-table picture as an SVG image: each process's fd table, its
 * slots pointing at the open file descriptions (struct file with f_count and f_pos), and
 * those at their inodes and mounts — the figure of every operating-systems course, drawn
 * from the model's real state. From a trace with `atStep`, the counts, slots and edges
 * that step changed are highlighted. Deterministic: the same input gives the same bytes.
 *
 * Models the picture kernel developers draw on the mailing list for `struct files_struct`
 * → `struct file` → `struct inode` / `struct vfsmount`.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR, renderSvg } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * p.dup(p.open('/data/log', O_RDWR));
 * p.fork();
 * const svg = renderSvg(k, { title: 'after dup() and fork()' }); // '<svg xmlns=...'
 * ```
 */
export function renderSvg(input: SvgInput, options: SvgOptions = {}): string {
  const { now, before } = modelOf(input, options.atStep);
  return draw(now, before, options);
}

/**
 * The picture of `now` with what changed since `before` highlighted, for a caller that
 * tracks references incrementally (the HTML page: one picture per step without replaying
 * the trace from the start for each). @internal
 */
export function renderSvgChange(now: ReferenceSnapshot, before: ReferenceSnapshot | null, options: SvgOptions = {}): string {
  return draw(fromRefs(now), before === null ? null : fromRefs(before), options);
}

function draw(now: Model, before: Model | null, options: SvgOptions): string {
  const esc = escapeHtml;
  const changed = new Set<string>();
  if (before !== null) {
    const key = (m: Model) => {
      const out = new Map<string, string>();
      for (const t of m.tables) {
        out.set(t.name, String(t.count));
        for (const s of t.slots) out.set(`${t.name}.fd[${s.fd}]`, String(s.file));
      }
      for (const f of m.files) {
        out.set(`${f.name}.count`, String(f.count));
        out.set(`${f.name}.pos`, String(f.pos));
        out.set(`${f.name}.lock`, String(f.posLock));
      }
      for (const mt of m.mounts) out.set(mt.name, String(mt.count));
      return out;
    };
    const a = key(before);
    const b = key(now);
    for (const [k, v] of b) if (a.get(k) !== v) changed.add(k);
    for (const k of a.keys()) if (!b.has(k)) changed.add(k);
  }

  // Order files by their first slot, inodes by their first file, so edges rarely cross.
  const fileOrder: string[] = [];
  for (const t of now.tables) for (const s of t.slots) if (s.file !== undefined && !fileOrder.includes(s.file)) fileOrder.push(s.file);
  for (const f of now.files) if (!fileOrder.includes(f.name)) fileOrder.push(f.name);
  const files = fileOrder.map((n) => now.files.find((f) => f.name === n)).filter((f): f is Model['files'][number] => f !== undefined);
  const paths: string[] = [];
  for (const f of files) if (f.path !== undefined && !paths.includes(f.path)) paths.push(f.path);
  const mountNames = now.mounts.map((m) => m.name);
  const mounts = now.mounts.filter((m) => paths.some((p) => mountOf(p, mountNames) === m.name) || m.count !== 0);

  const top = options.title !== undefined ? 44 : 16;
  const parts: string[] = [];
  const boxes = new Map<string, Box>();
  const stack = (col: number, h: number, y: { v: number }): Box => {
    const b = { x: COL[col]!, y: y.v, w: WIDTH[col]!, h };
    y.v += h + GAP;
    return b;
  };
  const heading = (col: number, text: string) => parts.push(`<text class="col" x="${COL[col]}" y="${top - 2}">${esc(text)}</text>`);
  const count = (c: number | 'saturated' | undefined) => (c === undefined ? '?' : c === 'saturated' ? formatCount(Infinity, options) : String(c));

  heading(0, 'fd tables (files_struct)');
  heading(1, 'open files (struct file)');
  heading(2, 'inodes');
  heading(3, 'mounts');
  const y0 = { v: top + 12 };
  for (const t of now.tables) {
    const b = stack(0, HEAD + Math.max(1, t.slots.length) * ROW, y0);
    boxes.set(t.name, b);
    const hl = changed.has(t.name) ? ' changed' : '';
    parts.push(`<g class="table"><rect class="box${hl}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/>`);
    const countText = t.count === undefined ? '' : ` count ${t.count}`;
    parts.push(`<text class="head" x="${b.x + 8}" y="${b.y + 16}">${esc(fit(t.name, b.w - countText.length * 7.3))}${countText === '' ? '' : `<tspan class="n">${countText}</tspan>`}</text>`);
    if (t.slots.length === 0) parts.push(`<text class="slot empty" x="${b.x + 8}" y="${b.y + HEAD + 14}">no open fds</text>`);
    t.slots.forEach((s, i) => {
      const sy = b.y + HEAD + i * ROW;
      const name = `${t.name}.fd[${s.fd}]`;
      boxes.set(name, { x: b.x, y: sy, w: b.w, h: ROW });
      parts.push(`<rect class="row${changed.has(name) ? ' changed' : ''}" x="${b.x + 1}" y="${sy}" width="${b.w - 2}" height="${ROW}"/>`);
      parts.push(`<text class="slot" x="${b.x + 8}" y="${sy + 14}">fd ${s.fd}<tspan class="n"> ${s.file === undefined ? 'reserved' : '●'}</tspan></text>`);
    });
    parts.push('</g>');
  }
  const y1 = { v: top + 12 };
  for (const f of files) {
    const lines = [`f_count ${count(f.count)}`, `f_pos ${f.pos ?? '?'}`];
    if (f.flags !== undefined) lines.push(`f_flags 0${f.flags.toString(8)}`);
    if (f.unowned > 0) lines.push(`+${f.unowned} held in the kernel`);
    if (f.posLock !== undefined) lines.push(`f_pos_lock: ${f.posLock}`);
    if (f.state === 'dying') lines.push('in __fput()');
    const b = stack(1, HEAD + lines.length * 16 + 6, y1);
    boxes.set(f.name, b);
    const hl = changed.has(`${f.name}.count`) || changed.has(`${f.name}.pos`) || changed.has(`${f.name}.lock`) ? ' changed' : '';
    parts.push(`<g class="file"><rect class="box${hl}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/>`);
    parts.push(`<text class="head" x="${b.x + 8}" y="${b.y + 16}">${esc(fit(f.name, b.w))}</text>`);
    lines.forEach((l, i) => {
      const c = (i === 0 && changed.has(`${f.name}.count`)) || (i === 1 && changed.has(`${f.name}.pos`)) || (l.startsWith('f_pos_lock') && changed.has(`${f.name}.lock`)) ? ' changed' : '';
      parts.push(`<text class="field${c}" x="${b.x + 8}" y="${b.y + HEAD + 12 + i * 16}">${esc(fit(l, b.w))}</text>`);
    });
    parts.push('</g>');
  }
  const y2 = { v: top + 12 };
  for (const p of paths) {
    const b = stack(2, 30, y2);
    boxes.set(`inode:${p}`, b);
    parts.push(`<g class="inode"><rect class="box" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/><text class="head" x="${b.x + 8}" y="${b.y + 19}">${esc(fit(p, b.w))}<title>${esc(p)}</title></text></g>`);
  }
  const y3 = { v: top + 12 };
  for (const m of mounts) {
    const b = stack(3, 30, y3);
    boxes.set(m.name, b);
    const hl = changed.has(m.name) ? ' changed' : '';
    parts.push(`<g class="mount"><rect class="box${hl}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/><text class="head" x="${b.x + 8}" y="${b.y + 19}">${esc(fit(m.name, b.w - 7.3 * (count(m.count).length + 1)))}<tspan class="n"> ${count(m.count)}</tspan></text></g>`);
  }

  const edges: string[] = [];
  const edge = (from: Box, to: Box, fromY: number, hl: boolean) => {
    const x1 = from.x + from.w;
    const x2 = to.x;
    const y2 = to.y + Math.min(to.h / 2, 16);
    const mx = (x1 + x2) / 2;
    edges.push(`<path class="edge${hl ? ' changed' : ''}" d="M${x1},${fromY} C${mx},${fromY} ${mx},${y2} ${x2 - 2},${y2}" marker-end="url(#${hl ? 'hot' : 'arrow'})"/>`);
  };
  for (const t of now.tables) {
    for (const s of t.slots) {
      if (s.file === undefined) continue;
      const from = boxes.get(`${t.name}.fd[${s.fd}]`);
      const to = boxes.get(s.file);
      if (from !== undefined && to !== undefined) edge(from, to, from.y + ROW / 2, changed.has(`${t.name}.fd[${s.fd}]`));
    }
  }
  for (const f of files) {
    const from = boxes.get(f.name);
    const to = f.path === undefined ? undefined : boxes.get(`inode:${f.path}`);
    if (from !== undefined && to !== undefined) edge(from, to, from.y + 16, false);
  }
  for (const p of paths) {
    const m = mountOf(p, mountNames);
    const from = boxes.get(`inode:${p}`);
    const to = m === undefined ? undefined : boxes.get(m);
    if (from !== undefined && to !== undefined) edge(from, to, from.y + 15, false);
  }

  const height = Math.max(y0.v, y1.v, y2.v, y3.v, top + 60) + 4;
  const width = COL[3]! + WIDTH[3]! + 16;
  const title = options.title !== undefined ? `<text class="title" x="16" y="22">${esc(options.title)}</text>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="ui-monospace, SFMono-Regular, Menlo, monospace" font-size="12">`,
    `<title>${esc(options.title ?? 'fd tables, open files, inodes and mounts')}</title>`,
    '<style>.box{fill:#f8f9fb;stroke:#57606a}.row{fill:#ffffff;stroke:#d0d7de}.box.changed,.row.changed{stroke:#d9480f;stroke-width:2}',
    'text.changed,tspan.changed{fill:#d9480f;font-weight:bold}.head{font-weight:bold;fill:#1f2328}.n,.field,.slot{fill:#1f2328}.empty{fill:#8c959f}',
    '.col{fill:#57606a;font-size:11px}.title{font-size:14px;font-weight:bold;fill:#1f2328}.edge{fill:none;stroke:#57606a}.edge.changed{stroke:#d9480f}</style>',
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#57606a"/></marker>',
    '<marker id="hot" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#d9480f"/></marker></defs>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    title,
    ...parts,
    ...edges,
    '</svg>',
    '',
  ].join('\n');
}
