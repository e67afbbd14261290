import { KernelError } from '../sim/kernel-error.js';
import type { Engine } from '../sim/engine.js';
import { WaitQueue } from '../sim/wait-queue.js';
import { FMODE_READ, FMODE_WRITE, O_DIRECT, O_NONBLOCK } from './constants.js';
import { defaultFileOpAccesses, type FileOperations } from './file-operations.js';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM, pollWait } from './poll.js';
import type { Inode } from './inode.js';
import type { RefFile } from './ref-file.js';
import { access } from '../sim/step.js';
import { SplicedPage } from './spliced-page.js';

/**
 * PAGE_SIZE: the size of one pipe buffer, and so of an atomic write.
 *
 * @example
 * ```ts
 * import { PIPE_BUF } from 'fdlab';
 * PIPE_BUF; // 4096
 * ```
 */
export const PIPE_BUF = 4096;

/** pipe->max_usage by default (PIPE_DEF_BUFFERS): 16 buffers. @internal */
export const PIPE_DEF_BUFFERS = 16;

/**
 * Bytes a pipe holds when every one of its 16 buffers is a full page (the default pipe
 * size); partly filled buffers make it hold fewer.
 *
 * @example
 * ```ts
 * import { PIPE_CAPACITY } from 'fdlab';
 * PIPE_CAPACITY; // 65536
 * ```
 */
export const PIPE_CAPACITY = PIPE_DEF_BUFFERS * PIPE_BUF;

/** One pipe_buffer: `len` bytes of the inode's data; a packet (O_DIRECT writer) is never merged and is read whole. @internal */
export interface PipeBuf {
  len: number;
  off: number;
  /** PIPE_BUF_FLAG_PACKET: written by an O_DIRECT writer, read one per call. */
  packet: boolean;
  /** PIPE_BUF_FLAG_CAN_MERGE: an anonymous page a later write(2) may append to (not a packet, not a spliced page). */
  canMerge: boolean;
  /** The page-cache page a splice linked in, and where in it the buffer's bytes began; reads take the bytes from it. */
  src?: { readonly page: SplicedPage; readonly off: number };
}

/**
 * The shared state of a pipe beside its inode's buffered bytes: the ring of buffers
 * (the bytes live in `inode.data`, oldest first), the reader and writer counts and the
 * two wait queues.
 *
 * Models `struct pipe_inode_info` (include/linux/pipe_fs_i.h): `bufs` between tail and
 * head, `max_usage`, `readers`, `writers`, `rd_wait`, `wr_wait`. The ring is part of
 * the inode's data location (field 0): every operation that reads or changes it also
 * reads or writes `inode.data`, which records the access.
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
  /** The buffers in use, oldest first. @internal */
  readonly bufs: PipeBuf[] = [];
  /** pipe->max_usage. @internal */
  maxUsage = PIPE_DEF_BUFFERS;
  /** How many of {@link bufs} point at spliced pages (a pipe read's declaration names their files). @internal */
  splicedBufs = 0;

  /** @param engine - the engine @param name - the pipe inode's name */
  constructor(engine: Engine, name: string) {
    this.rdWait = new WaitQueue(engine, `${name}.rd_wait`);
    this.wrWait = new WaitQueue(engine, `${name}.wr_wait`);
  }

  /** True if every buffer slot is in use (pipe_full()). */
  full(): boolean {
    return this.bufs.length >= this.maxUsage;
  }
}

/** /proc/sys/fs/pipe-max-size by default: the largest pipe an unprivileged F_SETPIPE_SZ may ask for. */
export const PIPE_MAX_SIZE = 1048576;

/** The pipe behind a pipe file (get_pipe_info()), or null: F_SETPIPE_SZ and F_GETPIPE_SZ are EBADF on anything else. @internal */
export function pipeOfFile(file: RefFile): Pipe | null {
  return file.ops === pipeOperations ? file.inode.pipe : null;
}

/**
 * round_pipe_size(): an `unsigned int` request rounded up to a power of two, at least a
 * page; 0 (then EINVAL) above 2^31.
 */
function roundPipeSize(size: number): number {
  if (size > 2 ** 31) return 0;
  if (size < PIPE_BUF) return PIPE_BUF;
  return 2 ** Math.ceil(Math.log2(size));
}

/** sizeof(struct pipe_buffer) on 64-bit, and KMALLOC_MAX_SIZE with 4 KiB pages: the largest ring kcalloc() gives. */
const PIPE_BUFFER_BYTES = 40;
const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;

/**
 * F_SETPIPE_SZ on `pipe` (the pipe's ring, a write of its inode's data): the size rounded
 * as round_pipe_size() does, EINVAL if that is 0; growing past {@link PIPE_MAX_SIZE} is
 * EPERM unless `capSysResource` (shrinking never is); a ring the kernel cannot allocate
 * (kcalloc() of more than KMALLOC_MAX_SIZE, 4 MiB of 40-byte pipe_buffers) is ENOMEM; fewer
 * slots than buffers in use is EBUSY. Otherwise sets max_usage, wakes a writer (there
 * may be room now) and returns the new size in bytes. The per-user accounting of pipe
 * pages (pipe-user-pages-soft/-hard) is not modelled. Models pipe_set_size() and
 * pipe_resize_ring() in fs/pipe.c. @internal
 */
export function pipeSetSize(file: RefFile, pipe: Pipe, size: number, capSysResource: boolean): number {
  file.inode.engine?.write(file.inode.simId, 0);
  const bytes = roundPipeSize(size);
  const slots = bytes / PIPE_BUF;
  if (slots === 0) throw new KernelError('EINVAL', 'fcntl', `F_SETPIPE_SZ ${size} rounds to nothing`);
  if (slots > pipe.maxUsage && bytes > PIPE_MAX_SIZE && !capSysResource) throw new KernelError('EPERM', 'fcntl', `F_SETPIPE_SZ ${size} is past pipe-max-size without CAP_SYS_RESOURCE`);
  if (slots * PIPE_BUFFER_BYTES > KMALLOC_MAX_SIZE) throw new KernelError('ENOMEM', 'fcntl', `a ring of ${slots} slots`);
  if (slots < pipe.bufs.length) throw new KernelError('EBUSY', 'fcntl', `${pipe.bufs.length} buffers in use do not fit in ${slots}`);
  pipe.maxUsage = slots;
  pipe.wrWait.wakeUp(0);
  return bytes;
}

function pipeOf(file: RefFile): Pipe {
  const p = file.inode.pipe;
  if (p === null) throw new KernelError('EINVAL', 'pipe', `${file.name} is not a pipe`);
  return p;
}

/** The pipe and its ring, recording the read of the inode's data that the ring is part of. @internal */
export function ringOf(file: RefFile): Pipe {
  const p = pipeOf(file);
  file.inode.engine?.read(file.inode.simId, 0);
  return p;
}

/** The `c` bytes of buffer `b`, which start at `at` in the pipe's data: a spliced buffer's are its page's now, not a copy from the splice. @internal */
export function bufBytes(b: PipeBuf, data: string, at: number, c: number): string {
  return b.src === undefined ? data.slice(at, at + c) : b.src.page.bytes(b.src.off + b.off, c);
}

/** Takes the emptied first buffer off the ring, letting go of its page (pipe_buf_release()). @internal */
export function dropFirstBuf(pipe: Pipe): void {
  const b = pipe.bufs.shift()!;
  if (b.src !== undefined) {
    b.src.page.release();
    pipe.splicedBufs--;
  }
}

/**
 * What pipe_write() does with `n` bytes now: how many it merges into the last buffer
 * (only if it can take them — a page a non-packet writer filled, not one spliced from a
 * file — and the whole sub-page remainder fits), the new
 * pages while fewer than max_usage are in use, and whether bytes are left for which it
 * would have to wait.
 */
function planWrite(p: Pipe, n: number): { merged: number; pages: number[]; rest: number } {
  let rest = n;
  let merged = 0;
  const chars = n & (PIPE_BUF - 1);
  const last = p.bufs[p.bufs.length - 1];
  if (chars !== 0 && last !== undefined && last.canMerge && last.off + last.len + chars <= PIPE_BUF) {
    merged = chars;
    rest -= chars;
  }
  const pages: number[] = [];
  let used = p.bufs.length;
  while (rest > 0 && used < p.maxUsage) {
    const c = Math.min(PIPE_BUF, rest);
    pages.push(c);
    rest -= c;
    used++;
  }
  return { merged, pages, rest };
}

/**
 * pipe_read(): takes bytes from the oldest buffers; a packet buffer is read whole (what
 * does not fit is dropped) and ends the read. On an empty pipe: EOF (0) with no writers,
 * EAGAIN otherwise (a blocking reader sleeps before it gets here).
 */
function pipeRead(file: RefFile, count: number, slept: boolean): string {
  if (count === 0) return '';
  const pipe = ringOf(file);
  // Writers are woken only if the pipe was full when the read began, and the next reader
  // only by a reader that slept and left something (pipe_read()'s was_full and
  // wake_next_reader). A read that neither frees a full pipe nor slept wakes no one, so an
  // edge-triggered epoll sees no new event for it.
  const wasFull = pipe.full();
  if (pipe.bufs.length === 0) {
    if (pipe.writers === 0) return '';
    throw new KernelError('EAGAIN', 'read', `${file.inode.path} is empty`);
  }
  const d = file.inode.data;
  let out = '';
  let at = 0;
  let want = count;
  while (want > 0 && pipe.bufs.length > 0) {
    const b = pipe.bufs[0]!;
    const c = Math.min(b.len, want);
    out += bufBytes(b, d, at, c);
    const drop = b.packet ? b.len : c;
    want = b.packet ? 0 : want - c;
    at += drop;
    b.off += drop;
    b.len -= drop;
    if (b.len === 0) dropFirstBuf(pipe);
  }
  file.inode.data = d.slice(at);
  if (wasFull) pipe.wrWait.wakeUp(EPOLLOUT | EPOLLWRNORM);
  if (slept && pipe.bufs.length > 0) pipe.rdWait.wakeUp(EPOLLIN | EPOLLRDNORM);
  return out;
}

/**
 * pipe_write(): EPIPE without readers (after a zero-length write, which succeeds); merges
 * the sub-page remainder into the last buffer if it fits and is not a packet, then fills
 * new pages while fewer than max_usage are in use. Writes what fits: a partial count if
 * anything was written, else EAGAIN. A blocking writer comes here only when all of it
 * fits, or to write what fits before it sleeps for the rest.
 */
function pipeWrite(file: RefFile, data: string): number {
  const n = data.length;
  if (n === 0) return 0;
  const pipe = ringOf(file);
  if (pipe.readers === 0) throw new KernelError('EPIPE', 'write', `${file.inode.path} has no readers (SIGPIPE is not modelled)`);
  const packet = (file.flags & O_DIRECT) !== 0;
  const plan = planWrite(pipe, n);
  const written = n - plan.rest;
  if (written === 0) throw new KernelError('EAGAIN', 'write', `${file.inode.path} is full`);
  if (plan.merged > 0) pipe.bufs[pipe.bufs.length - 1]!.len += plan.merged;
  for (const c of plan.pages) pipe.bufs.push({ len: c, off: 0, packet, canMerge: !packet });
  file.inode.data += data.slice(0, written);
  pipe.rdWait.wakeUp(EPOLLIN | EPOLLRDNORM);
  return written;
}

/**
 * wait_for_space() in fs/splice.c, for a caller that cannot sleep here: EPIPE without
 * readers, EAGAIN while every slot is in use (a blocking splice sleeps on wr_wait until
 * {@link spliceBlocks} says no). Reads the ring. @internal
 */
export function spliceSpace(file: RefFile): void {
  const pipe = ringOf(file);
  if (pipe.readers === 0) throw new KernelError('EPIPE', 'splice', `${file.inode.path} has no readers (SIGPIPE is not modelled)`);
  if (pipe.full()) throw new KernelError('EAGAIN', 'splice', `${file.inode.path} has no free buffer`);
}

/**
 * The wait queue a blocking splice into `file`'s pipe sleeps on now (every slot in use,
 * readers left), or null; `nonblock` (SPLICE_F_NONBLOCK, or the pipe's O_NONBLOCK)
 * never sleeps. @internal
 */
export function spliceBlocks(file: RefFile, nonblock = (file.flags & O_NONBLOCK) !== 0): WaitQueue | null {
  const pipe = ringOf(file);
  return pipe.readers > 0 && pipe.full() && !nonblock ? pipe.wrWait : null;
}

/**
 * filemap_splice_read() into a pipe with room (after {@link spliceSpace}): the bytes
 * `data`, read from a file at offset `pos`, go in one new buffer per page of the file
 * they come from — never merged into the last buffer, as write(2) does, and never a
 * packet — while slots are free. With `from`, the page-cache inode they come from, each
 * buffer points at its page (SplicedPage) rather than holding a copy. Returns the bytes
 * moved. @internal
 */
export function spliceIntoPipe(file: RefFile, data: string, pos: number, from: Inode | null = null): number {
  const pipe = ringOf(file);
  let moved = 0;
  while (moved < data.length && !pipe.full()) {
    const at = pos + moved;
    const c = Math.min(data.length - moved, PIPE_BUF - (at % PIPE_BUF));
    const b: PipeBuf = { len: c, off: 0, packet: false, canMerge: false };
    if (from !== null) {
      b.src = { page: new SplicedPage(from, Math.floor(at / PIPE_BUF)), off: at % PIPE_BUF };
      pipe.splicedBufs++;
    }
    pipe.bufs.push(b);
    moved += c;
  }
  if (moved === 0) return 0;
  file.inode.data += data.slice(0, moved);
  pipe.rdWait.wakeUp(EPOLLIN | EPOLLRDNORM);
  return moved;
}

/**
 * Pipe operations: a stream over the inode's ring of 4 KiB buffers with the kernel's
 * rules — a read of an empty pipe sleeps while there are writers (EOF without, EAGAIN
 * with O_NONBLOCK); a write fails with EPIPE without readers, merges a sub-page write
 * into the last buffer, takes a new page per 4 KiB while fewer than 16 are in use, and
 * returns a partial count (O_NONBLOCK) or sleeps for room; an O_DIRECT writer writes
 * packets, read one per call. Both sides wake the other. Models fs/pipe.c pipefifo_fops
 * (pipe_read, pipe_write, pipe_poll, pipe_release). Checked against Linux 6.18 by the
 * conformance harness.
 *
 * A blocking write that does not fit writes what fits, sleeps, and goes on with the rest
 * (the thread driver); a plain call that would sleep throws a `would-block` ModelError
 * having written nothing.
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
  read: (file, _pos, count, slept) => pipeRead(file, count, slept === true),
  write: (file, _pos, data) => pipeWrite(file, data),
  readBlocks: (file, count) => {
    const pipe = ringOf(file);
    return count > 0 && pipe.bufs.length === 0 && pipe.writers > 0 && !(file.flags & O_NONBLOCK) ? pipe.rdWait : null;
  },
  writeBlocks: (file, data) => {
    const pipe = ringOf(file);
    if (data.length === 0 || pipe.readers === 0 || file.flags & O_NONBLOCK) return null;
    return planWrite(pipe, data.length).rest > 0 ? pipe.wrWait : null;
  },
  poll: (file, pt) => {
    const pipe = ringOf(file);
    let mask = 0;
    if (file.mode & FMODE_READ) {
      pollWait(file, pipe.rdWait, pt);
      if (pipe.bufs.length > 0) mask |= EPOLLIN | EPOLLRDNORM;
      if (pipe.writers === 0) mask |= EPOLLHUP;
    }
    if (file.mode & FMODE_WRITE) {
      pollWait(file, pipe.wrWait, pt);
      if (!pipe.full()) mask |= EPOLLOUT | EPOLLWRNORM;
      if (pipe.readers === 0) mask |= EPOLLERR;
    }
    return mask;
  },
  waitQueues: (file) => {
    const pipe = pipeOf(file);
    return [pipe.rdWait, pipe.wrWait];
  },
  // A read takes a spliced buffer's bytes from its page: it reads the file the page
  // belongs to (while cached, or not: whether a truncation came first is the question).
  accesses: (file, op) => {
    const own = defaultFileOpAccesses(file, op);
    const pipe = file.inode.pipe;
    if (op !== 'read' || pipe === null || pipe.splicedBufs === 0) return own;
    const acc = [own];
    for (const b of pipe.bufs) if (b.src !== undefined) acc.push(access(b.src.page.inode.simId, 0, false));
    return acc;
  },
  release: (file) => {
    const pipe = pipeOf(file);
    if (file.mode & FMODE_READ) pipe.readers--;
    if (file.mode & FMODE_WRITE) pipe.writers--;
    // free_pipe_info() at the last close drops the buffers, and their pages.
    if (pipe.readers === 0 && pipe.writers === 0) for (const b of pipe.bufs) b.src?.page.release();
    // pipe_release(): wake both sides while exactly one side is gone.
    if (!pipe.readers !== !pipe.writers) {
      pipe.rdWait.wakeUp(EPOLLHUP, Infinity);
      pipe.wrWait.wakeUp(EPOLLERR, Infinity);
    }
  },
};
