import { Kernel } from '../kernel/kernel.js';
import type { KernelPolicy } from '../kernel/policies.js';
import type { Engine } from '../sim/engine.js';
import { KernelError } from '../sim/kernel-error.js';
import { addViolation } from './report.js';
import type { Scenario } from './scenario.js';

/**
 * How a run that reached its end stopped.
 * @internal
 */
export type TerminalEnd = 'complete' | 'deadlock' | 'step-limit';

/**
 * One run's world: the engine the search drives, and what to do once the run is over.
 * @internal
 */
export interface RunWorld {
  /** The engine of this run. */
  readonly engine: Engine;
  /**
   * Called once when every thread has finished (`complete`) or the run stopped on a
   * deadlock or the step limit: runs the end-of-run checks of a complete run (which add
   * violations to the engine) and returns the outcome label.
   */
  finish(end: TerminalEnd): string;
}

/**
 * A factory of fresh worlds: each call builds the initial state from scratch
 * (stateless model checking re-runs the program for every schedule).
 * @internal
 */
export interface WorldSource {
  /** A brand-new world with its threads started. */
  start(tracing: boolean): RunWorld;
}

/**
 * The default outcome label: the JSON of each thread's result, `{"error":"EBADF"}` for
 * a failed syscall, `{"threw":"..."}` for anything else. Objects are summarised by their
 * `name` (or constructor name) so processes and files print as names.
 * @internal
 */
export function defaultOutcome(engine: Engine): string {
  // Built by concatenation, not an array and join(): one label per explored run.
  let out = '[';
  const ts = engine.threads;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (i > 0) out += ',';
    if (t.error !== undefined) {
      const e = t.error;
      out += KernelError.is(e) ? `{"error":"${e.code}"}` : `{"threw":${JSON.stringify(e instanceof Error ? e.message : String(e))}}`;
    } else {
      out += safeJson(t.result);
    }
  }
  return out + ']';
}

function safeJson(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  const t = typeof v;
  if (t === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (t === 'boolean') return String(v);
  if (t === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    // Fast path for the common results: lists of names or numbers.
    let plain = true;
    for (let i = 0; i < v.length && plain; i++) plain = typeof v[i] === 'string' || typeof v[i] === 'number';
    if (plain) return JSON.stringify(v);
  }
  const seen = new Set<object>();
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return `${x}n`;
      if (typeof x !== 'object' || x === null) return x;
      if (Array.isArray(x)) {
        if (seen.has(x)) return '[cycle]';
        seen.add(x);
        return x;
      }
      const proto = Object.getPrototypeOf(x) as object | null;
      if (proto !== Object.prototype && proto !== null) {
        const named = x as { name?: unknown };
        return typeof named.name === 'string' ? named.name : (x as object).constructor?.name ?? 'object';
      }
      if (seen.has(x)) return '[cycle]';
      seen.add(x);
      return x;
    });
    return s ?? 'null';
  } catch {
    return JSON.stringify(String(v));
  }
}

/**
 * The world source of a scenario: each run builds `new Kernel({ policy, trace })`,
 * installs the plugins and runs `setup`; at the end it runs `check` (a throw is an
 * `assertion` violation) and, unless the run deadlocked or hit the step limit,
 * `kernel.audit()` (a failure is a `leak` violation).
 * @internal
 */
export function scenarioSource<C>(scenario: Scenario<C>, policy: KernelPolicy, checked = true): WorldSource {
  const plugins = scenario.plugins ?? [];
  return {
    start(tracing: boolean): RunWorld {
      const k = new Kernel({ policy, trace: tracing, checked });
      for (let i = 0; i < plugins.length; i++) k.use(plugins[i]!);
      const ctx = scenario.setup(k);
      const engine = k.engine;
      return {
        engine,
        finish(end: TerminalEnd): string {
          if (end !== 'complete') return end;
          if (scenario.check !== undefined) {
            // Only the message of a failed check is kept: skip capturing stack traces,
            // which would cost more than the whole run (V8's Error.stackTraceLimit).
            const E = Error as { stackTraceLimit?: number | undefined };
            const limit = E.stackTraceLimit;
            E.stackTraceLimit = 0;
            try {
              scenario.check(k, ctx);
            } catch (e) {
              addViolation(engine, 'assertion', e instanceof Error ? e.message : String(e), 'check', scenario.name);
            } finally {
              E.stackTraceLimit = limit;
            }
          }
          // auditClean() first (the same rules, no names): the named report only for a failure.
          const audit = k.auditClean() ? null : k.audit();
          if (audit !== null && !audit.ok) addViolation(engine, 'leak', `kernel.audit(): ${audit.problems.join('; ')}`, 'audit', auditObject(audit.problems[0]!));
          return scenario.outcome !== undefined ? scenario.outcome(k, ctx) : defaultOutcome(engine);
        },
      };
    },
  };
}

/** The object an audit problem names first (e.g. `file#3` or `mount /mnt`). */
function auditObject(problem: string): string {
  const m = /^(?:freed )?(file#\d+|mount \S+)/.exec(problem);
  return m ? m[1]! : 'kernel';
}
