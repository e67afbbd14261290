import { KernelError, type ErrnoName, type KernelPath } from '../index.js';

/**
 * Runs a kernel path inside a thread body and turns a failed system call into its errno
 * name: the body returns the call's result, or e.g. `'EBADF'`. Anything that is not a
 * KernelError still throws. Lets a scenario's outcome table show which calls failed
 * without ending the thread.
 *
 * Models the user-space side of the syscall convention: a negative return is a value to
 * look at (`if (ret == -EBADF)`), not a crash.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { catchErrno } from 'fdlab/testing';
 * const k = new Kernel();
 * const t = k.spawnProcess().thread(function* (sys) {
 *   return yield* catchErrno(sys.read(42, 1)); // no fd 42
 * });
 * k.run();
 * t.sim.result; // 'EBADF'
 * ```
 */
export function* catchErrno<T>(path: KernelPath<T>): KernelPath<T | ErrnoName> {
  try {
    return yield* path;
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}

/**
 * Runs a plain call that must fail and returns its errno name; throws if it succeeds or
 * throws something that is not a KernelError.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { errnoOf } from 'fdlab/testing';
 * const p = new Kernel().spawnProcess();
 * errnoOf(() => p.close(42)); // 'EBADF'
 * ```
 */
export function errnoOf(fn: () => unknown): ErrnoName {
  try {
    fn();
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
  throw new Error('expected a KernelError, but the call succeeded');
}
