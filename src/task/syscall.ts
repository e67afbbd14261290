import { runTaskWork, runTaskWorkSteps } from '../file/fput.js';
import { access, type KernelPath, type Step } from '../sim/step.js';
import type { Task } from './task.js';
import { THREAD_EXIT } from '../sim/thread.js';

/**
 * Runs a plain syscall body for task `t`: sets the engine's current thread to `t`,
 * and on the way out (return or error) runs the task's deferred work, as the kernel
 * runs task_work on return to user space.
 *
 * @example
 * ```ts
 * import { Kernel, plainSyscall } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * plainSyscall(p.main, () => p.main.tid); // 1
 * ```
 */
export function plainSyscall<T>(t: Task, body: () => T): T {
  const e = t.world.engine;
  const prev = e.current;
  e.current = t.sim;
  try {
    return body();
  } finally {
    if (t.taskWork.length > 0) runTaskWork(t);
    e.current = prev;
  }
}

/** Object.prototype.__lookupGetter__, called on the step (which may have no prototype). */
const lookupGetter = (Object.prototype as unknown as { __lookupGetter__(this: object, k: string): unknown }).__lookupGetter__;

/**
 * True if `step.acc` is computed by a getter (a dynamic declaration). Asked with
 * `__lookupGetter__`, which allocates nothing (getOwnPropertyDescriptor makes an object
 * per call: once per system call) and also finds a getter a step class has on its
 * prototype.
 */
function accIsGetter(step: Step): boolean {
  return lookupGetter.call(step, 'acc') !== undefined;
}

/** `step` with one more declared access; a dynamic declaration stays dynamic. */
function withAccess(step: Step, extra: number): Step {
  if (!accIsGetter(step)) {
    const a = step.acc;
    return { fn: step.fn, acc: typeof a === 'number' ? [a, extra] : [...a, extra], blocker: step.blocker };
  }
  return {
    fn: step.fn,
    get acc() {
      const a = step.acc;
      return typeof a === 'number' ? [a, extra] : [...a, extra];
    },
    blocker: step.blocker,
  };
}

/**
 * Wraps a syscall's kernel path for a thread: marks the thread as inside the kernel
 * (so de_thread() waits for it) and runs its deferred work as steps before returning
 * to user space, on success and on error.
 *
 * @example
 * ```ts
 * import { syscallSteps, type Task, type KernelPath } from 'fdlab';
 * function* mine(t: Task, body: KernelPath<number>) { return yield* syscallSteps(t, body); }
 * ```
 */
export function* syscallSteps<T>(t: Task, body: KernelPath<T>): KernelPath<T> {
  // Until its first step runs the thread is still in user space, where a sibling's exec
  // (de_thread()) may kill it; so the first step also declares a read of the thread
  // group's signal state — which de_thread() writes — and the thread counts as inside
  // the kernel only once that step has run.
  const r = body.next();
  if (r.done) return r.value;
  const first = r.value;
  const signal = access(t.process.simId, 0, false);
  yield withAccess(first, signal);
  t.world.engine.touch(signal);
  // Killed by a sibling's exec while in user space: the thread never enters the kernel.
  if (t.sim.killed) throw THREAD_EXIT;
  t.sim.inKernel++;
  try {
    // The rest of the (started) body. yield* hands the body's own results through (no
    // result object per level and step) and, when this path is unwound from outside (a
    // plain call that would block), forwards return() so the body cleans up first.
    return yield* body;
  } finally {
    if (t.taskWork.length > 0) yield* runTaskWorkSteps(t);
    t.sim.inKernel--;
    t.sim.afterSyscall = true;
  }
}
