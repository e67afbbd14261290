import { KernelError, type Kernel, type KernelPath, type Sys } from '../index.js';
import { syscallSteps, umountSteps } from '../extend.js';

/**
 * umount(2) of `path` from a thread body, for the scenarios whose question is whether a
 * file on the mount still pins it: {@link umountSteps} entered as a system call (its step
 * is also the kernel entry, which a fatal signal or a sibling's exec races with).
 * Returns 'umounted' or the errno name (EBUSY while a file on it is alive). @internal
 */
export function* umountStep(sys: Sys, k: Kernel, path: string): KernelPath<string> {
  try {
    yield* syscallSteps(sys.task, umountSteps(k.vfs, path));
    return 'umounted';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}
