/**
 * Shared test helpers. Every kernel a test builds goes through {@link newKernel}, so the
 * audit hook in test/setup-audit.ts can check that each one ends with every reference
 * accounted for (kernel.audit()).
 */
import { expect } from 'vitest';
import {
  formatSchedule, Kernel, KernelError, runEngine,
  type ErrnoName, type KernelOptions, type KernelPath, type SimThread, type TraceEvent, type Violation,
} from '../src/index.js';

interface Tracked {
  readonly kernel: Kernel;
  /** Set by expectLeak(): the test leaks on purpose and has checked the audit itself. */
  exempt: boolean;
}

const created: Tracked[] = [];

/** A new Kernel, recorded for the end-of-test audit. */
export function newKernel(opts?: KernelOptions): Kernel {
  const k = new Kernel(opts);
  created.push({ kernel: k, exempt: false });
  return k;
}

/**
 * Marks `k` as leaking on purpose: it is exempt from the end-of-test audit. Asserts that
 * its audit is not ok and that some problem matches `names` (the leaked file or owner).
 */
export function expectLeak(k: Kernel, names: RegExp): void {
  const entry = created.find((c) => c.kernel === k);
  if (entry === undefined) throw new Error('expectLeak: kernel was not made by newKernel()');
  const r = k.audit();
  expect(r.ok, 'expectLeak: the audit passed, so nothing leaks').toBe(false);
  expect(r.problems.some((p) => names.test(p)), `expectLeak: no problem matches ${names}: ${r.problems.join('; ')}`).toBe(true);
  entry.exempt = true;
}

/** Audits every kernel made during the test, then forgets them. Throws on the first failure. */
export function auditCreatedKernels(): void {
  const list = created.splice(0);
  const failures: string[] = [];
  for (const [i, c] of list.entries()) {
    if (c.exempt) continue;
    const r = c.kernel.audit();
    if (!r.ok) failures.push(`kernel #${i + 1}:\n    ${r.problems.join('\n    ')}`);
  }
  if (failures.length > 0) throw new Error(`reference audit failed at the end of the test:\n  ${failures.join('\n  ')}`);
}

/** Runs `fn` and returns the errno name of the KernelError it throws; fails if it does not throw one. */
export function errnoOf(fn: () => unknown): ErrnoName {
  try {
    fn();
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
  throw new Error('expected a KernelError, but the call succeeded');
}

/** The state as a string: a failed call must leave it unchanged. */
export function state(k: Kernel): string {
  return JSON.stringify(k.snapshot());
}

/** Effect events with the scheduling fields (seq, step, tid, thread) removed. */
export function effects(k: Kernel): Array<Omit<TraceEvent, 'seq' | 'step' | 'tid' | 'thread'>> {
  return k.engine.events
    .filter((e) => e.kind === 'effect')
    .map(({ seq: _seq, step: _step, tid: _tid, thread: _thread, ...rest }) => rest);
}

/** Violations of one kind. */
export function violations(k: Kernel, kind: string): Violation[] {
  return k.engine.violations.filter((v) => v.kind === kind);
}

/** Steps thread `t` until its pending step is `fn` (it must get there). */
export function stepUntil(k: Kernel, t: SimThread, fn: string | RegExp): void {
  const match = (s: string) => (typeof fn === 'string' ? s === fn : fn.test(s));
  for (let guard = 0; guard < 10_000; guard++) {
    const p = t.pending;
    if (p === null) throw new Error(`${t.name} finished before reaching ${String(fn)}`);
    if (match(p.fn)) return;
    if (!k.engine.isEnabled(t.id)) throw new Error(`${t.name} is blocked in ${p.fn} before reaching ${String(fn)}`);
    k.engine.step(t.id);
  }
  throw new Error(`${t.name} never reached ${String(fn)}`);
}

/** Steps thread `t` until it finishes. */
export function stepToEnd(k: Kernel, t: SimThread): void {
  for (let guard = 0; t.pending !== null && guard < 10_000; guard++) {
    if (!k.engine.isEnabled(t.id)) throw new Error(`${t.name} is blocked in ${t.pending.fn}`);
    k.engine.step(t.id);
  }
  if (t.pending !== null) throw new Error(`${t.name} did not finish`);
}

/** Finishes every thread without preemption; returns the schedule string of the whole run. */
export function finish(k: Kernel): string {
  const r = runEngine(k.engine, { kind: 'sequential' });
  expect(r.completed).toBe(true);
  return formatSchedule(k.engine.schedule);
}

/** The scheduler steps of a run as `thread:fn` strings. */
export function stepLog(k: Kernel): string[] {
  return k.engine.events.filter((e) => e.kind === 'step').map((e) => `${e.thread}:${e.fn}`);
}

/** A KernelError's code caught from a thread body, or the value returned. */
export function* catching<T>(gen: KernelPath<T>): KernelPath<T | ErrnoName> {
  try {
    return yield* gen;
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}
