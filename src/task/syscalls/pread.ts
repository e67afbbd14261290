import { FMODE_PREAD, FMODE_PWRITE } from '../../file/constants.js';
import { EMPTY_FD } from '../../fdtable/fd-word.js';
import { isFd } from '../../fdtable/fdtable.js';
import { fdgetSteps, fdputSteps } from '../../fdtable/fget.js';
import { KernelError } from '../../sim/kernel-error.js';
import type { KernelPath } from '../../sim/step.js';
import type { Task } from '../task.js';
import { fileOpStep, LOFF_LIMIT, readOp, streamOpSteps, writeOp, type PosOp } from './rw.js';

/**
 * pread64(2) and pwrite64(2) as one kernel path. Models ksys_pread64() and
 * ksys_pwrite64() in fs/read_write.c, in their order (checked on the host):
 *
 * 1. a negative offset is EINVAL, before the fd is even looked up;
 * 2. fdget(), not fdget_pos(): the call neither reads nor writes f_pos, so it never
 *    takes f_pos_lock, whatever f_count says — EBADF for a closed or O_PATH fd;
 * 3. ESPIPE unless the file has FMODE_PREAD / FMODE_PWRITE (streams: pipes, sockets,
 *    eventfd, epoll, whatever the access mode);
 * 4. vfs_read() / vfs_write(): EBADF without FMODE_READ / FMODE_WRITE (a directory
 *    opened for reading gets EBADF from pwrite, EISDIR from pread), EINVAL without the
 *    operation, then the operation at `pos` in one step. A pwrite on an O_APPEND file
 *    appends whatever the offset (a Linux bug that pwrite(2) documents and the kernel
 *    keeps); f_pos does not move either way.
 */
function* positionalSteps<R>(t: Task, fd: number, pos: number, op: PosOp<R>, fmode: number): KernelPath<R> {
  if (!Number.isInteger(pos) || pos < 0 || pos >= LOFF_LIMIT) throw new KernelError('EINVAL', op.name, `bad offset ${pos}`);
  const files = t.filesOrThrow(op.name);
  const w = isFd(fd) ? yield* fdgetSteps(t, files, fd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', op.name, `fd ${fd} is not open`);
  const f = files.fileOfWord(w);
  let error: unknown;
  let result: R | undefined;
  try {
    // f_mode is fixed at open: no step reads it.
    if ((f.mode & fmode) === 0) throw new KernelError('ESPIPE', op.name, `${f.name} is not seekable`);
    op.check(f);
    if (f.ops.stream) {
      // A stream with positional I/O (pidfs) sleeps as its read or write would, and its
      // op gets the offset.
      result = yield* streamOpSteps(t, f, { ...op, run: (file, _ignored, slept) => op.run(file, pos, slept) });
    } else {
      yield fileOpStep(f, op);
      result = op.run(f, pos).result;
    }
  } catch (e) {
    error = e;
  }
  yield* fdputSteps(t, files, w);
  if (error !== undefined) throw error;
  return result as R;
}

/** pread64(2) as a kernel path for task `t`: see positionalSteps above. @internal */
export function pread64Steps(t: Task, fd: number, count: number, pos: number): KernelPath<string> {
  return positionalSteps(t, fd, pos, readOp(count, 'pread64'), FMODE_PREAD);
}

/** pwrite64(2) as a kernel path for task `t`: see positionalSteps above. @internal */
export function pwrite64Steps(t: Task, fd: number, data: string, pos: number): KernelPath<number> {
  return positionalSteps(t, fd, pos, writeOp(data, 'pwrite64'), FMODE_PWRITE);
}
