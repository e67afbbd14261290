import { KernelError, type Kernel, type KernelPath, type Sys } from '../index.js';
import { access, syscallSteps } from '../extend.js';

/**
 * umount(2) of `path` as one step, for the scenarios whose question is whether a file on
 * the mount still pins it. Returns 'umounted' or the errno name (EBUSY while a file on it
 * is alive).
 *
 * The step reads the mount's mnt_count, which every mntget() (an open on the mount) and
 * mntput() (the last stage of a file's `__fput()`) write, so the explorer orders it
 * against each of them; and it writes the namespace, which the path walk of any later
 * open reads. The model has no umount system call yet (it would need the mount
 * namespace's permission rules and a host oracle); this step is what the scenarios
 * need of it. Entered through syscallSteps() as every system call is (its step is also
 * the kernel entry, which a fatal signal or a sibling's exec races with). @internal
 */
export function umountStep(sys: Sys, k: Kernel, path: string): KernelPath<string> {
  return syscallSteps(sys.task, umountPath(k, path));
}

function* umountPath(k: Kernel, path: string): KernelPath<string> {
  const m = k.vfs.mountAt(path);
  yield { fn: `umount("${path}")`, acc: m === undefined ? access(k.vfs.simId, 0, true) : [access(k.vfs.simId, 0, true), m.countAccess(false)] };
  try {
    k.vfs.umount(path);
    return 'umounted';
  } catch (e) {
    if (KernelError.is(e)) return e.code;
    throw e;
  }
}
