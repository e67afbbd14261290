import { FMODE_PREAD, FMODE_PWRITE, FMODE_READ, FMODE_WRITE, O_APPEND, O_NONBLOCK } from '../../file/constants.js';
import { fileOpAccesses } from '../../file/file-operations.js';
import { pipeOfFile } from '../../file/pipe.js';
import { pipeToPipe, pipeToPipeBlocks, spliceFromPipe, spliceFromPipeBlocks } from '../../file/pipe-splice.js';
import { F_STATE, type RefFile } from '../../file/ref-file.js';
import { KernelError } from '../../sim/kernel-error.js';
import { ModelError } from '../../sim/model-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import { SPLICE_F_GIFT, SPLICE_F_MORE, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from '../constants.js';
import { steppedOps } from '../stepped-file-ops.js';
import type { Task } from '../task.js';
import { asArray, LOFF_LIMIT, MAX_RW_COUNT, streamOpSteps, type PosOp } from './rw.js';
import { fileToPipeOp, pipeOp, withTwoFiles } from './splice.js';

const SPLICE_F_ALL = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;
const NO_LOCK = 'takes no f_pos_lock (splice() looks its files up with fdget(), not fdget_pos())';

/**
 * rw_verify_area() of a splice's file side: EINVAL for a negative offset, a length that
 * is negative as an ssize_t (a huge size_t), or a range past the largest loff_t.
 */
function verifyArea(pos: number, len: number): void {
  if (pos < 0 || len < 0 || pos + len >= LOFF_LIMIT) throw new KernelError('EINVAL', 'splice', `bad range ${pos}+${len}`);
}

/**
 * What a splice step on one file also touches of `other`: its flags, what `op` does to
 * it, and its wait queues (a pipe's readers or writers are woken under its lock).
 */
function otherSide(other: RefFile, op: 'read' | 'write'): number[] {
  const queues = other.ops.waitQueues?.(other) ?? [];
  return [access(other.simId, F_STATE, false), ...asArray(fileOpAccesses(other, op)), ...queues.map((q) => q.writeAccess())];
}

/** A stream op on the pipe `fin` writing what it takes to the regular file `fout` at `pos` (iter_file_splice_write()). */
function pipeToFileOp(fin: RefFile, fout: RefFile, pos: number, n: number, flags: number): PosOp<number> {
  const nonblock = (): boolean => (flags & SPLICE_F_NONBLOCK) !== 0 || (fin.flags & O_NONBLOCK) !== 0;
  const write = (data: string): number => (data.length === 0 ? 0 : fout.ops.write!(fout, pos, data));
  return pipeOp('splice', 'iter_file_splice_write', 'read', (f) => spliceFromPipeBlocks(f, nonblock()), (f) => spliceFromPipe(f, n, write));
}

/** A stream op on the pipe `fin` moving buffers to the pipe `fout` (splice_pipe_to_pipe()). */
function pipeToPipeOp(fin: RefFile, fout: RefFile, n: number, flags: number): PosOp<number> {
  const nonblock = (): boolean => {
    fin.inode.engine?.read(fout.simId, F_STATE);
    return (flags & SPLICE_F_NONBLOCK) !== 0 || ((fin.flags | fout.flags) & O_NONBLOCK) !== 0;
  };
  return pipeOp('splice', 'splice_pipe_to_pipe', 'read', (f) => pipeToPipeBlocks(f, fout, nonblock()), (f) => pipeToPipe(f, fout, n));
}

/**
 * splice(2) as a kernel path for task `t`: moves up to `len` bytes between two files of
 * which at least one is a pipe, and returns how many moved. A file side starts at its
 * offset argument (which the kernel then advances in the caller's memory: the new value
 * is the offset plus the result) or, where that is null, at the file's f_pos, which it
 * advances — read and written back in steps of their own under fdget(), not
 * fdget_pos(): splice takes no f_pos_lock, so its update races with read() and write()
 * on the same open file in every kernel version. Models the splice system call,
 * __do_splice() and do_splice() in fs/splice.c, in their order (checked on the host):
 *
 * 1. a zero `len` is 0 before anything else; flags beyond SPLICE_F_ALL are EINVAL;
 * 2. fdget(in), fdget(out) — EBADF (an O_PATH fd too);
 * 3. ESPIPE for an offset on a pipe's side; EBADF unless in is readable and out writable;
 * 4. pipe to pipe: EINVAL for the same pipe; splice_pipe_to_pipe() waits for data in the
 *    input and room in the output (EAGAIN with SPLICE_F_NONBLOCK or either's O_NONBLOCK)
 *    and moves buffers — whole ones as they are, the front of a larger one as a new
 *    buffer on the same page — EPIPE for an output without readers;
 * 5. pipe to file: EINVAL for an offset on a file without FMODE_PWRITE, for an O_APPEND
 *    out-file and from rw_verify_area(); a regular out-file takes what the pipe holds (it
 *    waits only while the pipe is empty and has writers; 0 without them) at its offset
 *    (iter_file_splice_write()); a socket's splice_to_socket() is not modelled
 *    (`ModelError('model-limit')`); anything else has no ->splice_write (EINVAL);
 * 6. file to pipe: EINVAL for an offset on a file without FMODE_PREAD and from
 *    rw_verify_area(); then splice_file_to_pipe() as sendfile(2) has it (the out pipe's
 *    O_NONBLOCK or SPLICE_F_NONBLOCK for not waiting);
 * 7. neither a pipe: EINVAL.
 *
 * @internal
 */
export function* spliceSteps(t: Task, inFd: number, offIn: number | null, outFd: number, offOut: number | null, len: number, flags: number): KernelPath<number> {
  if (!Number.isInteger(len) || Math.abs(len) >= 2 ** 64) throw new KernelError('EINVAL', 'splice', `bad length ${len}`);
  if (len === 0) return 0;
  if (!Number.isInteger(flags) || flags < 0 || flags >= 2 ** 32 || (flags & ~SPLICE_F_ALL) !== 0) throw new KernelError('EINVAL', 'splice', `bad flags ${flags}`);
  return yield* withTwoFiles(t, 'splice', inFd, outFd, NO_LOCK, function* (fin, fout, unlocked) {
    const ipipe = pipeOfFile(fin) !== null;
    const opipe = pipeOfFile(fout) !== null;
    if ((ipipe && offIn !== null) || (opipe && offOut !== null)) throw new KernelError('ESPIPE', 'splice', 'an offset on a pipe');
    if (!(fin.mode & FMODE_READ) || !(fout.mode & FMODE_WRITE)) throw new KernelError('EBADF', 'splice', 'in not readable or out not writable');
    if (ipipe && opipe) {
      if (fin.inode === fout.inode) throw new KernelError('EINVAL', 'splice', 'a pipe into itself');
      // A negative length is a size_t past anything a pipe holds.
      return yield* streamOpSteps(t, fin, pipeToPipeOp(fin, fout, len < 0 ? Infinity : len, flags), otherSide(fout, 'write'));
    }
    if (ipipe && !opipe) {
      if (offOut !== null && !(fout.mode & FMODE_PWRITE)) throw new KernelError('EINVAL', 'splice', `${fout.name} cannot be written at an offset`);
      const pos = offOut ?? (yield* unlocked.read(fout));
      yield { fn: 'do_splice', acc: access(fout.simId, F_STATE, false) };
      t.world.engine.read(fout.simId, F_STATE);
      if (fout.flags & O_APPEND) throw new KernelError('EINVAL', 'splice', `${fout.name} is O_APPEND`);
      verifyArea(pos, len);
      // do_splice_from(): only a regular file's ->splice_write is modelled.
      if (steppedOps(fout).writeSteps !== undefined) throw new ModelError('model-limit', `splice: splicing from a pipe into ${fout.name} (splice_to_socket()) is not modelled`);
      if (fout.inode.kind !== 'reg' || fout.ops.write === undefined || fout.ops.stream) throw new KernelError('EINVAL', 'splice', `${fout.name} cannot be spliced to`);
      const result = yield* streamOpSteps(t, fin, pipeToFileOp(fin, fout, pos, Math.min(len, MAX_RW_COUNT), flags), otherSide(fout, 'write'));
      if (result > 0 && offOut === null) yield* unlocked.write(fout, pos, pos + result);
      return result;
    }
    if (opipe && !ipipe) {
      if (offIn !== null && !(fin.mode & FMODE_PREAD)) throw new KernelError('EINVAL', 'splice', `${fin.name} cannot be read at an offset`);
      const pos = offIn ?? (yield* unlocked.read(fin));
      verifyArea(pos, len);
      const op = fileToPipeOp('splice', fin, pos, Math.min(len, MAX_RW_COUNT), (flags & SPLICE_F_NONBLOCK) !== 0);
      const result = yield* streamOpSteps(t, fout, op, otherSide(fin, 'read'));
      if (result > 0 && offIn === null) yield* unlocked.write(fin, pos, pos + result);
      return result;
    }
    throw new KernelError('EINVAL', 'splice', 'neither file is a pipe');
  });
}
