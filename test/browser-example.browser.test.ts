/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Browser-only test (vitest.browser.config.ts) of examples/browser/: the page a student uses
// picks a seed scenario and a kernel, runs the explorer, shows the verdict and steps through
// the violation's trace in the HTML renderer's view. Same app code as the static page; here
// "fdlab" resolves to the sources (scripts/vitest-alias.ts) instead of dist/.
import { page } from 'vitest/browser';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the example is plain JavaScript without declarations
import { mountApp } from '../examples/browser/app.js';

type Run = (scenario: string, policy: string) => Promise<{ runs: number; exhaustive: boolean }>;

describe('examples/browser', () => {
  it('explores seed 000 before the fix, shows the race and steps through its trace', async () => {
    document.body.innerHTML = '<main id="app"></main>';
    const run = mountApp(document.getElementById('app')) as Run;
    expect(document.querySelectorAll('#scenario option').length).toBeGreaterThanOrEqual(6);
    await run('pidfd-getfd-fpos', 'before');
    const verdict = document.getElementById('verdict')!;
    expect(verdict.dataset['verdict']).toBe('violation');
    expect(verdict.textContent).toMatch(/fpos-race found in \d+ runs; minimal schedule 0\.0\.0\.0\.1 \(1 preemption\(s\)\)/);
    const doc = (document.getElementById('trace') as HTMLIFrameElement).contentDocument!;
    const rows = doc.querySelectorAll('#steps tbody tr');
    expect(rows.length).toBeGreaterThan(30);
    expect(doc.getElementById('violations')!.textContent).toContain('fpos-race');
    // Step through: Next moves the cursor and the reference panel follows.
    const status = doc.getElementById('status')!;
    (doc.getElementById('first') as HTMLButtonElement).click();
    const atFirst = status.textContent;
    (doc.getElementById('next') as HTMLButtonElement).click();
    (doc.getElementById('next') as HTMLButtonElement).click();
    expect(status.textContent).not.toBe(atFirst);
    expect(doc.getElementById('at')!.textContent).not.toBe('the end');
    await page.screenshot({ element: document.getElementById('app')! });
  });

  it('the same scenario after the fix: clean in every interleaving', async () => {
    document.body.innerHTML = '<main id="app"></main>';
    const run = mountApp(document.getElementById('app')) as Run;
    const r = await run('pidfd-getfd-fpos', 'after');
    expect(r.exhaustive).toBe(true);
    const verdict = document.getElementById('verdict')!;
    expect(verdict.dataset['verdict']).toBe('clean');
    expect(verdict.textContent).toMatch(/clean in every interleaving \(\d+ runs\)/);
    // The form drives the same function.
    (document.getElementById('policy') as HTMLSelectElement).value = 'linux-6.4';
    (document.getElementById('run') as HTMLButtonElement).click();
    await expect.poll(() => verdict.dataset['verdict'], { timeout: 20_000 }).toBe('violation');
    expect(verdict.textContent).toContain('under linux-6.4');
  });
});
