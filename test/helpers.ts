/**
 * Shared test helpers. Every kernel a test builds goes through {@link newKernel}, so the
 * audit hook in test/setup-audit.ts can check that each one ends with every reference
 * accounted for (kernel.audit()).
 */
import { expect } from 'vitest';
import {
  formatSchedule, Kernel, runEngine,
  type KernelOptions, type TraceEvent, type Violation,
} from '../src/index.js';

// The helpers a scenario author needs are the library's own (fdlab/testing); the tests use them too.
export { catchErrno as catching, errnoOf, stepToEnd, stepUntil } from '../src/testing/index.js';

interface Tracked {
  readonly kernel: Kernel;
  /** Set by expectLeak(): the test leaks on purpose and has checked the audit itself. */
  exempt: boolean;
}

const created: Tracked[] = [];

/**
 * A new Kernel, recorded for the end-of-test audit. Tests read the event log, so it is
 * recorded unless `trace: false` is asked for (plain use records none by default).
 */
export function newKernel(opts?: KernelOptions): Kernel {
  const k = new Kernel({ trace: true, ...opts });
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
    const r = c.kernel.audit();
    // The explorer's counting pass (auditClean) must agree with audit() on every kernel
    // the suite builds, leaking ones included.
    if (c.kernel.auditClean() !== r.ok) failures.push(`kernel #${i + 1}: auditClean() says ${!r.ok ? 'clean' : 'not clean'}, audit() ${r.ok ? 'ok' : `not ok: ${r.problems.join('; ')}`}`);
    if (c.exempt) continue;
    if (!r.ok) failures.push(`kernel #${i + 1}:\n    ${r.problems.join('\n    ')}`);
  }
  if (failures.length > 0) throw new Error(`reference audit failed at the end of the test:\n  ${failures.join('\n  ')}`);
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
