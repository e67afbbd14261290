/*
 * Plain use records no trace unless asked; scenarios' traces come from traced replays.
 */
import { describe, expect, it } from 'vitest';
import { explore, Kernel, O_RDWR, replay } from '../src/index.js';
import { pidfdGetfdFpos } from '../src/scenarios/index.js';
import { auditCreatedKernels } from './helpers.js';

describe('trace cost', () => {
  it('a plain kernel keeps no event log: 10^4 open/close cycles leave it empty', () => {
    const k = new Kernel();
    const p = k.spawnProcess();
    for (let i = 0; i < 10_000; i++) p.close(p.open('/data/log', O_RDWR));
    expect(k.engine.tracing).toBe(false);
    expect(k.engine.events).toEqual([]);
    expect(k.audit().ok).toBe(true);
  });

  it('trace: true records every effect', () => {
    const k = new Kernel({ trace: true });
    const p = k.spawnProcess();
    p.close(p.open('/data/log', O_RDWR));
    expect(k.engine.events.map((e) => e.fn)).toEqual(['spawn', 'alloc_fd', 'mntget', 'alloc_file', 'fd_install', 'file_close_fd', 'fput', '__fput', 'mntput', 'file_free']);
    expect(k.audit().ok).toBe(true);
  });

  it('a violation still reports its object\'s history: replay and explore\'s traces are recorded', () => {
    const r = explore(pidfdGetfdFpos, { policy: 'before' });
    const v = r.violations[0]!;
    expect(v.trace.length).toBeGreaterThan(0);
    expect(v.history.length).toBeGreaterThan(0);
    expect(replay(pidfdGetfdFpos, v.minimalSchedule, { policy: 'before' }).trace).toEqual(v.trace);
    auditCreatedKernels();
  });
});
