import type { FileOperations } from './file-operations.js';
import type { Inode } from './inode.js';
import type { Mount } from './mount.js';
import type { FileSlab } from './slab.js';

/**
 * What a struct file is open on: its `f_op`, `f_inode` and `f_path.mnt`, plus the slab
 * that holds the file's numeric fields. Files opened on the same inode through the same
 * mount with the same operations share one (the inode caches the last one made), so a
 * `RefFile` carries one pointer here instead of three: Node's V8 has no pointer
 * compression, and every pointer field of a million files is 8 MB.
 *
 * Not a kernel structure: the kernel stores the three pointers in each struct file
 * (include/linux/fs.h); sharing them changes nothing a file can observe, since the
 * pointers never change while the file is open.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const a = p.fileOf(p.open('/data/log', O_RDONLY));
 * const b = p.fileOf(p.open('/data/log', O_RDONLY));
 * a.inode === b.inode; // true, and both files point at one FileTarget
 * ```
 */
export class FileTarget {
  /** f_op. */
  readonly ops: FileOperations;
  /** f_inode. */
  readonly inode: Inode;
  /** f_path.mnt. */
  readonly mount: Mount;
  /** The cache whose arrays hold the numeric fields of the files. */
  readonly slab: FileSlab;

  /** @param ops - f_op @param inode - f_inode @param mount - f_path.mnt @param slab - the filp cache */
  constructor(ops: FileOperations, inode: Inode, mount: Mount, slab: FileSlab) {
    this.ops = ops;
    this.inode = inode;
    this.mount = mount;
    this.slab = slab;
  }
}
