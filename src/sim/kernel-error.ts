import { ERRNO, type ErrnoName } from './errno.js';

const FOOTPRINT: unique symbol = Symbol.for('fdlab/KernelError') as never;

/**
 * A failed system call: the model's form of a negative errno return.
 *
 * Models the `-errno` convention of the syscall layer (e.g. `return -EBADF;` in
 * fs/file.c). Every syscall validates its arguments before it changes any state, so a
 * call that throws a KernelError has changed nothing.
 *
 * @remarks Use {@link KernelError.is} rather than `instanceof` when two copies of fdlab
 * (ESM and CJS) may meet in one program.
 *
 * @example
 * ```ts
 * import { Kernel, KernelError } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * try { p.close(42); } catch (e) {
 *   if (KernelError.is(e)) console.log(e.code, e.errno); // 'EBADF' 9
 * }
 * ```
 */
export class KernelError extends Error {
  /** The errno name, e.g. `'EBADF'`. */
  readonly code: ErrnoName;
  /** The errno number, e.g. `9` for EBADF. */
  readonly errno: number;
  /** The syscall or kernel function that failed, e.g. `'close'`. */
  readonly syscall: string;
  private readonly footprint: symbol = FOOTPRINT;

  /**
   * @param code - the errno name
   * @param syscall - the failing call, used in the message
   * @param detail - optional explanation in kernel words
   */
  constructor(code: ErrnoName, syscall: string, detail?: string) {
    // String(): a Symbol in a template literal throws; an error message never may.
    super(`${String(syscall)}: ${String(code)}${detail ? ` (${String(detail)})` : ''}`);
    this.name = 'KernelError';
    this.code = code;
    this.errno = ERRNO[code];
    this.syscall = syscall;
  }

  /**
   * True if `err` is a KernelError from any copy of fdlab.
   *
   * @example
   * ```ts
   * import { KernelError } from 'fdlab';
   * KernelError.is(new KernelError('EBADF', 'close')); // true
   * ```
   */
  static is(err: unknown): err is KernelError {
    return typeof err === 'object' && err !== null && (err as { footprint?: unknown }).footprint === FOOTPRINT;
  }
}
