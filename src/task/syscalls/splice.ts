import { O_DIRECT, O_NONBLOCK } from '../../file/constants.js';
import { regularFileOperations } from '../../file/file-operations.js';
import { spliceBlocks, spliceIntoPipe, spliceSpace } from '../../file/pipe.js';
import { F_POS, F_STATE, type RefFile } from '../../file/ref-file.js';
import { ModelError } from '../../sim/model-error.js';
import type { WaitQueue } from '../../sim/wait-queue.js';
import { steppedOps } from '../stepped-file-ops.js';
import { EMPTY_FD } from '../../fdtable/fd-word.js';
import { isFd, type Fdtable } from '../../fdtable/fdtable.js';
import { fdgetSteps, fdputSteps } from '../../fdtable/fget.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import type { Task } from '../task.js';
import { posEffect, readPos, type PosOp } from './rw.js';

/**
 * The f_pos read-modify-write of a call that looks its files up with fdget(), not
 * fdget_pos() — sendfile(2), copy_file_range(2) — so it never holds f_pos_lock: each
 * read and each write-back of f_pos is a step of its own, and between them the call is
 * inside the f_pos race detector for that file, with `why` as its reason. One open file
 * on both sides of a call is entered once. @internal
 */
export class UnlockedPos {
  private readonly inside: RefFile[] = [];

  /** @param t - the calling task @param why - how the call came to skip f_pos_lock (for the report) */
  constructor(private readonly t: Task, private readonly why: string) {}

  /** Reads f_pos of `f` in a step. */
  *read(f: RefFile): KernelPath<number> {
    yield { fn: 'f_pos:read', acc: access(f.simId, F_POS, false) };
    const pos = readPos(this.t, f);
    if (!this.inside.includes(f)) {
      this.t.world.fpos.enter(f, this.why);
      this.inside.push(f);
    }
    return pos;
  }

  /** Writes f_pos of `f` back in a step. */
  *write(f: RefFile, before: number, after: number): KernelPath {
    yield { fn: 'f_pos:write', acc: access(f.simId, F_POS, true) };
    posEffect(this.t, f, before, after);
  }

  /** Leaves the detector for every file entered; call it on every way out. */
  done(): void {
    for (const f of this.inside) this.t.world.fpos.exit(f);
  }
}

/**
 * The copy loop of splice_direct_to_actor() (fs/splice.c) between two files, inside one
 * step of the caller's: read what there is from `fin` at `pos` (up to the rest of `n`),
 * write it to `fout` at `outPos`, go on until `n` bytes moved or a read finds nothing.
 * Only bytes read reach the out-file's ->splice_write — regular files have one
 * (iter_file_splice_write()), anything else is EINVAL — so at the end of the in-file the
 * answer is 0 whatever the out-file is. A copy into its own file past its end reads back
 * what it wrote, as on Linux. A failure after some bytes moved makes a short count.
 * @internal
 */
export function spliceCopy(name: string, fin: RefFile, pos: number, fout: RefFile, outPos: number, n: number): number {
  let moved = 0;
  while (moved < n) {
    const data = fin.ops.read!(fin, pos + moved, n - moved);
    if (data.length === 0) break;
    if (fout.inode.kind !== 'reg' || fout.ops.write === undefined || fout.ops.stream) throw new KernelError('EINVAL', name, `${fout.name} cannot be spliced to`);
    try {
      moved += fout.ops.write(fout, outPos + moved, data);
    } catch (e) {
      if (moved > 0 && KernelError.is(e)) break;
      throw e;
    }
  }
  return moved;
}

/**
 * The frame of a call on two files that looks both up with fdget() before anything else
 * (copy_file_range, splice): fdget(in), fdget(out) — EBADF each, `call` naming it — then
 * `body` with both files and the unlocked f_pos helper (`why`: how the call skips
 * f_pos_lock), then {@link putBothSteps} on every way out. @internal
 */
export function* withTwoFiles<R>(t: Task, call: string, inFd: number, outFd: number, why: string, body: (fin: RefFile, fout: RefFile, unlocked: UnlockedPos) => KernelPath<R>): KernelPath<R> {
  const files = t.filesOrThrow(call);
  const wi = isFd(inFd) ? yield* fdgetSteps(t, files, inFd) : EMPTY_FD;
  if (wi === EMPTY_FD) throw new KernelError('EBADF', call, `fd_in ${inFd} is not open`);
  let wo = EMPTY_FD;
  const unlocked = new UnlockedPos(t, why);
  let error: unknown;
  let result: R | undefined;
  try {
    wo = isFd(outFd) ? yield* fdgetSteps(t, files, outFd) : EMPTY_FD;
    if (wo === EMPTY_FD) throw new KernelError('EBADF', call, `fd_out ${outFd} is not open`);
    result = yield* body(files.fileOfWord(wi), files.fileOfWord(wo), unlocked);
  } catch (e) {
    error = e;
  }
  yield* putBothSteps(t, files, wi, wo, unlocked);
  if (error !== undefined) throw error;
  return result as R;
}

/**
 * The way out of a call on two files (sendfile, copy_file_range), success or not: leave
 * the f_pos race detector, then put the out-file (if it was looked up) and the in-file —
 * the reverse of their fdget()s, as the CLASS(fd) destructors run. @internal
 */
export function* putBothSteps(t: Task, files: Fdtable, wi: number, wo: number, unlocked: UnlockedPos): KernelPath {
  unlocked.done();
  if (wo !== EMPTY_FD) yield* fdputSteps(t, files, wo);
  yield* fdputSteps(t, files, wi);
}

/**
 * A splice's step on a pipe as a stream op (streamOpSteps()): no f_pos of its own, no
 * check before it; `blocks` says where it would sleep now, `run` does it and answers the
 * bytes moved. @internal
 */
export function pipeOp(name: string, opFn: string, fileOp: 'read' | 'write', blocks: (f: RefFile) => WaitQueue | null, run: (f: RefFile) => number): PosOp<number> {
  return { name, check() {}, usesPos: () => false, opFn, fileOp, blocks, run: (f) => ({ result: run(f), pos: 0 }) };
}

/** True if `f` can be spliced from: a regular file (filemap_splice_read()); anything else the model has lacks ->splice_read. */
function splicesFrom(f: RefFile): boolean {
  return f.inode.kind === 'reg' && f.ops.read !== undefined && !f.ops.stream;
}

/**
 * splice_file_to_pipe() as a stream op on the pipe it fills, for sendfile(2) and splice(2):
 * wait_for_space() — EPIPE without readers, a sleep or (`nonblock`: SPLICE_F_NONBLOCK, or
 * the pipe's O_NONBLOCK) EAGAIN while every buffer is in use — then do_splice_read(): 0
 * for nothing to move, EINVAL for an in-file without ->splice_read, else up to `n` bytes
 * of `fin` from `pos` in one new buffer per page while slots are free. A page-cache
 * file's pages are linked, not copied — except through O_DIRECT, which copies
 * (copy_splice_read()). A socket's ->splice_read receives, which may sleep holding the
 * pipe's mutex: not modelled (`ModelError('model-limit')`). @internal
 */
export function fileToPipeOp(name: string, fin: RefFile, pos: number, n: number, nonblock: boolean): PosOp<number> {
  return pipeOp(name, 'splice_file_to_pipe', 'write', (f) => spliceBlocks(f, nonblock || (f.flags & O_NONBLOCK) !== 0), (f) => {
    spliceSpace(f);
    if (n === 0) return 0;
    if (steppedOps(fin).readSteps !== undefined) throw new ModelError('model-limit', `${name}: splicing from ${fin.name} into a pipe (sock_splice_read()) is not modelled`);
    if (!splicesFrom(fin)) throw new KernelError('EINVAL', name, `${fin.name} cannot be spliced from`);
    fin.inode.engine?.read(fin.simId, F_STATE);
    const link = fin.ops === regularFileOperations && !(fin.flags & O_DIRECT);
    return spliceIntoPipe(f, fin.ops.read!(fin, pos, n), pos, link ? fin.inode : null);
  });
}
