/**
 * One implementation of each effect, two ways to drive it: a random sequence of syscalls
 * run through the plain Process API and the same sequence run as a thread body with no
 * preemption must leave the same state, return the same results and write the same
 * effect events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLONE_FILES, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_RDLCK,
  F_SETFD, F_SETLK, F_UNLCK, F_WRLCK, KernelError, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NONBLOCK, O_PATH,
  O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
  type Flock, type Kernel, type KernelPath, type PolicyInput, type Process, type Sys,
} from '../src/index.js';
import { effects, newKernel } from './helpers.js';

type Op =
  | { readonly k: 'open'; readonly path: string; readonly flags: number }
  | { readonly k: 'close' | 'dup'; readonly fd: number }
  | { readonly k: 'dup2'; readonly a: number; readonly b: number }
  | { readonly k: 'dup3'; readonly a: number; readonly b: number; readonly flags: number }
  | { readonly k: 'fcntl'; readonly fd: number; readonly cmd: number; readonly arg: number }
  | { readonly k: 'lock'; readonly fd: number; readonly cmd: number; readonly lock: Flock }
  | { readonly k: 'read' | 'getdents'; readonly fd: number; readonly n: number }
  | { readonly k: 'write'; readonly fd: number; readonly data: string }
  | { readonly k: 'lseek'; readonly fd: number; readonly off: number; readonly whence: number }
  | { readonly k: 'pipe'; readonly flags: number }
  | { readonly k: 'closeRange'; readonly a: number; readonly b: number; readonly flags: number }
  | { readonly k: 'unshare'; readonly flags: number }
  | { readonly k: 'fork' | 'exec' };

const fd = fc.integer({ min: -1, max: 9 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    k: fc.constant('open' as const),
    path: fc.constantFrom('/data/log', '/srv', '/srv/a', '/tmp/x', '/none', '/data/log/x'),
    flags: fc.constantFrom(O_RDONLY, O_RDWR, O_WRONLY, O_RDWR | O_CREAT, O_RDONLY | O_CLOEXEC, O_WRONLY | O_APPEND,
      O_PATH, O_DIRECTORY, O_RDWR | O_TRUNC, O_CREAT | O_EXCL | O_RDWR, 3, -1),
  }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('close' as const, 'dup' as const), fd }) },
  fc.record({ k: fc.constant('dup2' as const), a: fd, b: fc.integer({ min: -1, max: 70 }) }),
  fc.record({ k: fc.constant('dup3' as const), a: fd, b: fd, flags: fc.constantFrom(0, O_CLOEXEC, 1) }),
  fc.record({
    k: fc.constant('fcntl' as const), fd,
    cmd: fc.constantFrom(F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, 77),
    arg: fc.integer({ min: -1, max: 12 }),
  }),
  fc.record({
    k: fc.constant('lock' as const), fd, cmd: fc.constantFrom(F_SETLK, F_GETLK),
    lock: fc.record({ type: fc.constantFrom(F_RDLCK, F_WRLCK, F_UNLCK), start: fc.integer({ min: 0, max: 30 }), len: fc.integer({ min: -3, max: 10 }) }),
  }),
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('read' as const, 'getdents' as const), fd, n: fc.integer({ min: -1, max: 8 }) }) },
  fc.record({ k: fc.constant('write' as const), fd, data: fc.constantFrom('', 'ab', 'hello\n') }),
  fc.record({ k: fc.constant('lseek' as const), fd, off: fc.integer({ min: -5, max: 25 }), whence: fc.constantFrom(SEEK_SET, SEEK_CUR, SEEK_END, 5) }),
  // Non-blocking pipes: a blocking read of an empty pipe cannot be a plain call.
  fc.record({ k: fc.constant('pipe' as const), flags: fc.constantFrom(O_NONBLOCK, O_CLOEXEC | O_NONBLOCK, 1 | O_NONBLOCK) }),
  fc.record({
    k: fc.constant('closeRange' as const), a: fc.integer({ min: -1, max: 9 }), b: fc.integer({ min: 0, max: 12 }),
    flags: fc.constantFrom(0, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, 1),
  }),
  fc.record({ k: fc.constant('unshare' as const), flags: fc.constantFrom(0, CLONE_FILES, 3) }),
  fc.record({ k: fc.constantFrom('fork' as const, 'exec' as const) }),
);

/** Results as comparable data: a Process becomes its name, a failure its errno. */
function show(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'pid' in v) return `process ${(v as Process).name}`;
  return v;
}

function plainOne(p: Process, o: Op): unknown {
  switch (o.k) {
    case 'open': return p.open(o.path, o.flags);
    case 'close': return p.close(o.fd);
    case 'dup': return p.dup(o.fd);
    case 'dup2': return p.dup2(o.a, o.b);
    case 'dup3': return p.dup3(o.a, o.b, o.flags);
    case 'fcntl': return p.fcntl(o.fd, o.cmd, o.arg);
    case 'lock': return o.cmd === F_GETLK ? p.fcntl(o.fd, F_GETLK, o.lock) : p.fcntl(o.fd, F_SETLK, o.lock);
    case 'read': return p.read(o.fd, o.n);
    case 'getdents': return p.getdents(o.fd, o.n);
    case 'write': return p.write(o.fd, o.data);
    case 'lseek': return p.lseek(o.fd, o.off, o.whence);
    case 'pipe': return p.pipe(o.flags);
    case 'closeRange': return p.closeRange(o.a, o.b, o.flags);
    case 'unshare': return p.unshare(o.flags);
    case 'fork': return p.fork();
    case 'exec': return p.exec();
  }
}

function sysOne(s: Sys, o: Op): KernelPath<unknown> {
  switch (o.k) {
    case 'open': return s.open(o.path, o.flags);
    case 'close': return s.close(o.fd);
    case 'dup': return s.dup(o.fd);
    case 'dup2': return s.dup2(o.a, o.b);
    case 'dup3': return s.dup3(o.a, o.b, o.flags);
    case 'fcntl': return s.fcntl(o.fd, o.cmd, o.arg);
    case 'lock': return s.fcntl(o.fd, o.cmd, o.lock);
    case 'read': return s.read(o.fd, o.n);
    case 'getdents': return s.getdents(o.fd, o.n);
    case 'write': return s.write(o.fd, o.data);
    case 'lseek': return s.lseek(o.fd, o.off, o.whence);
    case 'pipe': return s.pipe(o.flags);
    case 'closeRange': return s.closeRange(o.a, o.b, o.flags);
    case 'unshare': return s.unshare(o.flags);
    case 'fork': return s.fork();
    case 'exec': return s.exec();
  }
}

function outcome(run: () => unknown): unknown {
  try {
    return show(run());
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}

interface World {
  readonly k: Kernel;
  readonly results: unknown[];
}

function build(policy: PolicyInput): { k: Kernel; p: Process } {
  const k = newKernel({ policy, rlimitNofile: 8 });
  const p = k.spawnProcess();
  return { k, p };
}

function runPlain(policy: PolicyInput, ops: readonly Op[], exit: boolean): World {
  const { k, p } = build(policy);
  const results = ops.map((o) => outcome(() => plainOne(p, o)));
  if (exit) p.exit();
  return { k, results };
}

function runThread(policy: PolicyInput, ops: readonly Op[], exit: boolean): World {
  const { k, p } = build(policy);
  const results: unknown[] = [];
  p.thread(function* (sys) {
    for (const o of ops) {
      try {
        results.push(show(yield* sysOne(sys, o)));
      } catch (e) {
        if (!KernelError.is(e)) throw e;
        results.push(e.code);
      }
    }
    if (exit) yield* sys.exit();
  });
  const r = k.run();
  expect(r.completed).toBe(true);
  return { k, results };
}

function compare(policy: PolicyInput, ops: readonly Op[], exit: boolean): void {
  const a = runPlain(policy, ops, exit);
  const b = runThread(policy, ops, exit);
  expect(b.results).toEqual(a.results);
  expect(b.k.snapshot()).toEqual(a.k.snapshot());
  expect(effects(b.k)).toEqual(effects(a.k));
  expect(b.k.engine.violations).toEqual([]);
  expect(a.k.engine.violations).toEqual([]);
}

describe('plain calls and unpreempted thread paths are the same (one implementation per effect)', () => {
  for (const policy of ['current', 'linux-3.14', 'linux-6.4'] as const) {
    it(`property under ${policy}: same results, snapshot and effect events`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.boolean(), (ops, exit) => compare(policy, ops, exit)),
        { numRuns: 150 },
      );
    });
  }

  it('a hand-written sequence touching every syscall agrees, and the comparison can tell a difference', () => {
    const ops: Op[] = [
      { k: 'open', path: '/data/log', flags: O_RDWR },
      { k: 'open', path: '/srv', flags: O_RDONLY | O_CLOEXEC },
      { k: 'dup', fd: 0 },
      { k: 'read', fd: 0, n: 5 },
      { k: 'lock', fd: 0, cmd: F_SETLK, lock: { type: F_WRLCK, start: 0, len: 3 } },
      { k: 'fork' },
      { k: 'write', fd: 2, data: 'ab' },
      { k: 'lseek', fd: 2, off: 1, whence: SEEK_CUR },
      { k: 'getdents', fd: 1, n: 2 },
      { k: 'pipe', flags: O_CLOEXEC | O_NONBLOCK },
      { k: 'dup2', a: 0, b: 6 },
      { k: 'dup3', a: 1, b: 7, flags: O_CLOEXEC },
      { k: 'fcntl', fd: 0, cmd: F_DUPFD, arg: 5 },
      { k: 'closeRange', a: 3, b: 4, flags: 0 },
      { k: 'exec' },
      { k: 'close', fd: 2 },
      { k: 'close', fd: 2 },
    ];
    compare('current', ops, true);
    // The comparison is not vacuous: one extra call on one side shows up.
    const a = runPlain('current', ops, false);
    const b = runThread('current', [...ops, { k: 'dup', fd: 0 }], false);
    expect(effects(b.k)).not.toEqual(effects(a.k));
    expect(b.k.snapshot()).not.toEqual(a.k.snapshot());
  });
});
