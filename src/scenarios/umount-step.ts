import { KernelError, type KernelPath, type Sys } from '../index.js';

/**
 * umount2(path, 0) from a thread body, for the scenarios whose question is whether a file
 * on the mount still pins it. The calling process needs CAP_SYS_ADMIN. Returns 'umounted'
 * or the errno name (EBUSY while a file on it is alive). @internal
 */
export function* umountStep(sys: Sys, path: string): KernelPath<string> {
  try {
    yield* sys.umount2(path, 0);
    return 'umounted';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}
