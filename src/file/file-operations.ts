import { KernelError } from '../sim/kernel-error.js';
import { pipeRead, pipeWouldBlock, pipeWrite } from './pipe.js';
import type { RefFile } from './ref-file.js';

/**
 * The operations of a file type: what read, write, lseek, getdents, poll, close and the
 * final release do for it. Users implement this interface for their own file types.
 *
 * Models `struct file_operations` in include/linux/fs.h. Each method runs as one atomic
 * step of the caller's path; `f_pos` handling (read, update, locking) is done by the
 * syscall layer around these calls, exactly as vfs_read() is called with a position
 * copied out of and back into `f_pos`.
 *
 * @example
 * ```ts
 * import type { FileOperations } from 'fdlab';
 * const zero: FileOperations = {
 *   name: 'zero',
 *   read: (_file, _pos, count) => '\0'.repeat(count),
 * };
 * ```
 */
export interface FileOperations {
  /** Type name for traces, e.g. `'ext4_file'`. */
  readonly name: string;
  /** True for stream files (stream_open()): no f_pos, no FMODE_ATOMIC_POS, lseek is ESPIPE. */
  readonly stream?: boolean;
  /** ->read: returns the bytes read at `pos` (at most `count`). */
  read?(file: RefFile, pos: number, count: number): string;
  /** ->write: writes `data` at `pos`, returns the number of bytes written. */
  write?(file: RefFile, pos: number, data: string): number;
  /** ->llseek: returns the new position. Defaults to generic_file_llseek(). */
  llseek?(file: RefFile, offset: number, whence: number): number;
  /** ->iterate_shared: returns up to `count` directory entries starting at `pos`. */
  iterateShared?(file: RefFile, pos: number, count: number): string[];
  /** ->poll: the ready mask (EPOLLIN = 1, EPOLLOUT = 4, ...). */
  poll?(file: RefFile): number;
  /** ->flush: called on every close of an fd referring to the file (filp_flush()). */
  flush?(file: RefFile, owner: object): void;
  /**
   * True if the read or write of `n` bytes would sleep now (the condition of the
   * operation's wait queue). A plain call then throws a ModelError; a thread's step
   * parks until it turns false.
   */
  wouldBlock?(file: RefFile, op: 'read' | 'write', n: number): boolean;
  /** ->release: called once, from __fput(), when the last reference goes. */
  release?(file: RefFile): void;
}

/**
 * Regular-file operations over the inode's string contents.
 * Models ext4/tmpfs file_operations (generic_file_read_iter and friends).
 *
 * @example
 * ```ts
 * import { regularFileOperations } from 'fdlab';
 * regularFileOperations.name; // 'regular'
 * ```
 */
export const regularFileOperations: FileOperations = {
  name: 'regular',
  read: (file, pos, count) => file.inode.data.slice(pos, pos + count),
  write: (file, pos, data) => {
    const old = file.inode.data;
    file.inode.data = old.slice(0, pos).padEnd(pos, '\0') + data + old.slice(pos + data.length);
    return data.length;
  },
  poll: () => 1 | 4,
};

/**
 * Directory operations: getdents lists `inode.entries`; read is EISDIR.
 * Models a filesystem's dir file_operations with `.iterate_shared` (e.g. dcache_readdir).
 *
 * @example
 * ```ts
 * import { directoryOperations } from 'fdlab';
 * typeof directoryOperations.iterateShared; // 'function'
 * ```
 */
export const directoryOperations: FileOperations = {
  name: 'directory',
  read: () => {
    throw new KernelError('EISDIR', 'read');
  },
  iterateShared: (file, pos, count) => file.inode.entries.slice(pos, pos + count),
};

/**
 * Pipe operations: a stream over the inode's buffers (see PipeState); reads consume,
 * writes append, with pipe_read()/pipe_write()'s EOF, EPIPE, EAGAIN, capacity and
 * O_DIRECT packet rules. Models fs/pipe.c pipefifo_fops (stream_open: no f_pos lock,
 * lseek is ESPIPE).
 *
 * @example
 * ```ts
 * import { pipeOperations } from 'fdlab';
 * pipeOperations.stream; // true
 * ```
 */
export const pipeOperations: FileOperations = {
  name: 'pipe',
  stream: true,
  read: (file, _pos, count) => pipeRead(file, count),
  write: (file, _pos, data) => pipeWrite(file, data),
  wouldBlock: (file, op, n) => pipeWouldBlock(file, op, n),
  release: (file) => file.inode.pipe?.released(file),
  poll: (file) => (file.inode.data.length > 0 ? 1 : 0) | 4,
};

/**
 * Operations of an anonymous-inode file (anon_inode_getfile()) that has no I/O of its
 * own: reads and writes fail with EINVAL.
 *
 * @example
 * ```ts
 * import { anonFileOperations } from 'fdlab';
 * anonFileOperations.stream; // true
 * ```
 */
export const anonFileOperations: FileOperations = {
  name: 'anon_inode',
  stream: true,
  read: () => {
    throw new KernelError('EINVAL', 'read');
  },
  write: () => {
    throw new KernelError('EINVAL', 'write');
  },
};
