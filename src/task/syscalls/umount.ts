import { MNT_DETACH, MNT_EXPIRE, MNT_FORCE, UMOUNT_NOFOLLOW } from '../../file/constants.js';
import { getname } from '../../file/open-flags.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import { flagsWithin } from '../../sim/validate.js';
import type { Task } from '../task.js';

/**
 * umount2(path, flags) as a kernel path for task `t`. Models ksys_umount(),
 * path_umount(), can_umount() and do_umount() in fs/namespace.c, in their order (checked
 * on the host):
 *
 * 1. a flag outside MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW is EINVAL;
 * 2. one step: the path walk (ENOENT, ENOTDIR, ENAMETOOLONG), then may_mount() — EPERM
 *    without CAP_SYS_ADMIN, before anything about the path itself — then EINVAL unless
 *    the path is the root of a mounted filesystem (the root filesystem too: the model
 *    has one namespace, whose root it does not let go);
 * 3. MNT_EXPIRE (do_umount()'s first block, outside namespace_sem): EINVAL with
 *    MNT_FORCE or MNT_DETACH; then one step on mnt_count: EBUSY if a file pins the
 *    mount; the first call on an unused mount sets mnt_expiry_mark and answers EAGAIN,
 *    a second one, the mark still set (no open or last close on the mount in between),
 *    goes on;
 * 4. one step under namespace_sem: EINVAL if the mount left the namespace since the walk
 *    (check_mnt(): another umount won the race); with MNT_DETACH umount_tree() of the
 *    mount and everything below it, busy or not — files on it keep working, the mount
 *    is freed with the last of them; without it EBUSY while a file pins the mount or a
 *    mount lies below it (propagate_mount_busy()), else the mount goes. MNT_FORCE asks
 *    the filesystem's ->umount_begin(), which no modelled filesystem has: it is then a
 *    plain umount, as on tmpfs.
 *
 * UMOUNT_NOFOLLOW changes nothing: the model has no symbolic links. Call it inside
 * `syscallSteps()`, as `sys.umount2()` does; a kernel path of your own that unmounts
 * (a service manager in a plugin, say) can use it the same way.
 *
 * @example
 * ```ts
 * import { Kernel, MNT_DETACH, O_RDONLY, type Sys } from 'fdlab';
 * import { syscallSteps, umount2Steps } from 'fdlab/extend';
 * const k = new Kernel();
 * k.vfs.mount('/mnt');
 * const p = k.spawnProcess({ creds: { uid: 0 } });
 * const fd = p.open('/mnt', O_RDONLY);
 * p.thread((sys: Sys) => syscallSteps(sys.task, umount2Steps(sys.task, '/mnt', MNT_DETACH)));
 * k.run();
 * k.vfs.mountAt('/mnt'); // undefined: detached, though fd still pins it
 * ```
 */
export function* umount2Steps(t: Task, path: string, flags: number): KernelPath<void> {
  if (!flagsWithin(flags, MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) throw new KernelError('EINVAL', 'umount2', `bad flags ${flags}`);
  getname(path);
  const vfs = t.world.vfs;
  // user_path_at() reads the dentry tree; can_umount() then only looks at the caller
  // and at what the walk found.
  yield { fn: 'user_path_at', acc: access(vfs.simId, 0, false) };
  const m = vfs.mountRoot(path);
  if (!t.process.creds.caps.includes('CAP_SYS_ADMIN')) throw new KernelError('EPERM', 'umount2', 'may_mount(): CAP_SYS_ADMIN needed');
  if (m === null || m === vfs.root) throw new KernelError('EINVAL', 'umount2', `${path} is not the root of an unmountable mount`);
  if ((flags & MNT_EXPIRE) !== 0) {
    if ((flags & (MNT_FORCE | MNT_DETACH)) !== 0) throw new KernelError('EINVAL', 'umount2', 'MNT_EXPIRE with MNT_FORCE or MNT_DETACH');
    yield { fn: 'mnt_get_count', acc: m.countAccess(false) };
    if (m.busy()) throw new KernelError('EBUSY', 'umount2', `${m.count} open file(s) pin ${m.path}`);
    if (!m.expiryMark) {
      // xchg(&mnt->mnt_expiry_mark, 1): the mark is the call's one effect, as in the kernel.
      m.expiryMark = true;
      throw new KernelError('EAGAIN', 'umount2', `${m.path} marked as expired: unmounted by the next MNT_EXPIRE if still unused`);
    }
  }
  yield { fn: 'do_umount', acc: [access(vfs.simId, 0, true), m.countAccess(false)] };
  if (!m.mounted) throw new KernelError('EINVAL', 'umount2', `${m.path} was unmounted meanwhile (check_mnt)`);
  vfs.detach(m, (flags & MNT_DETACH) !== 0);
}
