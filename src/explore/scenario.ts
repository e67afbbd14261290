import type { Kernel } from '../kernel/kernel.js';
import type { PolicyInput } from '../kernel/policies.js';
import type { Plugin } from '../kernel/plugin.js';
import type { ViolationKind } from '../sim/violation.js';

/**
 * What a scenario must show under one policy: `'clean'` (no violation in any
 * interleaving) or the violation kinds an exhaustive search must find.
 *
 * Mirrors how a kernel fix is argued on the mailing list: the old behaviour shows the
 * bug in some interleaving, the patched one in none.
 *
 * @example
 * ```ts
 * import type { Verdict } from 'fdlab';
 * const before: Verdict = ['fpos-race'];
 * const after: Verdict = 'clean';
 * ```
 */
export type Verdict = 'clean' | readonly ViolationKind[];

/**
 * The expected verdicts of a scenario under its `before` and `after` policies.
 *
 * @example
 * ```ts
 * import type { ScenarioExpectation } from 'fdlab';
 * const e: ScenarioExpectation = { before: ['fpos-race'], after: 'clean' };
 * ```
 */
export interface ScenarioExpectation {
  /** Verdict under the scenario's `before` policy (the behaviour with the bug). */
  readonly before?: Verdict;
  /** Verdict under the scenario's `after` policy (the fix). */
  readonly after?: Verdict;
}

/**
 * A race scenario: a typed value that builds threads on a fresh kernel, with the
 * policies under which a historical bug does and does not reproduce. The same object
 * runs in `explore`, in `replay`, in tests and in examples.
 *
 * Models the way a kernel change is reasoned about: a minimal program (the reproducer of
 * a bug report or the commit message) plus the kernel behaviour before and after the
 * patch. `setup` runs once per explored schedule on a brand-new {@link Kernel}
 * (stateless model checking), so it must be deterministic and must not keep state
 * between calls.
 *
 * @typeParam C - what `setup` returns and `check` / `outcome` receive (handles to the
 *   processes, fds and files the checks look at)
 *
 * @example
 * ```ts
 * import { defineScenario, O_RDWR, type Scenario } from 'fdlab';
 * const twoReaders: Scenario<{ fd: number }> = defineScenario({
 *   name: 'two-readers',
 *   title: 'Two threads of one process read one fd',
 *   source: '9c225f2655e3 vfs: atomic f_pos accesses as per POSIX',
 *   before: { fdgetPos: 'when-shared' },
 *   after: { fdgetPos: 'always' },
 *   expected: { before: 'clean', after: 'clean' },
 *   setup(k) {
 *     const p = k.spawnProcess();
 *     const fd = p.open('/data/log', O_RDWR);
 *     p.thread(function* (sys) { return yield* sys.read(fd, 1); });
 *     p.thread(function* (sys) { return yield* sys.read(fd, 1); });
 *     return { fd };
 *   },
 * });
 * ```
 */
export interface Scenario<C = unknown> {
  /** Short identifier, e.g. `pidfd-getfd-fpos` (used by the CLI). */
  readonly name: string;
  /** One-line human title. */
  readonly title: string;
  /** The seed thread or kernel change the scenario comes from (commit, CVE, thread). */
  readonly source: string;
  /** Longer explanation: what races with what, and why it matters. */
  readonly description?: string;
  /** Plugins installed with `k.use()` on each fresh kernel before `setup`. */
  readonly plugins?: readonly Plugin<unknown>[];
  /** The policy under which the historical bug reproduces. */
  readonly before?: PolicyInput;
  /** The policy of the fix. */
  readonly after?: PolicyInput;
  /** The verdicts an exhaustive search must reach under `before` and `after`. */
  readonly expected?: ScenarioExpectation;
  /** Builds processes and threads on the fresh kernel `k`; returns handles for the checks. */
  setup(k: Kernel): C;
  /** Outcome assertions run after every complete run; throwing records an `assertion` violation. */
  check?(k: Kernel, ctx: C): void;
  /**
   * A label for the run's outcome, for the distinct-outcomes table. Default: the JSON of
   * each thread's result, or `{ "error": "EBADF" }` for a thread whose syscall failed.
   */
  outcome?(k: Kernel, ctx: C): string;
}

/**
 * Declares a scenario with full type inference of its context type: an identity
 * function, so `check` and `outcome` see what `setup` returns.
 *
 * @example
 * ```ts
 * import { defineScenario, O_RDWR } from 'fdlab';
 * const s = defineScenario({
 *   name: 'one-reader',
 *   title: 'One thread reads',
 *   source: 'example',
 *   setup(k) {
 *     const p = k.spawnProcess();
 *     const fd = p.open('/data/log', O_RDWR);
 *     p.thread(function* (sys) { return yield* sys.read(fd, 4); });
 *     return { p, fd };
 *   },
 *   check(k, { p, fd }) {
 *     if (p.fileOf(fd).pos !== 4) throw new Error('f_pos should be 4');
 *   },
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */ export function defineScenario<C>(scenario: Scenario<C>): Scenario<C> {
  return scenario;
}
