import { KernelError } from '../sim/kernel-error.js';
import { FMODE_READ, FMODE_WRITE, O_DIRECT, O_NONBLOCK } from './constants.js';
import type { Inode } from './inode.js';
import type { RefFile } from './ref-file.js';

/** PAGE_SIZE: one pipe buffer. @internal */
export const PIPE_PAGE = 4096;
/** pipe->max_usage by default (PIPE_DEF_BUFFERS): 16 buffers, 64 KiB. @internal */
export const PIPE_DEF_BUFFERS = 16;

/** One pipe_buffer: `len` bytes of the inode's data; a packet (O_DIRECT writer) is never merged and read whole. */
interface PipeBuf {
  off: number;
  len: number;
  packet: boolean;
}

/**
 * The state of a pipe inode: its ring of buffers (the bytes themselves live in
 * `inode.data`, oldest first) and the number of open read and write ends.
 *
 * Models `struct pipe_inode_info` in include/linux/pipe_fs_i.h: `bufs` between tail and
 * head, `readers`, `writers`, `max_usage`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [r, w] = p.pipe();
 * p.fileOf(r).inode.pipe?.writers; // 1
 * ```
 */
export class PipeState {
  /** Open read ends (struct files with FMODE_READ). */
  readers = 0;
  /** Open write ends (struct files with FMODE_WRITE). */
  writers = 0;
  /** @internal */
  readonly bufs: PipeBuf[] = [];
  /** @internal */
  maxUsage = PIPE_DEF_BUFFERS;

  /** Counts a new end (create_pipe_files(), fifo_open()). */
  opened(f: RefFile): void {
    if (f.mode & FMODE_READ) this.readers++;
    if (f.mode & FMODE_WRITE) this.writers++;
  }

  /** pipe_release(): an end's last reference went. */
  released(f: RefFile): void {
    if (f.mode & FMODE_READ) this.readers--;
    if (f.mode & FMODE_WRITE) this.writers--;
  }
}

function stateOf(inode: Inode): PipeState {
  return (inode.pipe ??= new PipeState());
}

/**
 * True if a read of `count` bytes or a write of `len` bytes on `f` would have to sleep:
 * a read on an empty pipe with writers, a write that finds no room (with readers), both
 * without O_NONBLOCK. A plain call cannot sleep; a thread parks on this.
 *
 * Models the wait_event_interruptible_exclusive() conditions of pipe_read() and
 * pipe_write() in fs/pipe.c.
 *
 * @example
 * ```ts
 * import { Kernel, pipeWouldBlock } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [r] = p.pipe();
 * pipeWouldBlock(p.fileOf(r), 'read', 1); // true
 * ```
 */
export function pipeWouldBlock(f: RefFile, op: 'read' | 'write', n: number): boolean {
  if (f.flags & O_NONBLOCK || n === 0) return false;
  const s = stateOf(f.inode);
  if (op === 'read') return s.bufs.length === 0 && s.writers > 0;
  if (s.readers === 0) return false;
  return planWrite(s, n).blocked;
}

/**
 * What pipe_write() would do with `n` bytes: how many it merges into the last buffer
 * (only one a non-packet writer filled), the new pages, and whether it then waits for room.
 */
function planWrite(s: PipeState, n: number): { merged: number; pages: number[]; blocked: boolean } {
  let rest = n;
  let merged = 0;
  const chars = n & (PIPE_PAGE - 1);
  const last = s.bufs[s.bufs.length - 1];
  if (chars !== 0 && last !== undefined && !last.packet && last.off + last.len + chars <= PIPE_PAGE) {
    merged = chars;
    rest -= chars;
  }
  const pages: number[] = [];
  let used = s.bufs.length;
  while (rest > 0 && used < s.maxUsage) {
    const c = Math.min(PIPE_PAGE, rest);
    pages.push(c);
    rest -= c;
    used++;
  }
  return { merged, pages, blocked: rest > 0 };
}

/**
 * pipe_read(): takes bytes from the oldest buffers; a packet buffer is read whole (what
 * does not fit is dropped) and ends the read. On an empty pipe: EOF (0) with no writers,
 * EAGAIN with O_NONBLOCK. @internal
 */
export function pipeRead(f: RefFile, count: number): string {
  if (count === 0) return '';
  const s = stateOf(f.inode);
  if (s.bufs.length === 0) {
    if (s.writers === 0) return '';
    throw new KernelError('EAGAIN', 'read', 'pipe is empty');
  }
  let out = '';
  let want = count;
  while (want > 0 && s.bufs.length > 0) {
    const b = s.bufs[0]!;
    const c = Math.min(b.len, want);
    out += f.inode.data.slice(0, c);
    let drop = c;
    want -= c;
    if (b.packet) {
      drop = b.len;
      want = 0;
    }
    f.inode.data = f.inode.data.slice(drop);
    b.off += drop;
    b.len -= drop;
    if (b.len === 0) s.bufs.shift();
  }
  return out;
}

/**
 * pipe_write(): EPIPE without readers (after a zero-length write, which succeeds);
 * first merges the sub-page remainder into the last buffer if it fits and is not a
 * packet, then fills new pages while fewer than max_usage are in use. Without room: a
 * partial count if anything was written, else EAGAIN (O_NONBLOCK). @internal
 */
export function pipeWrite(f: RefFile, data: string): number {
  const n = data.length;
  if (n === 0) return 0;
  const s = stateOf(f.inode);
  if (s.readers === 0) throw new KernelError('EPIPE', 'write', 'no reader: SIGPIPE (the model sends no signal)');
  const packet = (f.flags & O_DIRECT) !== 0;
  const plan = planWrite(s, n);
  if (plan.merged > 0) s.bufs[s.bufs.length - 1]!.len += plan.merged;
  for (const c of plan.pages) s.bufs.push({ off: 0, len: c, packet });
  const written = plan.merged + plan.pages.reduce((a, c) => a + c, 0);
  if (written === 0) throw new KernelError('EAGAIN', 'write', 'pipe is full');
  f.inode.data += data.slice(0, written);
  return written;
}
