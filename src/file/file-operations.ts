import { KernelError } from '../sim/kernel-error.js';
import { ModelError } from '../sim/model-error.js';
import { access } from '../sim/step.js';
import type { WaitQueue } from '../sim/wait-queue.js';
import { DEFAULT_POLLMASK, type PollTable } from './poll.js';
import type { RefFile } from './ref-file.js';

export { pipeOperations } from './pipe.js';

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
  /** True for stream files (stream_open()): no f_pos, no FMODE_ATOMIC_POS, lseek is ESPIPE unless the type has its own `llseek`. */
  readonly stream?: boolean;
  /**
   * For a stream: pread(2) and pwrite(2) still reach `read` and `write` (FMODE_PREAD and
   * FMODE_PWRITE kept, as files opened through dentry_open() — pidfs — have them); by
   * default a stream answers them ESPIPE, as stream_open() and anonymous inodes leave
   * it. Files that are not streams always have both.
   */
  readonly positionalIo?: boolean;
  /**
   * ->read: returns the bytes read at `pos` (at most `count`). `slept` is true when a
   * blocking stream read slept on a wait queue before this attempt (pipe_read() passes
   * the wake-up on to the next reader only then).
   */
  read?(file: RefFile, pos: number, count: number, slept?: boolean): string;
  /** ->write: writes `data` at `pos`, returns the number of bytes written. */
  write?(file: RefFile, pos: number, data: string): number;
  /**
   * ->llseek: returns the new position. `pos` is f_pos as the call's own step read it (its
   * read is the recorded one). Defaults to generic_file_llseek(); {@link noopLlseek} for
   * files whose position never moves.
   */
  llseek?(file: RefFile, offset: number, whence: number, pos: number): number;
  /** ->iterate_shared: returns up to `count` directory entries starting at `pos`. */
  iterateShared?(file: RefFile, pos: number, count: number): string[];
  /**
   * ->poll: the ready mask (EPOLLIN = 1, EPOLLOUT = 4, ...); registers the caller on the
   * type's wait queues with `pollWait(file, wq, pt)`. A type without ->poll is always
   * ready to poll(2) (DEFAULT_POLLMASK) and cannot be added to an epoll (EPERM).
   */
  poll?(file: RefFile, pt: PollTable | null): number;
  /** Locations ->poll reads beyond the inode (field 0), for the steps that call it. */
  pollAccess?(file: RefFile): readonly number[];
  /** The wait queues ->poll registers on and the type's operations wake (declared by the steps that touch them). */
  waitQueues?(file: RefFile): readonly WaitQueue[];
  /** The queue a read of `count` would sleep on now (a blocking file with nothing to read), or null. */
  readBlocks?(file: RefFile, count: number): WaitQueue | null;
  /** The queue a write of `data` would sleep on now (no room), or null. */
  writeBlocks?(file: RefFile, data: string): WaitQueue | null;
  /** ->fasync: F_SETFL turning O_ASYNC on or off; a type without it keeps O_ASYNC clear (setfl() in fs/fcntl.c). */
  fasync?(file: RefFile, on: boolean): void;
  /** ->flush: called on every close of an fd referring to the file (filp_flush()). */
  flush?(file: RefFile, owner: object): void;
  /**
   * ->release: called once, from __fput(), when the last reference goes. It may return a
   * kernel path (a release that takes a mutex, like an epoll's), which the stepped
   * `__fput()` runs as steps; any other return value is ignored.
   */
  release?(file: RefFile): unknown;
  /**
   * What the step that calls operation `op` touches, as encoded accesses (`access(id,
   * field, write)`), so the explorer knows before the step runs. The operations record
   * what they really touch — through the inode's `data` accessor, or with
   * `engine.read()` / `engine.write()` on objects of their own — and checked mode fails
   * a step that touches more than this declares. Defaults to
   * {@link defaultFileOpAccesses}: the inode's data, read (written by `write`, and by
   * `read` of a stream, which consumes what it reads).
   */
  accesses?(file: RefFile, op: FileOpName): number | readonly number[];
}

/**
 * The file operations a syscall step calls.
 *
 * @example
 * ```ts
 * import type { FileOpName } from 'fdlab';
 * const op: FileOpName = 'read';
 * ```
 */
export type FileOpName = 'read' | 'write' | 'llseek' | 'iterate' | 'poll' | 'flush' | 'release';

/**
 * The default declaration of a file operation's step: the inode's data (field 0), read,
 * or written by `write` and by a stream's `read` (which consumes).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, defaultFileOpAccesses, accessIsWrite } from 'fdlab';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * accessIsWrite(defaultFileOpAccesses(f, 'read')); // false
 * f.fput();
 * ```
 */
export function defaultFileOpAccesses(file: RefFile, op: FileOpName): number {
  return access(file.inode.simId, 0, op === 'write' || op === 'flush' || op === 'release' || (op === 'read' && file.ops.stream === true));
}

/**
 * The accesses of the step that calls `op` on `file`: the file type's own declaration,
 * or the default.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, fileOpAccesses } from 'fdlab';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * fileOpAccesses(f, 'read');
 * f.fput();
 * ```
 */
export function fileOpAccesses(file: RefFile, op: FileOpName): number | readonly number[] {
  const a = file.ops.accesses;
  return a !== undefined ? a.call(file.ops, file, op) : defaultFileOpAccesses(file, op);
}

/**
 * The largest regular file the model holds, in bytes (64 MiB): contents are a string
 * with no holes, so a write that would end past it throws ModelError `model-limit`
 * where the kernel would write a sparse file.
 *
 * @example
 * ```ts
 * import { MODEL_FILE_MAX } from 'fdlab';
 * MODEL_FILE_MAX; // 67108864
 * ```
 */
export const MODEL_FILE_MAX = 64 * 1024 * 1024;

/**
 * The model's s_maxbytes, the largest file offset (2^53 − 1, the largest exact integer;
 * ext4 allows 2^44, tmpfs 2^63 − 1): lseek past it is EINVAL, a write at or past it
 * EFBIG, sendfile from it EOVERFLOW. @internal
 */
export const S_MAXBYTES = Number.MAX_SAFE_INTEGER;

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
    // generic_write_check_limits(): at or past s_maxbytes (the model's: 2^53 - 1, the
    // largest exact offset) is EFBIG. Below it the kernel would make a sparse file; the
    // model's contents are a dense string, so it stops at MODEL_FILE_MAX instead, before
    // changing anything, with an error that says it is the model's limit.
    if (pos >= S_MAXBYTES) throw new KernelError('EFBIG', 'write', `offset ${pos} at or past the maximum file size`);
    if (data.length > 0 && pos + data.length > MODEL_FILE_MAX) {
      throw new ModelError('model-limit', `write of ${data.length} bytes at offset ${pos} to ${file.name}: the model holds regular files up to MODEL_FILE_MAX (${MODEL_FILE_MAX} bytes); the kernel would write a sparse file`);
    }
    const old = file.inode.data;
    file.inode.data = old.slice(0, pos).padEnd(pos, '\0') + data + old.slice(pos + data.length);
    return data.length;
  },
};

/**
 * Regular-file operations with a `->poll`, as procfs, sysfs (kernfs) and debugfs files
 * have: always ready, and — unlike ext4 files — accepted by epoll_ctl(). Mount a
 * filesystem with these (`vfs.mount(path, 'sysfs', { fileOperations })`) to put a
 * pollable regular file on an unmountable-while-busy filesystem.
 * Models kernfs_fop_poll() / proc_reg_poll() returning DEFAULT_POLLMASK.
 *
 * @example
 * ```ts
 * import { kernfsFileOperations } from 'fdlab';
 * typeof kernfsFileOperations.poll; // 'function'
 * ```
 */
export const kernfsFileOperations: FileOperations = {
  ...regularFileOperations,
  name: 'kernfs',
  poll: () => DEFAULT_POLLMASK,
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
  iterateShared: (file, pos, count) => {
    // Entries change only when a file is created in the directory (the inode's field 0).
    file.inode.engine?.read(file.inode.simId, 0);
    return file.inode.entries.slice(pos, pos + count);
  },
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

/**
 * noop_llseek(): lseek succeeds and returns the current position without moving it (epoll
 * and eventfd files: lseek(epfd, 5, SEEK_CUR) is 0 on Linux, where a pipe says ESPIPE).
 *
 * @example
 * ```ts
 * import { noopLlseek, type FileOperations } from 'fdlab';
 * const ops: FileOperations = { name: 'counter', stream: true, llseek: noopLlseek };
 * ```
 */
export function noopLlseek(_file: RefFile, _offset: number, _whence: number, pos: number): number {
  return pos;
}
