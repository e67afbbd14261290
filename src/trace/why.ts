import type { TraceEvent } from '../sim/events.js';
import { WHY, type Violation } from '../sim/violation.js';

/**
 * A short "why" line for a violation, in kernel words: the kind, where it was found
 * (step and thread), what happened, and the invariant that broke (left out when the
 * message already says it).
 *
 * @example
 * ```ts
 * import { explainViolation, type Violation } from 'fdlab';
 * const v: Violation = {
 *   kind: 'fpos-race', thread: 'P2.T1', tid: 1, step: 7, fn: 'f_pos:read', object: 'file#1', history: [],
 *   message: 'f_pos of file#1 updated by P1.T1 and P2.T1 concurrently; P1.T1 skipped f_pos_lock because f_count was 1 at fdget_pos',
 *   why: 'two threads were inside the f_pos read-modify-write of one file while at least one did not hold f_pos_lock',
 * };
 * explainViolation(v);
 * // 'fpos-race at step 7 (P2.T1 in f_pos:read): f_pos of file#1 updated by P1.T1 and P2.T1 concurrently;
 * //  P1.T1 skipped f_pos_lock because f_count was 1 at fdget_pos — two threads were inside ...'
 * ```
 */
export function explainViolation(v: Violation): string {
  const where = [`step ${v.step}`];
  const who = v.fn !== '' ? `${v.thread} in ${v.fn}` : v.thread;
  if (who !== '') where.push(who);
  const message = v.message.trim().replace(/[.\s]+$/, '');
  const why = v.why.trim().replace(/[.\s]+$/, '');
  const head = `${v.kind} at ${where.join(', ')}`;
  const parts = [head];
  if (message !== '') parts[0] = `${head}: ${message}`;
  if (why !== '' && why !== v.kind && !message.includes(why)) parts.push(why);
  return parts.join(' — ');
}

/**
 * The violation a `violation` trace event records, for when only the event log is at
 * hand: the `why` comes from the kind's standard explanation, the history is empty.
 *
 * @example
 * ```ts
 * import { violationOfEvent, explainViolation } from 'fdlab';
 * const v = violationOfEvent({ seq: 9, step: 4, tid: 1, thread: 'P2.T1', kind: 'violation', fn: 'fpos-race', obj: 'file#1', note: 'f_pos of file#1 updated concurrently' });
 * explainViolation(v); // 'fpos-race at step 4, P2.T1: f_pos of file#1 updated concurrently — two threads were inside ...'
 * ```
 */
export function violationOfEvent(e: TraceEvent): Violation {
  return {
    kind: e.fn,
    message: e.note ?? '',
    why: WHY[e.fn] ?? e.fn,
    thread: e.thread,
    tid: e.tid,
    step: e.step,
    fn: '',
    object: e.obj ?? '',
    history: [],
  };
}
