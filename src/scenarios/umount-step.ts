import { KernelError, type Kernel, type KernelPath } from '../index.js';
import { access } from '../extend.js';

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
 * need of it. @internal
 */
export function* umountStep(k: Kernel, path: string): KernelPath<string> {
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
