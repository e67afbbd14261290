import type { Traceable } from '../sim/engine.js';
import type { FileOperations } from './file-operations.js';
import type { FileWorld } from './world.js';

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
  /** Files currently pinning the mount. */
  count = 0;
  /** False once unmounted. */
  mounted = true;
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
