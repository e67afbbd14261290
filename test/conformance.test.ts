/**
 * The CI profile of the conformance harness (conformance/): 1,000 seeded random programs
 * run on fdlab and on the host's Linux kernel, compared call by call. Skips, loudly, where
 * there is no Linux or no C compiler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, runConformance, runModel } from '../conformance/harness.js';
import { compare } from '../conformance/compare.js';
import { buildHost, hostUnavailable, runHost, type Host } from '../conformance/real.js';
import type { Program } from '../conformance/program.js';

const why = hostUnavailable();
if (why !== null) console.warn(`conformance tests SKIPPED: ${why}`);

describe.skipIf(why !== null)('conformance with the host kernel', () => {
  let host: Host;
  beforeAll(() => {
    host = buildHost();
  });
  afterAll(() => host?.dispose());

  it('1,000 random programs: no divergence outside the documented exclusions', () => {
    const r = runConformance(host, { count: 1000, seed: 0x5eed });
    expect(r.programs).toBe(1000);
    expect(r.calls).toBeGreaterThan(15_000);
    expect(r.divergences.size, formatReport(r)).toBe(0);
  });

  it('detects a divergence and names it (the comparison is not vacuous)', () => {
    // The host answers EBADF for close(5) on an empty table; pretend the model said ok.
    const p: Program = [{ role: 0, op: 'close', args: [5] }];
    const hostObs = runHost(host, [p])[0]!;
    const model = runModel(p);
    expect(compare(p, model, hostObs)).toBeNull();
    const d = compare(p, [{ ...model[0]!, err: null, ret: 0 }], hostObs);
    expect(d?.signature).toBe('close errno ok/EBADF');
  });

  it('fork, exec and pidfd calls agree on a fixed program', () => {
    const p: Program = [
      { role: 0, op: 'open', args: ['/data/log', 2] },
      { role: 0, op: 'pipe2', args: [0o2000000] },
      { role: 0, op: 'fork', args: [1] },
      { role: 1, op: 'read', args: [0, 4] },
      { role: 0, op: 'lseek', args: [0, 0, 1] },
      { role: 0, op: 'exec', args: [] },
      { role: 1, op: 'exit', args: [] },
      { role: 0, op: 'pidfd_open', args: ['%1', 0] },
      { role: 0, op: 'pidfd_getfd', args: [1, 0, 0] },
      { role: 0, op: 'wait', args: ['%1', 1] },
      { role: 0, op: 'pidfd_open', args: ['%1', 0] },
    ];
    const hostObs = runHost(host, [p])[0]!;
    const model = runModel(p);
    expect(compare(p, model, hostObs)).toBeNull();
    expect(model.map((o) => o.err)).toEqual([null, null, null, null, null, null, null, null, null, 'ESRCH', null, 'ESRCH']);
  });
});
