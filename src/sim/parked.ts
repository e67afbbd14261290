import type { Engine } from './engine.js';
import { Lock } from './lock.js';
import type { Blocker } from './step.js';
import type { SimThread } from './thread.js';

/**
 * Why a parked thread is parked, when every live thread is:
 * - `waits`: it sleeps for an event that has not happened (its wait condition is false) —
 *   the program waits forever, as it would on Linux (a read of an empty pipe whose write
 *   end the reader itself holds);
 * - `lock`: it waits for a lock whose holder is parked too (a chain ending in a wait);
 * - `lock-cycle`: it waits for a lock in a cycle of lock holders (ABBA);
 * - `lost-wakeup`: its wait condition already holds, yet no wake-up reached it;
 * - `killed`: a fatal signal is pending, which ends every wait the model has;
 * - `unknown`: the blocker does not say what it waits for.
 *
 * @example
 * ```ts
 * import type { ParkedReason } from 'fdlab';
 * const r: ParkedReason = 'lost-wakeup';
 * ```
 */
export type ParkedReason = 'waits' | 'lock' | 'lock-cycle' | 'lost-wakeup' | 'killed' | 'unknown';

/**
 * One parked thread: where it is and why.
 *
 * @example
 * ```ts
 * import type { ParkedThread } from 'fdlab';
 * const p: ParkedThread = { thread: 'P1.T1', fn: 'schedule(pipe:[3].rd_wait)', waitsFor: 'wait on pipe:[3].rd_wait', reason: 'waits' };
 * ```
 */
export interface ParkedThread {
  /** The thread's name. */
  readonly thread: string;
  /** The step it cannot take. */
  readonly fn: string;
  /** The blocker's name. */
  readonly waitsFor: string;
  /** Why. */
  readonly reason: ParkedReason;
}

function lockCycle(t: SimThread, lock: Lock): boolean {
  const seen = new Set<SimThread>([t]);
  let l: Lock | null = lock;
  while (l !== null && l.owner !== null) {
    if (seen.has(l.owner)) return true;
    seen.add(l.owner);
    const b: Blocker | undefined = l.owner.pending?.blocker;
    l = b instanceof Lock ? b : null;
  }
  return false;
}

function reasonOf(t: SimThread): ParkedReason {
  const b = t.pending!.blocker;
  if (t.killed) return 'killed';
  if (b === undefined) return 'unknown';
  if (b instanceof Lock) return lockCycle(t, b) ? 'lock-cycle' : 'lock';
  if (b.satisfied === undefined) return 'unknown';
  return b.satisfied(t) ? 'lost-wakeup' : 'waits';
}

/**
 * The threads that have a step left but cannot take it, each with why. With every live
 * thread parked, the run is a program that waits forever if every reason is `waits` or
 * `lock` ({@link isProgramWait}); any other reason points at the model (a lost wake-up, a
 * kill that did not end a wait, a lock cycle).
 *
 * @example
 * ```ts
 * import { Kernel, parkedThreads } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [r] = p.pipe(0);
 * p.thread(function* (sys) { yield* sys.read(r, 1); }); // its own write end stays open
 * k.run();
 * parkedThreads(k.engine).map((x) => x.reason); // ['waits']
 * ```
 */
export function parkedThreads(engine: Engine): ParkedThread[] {
  const out: ParkedThread[] = [];
  for (const t of engine.threads) {
    if (t.pending === null || engine.isEnabled(t.id)) continue;
    const b = t.pending.blocker;
    out.push({ thread: t.name, fn: t.pending.fn, waitsFor: b?.name ?? '(nothing)', reason: reasonOf(t) });
  }
  return out;
}

/** `T1 waits in schedule(pipe:[3].rd_wait) for wait on pipe:[3].rd_wait (waits)`, for deadlock reports. @internal */
export function formatParked(p: ParkedThread): string {
  return `${p.thread} waits in ${p.fn} for ${p.waitsFor} (${p.reason})`;
}

/**
 * True if `parked` describes a program that waits forever as Linux would (every thread
 * `waits`, or waits for a lock held by a parked thread, and at least one `waits`).
 *
 * @example
 * ```ts
 * import { isProgramWait } from 'fdlab';
 * isProgramWait([{ thread: 'T1', fn: 'schedule', waitsFor: 'wait on pipe', reason: 'waits' }]); // true
 * ```
 */
export function isProgramWait(parked: readonly ParkedThread[]): boolean {
  return parked.some((p) => p.reason === 'waits') && parked.every((p) => p.reason === 'waits' || p.reason === 'lock');
}
