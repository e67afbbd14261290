import type { PipeState } from './pipe.js';

/**
 * The kind of an inode: regular file, directory, FIFO (pipe), or an anonymous inode
 * with no path (pidfd, eventpoll, io_uring).
 *
 * @example
 * ```ts
 * import type { InodeKind } from 'fdlab';
 * const k: InodeKind = 'dir';
 * ```
 */
export type InodeKind = 'reg' | 'dir' | 'fifo' | 'anon';

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
  /** Contents of a regular file, or the buffered bytes of a pipe. */
  data = '';
  /** Names in a directory, in iteration order. */
  readonly entries: string[] = [];
  /** A pipe's buffers and ends (i_pipe), created on first use. */
  pipe: PipeState | null = null;
  /** POSIX record locks on this inode, created on first use (i_flctx). */
  locks: unknown[] | null = null;

  /** @param ino - number @param kind - type @param path - creation path */
  constructor(ino: number, kind: InodeKind, path: string) {
    this.ino = ino;
    this.kind = kind;
    this.path = path;
  }

  /** @internal */
  simName(field: number): string {
    return field === 0 ? `inode:${this.path}` : `inode:${this.path}.i_flctx`;
  }
}
