import { KernelError } from '../sim/kernel-error.js';
import type { WaitQueue } from '../sim/wait-queue.js';
import { EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM } from './poll.js';
import { bufBytes, dropFirstBuf, ringOf, type PipeBuf } from './pipe.js';
import type { RefFile } from './ref-file.js';

/*
 * Splicing out of a pipe (fs/splice.c): its buffers written to a file, or moved to
 * another pipe. Both run under the pipe's mutex, which the model's one-step pipe
 * operations stand for: each function here is the body of one step that writes the
 * pipes' inode data (the ring is part of it).
 */

/** The bytes of the first `n` bytes of the ring, a spliced buffer's from its page as it is now. */
function peek(file: RefFile, n: number): string {
  const pipe = ringOf(file);
  const d = file.inode.data;
  let out = '';
  let at = 0;
  for (const b of pipe.bufs) {
    if (at >= n) break;
    const c = Math.min(b.len, n - at);
    out += bufBytes(b, d, at, c);
    at += c;
  }
  return out;
}

/** Drops the first `n` bytes of the ring (whole buffers and the front of a partial one); true if a whole buffer went. */
function consume(file: RefFile, n: number): boolean {
  const pipe = ringOf(file);
  let left = n;
  let freed = false;
  while (left > 0) {
    const b = pipe.bufs[0]!;
    const c = Math.min(b.len, left);
    b.off += c;
    b.len -= c;
    left -= c;
    if (b.len === 0) {
      dropFirstBuf(pipe);
      freed = true;
    }
  }
  file.inode.data = file.inode.data.slice(n);
  return freed;
}

/**
 * iter_file_splice_write() with `write` as the out-file's write at its offset: up to `n`
 * bytes of the pipe behind `file` — across buffers, packets too — go to `write`, and what
 * it took leaves the pipe; a buffer emptied wakes the pipe's writers. An empty pipe is 0
 * without writers, else EAGAIN (a blocking splice sleeps on rd_wait before it gets
 * here). @internal
 */
export function spliceFromPipe(file: RefFile, n: number, write: (data: string) => number): number {
  const pipe = ringOf(file);
  if (pipe.bufs.length === 0) {
    if (pipe.writers === 0) return 0;
    throw new KernelError('EAGAIN', 'splice', `${file.inode.path} is empty`);
  }
  const avail = pipe.bufs.reduce((s, b) => s + b.len, 0);
  const took = write(peek(file, Math.min(n, avail)));
  if (took > 0 && consume(file, took)) pipe.wrWait.wakeUp(EPOLLOUT | EPOLLWRNORM);
  return took;
}

/** The wait queue a blocking splice from `file` into a file sleeps on now (an empty pipe with writers), or null. @internal */
export function spliceFromPipeBlocks(file: RefFile, nonblock: boolean): WaitQueue | null {
  const pipe = ringOf(file);
  return pipe.bufs.length === 0 && pipe.writers > 0 && !nonblock ? pipe.rdWait : null;
}

/**
 * What splice_pipe_to_pipe() waits for before it moves anything: data in the input pipe
 * (ipipe_prep(), while it has writers), then room in the output pipe (opipe_prep(), while
 * it has readers). Returns the queue to sleep on, or null to go on. @internal
 */
export function pipeToPipeBlocks(input: RefFile, output: RefFile, nonblock: boolean): WaitQueue | null {
  const ip = ringOf(input);
  const op = ringOf(output);
  if (ip.bufs.length === 0 && ip.writers > 0) return nonblock ? null : ip.rdWait;
  if (op.full() && op.readers > 0) return nonblock ? null : op.wrWait;
  return null;
}

/**
 * splice_pipe_to_pipe(): moves up to `n` bytes of buffers from the pipe behind `input` to
 * the one behind `output` — a whole buffer as it is (its page, its flags, CAN_MERGE
 * included), the front of one that does not fit in what is left of `n` as a new buffer
 * pointing at the same page, never mergeable — until `n` is done, the input is empty or
 * the output full. EAGAIN for an empty input with writers or a full output (a blocking
 * splice sleeps first, see {@link pipeToPipeBlocks}), EPIPE for an output without
 * readers when nothing moved, 0 for an empty input without writers. Wakes the output's
 * readers if anything moved and the input's writers if a buffer went. @internal
 */
export function pipeToPipe(input: RefFile, output: RefFile, n: number): number {
  const ip = ringOf(input);
  const op = ringOf(output);
  if (ip.bufs.length === 0 && ip.writers > 0) throw new KernelError('EAGAIN', 'splice', `${input.inode.path} is empty`);
  if (op.full()) {
    if (op.readers === 0) throw new KernelError('EPIPE', 'splice', `${output.inode.path} has no readers (SIGPIPE is not modelled)`);
    throw new KernelError('EAGAIN', 'splice', `${output.inode.path} is full`);
  }
  let moved = 0;
  let freed = false;
  let data = '';
  while (moved < n) {
    if (op.readers === 0) {
      if (moved === 0) throw new KernelError('EPIPE', 'splice', `${output.inode.path} has no readers (SIGPIPE is not modelled)`);
      break;
    }
    const b = ip.bufs[0];
    if (b === undefined || op.full()) break;
    let ob: PipeBuf;
    if (n - moved >= b.len) {
      ip.bufs.shift();
      if (b.src !== undefined) ip.splicedBufs--;
      freed = true;
      ob = b;
    } else {
      // pipe_buf_get(): both buffers hold the page; the new one must not be merged into.
      ob = { ...b, len: n - moved, canMerge: false };
      b.src?.page.get();
      b.off += ob.len;
      b.len -= ob.len;
    }
    if (ob.src !== undefined) op.splicedBufs++;
    op.bufs.push(ob);
    data += input.inode.data.slice(moved, moved + ob.len);
    moved += ob.len;
  }
  if (moved === 0) return 0;
  input.inode.data = input.inode.data.slice(moved);
  output.inode.data += data;
  op.rdWait.wakeUp(EPOLLIN | EPOLLRDNORM);
  if (freed) ip.wrWait.wakeUp(EPOLLOUT | EPOLLWRNORM);
  return moved;
}
