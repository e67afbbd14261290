/// <reference lib="dom" />
// Browser-only test (vitest.browser.config.ts): DOM types for this file; tsconfig.json has none.
import mermaid from 'mermaid';
import { page } from 'vitest/browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { replay, traceLog, type Traceable, type TraceEvent } from '../src/index.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';
import { renderHtml, renderMermaid, renderText } from '../src/trace/index.js';

/** Seed 000: pidfd_getfd() steals a directory fd while getdents() runs without f_pos_lock. */
function seed000() {
  return replay(pidfdGetfdFpos, '0.0.0.0.1', { policy: 'before' });
}

/** Awkward names: every character Mermaid's grammar could read, in objects, notes and labels. */
function awkward(): TraceEvent[] {
  const table: Traceable[] = [
    { simName: (f) => `file#1.${f === 0 ? 'f_count' : 'f_pos'}`, simLabel: () => 'file#1', simKind: () => 'file' },
    { simName: () => 'mnt:/a;b', simKind: () => 'mount' },
  ];
  const raw: Array<Omit<TraceEvent, 'seq'>> = [
    { step: 0, tid: -1, thread: 'setup', kind: 'effect', fn: 'alloc_file', objId: 0, field: 0, gen: 1, before: 0, after: 1, detail: { path: '/a;b#c<d>e&f"g%h:i,j{k}' } },
    { step: 0, tid: -1, thread: 'setup', kind: 'effect', fn: 'mntget', objId: 1, field: 0, before: 0, after: 1 },
    { step: 1, tid: 0, thread: 'P1.T1', kind: 'effect', fn: 'get_file', objId: 0, field: 0, gen: 1, before: 1, after: Infinity },
    { step: 1, tid: 0, thread: 'P1.T1', kind: 'step', fn: 'task_lock: task->files = copy; end', objs: [{ objId: 0, field: 0, write: true, before: 1, after: Infinity }] },
    { step: 2, tid: 1, thread: 'P2.T1', kind: 'violation', fn: 'refcount-saturated', obj: 'file#1', note: 'f_count of file#1 saturated at 1; <br> #x' },
    { step: 2, tid: 1, thread: 'P2.T1', kind: 'step', fn: 'end', objs: [] },
  ];
  return traceLog(
    { objectAt: (id) => table[id] },
    raw.map((e, seq) => ({ seq, ...e })),
  );
}

describe('renderMermaid in a browser', () => {
  beforeAll(() => {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  });

  it('mermaid.parse accepts real and awkward traces', async () => {
    const events = seed000().trace;
    for (const text of [renderMermaid(events, { title: 'seed 000: pidfd_getfd #1' }), renderMermaid(events, { plain: false }), renderMermaid(awkward())]) {
      await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: 'sequence' });
    }
  });

  it('renders with the escaped characters shown as themselves', async () => {
    const { svg } = await mermaid.render('fdlab-awkward', renderMermaid(awkward(), { title: 'a; b#1' }));
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const text = doc.documentElement.textContent ?? '';
    expect(text).toContain('file#1');
    expect(text).toContain('task_lock: task->files = copy; end');
    expect(text).toContain('!! refcount-saturated: f_count of file#1 saturated at 1;');
    expect(text).toContain('a; b#1');
    const actors = new Set(Array.from(doc.querySelectorAll('text.actor, .actor text, text')).map((t) => (t.textContent ?? '').trim()));
    expect(actors).toContain('file#1');
    expect(actors).toContain('mnt:/a;b');
    expect(actors).toContain('P1.T1');
  });
});

describe('renderHtml in a browser', () => {
  it('steps through the timeline with Next, Prev and the arrow keys', async () => {
    await page.viewport(1400, 900);
    const run = seed000();
    const html = renderHtml(run.trace, { title: 'seed 000: pidfd_getfd() vs getdents()', violations: run.violations, schedule: run.schedule });
    const frame = document.createElement('iframe');
    frame.style.width = '1280px';
    frame.style.height = '800px';
    frame.style.border = '0';
    const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
    frame.srcdoc = html;
    document.body.append(frame);
    await loaded;
    const doc = frame.contentDocument!;
    const win = frame.contentWindow! as Window & typeof globalThis;
    const rows = Array.from(doc.querySelectorAll<HTMLTableRowElement>('#steps tbody tr'));
    expect(rows.length).toBeGreaterThan(run.trace.filter((e) => e.kind === 'step').length);
    const current = (): number => rows.findIndex((r) => r.classList.contains('current'));
    const status = (): string => doc.getElementById('status')!.textContent ?? '';
    const panel = (): string => doc.getElementById('refs')!.textContent ?? '';

    // Opens on the first row; the page shows the threads, steps and the violation with its why.
    expect(current()).toBe(0);
    expect(doc.querySelector('h1')!.textContent).toBe('seed 000: pidfd_getfd() vs getdents()');
    const body = doc.body.textContent ?? '';
    expect(body).toContain('P1.T1');
    expect(body).toContain('P2.T1');
    expect(body).toContain('f_pos:read');
    expect(body).toContain('file#1.f_count 1→2');
    expect(doc.querySelector('#violations li')!.textContent).toMatch(/^fpos-race at step \d+, P2\.T1 in f_pos:read: f_pos of file#1 updated by P1\.T1 and P2\.T1 concurrently/);
    expect(doc.querySelector<HTMLButtonElement>('#prev')!.disabled).toBe(true);

    const next = doc.querySelector<HTMLButtonElement>('#next')!;
    next.click();
    expect(current()).toBe(1);
    expect(status()).toMatch(/^row 2 of \d+/);
    doc.querySelector<HTMLButtonElement>('#prev')!.click();
    expect(current()).toBe(0);

    const key = (k: string): void => {
      doc.dispatchEvent(new win.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    };
    key('ArrowRight');
    key('ArrowRight');
    expect(current()).toBe(2);
    key('ArrowLeft');
    expect(current()).toBe(1);

    // The three-table picture follows the current row.
    const picture = (): string => doc.getElementById('picture')!.innerHTML;
    expect(doc.querySelector('#picture svg')).not.toBeNull();
    const early = picture();
    key('End');
    expect(picture()).not.toBe(early);
    expect(picture()).toContain('f_count 2');
    key('Home');
    key('ArrowRight');

    // Walk to the step where P2's fget reference is held by no slot: the side panel says so.
    const steal = rows.findIndex((r) => (r.textContent ?? '').includes('file_ref_get'));
    expect(steal).toBeGreaterThan(0);
    while (current() < steal) next.click();
    expect(status()).toContain('file_ref_get');
    expect(panel()).toContain('unowned refs: 1');
    const fileRow = doc.querySelector('#refs tr[data-file="file#1"]')!;
    expect(fileRow.querySelector('td.count')!.textContent).toBe('2');

    // Clicking the violation jumps to its row; End goes to the last row.
    doc.querySelector<HTMLLIElement>('#violations li')!.click();
    expect(rows[current()]!.classList.contains('violation')).toBe(true);
    expect(panel()).toContain('f_pos_lock of file#1');
    key('End');
    expect(current()).toBe(rows.length - 1);
    expect(next.disabled).toBe(true);
    expect(doc.querySelector('#refs tr[data-file="file#1"] td.count')!.textContent).toBe('2');

    // Back to the race for the picture.
    doc.querySelector<HTMLLIElement>('#violations li')!.click();
    const shot = await page.screenshot({ element: frame, base64: true });
    expect(shot.base64.length).toBeGreaterThan(1000);
    frame.remove();
  });

  it('renders the same text in a browser as in Node', () => {
    // The text picture is built from the same deterministic trace everywhere.
    const a = renderText(seed000().trace);
    expect(renderText(seed000().trace)).toBe(a);
    expect(a).toContain('!!  fpos-race');
  });
});
