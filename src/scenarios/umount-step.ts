import { KernelError, type Kernel, type KernelPath, type RefFile } from '../index.js';
import { access, fileAccess } from '../extend.js';

/**
 * umount(2) of `path` as one step, for the scenarios whose question is whether a file on
 * the mount still pins it. Returns 'umounted' or the errno name (EBUSY while a file on it
 * is alive).
 *
 * The model keeps mnt_count as a plain counter that only the mntput stage of a file's
 * `__fput()` changes, and that stage writes the file's state field; so the step declares
 * a read of the state and f_count of `file` (the file whose teardown it waits on — named
 * by the caller, because a declaration computed from the files alive at the step would
 * miss one freed just before it, and with it the race), and a write of the namespace,
 * which the path walk of any later open reads. @internal
 */
export function* umountStep(k: Kernel, path: string, file: RefFile): KernelPath<string> {
  yield { fn: `umount("${path}")`, acc: [access(k.vfs.simId, 0, true), fileAccess(file, 'state', false), fileAccess(file, 'f_count', false)] };
  try {
    k.vfs.umount(path);
    return 'umounted';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}
