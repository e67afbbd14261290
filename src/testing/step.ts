import type { Kernel, SimThread, Task } from '../index.js';

function simThread(t: SimThread | Task): SimThread {
  return 'sim' in t ? t.sim : t;
}

/**
 * Steps one thread until its pending step is `label` (the kernel function a step names,
 * e.g. `'file_needs_f_pos_lock'`, or a RegExp), leaving that step pending: the way to
 * park a thread at an exact point of a kernel path and make another thread act there.
 * Throws if the thread finishes or blocks first.
 *
 * Models what a kernel developer does with a breakpoint or an injected `msleep()` in a
 * reproducer: hold one path at a chosen line while another runs.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR } from 'fdlab';
 * import { stepUntil, stepToEnd } from 'fdlab/testing';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const fd = p.open('/data/log', O_RDWR);
 * const t = p.thread(function* (sys) { return yield* sys.read(fd, 4); });
 * stepUntil(k, t, 'f_pos:read');  // parked just before it reads f_pos
 * p.lseek(fd, 2, 0);              // the plain call runs in between
 * stepToEnd(k, t);
 * t.sim.result;                   // 'ne 1' (/data/log holds 'line 1\nline 2\nline 3\n')
 * ```
 */
export function stepUntil(k: Kernel, thread: SimThread | Task, label: string | RegExp): void {
  const t = simThread(thread);
  const match = (s: string) => (typeof label === 'string' ? s === label : label.test(s));
  for (let guard = 0; guard < 100_000; guard++) {
    const p = t.pending;
    if (p === null) throw new Error(`${t.name} finished before reaching ${String(label)}`);
    if (match(p.fn)) return;
    if (!k.engine.isEnabled(t.id)) throw new Error(`${t.name} is blocked in ${p.fn} before reaching ${String(label)}`);
    k.engine.step(t.id);
  }
  throw new Error(`${t.name} never reached ${String(label)}`);
}

/**
 * Steps one thread until it finishes. Throws if it blocks (on a lock another thread
 * holds, say): step that thread first.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { stepToEnd } from 'fdlab/testing';
 * const k = new Kernel();
 * const t = k.spawnProcess().thread(function* (sys) { return yield* sys.open('/data/log', 0); });
 * stepToEnd(k, t);
 * t.sim.result; // 0
 * ```
 */
export function stepToEnd(k: Kernel, thread: SimThread | Task): void {
  const t = simThread(thread);
  for (let guard = 0; t.pending !== null && guard < 100_000; guard++) {
    if (!k.engine.isEnabled(t.id)) throw new Error(`${t.name} is blocked in ${t.pending.fn}`);
    k.engine.step(t.id);
  }
  if (t.pending !== null) throw new Error(`${t.name} did not finish`);
}
