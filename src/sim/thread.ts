import type { Lock } from './lock.js';
import { ModelError } from './model-error.js';
import type { KernelPath, Step } from './step.js';

/**
 * Thrown through a thread's body to end it normally (exit(2) does not return). The
 * thread finishes with no result and no error.
 *
 * @example
 * ```ts
 * import { THREAD_EXIT, type KernelPath } from 'fdlab';
 * function* body(): KernelPath<never> { throw THREAD_EXIT; }
 * ```
 */
export const THREAD_EXIT: unique symbol = Symbol('fdlab.thread-exit') as never;

/**
 * A schedulable thread of the model: a generator of {@link Step}s plus the state the
 * scheduler and the detectors need (held locks, RCU nesting).
 *
 * Models the scheduling side of `struct task_struct`: which step the task runs next,
 * whether it can run, and what it holds.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * const t = k.spawnProcess().thread(function* (sys) { yield* sys.getpid(); });
 * t.sim.done; // false until the scheduler runs it
 * ```
 */
export class SimThread {
  /** Index in the engine's thread list; the number used in schedule strings. */
  readonly id: number;
  /** Name for traces, e.g. `P1.T1`. */
  name: string;
  /** The running path, or null when the thread has no body (idle in user space). */
  gen: KernelPath<unknown> | null = null;
  /** The step the thread will take next; null when it has finished. */
  pending: Step | null = null;
  /** True once the body returned or threw. */
  done = true;
  /** The body's return value. */
  result: unknown = undefined;
  /** What the body threw (a KernelError from a syscall, usually). */
  error: unknown = undefined;
  /** Locks currently held, in acquisition order. */
  readonly held: Lock[] = [];
  /** rcu_read_lock() nesting depth. */
  rcuDepth = 0;
  /** Step number at which the outermost RCU read-side section began. */
  rcuSince = -1;
  /** Depth of kernel entry: >0 while inside a system call. */
  inKernel = 0;
  /** Set when another thread killed this one (de_thread, exit_group). */
  killed = false;
  /**
   * True for the thread of a user task, whose body is user code between system calls
   * (checked mode then refuses shared-state accesses outside the kernel); false for
   * kernel threads and bare engine threads, whose every step is kernel code.
   */
  user = false;
  /**
   * True from the moment a system call of this thread returns until its next step
   * begins: the code running then is user code, which checked mode keeps away from
   * shared state.
   */
  afterSyscall = false;

  /** @param id - index in the engine @param name - display name */
  constructor(id: number, name: string) {
    this.id = id;
    this.name = name;
  }

  /** Starts `gen` as the thread's body: runs it up to its first yield. @internal */
  start(gen: KernelPath<unknown>): void {
    this.gen = gen;
    this.done = false;
    this.advance(undefined);
  }

  /** Runs the body from its pending step to the next yield. @internal */
  advance(input: unknown): void {
    const gen = this.gen;
    if (gen === null) return;
    let r: IteratorResult<Step, unknown>;
    try {
      r = gen.next(input);
    } catch (e) {
      // Model misuse (an undeclared access in checked mode, a plain call that would
      // block) is the caller's bug, not the thread's outcome: let it out.
      if (ModelError.is(e)) throw e;
      // A body that throws (usually a KernelError a syscall returned) ends the
      // thread; the engine decides whether the throw is a violation.
      this.finish(undefined, e === THREAD_EXIT ? undefined : e);
      return;
    }
    if (r.done) this.finish(r.value, undefined);
    else {
      const v = r.value as Step | null | undefined;
      if (v === null || typeof v !== 'object' || typeof v.fn !== 'string' || (typeof v.acc !== 'number' && !Array.isArray(v.acc))) {
        throw new ModelError('bad-yield', `${this.name} yielded ${v === null ? 'null' : typeof v === 'object' ? 'an object that is not a step' : String(v)}: a thread body yields only steps, usually with yield* sys.call(...)`);
      }
      this.pending = v;
    }
  }

  /** Marks the thread finished. @internal */
  finish(result: unknown, error: unknown): void {
    this.pending = null;
    this.done = true;
    this.gen = null;
    this.result = result;
    this.error = error;
  }
}
