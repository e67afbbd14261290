/**
 * A misuse of the model rather than a kernel answer: a plain call that would have to
 * block (a read on an empty pipe that still has writers, wait4 on a live child), which a
 * plain call cannot do because it has no other thread to wait for. Kernel answers are
 * KernelError; this one says "run it in a thread".
 *
 * Models no kernel function: it marks where the kernel would schedule() the caller away
 * (pipe_read()'s wait_event_interruptible_exclusive(), do_wait()'s schedule()).
 *
 * @example
 * ```ts
 * import { Kernel, ModelError } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [r] = p.pipe();
 * try { p.read(r, 1); } catch (e) {
 *   if (e instanceof ModelError) console.log(e.code); // 'would-block'
 * }
 * ```
 */
export class ModelError extends Error {
  /** What the misuse is, e.g. `'would-block'`. */
  readonly code: string;

  /**
   * @param code - a short machine-readable reason
   * @param message - the explanation
   */
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'ModelError';
  }
}
