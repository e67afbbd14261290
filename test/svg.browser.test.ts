/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Browser-only test (vitest.browser.config.ts): the three-table picture laid out by a real
// browser. Every label fits inside its box, every edge starts on a box's right side and ends
// on its target's left side, the highlighted parts are drawn in the highlight colour, and a
// screenshot of it is taken (kept by vitest as an attachment of the run).
import { page } from 'vitest/browser';
import { describe, expect, it } from 'vitest';
import { explore, Kernel, O_DIRECTORY, O_RDWR, render } from '../src/index.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';

function mount(svg: string): SVGSVGElement {
  document.body.innerHTML = `<div id="pic">${svg}</div>`;
  return document.querySelector('#pic svg')!;
}

function checkLayout(root: SVGSVGElement): void {
  const boxes = [...root.querySelectorAll('rect.box')].map((r) => (r as SVGRectElement).getBBox());
  expect(boxes.length).toBeGreaterThan(0);
  // Every label inside a box fits in it.
  for (const g of root.querySelectorAll('g')) {
    const box = (g.querySelector('rect.box') as SVGRectElement).getBBox();
    for (const t of g.querySelectorAll('text')) {
      const b = (t as SVGTextElement).getBBox();
      expect(b.x + b.width, `"${t.textContent}" overflows its box`).toBeLessThanOrEqual(box.x + box.width);
      expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height + 1);
    }
  }
  // Every edge joins the right side of one box to the left side of another.
  const near = (x: number, y: number, side: 'left' | 'right') =>
    boxes.some((b) => Math.abs((side === 'left' ? b.x : b.x + b.width) - x) <= 3 && y >= b.y - 1 && y <= b.y + b.height + 1);
  for (const p of root.querySelectorAll('path.edge')) {
    const path = p as SVGPathElement;
    const a = path.getPointAtLength(0);
    const z = path.getPointAtLength(path.getTotalLength());
    expect(near(a.x, a.y, 'right'), `edge starts at ${a.x},${a.y}`).toBe(true);
    expect(near(z.x, z.y, 'left'), `edge ends at ${z.x},${z.y}`).toBe(true);
  }
  // Boxes of one column do not overlap.
  for (const a of boxes) for (const b of boxes) if (a !== b && a.x === b.x) expect(a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
}

describe('render.svg in a browser', () => {
  it('a kernel after open, dup, open and fork: laid out without overlap, screenshot taken', async () => {
    const k = new Kernel();
    const p = k.spawnProcess();
    p.dup(p.open('/data/log', O_RDWR));
    p.open('/srv', O_DIRECTORY);
    p.fork();
    // A long name must be cut to fit, not overflow its box.
    k.vfs.mkdir('/tmp/a-rather-long-directory-name');
    k.vfs.writeFile('/tmp/a-rather-long-directory-name/and-a-long-file-name.txt', 'x');
    k.spawnProcess({ name: 'a-process-with-a-very-long-name' }).open('/tmp/a-rather-long-directory-name/and-a-long-file-name.txt', 0);
    const root = mount(render.svg(k, { title: 'after open, dup, open and fork' }));
    checkLayout(root);
    expect(root.querySelectorAll('path.edge')).toHaveLength(13);
    const shot = await page.screenshot({ element: root, base64: true });
    expect(shot.base64.length).toBeGreaterThan(1000);
  });

  it('seed 000 at every step: each picture lays out, and the step\'s changes are drawn in the highlight colour', async () => {
    const v = explore(pidfdGetfdFpos, { policy: 'before' }).violations[0]!;
    const last = Math.max(...v.trace.map((e) => e.step));
    for (let step = 1; step <= last; step++) checkLayout(mount(render.svg(v.trace, { atStep: step })));
    const install = v.trace.find((e) => e.kind === 'step' && e.fn === 'fd_install(get_file)')!.step;
    const root = mount(render.svg(v.trace, { atStep: install, title: `seed 000, step ${install}: pidfd_getfd() installs the stolen file` }));
    const hot = root.querySelector('path.edge.changed') as SVGPathElement;
    expect(getComputedStyle(hot).stroke).toBe('rgb(217, 72, 15)');
    expect(getComputedStyle(root.querySelector('text.changed')!).fill).toBe('rgb(217, 72, 15)');
    await page.screenshot({ element: root });
  });
});
