/*
 * render.svg: the three-table picture (fd tables → struct files → inodes → mounts) of a
 * kernel, a snapshot or a trace at a step. The layout is checked in a browser by
 * test/svg.browser.test.ts; here: what it draws and what it highlights. The README's
 * picture (docs/images/seed-000.svg) must be what the renderer draws today; regenerate it
 * with `UPDATE_PICTURES=1 npx vitest run test/svg.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore, O_DIRECTORY, O_RDWR, render, renderSvg } from '../src/index.js';
import { referencesAt } from '../src/extend.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';
import { newKernel } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');

/** The text nodes of an SVG, in order. */
const texts = (svg: string) => [...svg.matchAll(/>([^<>]+)</g)].map((m) => m[1]!.trim()).filter(Boolean);

describe('render.svg', () => {
  it('draws every table, slot, file, inode and mount of a kernel, with one edge per reference', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.dup(fd);
    p.open('/srv', O_DIRECTORY);
    p.fork();
    const svg = render.svg(k, { title: 'after open, dup, open and fork' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const t = texts(svg);
    for (const s of ['P1.files', 'P2.files', 'file#1', 'file#2', 'f_count 4', 'f_count 2', '/data/log', '/srv', 'mnt:/']) expect(t.join('\n')).toContain(s);
    // 6 slots → files, 2 files → inodes, 2 inodes → the root mount.
    expect(svg.match(/<path class="edge/g)).toHaveLength(10);
    expect(svg).not.toMatch(/class="[^"]*changed/);
    expect(renderSvg(k.snapshot(), { title: 'after open, dup, open and fork' })).toBe(svg);
  });

  it('a trace at a step highlights what that step changed: the stolen reference lands', () => {
    const v = explore(pidfdGetfdFpos, { policy: 'before' }).violations[0]!;
    const install = v.trace.find((e) => e.kind === 'step' && e.fn === 'fd_install(get_file)')!.step;
    const svg = render.svg(v.trace, { atStep: install });
    expect(svg).toContain('<text class="field changed" x="276" y="64">f_count 3</text>');
    expect(svg.match(/<path class="edge changed"/g)).toHaveLength(1); // P2's new fd 1 → file#1
    expect(svg.match(/<rect class="row changed"/g)).toHaveLength(1);
    const lock = render.svg(v.trace, { atStep: install + 5 });
    expect(texts(lock)).toContain('f_pos_lock: P2.T1');
    // The reference snapshot itself draws the same picture, without highlights.
    expect(render.svg(referencesAt(v.trace, install))).toBe(render.svg(v.trace, { atStep: install }).replace(/ changed/g, '').replace(/url\(#hot\)/g, 'url(#arrow)'));
  });

  it('escapes names and is deterministic', () => {
    const k = newKernel();
    k.vfs.writeFile('/tmp/<a&b>', 'x');
    k.spawnProcess().open('/tmp/<a&b>', 0);
    const svg = render.svg(k, { title: '"<title>"' });
    expect(svg).toContain('/tmp/&lt;a&amp;b&gt;');
    expect(svg).toContain('&quot;&lt;title&gt;&quot;');
    expect(render.svg(k, { title: '"<title>"' })).toBe(svg);
  });

  it('the README picture is what the renderer draws for seed 000 at the race', () => {
    const v = explore(pidfdGetfdFpos, { policy: 'before' }).violations[0]!;
    const svg = render.svg(v.trace, { title: `seed 000 at step ${v.step}: P1 skipped f_pos_lock, P2 holds it, both update f_pos`, atStep: v.step });
    const file = join(ROOT, 'docs/images/seed-000.svg');
    if (process.env['UPDATE_PICTURES'] === '1') writeFileSync(file, svg);
    expect(readFileSync(file, 'utf8')).toBe(svg);
  });
});
