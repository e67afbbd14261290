import { renderDot } from './dot.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMermaid } from './mermaid.js';
import { renderText } from './text.js';
import { renderSvg } from './svg.js';

export { renderDot, quoteDot, type DotOptions, type DotUnixGraph } from './dot.js';
export { escapeHtml, renderHtml, scriptJson, type HtmlOptions } from './html.js';
export { eventToJson, renderJson, TRACE_JSON_FORMAT, TRACE_JSON_VERSION, type JsonValue } from './json.js';
export { escapeMermaid, renderMermaid, type MermaidOptions } from './mermaid.js';
export { renderText, type TextOptions } from './text.js';
export { renderSvg, type SvgInput, type SvgOptions, type SvgSource, type SvgState } from './svg.js';
export { explainViolation, violationOfEvent } from './why.js';
export { formatCount, formatEffect, type FormatOptions } from './format.js';
export { traceKindOf, traceName, traceRootOf } from './names.js';
export { buildTimeline, type Timeline, type TimelinePlain, type TimelineRow, type TimelineStep, type TimelineThread } from './timeline.js';
export {
  ReferenceTracker,
  referencesAt,
  type CountedRefs,
  type FileRefs,
  type LockRefs,
  type ReferenceSnapshot,
  type SlotRefs,
  type TableRefs,
} from './refs.js';

/**
 * The renderers of {@link render}, one per picture.
 *
 * @example
 * ```ts
 * import { render, type Renderers } from 'fdlab';
 * const r: Renderers = render;
 * ```
 */
export interface Renderers {
  /** A text timeline, one column per thread: {@link renderText}. */
  readonly text: typeof renderText;
  /** A Mermaid sequence diagram: {@link renderMermaid}. */
  readonly mermaid: typeof renderMermaid;
  /** A Graphviz graph of who holds which reference at a step: {@link renderDot}. */
  readonly dot: typeof renderDot;
  /** Stable JSON of the events: {@link renderJson}. */
  readonly json: typeof renderJson;
  /** A self-contained HTML page stepping through the trace: {@link renderHtml}. */
  readonly html: typeof renderHtml;
  /** The three-table picture (fd tables → struct files → inodes and mounts) of a kernel, a snapshot or a trace: {@link renderSvg}. */
  readonly svg: typeof renderSvg;
}

/**
 * The trace renderers by picture name: `render.text(events)`, `render.mermaid(events)`,
 * `render.dot(events, { atStep })`, `render.json(events, meta)`, `render.html(events, opts)`.
 *
 * @example
 * ```ts
 * import { Kernel, render } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * k.spawnProcess().open('/srv', 0);
 * for (const [name, fn] of Object.entries(render)) console.log(name, fn(k.engine.events).length);
 * ```
 */
export const render: Renderers = {
  text: renderText,
  mermaid: renderMermaid,
  dot: renderDot,
  json: renderJson,
  html: renderHtml,
  svg: renderSvg,
};
