import type { Traceable } from '../sim/engine.js';
import { access } from '../sim/step.js';
import type { FileOperations } from './file-operations.js';
import type { FileWorld } from './world.js';

/** Field of a mount's engine object: mnt_count. */
export const MNT_COUNT = 0;

/**
 * A mounted filesystem. Every open file pins the mount it lives on, so umount fails
 * with EBUSY while any file on it is alive.
 *
 * Models `struct vfsmount` / `struct mount` (mnt_count) in fs/mount.h; files take their
 * reference in do_dentry_open() and drop it in __fput() (mntput). The internal
 * anonymous-inode filesystem is `SB_NOUSER`: it can never be mounted or unmounted.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * const k = new Kernel();
 * k.vfs.mount('/mnt');
 * const p = k.spawnProcess();
 * const fd = p.open('/mnt', O_RDONLY);
 * k.vfs.mountAt('/mnt')!.count; // 1: the open directory pins it
 * p.close(fd);
 * k.vfs.umount('/mnt');
 * ```
 */
export class Mount implements Traceable {
  /** Engine object id (field 0: mnt_count). */
  readonly simId: number;
  /** Mount id. */
  readonly id: number;
  /** Mount point path. */
  readonly path: string;
  /** Filesystem type name. */
  readonly fstype: string;
  /** True for an internal filesystem that user space cannot mount or unmount (SB_NOUSER). */
  readonly nouser: boolean;
  /**
   * Files currently pinning the mount. A kernel path reads it only through
   * {@link busy}; tests, the audit and the renderers read it directly.
   */
  count = 0;
  /** False once unmounted, or detached from the namespace by a lazy umount (MNT_DETACH). */
  mounted = true;
  /**
   * mnt_expiry_mark: set by an umount2(MNT_EXPIRE) that found the mount unused (it
   * answers EAGAIN), cleared by any use of the mount (here: a file on it opened or
   * finally closed); a second MNT_EXPIRE finding it still set unmounts.
   */
  expiryMark = false;
  /** Operations of the regular files on this filesystem (default: regularFileOperations). */
  fileOperations: FileOperations | null = null;
  /** The world the mount belongs to. @internal */
  readonly world: FileWorld;

  /**
   * @param world - owning kernel world
   * @param id - mount id
   * @param path - mount point
   * @param fstype - filesystem type
   * @param nouser - internal (SB_NOUSER)
   */
  constructor(world: FileWorld, id: number, path: string, fstype: string, nouser: boolean) {
    this.world = world;
    this.id = id;
    this.path = path;
    this.fstype = fstype;
    this.nouser = nouser;
    this.simId = world.engine.register(this);
  }

  /**
   * The access a step declares on mnt_count: `pin` for mntget() and mntput(), otherwise
   * the check of umount (see {@link busy} for why the two are swapped).
   */
  countAccess(pin: boolean): number {
    return access(this.simId, MNT_COUNT, !pin);
  }

  /**
   * Models mntget(): a new file pins the mount. The open's path walk also drops its own
   * reference (path_put() → mntput()), which clears the expiry mark: so does this.
   */
  mntget(): void {
    const e = this.world.engine;
    e.read(this.simId, MNT_COUNT);
    const before = this.count;
    this.count = before + 1;
    this.expiryMark = false;
    if (e.tracing) e.effect('mntget', this.simId, MNT_COUNT, before, this.count);
  }

  /** Models mntput(): the last reference to a file on the mount is gone (in __fput()). */
  mntput(): void {
    const e = this.world.engine;
    e.read(this.simId, MNT_COUNT);
    const before = this.count;
    this.count = before - 1;
    this.expiryMark = false;
    if (e.tracing) e.effect('mntput', this.simId, MNT_COUNT, before, this.count);
  }

  /**
   * True while a file pins the mount: the check of umount (do_umount()'s
   * propagate_mount_busy()). The one way a kernel path may look at the count.
   *
   * mnt_count is a counter whose updates commute: the kernel's is per-CPU, and
   * mntget() and mntput() never look at the value. Only this check does. So the
   * recorded accesses are swapped, as a reader-writer lock's modes are: a pin or an
   * unpin records a *shared* access of the location (encoded as a read) and the check
   * an *exclusive* one (a write). Pins and unpins then commute with each other — as they
   * do in the kernel; declaring them as writes made the explorer order every open
   * against every final fput on the same mount, a quarter more runs for nothing — and
   * each is ordered against every check, which is what the explorer must see. Clearing
   * the expiry mark rides on the same shared access: clears commute with each other and
   * with the count's updates, and only umount (exclusive) reads or sets the mark.
   */
  busy(): boolean {
    this.world.engine.write(this.simId, MNT_COUNT);
    return this.count > 0;
  }

  /** @internal */
  simName(): string {
    return `mnt:${this.path}`;
  }

  /** @internal */
  simCount(): number {
    return this.count;
  }

  /** @internal */
  simKind(): 'mount' {
    return 'mount';
  }
}
