import { access, type KernelPath } from '../sim/step.js';
import type { Vfs } from './vfs.js';

/**
 * umount of `path` as one step: the step writes the namespace (which the path walk of
 * every later open reads) and asks `Mount.busy()`, which reads the mount's mnt_count —
 * so the explorer orders it against every mntget() (an open on the mount) and mntput()
 * (the last stage of a file's `__fput()`), and nothing else. Throws what
 * {@link Vfs.umount} throws: EINVAL for a path that is not a mount point, EBUSY while a
 * file on the mount is alive.
 *
 * Models the check and the detach of do_umount() in fs/namespace.c, without its
 * permission checks or flags: the model has no umount2() system call yet. Call it
 * inside `syscallSteps()`, as a system call would be.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, type Sys } from 'fdlab';
 * import { syscallSteps, umountSteps } from 'fdlab/extend';
 * const k = new Kernel();
 * k.vfs.mount('/mnt');
 * const p = k.spawnProcess();
 * p.thread((sys: Sys) => syscallSteps(sys.task, umountSteps(k.vfs, '/mnt')));
 * k.run();
 * k.vfs.mountAt('/mnt'); // undefined: nothing pinned it
 * ```
 */
export function* umountSteps(vfs: Vfs, path: string): KernelPath<void> {
  const m = vfs.mountAt(path);
  const ns = access(vfs.simId, 0, true);
  yield { fn: `umount("${path}")`, acc: m === undefined ? ns : [ns, m.countAccess(false)] };
  vfs.umount(path);
}
