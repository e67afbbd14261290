/// <reference types="vite/client" />
// Browser-only test (vitest.browser.config.ts): a scenario's JSON trace in Chromium is the
// committed fixture byte for byte; test/trace-identity.test.ts checks the same fixture in
// Node, so the two runtimes produce identical traces.
import { describe, expect, it } from 'vitest';
import { render, replay } from '../src/index.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';
import fixture from './fixtures/seed-000.trace.json?raw';

describe('the JSON trace in a browser', () => {
  it('seed 000 replayed in Chromium is byte-identical to the fixture Node produces', () => {
    const json = render.json(replay(pidfdGetfdFpos, '0.0.0.0.1', { policy: 'before' }).trace, { title: 'seed 000', schedule: '0.0.0.0.1' });
    expect(json).toBe(fixture);
  });
});
