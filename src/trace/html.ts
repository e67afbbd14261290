import type { TraceEvent } from '../sim/events.js';
import type { Violation } from '../sim/violation.js';
import { formatCount, formatEffect, type FormatOptions } from './format.js';
import { eventToJson, type JsonValue } from './json.js';
import { objectsFor } from './names.js';
import { ReferenceTracker, type ReferenceSnapshot } from './refs.js';
import { renderSvgChange } from './svg.js';
import { buildTimeline } from './timeline.js';
import { explainViolation, violationOfEvent } from './why.js';

/**
 * Options of {@link renderHtml}.
 *
 * @example
 * ```ts
 * import type { HtmlOptions } from 'fdlab';
 * const o: HtmlOptions = { title: 'fdget_pos race', schedule: '0.1.0.1' };
 * ```
 */
export interface HtmlOptions extends FormatOptions {
  /** Page title (default `fdlab trace`). */
  title?: string | undefined;
  /** Violations to list at the top with their why-lines (default: those recorded in the events). */
  violations?: readonly Violation[] | undefined;
  /** The schedule that produced the trace, shown under the title (`'0.1.0'` or `[0, 1, 0]`). */
  schedule?: string | readonly number[] | undefined;
  /**
   * Draw the three-table picture ({@link renderSvg}) of every step in the side panel, with
   * what the step changed highlighted (default true; false keeps the page small for very
   * long traces: the panel then has the reference tables only).
   */
  pictures?: boolean | undefined;
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from 'fdlab';
 * escapeHtml('<file#1 & "x">'); // '&lt;file#1 &amp; &quot;x&quot;&gt;'
 * ```
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/**
 * Serialises a value as JSON that is safe inside a `<script>` element: `<`, `>`, `&`
 * and the line separators U+2028/U+2029 are written as `\uXXXX` escapes, so no
 * `</script>` or `<!--` can appear in the text.
 *
 * @example
 * ```ts
 * import { scriptJson } from 'fdlab';
 * scriptJson({ note: '</script>' }); // '{"note":"\\u003c/script\\u003e"}'
 * ```
 */
export function scriptJson(v: JsonValue): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const CSS = `
:root { color-scheme: light; --fg: #1d1f21; --muted: #6a737d; --line: #d0d7de; --cur: #fff3b0; --bad: #b3261e; --badbg: #fdecea; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
header { padding: 12px 16px 4px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 8px 0 4px; }
h3 { font-size: 13px; margin: 10px 0 4px; }
code, table.steps, .panel table, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.schedule { color: var(--muted); margin: 0 0 6px; }
#violations ul { margin: 4px 0 8px; padding-left: 20px; }
#violations li { color: var(--bad); cursor: pointer; margin-bottom: 4px; }
#violations li details { color: var(--fg); cursor: auto; }
#violations .ok { color: #1a7f37; }
nav { display: flex; gap: 6px; align-items: center; padding: 8px 16px; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: #fff; z-index: 2; }
nav button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
nav button:disabled { opacity: .45; cursor: default; }
#status { color: var(--muted); margin-left: 8px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 0; }
.timeline { overflow: auto; max-height: calc(100vh - 60px); padding: 0 8px 16px 16px; }
table.steps { border-collapse: collapse; width: 100%; }
table.steps th { position: sticky; top: 0; background: #fff; text-align: left; border-bottom: 2px solid var(--line); padding: 4px 8px; white-space: nowrap; }
table.steps td { border-bottom: 1px solid #eef0f2; padding: 2px 8px; vertical-align: top; }
table.steps td.n { text-align: right; color: var(--muted); white-space: nowrap; }
table.steps td.fn { font-weight: 600; white-space: nowrap; }
table.steps td.changes div { white-space: nowrap; }
table.steps tr { cursor: pointer; }
table.steps tr.plain td { color: var(--muted); }
table.steps tr.violation td { color: var(--bad); background: var(--badbg); font-weight: 600; }
table.steps tr.current td { background: var(--cur); }
table.steps tr.violation.current td { background: #ffd8a8; }
.panel { border-left: 1px solid var(--line); background: var(--panel); padding: 8px 12px 16px; max-height: calc(100vh - 60px); overflow: auto; position: sticky; top: 48px; }
.panel table { border-collapse: collapse; width: 100%; }
.panel th, .panel td { text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--line); vertical-align: top; }
.panel td.count { font-weight: 700; text-align: right; }
.panel tr.dying td, .panel tr.freed td { color: var(--muted); text-decoration: line-through; }
.panel tr.unowned td.count { color: #b35900; }
.panel tr.missing td.count { color: var(--bad); }
.panel ul { margin: 2px 0; padding-left: 18px; }
.panel .empty { color: var(--muted); }
details.picture { margin: 8px 16px 0; }
details.picture summary { color: var(--muted); cursor: pointer; }
details.picture svg { max-width: 100%; height: auto; max-height: 45vh; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
small { color: var(--muted); }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } .panel { position: static; border-left: 0; border-top: 1px solid var(--line); } }
`;

// Plain ES5-style script: no template literals, so it embeds as-is; reads the JSON data block.
const SCRIPT = `
(function () {
  'use strict';
  var dataEl = document.getElementById('fdlab-data');
  var data = JSON.parse(dataEl ? dataEl.textContent || '{}' : '{}');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#steps tbody tr'));
  var panel = document.getElementById('refs');
  var picture = document.getElementById('picture');
  var at = document.getElementById('at');
  var status = document.getElementById('status');
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var first = document.getElementById('first');
  var last = document.getElementById('last');
  var box = document.querySelector('.timeline');
  var thead = document.querySelector('#steps thead');
  var cur = -1;
  // Scrolls the timeline box (not the page) so row r is visible below the sticky header.
  function reveal(r) {
    if (!box || !r.getBoundingClientRect) return;
    var b = box.getBoundingClientRect();
    var rr = r.getBoundingClientRect();
    var head = thead ? thead.getBoundingClientRect().height : 0;
    if (rr.top < b.top + head) box.scrollTop -= b.top + head - rr.top;
    else if (rr.bottom > b.bottom) box.scrollTop += rr.bottom - b.bottom;
  }
  function show(i) {
    if (rows.length === 0) return;
    if (i < 0) i = 0;
    if (i > rows.length - 1) i = rows.length - 1;
    if (cur >= 0 && rows[cur]) { rows[cur].classList.remove('current'); rows[cur].removeAttribute('aria-current'); }
    cur = i;
    var r = rows[i];
    r.classList.add('current');
    r.setAttribute('aria-current', 'step');
    var info = data.rows[i] || { step: 0, panel: 0, label: '' };
    if (panel) panel.innerHTML = data.panels[info.panel] || '';
    if (picture && data.pictures) picture.innerHTML = data.pictures[info.picture] || '';
    if (at) at.textContent = info.label;
    if (status) status.textContent = 'row ' + (i + 1) + ' of ' + rows.length + ' \\u2014 ' + info.label;
    if (prev) prev.disabled = i === 0;
    if (first) first.disabled = i === 0;
    if (next) next.disabled = i === rows.length - 1;
    if (last) last.disabled = i === rows.length - 1;
    reveal(r);
  }
  if (prev) prev.addEventListener('click', function () { show(cur - 1); });
  if (next) next.addEventListener('click', function () { show(cur + 1); });
  if (first) first.addEventListener('click', function () { show(0); });
  if (last) last.addEventListener('click', function () { show(rows.length - 1); });
  rows.forEach(function (r, i) { r.addEventListener('click', function () { show(i); }); });
  Array.prototype.forEach.call(document.querySelectorAll('[data-row]'), function (el) {
    if (el.tagName === 'TR') return;
    el.addEventListener('click', function (ev) {
      if (ev.target && ev.target.closest && ev.target.closest('details')) return;
      show(Number(el.getAttribute('data-row')));
    });
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var k = ev.key;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'j' || k === 'n') { show(cur + 1); ev.preventDefault(); }
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'k' || k === 'p') { show(cur - 1); ev.preventDefault(); }
    else if (k === 'Home') { show(0); ev.preventDefault(); }
    else if (k === 'End') { show(rows.length - 1); ev.preventDefault(); }
  });
  var m = /(?:^|[#&])row=(\\d+)/.exec(location.hash || '');
  show(m ? Number(m[1]) - 1 : 0);
})();
`;

function panelHtml(s: ReferenceSnapshot, opts: FormatOptions): string {
  const h = escapeHtml;
  const out: string[] = ['<h3>Files</h3>'];
  if (s.files.length === 0) out.push('<p class="empty">no files yet</p>');
  else {
    out.push('<table class="files"><thead><tr><th>file</th><th>f_count</th><th>held by</th><th>state</th></tr></thead><tbody>');
    for (const f of s.files) {
      const cls = [f.state, f.unowned > 0 && f.state === 'open' ? 'unowned' : '', f.missing > 0 ? 'missing' : ''].filter((c) => c !== '').join(' ');
      const holders = f.slots.map((x) => `<div>${h(x)}</div>`);
      if (f.unowned > 0 && f.state === 'open') holders.push(`<div><small>unowned refs: ${f.unowned}</small></div>`);
      if (f.missing > 0) holders.push(`<div><small>slots without refs: ${f.missing}</small></div>`);
      const state = f.state + (f.pos !== undefined ? ` · f_pos ${formatCount(f.pos, opts)}` : '');
      out.push(
        `<tr class="${cls}" data-file="${h(f.name)}"><td>${h(f.name)}${f.path !== undefined ? `<br><small>${h(f.path)}</small>` : ''}</td>` +
          `<td class="count">${h(formatCount(f.count, opts))}</td><td>${holders.join('') || '<small>none</small>'}</td><td>${h(state)}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  out.push('<h3>Fd tables</h3>');
  if (s.tables.length === 0) out.push('<p class="empty">none</p>');
  else {
    out.push('<ul>');
    const arrow = opts.ascii === true ? '->' : '→';
    for (const t of s.tables) {
      const slots = t.slots.map((x) => (x.file === undefined ? `fd ${x.fd} reserved` : `fd ${x.fd} ${arrow} ${x.file}`));
      const count = t.count === undefined ? '' : ` <small>(count ${h(formatCount(t.count, opts))})</small>`;
      out.push(`<li><b>${h(t.name)}</b>${count}: ${slots.length === 0 ? '<small>no open fds</small>' : h(slots.join(', '))}</li>`);
    }
    out.push('</ul>');
  }
  if (s.locks.length > 0) {
    out.push('<h3>Locks held</h3><ul>');
    for (const l of s.locks) out.push(`<li>${h(l.name)} <small>by</small> ${h(l.holder)}</li>`);
    out.push('</ul>');
  }
  if (s.mounts.length > 0) {
    out.push('<h3>Mounts</h3><ul>');
    for (const m of s.mounts) out.push(`<li>${h(m.name)} <small>count</small> ${h(formatCount(m.count, opts))}</li>`);
    out.push('</ul>');
  }
  return out.join('');
}

interface Row {
  readonly cls: string;
  readonly cells: string;
  readonly step: number;
  readonly label: string;
  readonly panel: number;
  /** The picture of the state after the row, with what the row changed highlighted; -1 without pictures. */
  readonly picture: number;
}


/**
 * Renders an event log as a self-contained HTML page (inline CSS and JS, no network, no
 * external files): the violations with their why-lines at the top, the text timeline as
 * a table with one column per thread, and a side panel with the reference counts of
 * every file, the fd tables and the held locks at the current row. Prev / Next buttons,
 * the arrow keys (also j/k, Home/End) and clicks move the current row; `#row=N` in the
 * URL opens row N. The events are embedded as JSON in a
 * `<script type="application/json" id="fdlab-data">` element.
 *
 * @example
 * ```ts
 * import { Kernel, O_DIRECTORY, runEngine, renderHtml } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p1 = k.spawnProcess();
 * const fd = p1.open('/srv', O_DIRECTORY);
 * p1.thread(function* (sys) { yield* sys.getdents(fd, 2); });
 * runEngine(k.engine, { kind: 'round-robin' });
 * const page = renderHtml(k.engine.events, { title: 'getdents', violations: k.engine.violations });
 * // write `page` to a .html file and open it in a browser
 * ```
 */
export function renderHtml(events: readonly TraceEvent[], options: HtmlOptions = {}): string {
  const h = escapeHtml;
  const title = options.title ?? 'fdlab trace';
  const objects = objectsFor(events, options.objects);
  const fmt: FormatOptions = { ascii: options.ascii, objects };
  const tl = buildTimeline(events);
  const ncols = tl.threads.length;
  const tracker = new ReferenceTracker(objects);
  const panels: string[] = [];
  const panelIndex = new Map<string, number>();
  let snap = tracker.snapshot();
  const panelOf = (): number => {
    const p = panelHtml(snap, options);
    let i = panelIndex.get(p);
    if (i === undefined) {
      i = panels.length;
      panels.push(p);
      panelIndex.set(p, i);
    }
    return i;
  };
  const rows: Row[] = [];
  const violationRows: Array<{ e: TraceEvent; row: number }> = [];
  const dot = options.ascii === true ? '.' : '·';
  let current = panelOf();
  // One picture per row that changes something, built from the tracker's snapshots before
  // and after the row (no replay of the trace per picture); identical pictures are shared.
  const pictures: string[] = [];
  const pictureIndex = new Map<string, number>();
  let picture = -1;
  const advance = (): void => {
    const before = snap;
    snap = tracker.snapshot();
    current = panelOf();
    if (options.pictures === false) return;
    const svg = renderSvgChange(snap, before, fmt);
    let i = pictureIndex.get(svg);
    if (i === undefined) {
      i = pictures.length;
      pictures.push(svg);
      pictureIndex.set(svg, i);
    }
    picture = i;
  };
  if (options.pictures !== false) advance(); // the picture of the initial state
  const pushViolation = (v: TraceEvent): void => {
    violationRows.push({ e: v, row: rows.length });
    rows.push({
      cls: 'violation',
      cells: `<td class="n">!!</td><td colspan="${ncols + 1}">${h(`${v.fn}: ${v.note ?? ''}`)}</td>`,
      step: v.step,
      label: `${v.fn} at step ${v.step} (${v.thread})`,
      panel: current,
      picture,
    });
  };
  for (const r of tl.rows) {
    if (r.kind === 'plain') {
      const e = r.event;
      if (e.kind === 'violation') {
        pushViolation(e);
        continue;
      }
      tracker.apply(e);
      advance();
      rows.push({
        cls: 'plain',
        cells: `<td class="n">${dot}</td><td colspan="${ncols + 1}">${h(`${e.thread}: ${formatEffect(e, fmt)}`)}</td>`,
        step: e.step,
        label: `after step ${e.step}, ${e.thread}: ${e.fn}`,
        panel: current,
        picture,
      });
      continue;
    }
    for (const e of r.effects) tracker.apply(e);
    advance();
    const cells = tl.threads.map((t) => (t.tid === r.tid ? `<td class="fn">${h(r.fn)}</td>` : '<td></td>')).join('');
    const changes = r.effects.map((e) => `<div>${h(formatEffect(e, fmt))}</div>`).join('');
    rows.push({
      cls: 'step',
      cells: `<td class="n">${r.step}</td>${cells}<td class="changes">${changes}</td>`,
      step: r.step,
      label: `step ${r.step}: ${r.thread} ${r.fn}`,
      panel: current,
      picture,
    });
    for (const v of r.violations) pushViolation(v);
  }

  // Violations at the top: the caller's (with their why and history) or the logged ones.
  const given = options.violations;
  const list: Array<{ v: Violation; row: number | undefined }> = [];
  if (given !== undefined) {
    const used = new Set<number>();
    for (const v of given) {
      const hit = violationRows.find((x) => !used.has(x.row) && x.e.step === v.step && x.e.fn === v.kind && (x.e.note ?? '') === v.message);
      if (hit !== undefined) used.add(hit.row);
      list.push({ v, row: hit?.row });
    }
  } else {
    for (const x of violationRows) list.push({ v: violationOfEvent(x.e), row: x.row });
  }
  const vhtml: string[] = [];
  if (list.length === 0) vhtml.push('<p class="ok">No violations.</p>');
  else {
    vhtml.push(`<h2>Violations (${list.length})</h2><ul>`);
    for (const { v, row } of list) {
      const history = v.history.length > 0 ? `<details><summary>history of ${h(v.object)}</summary><pre>${h(v.history.join('\n'))}</pre></details>` : '';
      vhtml.push(`<li${row === undefined ? '' : ` data-row="${row}"`}><b>${h(v.kind)}</b>${h(explainViolation(v).slice(v.kind.length))}${history}</li>`);
    }
    vhtml.push('</ul>');
  }

  const schedule = options.schedule === undefined ? undefined : typeof options.schedule === 'string' ? options.schedule : options.schedule.join('.');
  const data: { [key: string]: JsonValue } = {
    title,
    threads: tl.threads.map((t) => ({ tid: t.tid, name: t.name })),
    rows: rows.map((r) => ({ step: r.step, kind: r.cls, label: r.label, panel: r.panel, ...(r.picture < 0 ? {} : { picture: r.picture }) })),
    panels,
    ...(options.pictures === false ? {} : { pictures }),
    violations: list.map(({ v, row }) => ({ kind: v.kind, step: v.step, thread: v.thread, object: v.object, message: v.message, why: explainViolation(v), row: row ?? null })),
    events: events.map((e) => eventToJson(e, objects)),
  };
  if (schedule !== undefined) data['schedule'] = schedule;

  const head = `<tr><th>step</th>${tl.threads.map((t) => `<th>${h(t.name)}</th>`).join('')}<th>changes</th></tr>`;
  const body = rows.map((r, i) => `<tr class="${r.cls}" data-i="${i}" data-step="${r.step}">${r.cells}</tr>`).join('\n');
  const endPanel = panels[current] ?? '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fdlab">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
${schedule !== undefined ? `<p class="schedule">schedule: <code>${h(schedule === '' ? '(empty)' : schedule)}</code></p>` : ''}
<section id="violations">${vhtml.join('')}</section>
</header>
<nav aria-label="steps"><button id="first" type="button" title="first row (Home)">&#xAB; First</button><button id="prev" type="button" title="previous row (&#x2190;)">&#x25C0; Prev</button><button id="next" type="button" title="next row (&#x2192;)">Next &#x25B6;</button><button id="last" type="button" title="last row (End)">Last &#xBB;</button><span id="status" aria-live="polite">${rows.length} rows</span></nav>
${options.pictures === false ? '' : `<details class="picture" open><summary>fd tables → open files → inodes → mounts at the current row (what the step changed is highlighted)</summary><div id="picture">${pictures[picture] ?? ''}</div></details>
`}<main>
<div class="timeline"><table class="steps" id="steps"><thead>${head}</thead><tbody>
${body}
</tbody></table></div>
<aside class="panel" aria-label="references"><h2>References at <span id="at">the end</span></h2><div id="refs">${endPanel}</div></aside>
</main>
<script type="application/json" id="fdlab-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
