/*
 * A scenario's JSON trace in Node is the committed fixture byte for byte;
 * test/trace-identity.browser.test.ts checks the same fixture in Chromium. Regenerate the
 * fixture (after a deliberate change to the trace) with
 * `UPDATE_FIXTURES=1 npx vitest run test/trace-identity.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render, replay } from '../src/index.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';

describe('the JSON trace in Node', () => {
  it('seed 000 replayed in Node is byte-identical to the fixture the browser test reads', () => {
    const json = render.json(replay(pidfdGetfdFpos, '0.0.0.0.1', { policy: 'before' }).trace, { title: 'seed 000', schedule: '0.0.0.0.1' });
    const file = join(import.meta.dirname, 'fixtures/seed-000.trace.json');
    if (process.env['UPDATE_FIXTURES'] === '1') writeFileSync(file, json);
    expect(readFileSync(file, 'utf8')).toBe(json);
  });
});
