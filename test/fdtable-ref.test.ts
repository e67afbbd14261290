/**
 * fdlab's fd table against a small independent reference model
 * (test/reference/fdtable-ref.ts) on random call sequences: lowest-free allocation,
 * RLIMIT_NOFILE, dup/dup2/dup3/F_DUPFD semantics, close-on-exec and close_range. Every
 * return value or errno, and after every call the whole table (which fd refers to which
 * open file description, and its close-on-exec flag), must agree: zero divergences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_RANGE_CLOEXEC, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, KernelError, O_CLOEXEC, O_RDONLY, type Process, type RefFile,
} from '../src/index.js';
import { newKernel } from './helpers.js';
import { REF_CLOSE_RANGE_CLOEXEC, REF_O_CLOEXEC, RefFdTable, type RefResult } from './reference/fdtable-ref.js';

type Call =
  | { op: 'open'; cloexec: boolean }
  | { op: 'close' | 'dup' | 'getfd'; fd: number }
  | { op: 'dup2'; a: number; b: number }
  | { op: 'dup3'; a: number; b: number; flags: number }
  | { op: 'dupfd'; fd: number; from: number; cloexec: boolean }
  | { op: 'setfd'; fd: number; v: number }
  | { op: 'closeRange'; first: number; last: number; cloexec: boolean }
  | { op: 'exec' };

const fd = fc.integer({ min: -1, max: 20 });
const callArb: fc.Arbitrary<Call> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('open' as const), cloexec: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('close' as const, 'dup' as const, 'getfd' as const), fd }) },
  fc.record({ op: fc.constant('dup2' as const), a: fd, b: fd }),
  fc.record({ op: fc.constant('dup3' as const), a: fd, b: fd, flags: fc.constantFrom(0, O_CLOEXEC, 1) }),
  fc.record({ op: fc.constant('dupfd' as const), fd, from: fc.integer({ min: -1, max: 20 }), cloexec: fc.boolean() }),
  fc.record({ op: fc.constant('setfd' as const), fd, v: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('closeRange' as const), first: fc.integer({ min: 0, max: 20 }), last: fc.integer({ min: 0, max: 25 }), cloexec: fc.boolean() }),
  fc.record({ op: fc.constant('exec' as const) }),
);

function fdlab(p: Process, c: Call): RefResult {
  try {
    switch (c.op) {
      case 'open': return { ok: p.open('/data/log', O_RDONLY | (c.cloexec ? O_CLOEXEC : 0)) };
      case 'close': p.close(c.fd); return { ok: 0 };
      case 'dup': return { ok: p.dup(c.fd) };
      case 'getfd': return { ok: p.fcntl(c.fd, F_GETFD) };
      case 'dup2': return { ok: p.dup2(c.a, c.b) };
      case 'dup3': return { ok: p.dup3(c.a, c.b, c.flags) };
      case 'dupfd': return { ok: p.fcntl(c.fd, c.cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, c.from) };
      case 'setfd': return { ok: p.fcntl(c.fd, F_SETFD, c.v) };
      case 'closeRange': p.closeRange(c.first, c.last, c.cloexec ? CLOSE_RANGE_CLOEXEC : 0); return { ok: 0 };
      case 'exec': p.exec(); return { ok: 0 };
    }
  } catch (e) {
    if (KernelError.is(e) && (e.code === 'EBADF' || e.code === 'EMFILE' || e.code === 'EINVAL')) return { err: e.code };
    throw e;
  }
}

function reference(r: RefFdTable, c: Call): RefResult {
  switch (c.op) {
    case 'open': return r.open(c.cloexec);
    case 'close': return r.close(c.fd);
    case 'dup': return r.dup(c.fd);
    case 'getfd': return r.getfd(c.fd);
    case 'dup2': return r.dup2(c.a, c.b);
    case 'dup3': return r.dup3(c.a, c.b, c.flags === O_CLOEXEC ? REF_O_CLOEXEC : c.flags);
    case 'dupfd': return r.dupFrom(c.fd, c.from, c.cloexec);
    case 'setfd': return r.setfd(c.fd, c.v);
    case 'closeRange': return r.closeRange(c.first, c.last, c.cloexec ? REF_CLOSE_RANGE_CLOEXEC : 0);
    case 'exec': return r.exec();
  }
}

/** The table as (fd, file class, cloexec) with file classes numbered by first appearance: comparable across models. */
function canonical(slots: Iterable<[number, unknown, boolean]>): string {
  const ids = new Map<unknown, number>();
  const out: string[] = [];
  for (const [n, file, cloexec] of [...slots].sort((a, b) => a[0] - b[0])) {
    if (!ids.has(file)) ids.set(file, ids.size);
    out.push(`${n}:${ids.get(file)}${cloexec ? 'c' : ''}`);
  }
  return out.join(' ');
}

function fdlabTable(p: Process): string {
  const files = p.files;
  return canonical(files.installedFds().map((n): [number, RefFile, boolean] => [n, files.lookupRaw(n)!, files.getCloexec(n)]));
}

function refTable(r: RefFdTable): string {
  return canonical([...r.slots].map(([n, s]): [number, number, boolean] => [n, s.file, s.cloexec]));
}

describe('the fd table against an independent reference model', () => {
  it('agrees on every result and every table state over 3,000 random sequences', () => {
    let calls = 0;
    fc.assert(
      fc.property(fc.constantFrom(4, 8, 16, 24), fc.array(callArb, { minLength: 10, maxLength: 80 }), (rlimit, seq) => {
        const k = newKernel({ rlimitNofile: rlimit });
        const p = k.spawnProcess();
        const r = new RefFdTable(rlimit);
        for (const [i, c] of seq.entries()) {
          const got = fdlab(p, c);
          const want = reference(r, c);
          if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`call ${i} ${JSON.stringify(c)}: fdlab ${JSON.stringify(got)}, reference ${JSON.stringify(want)}`);
          const a = fdlabTable(p);
          const b = refTable(r);
          if (a !== b) throw new Error(`after call ${i} ${JSON.stringify(c)}: fdlab [${a}], reference [${b}]`);
          calls++;
        }
        p.closeRange(0, 100);
      }),
      { numRuns: 3000, seed: 13 },
    );
    expect(calls).toBeGreaterThan(50_000);
  });

  it('the comparison sees a divergence', () => {
    const r = new RefFdTable(8);
    r.open(false);
    r.open(false);
    const k = newKernel({ rlimitNofile: 8 });
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    p.dup(0); // same description twice: the reference has two descriptions
    expect(fdlabTable(p)).not.toBe(refTable(r));
    p.closeRange(0, 10);
  });
});
