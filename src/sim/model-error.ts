const FOOTPRINT: unique symbol = Symbol.for('fdlab/ModelError') as never;

/**
 * Why a {@link ModelError} was thrown.
 *
 * - `undeclared-access`: a step touched a location its `yield` did not declare (checked mode).
 * - `outside-step`: a thread body touched shared state outside any step (before its first
 *   `yield`, or in user code between system calls).
 * - `would-block`: a plain (synchronous) call would have to wait; run it in a thread.
 * - `bad-yield`: a thread body yielded something that is not a step.
 * - `foreign-object`: an object of another `Kernel` was passed in.
 * - `bad-argument`: a JavaScript value no kernel could receive (wrong type, not a number).
 * - `bad-option`: an invalid option, policy or preset.
 * - `model-limit`: a call the kernel would accept but the model cannot hold (a regular
 *   file grown past `MODEL_FILE_MAX`).
 * - `internal`: a broken invariant of the model itself.
 *
 * @example
 * ```ts
 * import { ModelError, type ModelErrorCode } from 'fdlab';
 * const code: ModelErrorCode = 'would-block';
 * new ModelError(code, 'a plain read of an empty pipe').code; // 'would-block'
 * ```
 */
export type ModelErrorCode =
  | 'undeclared-access'
  | 'outside-step'
  | 'would-block'
  | 'bad-yield'
  | 'foreign-object'
  | 'bad-argument'
  | 'bad-option'
  | 'model-limit'
  | 'internal';

/**
 * Misuse of the model: something no kernel could receive (a plain call that would block,
 * a step that touches what it did not declare, an object of another Kernel). Distinct
 * from {@link KernelError}, which is what the kernel itself would answer.
 *
 * @remarks Use {@link ModelError.is} rather than `instanceof` when two copies of fdlab
 * (ESM and CJS) may meet in one program.
 *
 * @example
 * ```ts
 * import { ModelError } from 'fdlab';
 * const e = new ModelError('would-block', 'read would wait for pipe data in a plain call');
 * ModelError.is(e); // true
 * e.code;           // 'would-block'
 * ```
 */
export class ModelError extends Error {
  /** What kind of misuse. */
  readonly code: ModelErrorCode | (string & {});
  private readonly footprint: symbol = FOOTPRINT;

  /**
   * @param code - what kind of misuse
   * @param message - what happened, naming the step, location and thread where known
   */
  constructor(code: ModelErrorCode | (string & {}), message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }

  /**
   * True if `err` is a ModelError from any copy of fdlab.
   *
   * @example
   * ```ts
   * import { ModelError } from 'fdlab';
   * ModelError.is(new Error('x')); // false
   * ```
   */
  static is(err: unknown): err is ModelError {
    return typeof err === 'object' && err !== null && (err as { footprint?: unknown }).footprint === FOOTPRINT;
  }
}
