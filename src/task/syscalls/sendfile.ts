import { FMODE_LSEEK, FMODE_PREAD, FMODE_READ, FMODE_WRITE, O_APPEND } from '../../file/constants.js';
import { fileOpAccesses, S_MAXBYTES } from '../../file/file-operations.js';
import { F_STATE, type RefFile } from '../../file/ref-file.js';
import { EMPTY_FD } from '../../fdtable/fd-word.js';
import { isFd } from '../../fdtable/fdtable.js';
import { fdgetSteps } from '../../fdtable/fget.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import { steppedOps, type SteppedFileOperations } from '../stepped-file-ops.js';
import type { Task } from '../task.js';
import { asArray, LOFF_LIMIT, MAX_RW_COUNT, streamOpSteps } from './rw.js';
import { fileToPipeOp, putBothSteps, spliceCopy, UnlockedPos } from './splice.js';

const NO_LOCK = 'takes no f_pos_lock (sendfile() looks its files up with fdget(), not fdget_pos())';

/**
 * The internal pipe of splice_direct_to_actor(): 16 pages. Each fill is sent as one
 * message (exact for a page-aligned start; the kernel's first fill ends at a page
 * boundary otherwise, which the model does not follow).
 */
const SPLICE_CHUNK = 16 * 4096;

/** The send half of do_splice_direct() into a file whose write is a kernel path (a socket). */
function* spliceToSteps(t: Task, fout: RefFile, send: NonNullable<SteppedFileOperations['writeSteps']>, data: string): KernelPath<number> {
  let sent = 0;
  while (sent < data.length) {
    const chunk = data.slice(sent, sent + SPLICE_CHUNK);
    let n: number;
    try {
      n = yield* send.call(fout.ops, t, fout, chunk);
    } catch (e) {
      if (sent > 0 && KernelError.is(e)) return sent;
      throw e;
    }
    sent += n;
    if (n < chunk.length) break;
  }
  return sent;
}

/**
 * sendfile(2) as a kernel path for task `t`: copies up to `count` bytes of the file at
 * `inFd` to `outFd`, from `offset` (which the kernel then advances in the caller's
 * memory: the new value is `offset` plus the result) or, when `offset` is null, from the
 * in-file's f_pos, which it advances. Models do_sendfile() in fs/read_write.c, in its
 * order (checked on the host):
 *
 * 1. fdget(in) — EBADF, and EBADF unless it was opened for reading;
 * 2. without an offset, f_pos of the in-file is read in a step of its own — under
 *    fdget(), not fdget_pos(): sendfile never takes f_pos_lock, so its update of f_pos
 *    races with a read() on the same open file even where read() locks, in every kernel
 *    version; with an offset, ESPIPE unless the in-file has FMODE_PREAD;
 * 3. rw_verify_area(READ): EINVAL for a negative offset or one that overflows loff_t;
 * 4. fdget(out) — EBADF, and EBADF unless opened for writing; out's f_pos is read too
 *    (not for a pipe, whose f_pos nothing uses); EOVERFLOW at or past s_maxbytes;
 * 5. into a pipe (splice_file_to_pipe()): EPIPE without readers, EAGAIN or sleep while
 *    every buffer is in use, 0 for nothing to move, EINVAL unless the in-file is a regular
 *    file, then one new pipe buffer per page of the file while slots are free — a
 *    partial count, never a wait for the rest;
 *    otherwise (do_splice_direct()), one step: EINVAL for an O_APPEND out-file, EINVAL
 *    unless the in-file is seekable, 0 for a zero count, EINVAL unless the in-file
 *    can be spliced from, 0 at its end; then the copy to out's f_pos for a regular
 *    out-file, or — for an out-file whose write is a kernel path (`writeSteps`: an
 *    AF_UNIX socket, splice_to_socket()) — the bytes read in that step sent with it, in
 *    chunks of the internal pipe's 16 pages (a datagram each), stopping at the first
 *    short or failed chunk (its error only if nothing was sent); EINVAL for any other
 *    out-file;
 * 6. if anything moved, out's f_pos and then (without an offset) in's are written back, a
 *    step each, and both files are put.
 *
 * @internal
 */
export function* sendfileSteps(t: Task, outFd: number, inFd: number, offset: number | null, count: number): KernelPath<number> {
  if (!Number.isInteger(count) || count < 0) throw new KernelError('EINVAL', 'sendfile', `bad count ${count}`);
  const files = t.filesOrThrow('sendfile');
  const wi = isFd(inFd) ? yield* fdgetSteps(t, files, inFd) : EMPTY_FD;
  if (wi === EMPTY_FD) throw new KernelError('EBADF', 'sendfile', `in_fd ${inFd} is not open`);
  const fin = files.fileOfWord(wi);
  let wo = EMPTY_FD;
  const unlocked = new UnlockedPos(t, NO_LOCK);
  let error: unknown;
  let result = 0;
  try {
    if (!(fin.mode & FMODE_READ)) throw new KernelError('EBADF', 'sendfile', `${fin.name} not open for reading`);
    let pos: number;
    if (offset === null) pos = yield* unlocked.read(fin);
    else {
      pos = offset;
      if (!(fin.mode & FMODE_PREAD)) throw new KernelError('ESPIPE', 'sendfile', `${fin.name} is not seekable`);
    }
    if (!Number.isInteger(pos) || pos < 0 || pos + count >= LOFF_LIMIT) throw new KernelError('EINVAL', 'sendfile', `bad offset ${pos}`);
    let n = Math.min(count, MAX_RW_COUNT);
    wo = isFd(outFd) ? yield* fdgetSteps(t, files, outFd) : EMPTY_FD;
    if (wo === EMPTY_FD) throw new KernelError('EBADF', 'sendfile', `out_fd ${outFd} is not open`);
    const fout = files.fileOfWord(wo);
    if (!(fout.mode & FMODE_WRITE)) throw new KernelError('EBADF', 'sendfile', `${fout.name} not open for writing`);
    const toPipe = fout.inode.kind === 'fifo';
    let outPos = 0;
    if (!toPipe) outPos = yield* unlocked.read(fout);
    if (pos + n > S_MAXBYTES) {
      if (pos >= S_MAXBYTES) throw new KernelError('EOVERFLOW', 'sendfile', `offset ${pos} at or past the maximum file size`);
      n = S_MAXBYTES - pos;
    }
    // splice_direct_to_actor() wants a seekable in-file (FMODE_LSEEK: regular files and
    // directories, and epoll and eventfd with their noop_llseek — not pipes, sockets or
    // pidfds); then, for a non-empty copy, a ->splice_read (filemap_splice_read() of
    // regular files). Checked on Linux 6.18 with a zero and a one-byte count.
    const inSeekable = (fin.mode & FMODE_LSEEK) !== 0;
    const inSplices = fin.inode.kind === 'reg' && fin.ops.read !== undefined && !fin.ops.stream;
    const inAcc = asArray(fileOpAccesses(fin, 'read'));
    if (toPipe) {
      // f_flags of the in-file: O_DIRECT copies rather than links.
      result = yield* streamOpSteps(t, fout, fileToPipeOp('sendfile', fin, pos, n, false), [...inAcc, access(fin.simId, F_STATE, false)]);
    } else {
      yield { fn: 'do_splice_direct', acc: [...asArray(fileOpAccesses(fout, 'write')), access(fout.simId, F_STATE, false), ...inAcc] };
      t.world.engine.read(fout.simId, F_STATE);
      if (fout.flags & O_APPEND) throw new KernelError('EINVAL', 'sendfile', `${fout.name} is O_APPEND`);
      if (!inSeekable) throw new KernelError('EINVAL', 'sendfile', `${fin.name} is not seekable`);
      if (n > 0) {
        if (!inSplices) throw new KernelError('EINVAL', 'sendfile', `${fin.name} cannot be spliced from`);
        const send = steppedOps(fout).writeSteps;
        result = send === undefined ? spliceCopy('sendfile', fin, pos, fout, outPos, n) : yield* spliceToSteps(t, fout, send, fin.ops.read!(fin, pos, n));
      }
    }
    if (result > 0) {
      if (!toPipe) yield* unlocked.write(fout, outPos, outPos + result);
      if (offset === null) yield* unlocked.write(fin, pos, pos + result);
    }
  } catch (e) {
    error = e;
  }
  yield* putBothSteps(t, files, wi, wo, unlocked);
  if (error !== undefined) throw error;
  return result;
}
