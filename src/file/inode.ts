import type { Engine } from '../sim/engine.js';
import type { FileOperations } from './file-operations.js';
import type { FileTarget } from './file-target.js';
import type { Pipe } from './pipe.js';
import { detachSplicedPages, type SplicedPage } from './spliced-page.js';

/**
 * The kind of an inode: regular file, directory, FIFO (pipe), character device (a node
 * made with `vfs.mknod()`, opened with the operations given there), or an anonymous
 * inode with no path (pidfd, eventpoll, io_uring).
 *
 * @example
 * ```ts
 * import type { InodeKind } from 'fdlab';
 * const k: InodeKind = 'dir';
 * ```
 */
export type InodeKind = 'reg' | 'dir' | 'fifo' | 'chr' | 'sock' | 'anon';

/**
 * An inode: the object behind every open file of the same path. Holds the data a
 * regular file reads, the entries a directory lists, and the POSIX record locks
 * (`i_flctx`) set on it.
 *
 * Models `struct inode` in include/linux/fs.h, reduced to what file lifetime needs.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.vfs.lookup('/data/log').inode.kind; // 'reg'
 * ```
 */
export class Inode {
  /** Engine object id (field 0: data and entries, field 1: lock list), -1 if unregistered. */
  simId = -1;
  /** Inode number. */
  readonly ino: number;
  /** Regular file, directory, pipe or anonymous inode. */
  readonly kind: InodeKind;
  /** Path it was created at (anonymous inodes: `anon_inode:[name]`). */
  readonly path: string;
  /** The engine that records accesses to the inode's data (set when registered). @internal */
  engine: Engine | null = null;
  private contents = '';
  /** Names in a directory, in iteration order. */
  readonly entries: string[] = [];
  /** POSIX record locks on this inode, created on first use (i_flctx). */
  locks: unknown[] | null = null;
  /** The pipe state of a FIFO inode (readers, writers, wait queues), else null. */
  pipe: Pipe | null = null;
  /** The file operations a device node opens with (i_fop after chrdev_open()), else null. */
  fops: FileOperations | null = null;
  /** The target the last file opened on this inode shares (see FileTarget). @internal */
  fileTarget: FileTarget | null = null;
  /** Pages of this file that pipe buffers point at (spliced), while in the cache. @internal */
  spliced: Set<SplicedPage> | null = null;

  /** @param ino - number @param kind - type @param path - creation path */
  constructor(ino: number, kind: InodeKind, path: string) {
    this.ino = ino;
    this.kind = kind;
    this.path = path;
  }

  /**
   * Contents of a regular file, or the buffered bytes of a pipe. Reading and writing it
   * are recorded accesses of field 0 (inode data), so a step that consumes pipe data
   * is seen as the write it is.
   */
  get data(): string {
    this.engine?.read(this.simId, 0);
    return this.contents;
  }

  /** Replaces the contents (a recorded write of field 0). */
  set data(v: string) {
    this.engine?.write(this.simId, 0);
    if (this.spliced !== null && v.length < this.contents.length) detachSplicedPages(this, this.contents, v.length);
    this.contents = v;
  }

  /** Sets the contents a new inode starts with (not an access: nobody can see it yet). @internal */
  initData(v: string): void {
    this.contents = v;
  }

  /** The contents without recording an access (audits, snapshots, renderers). */
  peekData(): string {
    return this.contents;
  }

  /** @internal */
  simName(field: number): string {
    return field === 0 ? `inode:${this.path}` : `inode:${this.path}.i_flctx`;
  }

  /** @internal */
  simLabel(): string {
    return `inode:${this.path}`;
  }

  /** @internal */
  simKind(): 'inode' {
    return 'inode';
  }
}
