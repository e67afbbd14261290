import { KernelError } from '../sim/kernel-error.js';
import type { Engine } from '../sim/engine.js';
import { WaitQueue } from '../sim/wait-queue.js';
import { FMODE_READ, FMODE_WRITE, O_NONBLOCK } from './constants.js';
import type { FileOperations } from './file-operations.js';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM, pollWait } from './poll.js';
import type { RefFile } from './ref-file.js';

/**
 * Bytes a pipe holds before writers block: 16 pages, the default pipe size.
 *
 * @example
 * ```ts
 * import { PIPE_CAPACITY } from 'fdlab';
 * PIPE_CAPACITY; // 65536
 * ```
 */
export const PIPE_CAPACITY = 65536;

/**
 * Writes up to this size are atomic (all or nothing, EAGAIN when non-blocking).
 *
 * @example
 * ```ts
 * import { PIPE_BUF } from 'fdlab';
 * PIPE_BUF; // 4096
 * ```
 */
export const PIPE_BUF = 4096;

/**
 * The shared state of a pipe beside its inode's buffered bytes: the reader and writer
 * counts and the two wait queues.
 *
 * Models `struct pipe_inode_info` (include/linux/pipe_fs_i.h): `readers`, `writers`,
 * `rd_wait`, `wr_wait`. The bytes themselves stay in `inode.data`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const [r] = new Kernel().vfs.openPipe();
 * r.inode.pipe!.writers; // 1
 * ```
 */
export class Pipe {
  /** Open read ends (struct file references with FMODE_READ, counted once per open). */
  readers = 1;
  /** Open write ends. */
  writers = 1;
  /** Readers sleep here (pipe->rd_wait). */
  readonly rdWait: WaitQueue;
  /** Writers sleep here (pipe->wr_wait). */
  readonly wrWait: WaitQueue;

  /** @param engine - the engine @param name - the pipe inode's name */
  constructor(engine: Engine, name: string) {
    this.rdWait = new WaitQueue(engine, `${name}.rd_wait`);
    this.wrWait = new WaitQueue(engine, `${name}.wr_wait`);
  }
}

function pipeOf(file: RefFile): Pipe {
  const p = file.inode.pipe;
  if (p === null) throw new KernelError('EINVAL', 'pipe', `${file.name} is not a pipe`);
  return p;
}

/**
 * Pipe operations: a stream over the inode's buffer with the kernel's blocking rules —
 * a read of an empty pipe sleeps while there are writers (EOF without), a write sleeps
 * while the buffer is full and fails with EPIPE without readers; both wake the other
 * side. Models fs/pipe.c pipefifo_fops (pipe_read, pipe_write, pipe_poll, pipe_release).
 *
 * Deviation: a blocking write that does not fit waits until all of it fits (the kernel
 * writes what fits and sleeps for the rest); only a reader racing a write larger than
 * the free space could tell.
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
  read: (file, _pos, count) => {
    const pipe = pipeOf(file);
    const d = file.inode.data;
    if (d.length === 0 && count > 0 && pipe.writers > 0) throw new KernelError('EAGAIN', 'read', `${file.inode.path} is empty`);
    const out = d.slice(0, count);
    file.inode.data = d.slice(out.length);
    if (out.length > 0) pipe.wrWait.wakeUp(EPOLLOUT | EPOLLWRNORM);
    // wake_next_reader: readers sleep exclusively, so pass on what is left.
    if (file.inode.data.length > 0) pipe.rdWait.wakeUp(EPOLLIN | EPOLLRDNORM);
    return out;
  },
  write: (file, _pos, data) => {
    const pipe = pipeOf(file);
    if (pipe.readers === 0) throw new KernelError('EPIPE', 'write', `${file.inode.path} has no readers`);
    const free = PIPE_CAPACITY - file.inode.data.length;
    let n = data.length;
    if (n > free) {
      if (!(file.flags & O_NONBLOCK) && pipeOperations.writeBlocks?.(file, data) === null) n = data.length;
      else if (free === 0 || n <= PIPE_BUF) throw new KernelError('EAGAIN', 'write', `${file.inode.path} is full`);
      else n = free;
    }
    file.inode.data += data.slice(0, n);
    if (n > 0) pipe.rdWait.wakeUp(EPOLLIN | EPOLLRDNORM);
    return n;
  },
  readBlocks: (file, count) => {
    const pipe = pipeOf(file);
    return count > 0 && file.inode.data.length === 0 && pipe.writers > 0 && !(file.flags & O_NONBLOCK) ? pipe.rdWait : null;
  },
  writeBlocks: (file, data) => {
    const pipe = pipeOf(file);
    if (pipe.readers === 0 || file.flags & O_NONBLOCK) return null;
    const used = file.inode.data.length;
    // Wait for room for all of it, or for an empty pipe when it is larger than the pipe.
    return used > 0 && used + data.length > PIPE_CAPACITY ? pipe.wrWait : null;
  },
  poll: (file, pt) => {
    const pipe = pipeOf(file);
    let mask = 0;
    if (file.mode & FMODE_READ) {
      pollWait(file, pipe.rdWait, pt);
      if (file.inode.data.length > 0) mask |= EPOLLIN | EPOLLRDNORM;
      if (pipe.writers === 0) mask |= EPOLLHUP;
    }
    if (file.mode & FMODE_WRITE) {
      pollWait(file, pipe.wrWait, pt);
      if (file.inode.data.length < PIPE_CAPACITY) mask |= EPOLLOUT | EPOLLWRNORM;
      if (pipe.readers === 0) mask |= EPOLLERR;
    }
    return mask;
  },
  waitQueues: (file) => {
    const pipe = pipeOf(file);
    return [pipe.rdWait, pipe.wrWait];
  },
  release: (file) => {
    const pipe = pipeOf(file);
    if (file.mode & FMODE_READ) pipe.readers--;
    if (file.mode & FMODE_WRITE) pipe.writers--;
    // pipe_release(): wake both sides while exactly one side is gone.
    if (!pipe.readers !== !pipe.writers) {
      pipe.rdWait.wakeUp(EPOLLHUP, Infinity);
      pipe.wrWait.wakeUp(EPOLLERR, Infinity);
    }
  },
};
