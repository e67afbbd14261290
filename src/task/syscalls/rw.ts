import { FMODE_LSEEK, FMODE_READ, FMODE_WRITE, O_APPEND, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from '../../file/constants.js';
import { fputDeferred } from '../../file/fput.js';
import { F_POS, F_STATE, type RefFile } from '../../file/ref-file.js';
import { EMPTY_FD, FDPUT_FPUT, FDPUT_POS_UNLOCK } from '../../fdtable/fd-word.js';
import { isFd, type Fdtable } from '../../fdtable/fdtable.js';
import { fdgetPosSteps, fdputPosSteps } from '../../fdtable/fget.js';
import { KernelError } from '../../sim/kernel-error.js';
import { ModelError } from '../../sim/model-error.js';
import { access, dynamicStep, type KernelPath, type Step } from '../../sim/step.js';
import { fileOpAccesses, S_MAXBYTES, type FileOpName } from '../../file/file-operations.js';
import { WaitEntry, type WaitQueue } from '../../sim/wait-queue.js';
import { steppedOps } from '../stepped-file-ops.js';
import type { Task } from '../task.js';

/*
 * read, write, lseek, getdents: fdget_pos(), then the f_pos read-modify-write as
 * separate steps around the file operation — `pos = f_pos; vfs_read(..., &pos);
 * f_pos = pos` — then fdput_pos(). The op table below is the single description of each
 * call; the plain and the stepped driver both run it.
 */

/** 2^63: the first offset a loff_t cannot hold (a C caller's would be negative). @internal */
export const LOFF_LIMIT = 2 ** 63;

/** MAX_RW_COUNT: INT_MAX rounded down to a page, the most one read, write or splice moves. @internal */
export const MAX_RW_COUNT = 0x7ffff000;

/** Declared accesses (one or a list) as a list. @internal */
export function asArray(a: number | readonly number[]): readonly number[] {
  return typeof a === 'number' ? [a] : a;
}

/** One read-write op as the drivers below run it (read, write, lseek, getdents64, and pread64/pwrite64 over read and write). @internal */
export interface PosOp<R> {
  readonly name: string;
  /** Checks the file before the position is read (mode bits); throws. */
  check(f: RefFile): void;
  /** True if the call reads and writes f_pos (false for streams). */
  usesPos(f: RefFile): boolean;
  /** The step label of the operation itself. */
  readonly opFn: string;
  /** The file operation the op step calls (for its declared accesses). */
  readonly fileOp: FileOpName;
  /** Runs the operation at `pos` (`slept`: a stream op slept before this attempt); returns the result and the new position. */
  run(f: RefFile, pos: number, slept?: boolean): { result: R; pos: number };
  /** The wait queue the operation would sleep on now (an empty pipe, no room), or null. */
  blocks?(f: RefFile): WaitQueue | null;
  /**
   * Before sleeping on a stream: does what can be done now and returns true if that
   * counts as progress (pipe_write() writes what fits, then sleeps for the rest).
   */
  partial?(f: RefFile): boolean;
  /** What the call has done so far on a stream (a write interrupted after a partial write returns it). */
  progress?(): R | undefined;
  /** The operation as a kernel path of `t`, for a stream whose type has one (SteppedFileOperations), or undefined. */
  steps?(t: Task, f: RefFile): KernelPath<R> | undefined;
}

function fileSize(f: RefFile): number {
  return f.inode.kind === 'dir' ? f.inode.entries.length : f.inode.data.length;
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new KernelError('EINVAL', name, `bad count ${n}`);
}

/** @internal */
export function readOp(count: number, name = 'read'): PosOp<string> {
  return {
    name,
    // vfs_read(): FMODE_READ (EBADF), FMODE_CAN_READ (EINVAL), then the buffer — all
    // after fdget_pos(), so a bad fd is EBADF whatever the count.
    check(f) {
      if (!(f.mode & FMODE_READ)) throw new KernelError('EBADF', name, `${f.name} not open for reading`);
      if (!f.ops.read && !steppedOps(f).readSteps) throw new KernelError('EINVAL', name, `${f.ops.name} has no ->read`);
      checkCount(name, count);
    },
    usesPos: (f) => !f.ops.stream,
    opFn: 'vfs_read',
    fileOp: 'read',
    blocks: (f) => f.ops.readBlocks?.(f, count) ?? null,
    steps: (t, f) => steppedOps(f).readSteps?.(t, f, count),
    run(f, pos, slept) {
      const data = f.ops.read!(f, pos, count, slept);
      return { result: data, pos: pos + data.length };
    },
  };
}

/** @internal */
export function writeOp(data: string, name = 'write'): PosOp<number> {
  let done = 0;
  return {
    name,
    // vfs_write(): FMODE_WRITE (EBADF), FMODE_CAN_WRITE (EINVAL), then access_ok (EFAULT).
    check(f) {
      if (!(f.mode & FMODE_WRITE)) throw new KernelError('EBADF', name, `${f.name} not open for writing`);
      if (!f.ops.write && !steppedOps(f).writeSteps) throw new KernelError('EINVAL', name, `${f.ops.name} has no ->write`);
      if (typeof data !== 'string') throw new KernelError('EFAULT', name, 'data is not a string');
    },
    usesPos: (f) => !f.ops.stream,
    opFn: 'vfs_write',
    fileOp: 'write',
    blocks: (f) => f.ops.writeBlocks?.(f, data.slice(done)) ?? null,
    partial(f) {
      try {
        done += f.ops.write!(f, 0, data.slice(done));
      } catch (e) {
        if (!KernelError.is(e) || e.code !== 'EAGAIN') throw e;
      }
      return done > 0;
    },
    progress: () => (done > 0 ? done : undefined),
    steps: (t, f) => steppedOps(f).writeSteps?.(t, f, data),
    run(f, pos) {
      // generic_write_checks(): a zero-length write returns before O_APPEND moves the
      // position to the end, so f_pos stays where it was.
      if (data.length === 0 && !f.ops.stream) return { result: 0, pos };
      f.mount.world.engine.read(f.simId, F_STATE);
      const at = f.flags & O_APPEND ? fileSize(f) : pos;
      const n = f.ops.write!(f, at, data.slice(done));
      return { result: done + n, pos: at + n };
    },
  };
}

/** @internal */
export function lseekOp(offset: number, whence: number): PosOp<number> {
  return {
    name: 'lseek',
    // ksys_lseek(): EBADF from fdget_pos(), then whence > SEEK_MAX (EINVAL), then
    // vfs_llseek()'s FMODE_LSEEK check (ESPIPE).
    check(f) {
      if (!Number.isInteger(whence) || whence < SEEK_SET || whence > SEEK_HOLE) throw new KernelError('EINVAL', 'lseek', `bad whence ${whence}`);
      // FMODE_LSEEK is set at open for seekable files and for streams with their own
      // ->llseek (noop_llseek on epoll and eventfd files), as do_dentry_open() does.
      if (!(f.mode & FMODE_LSEEK)) throw new KernelError('ESPIPE', 'lseek', `${f.name} is not seekable`);
      if (!Number.isInteger(offset)) throw new KernelError('EINVAL', 'lseek', `bad offset ${offset}`);
    },
    usesPos: () => true,
    opFn: 'vfs_llseek',
    fileOp: 'llseek',
    run(f, pos) {
      const np = f.ops.llseek ? f.ops.llseek(f, offset, whence, pos) : genericLlseek(f, pos, offset, whence);
      if (np < 0) throw new KernelError('EINVAL', 'lseek', `resulting offset ${np} is negative`);
      // vfs_setpos(): beyond the file system's s_maxbytes is EINVAL. The model's maximum
      // file size is the largest exact integer, 2^53 - 1 (ext4 allows 2^44, tmpfs 2^63 - 1).
      if (np > S_MAXBYTES) throw new KernelError('EINVAL', 'lseek', `resulting offset ${np} beyond the maximum file size`);
      return { result: np, pos: np };
    },
  };
}

/**
 * generic_file_llseek_size() over a file with no holes (the model's files are dense, as
 * ext4 and tmpfs files under one block are): SEEK_DATA answers the offset itself,
 * SEEK_HOLE the end of the file; both ENXIO at or past the end (an offset taken as
 * unsigned, so a negative one too).
 */
function genericLlseek(f: RefFile, pos: number, offset: number, whence: number): number {
  const eof = fileSize(f);
  switch (whence) {
    case SEEK_SET: return offset;
    case SEEK_CUR: return pos + offset;
    case SEEK_END: return eof + offset;
    default:
      if (offset < 0 || offset >= eof) throw new KernelError('ENXIO', 'lseek', `offset ${offset} at or past the end (${eof})`);
      return whence === SEEK_DATA ? offset : eof;
  }
}

/** @internal */
export function getdentsOp(count: number): PosOp<string[]> {
  return {
    name: 'getdents64',
    // getdents64(): EBADF from fdget_pos(), then iterate_dir() (ENOTDIR), then the count.
    check(f) {
      if (!f.ops.iterateShared) throw new KernelError('ENOTDIR', 'getdents64', `${f.name} is not a directory`);
      if (!(f.mode & FMODE_READ)) throw new KernelError('EBADF', 'getdents64', `${f.name} not open for reading`);
      checkCount('getdents64', count);
    },
    usesPos: () => true,
    opFn: 'iterate_dir',
    fileOp: 'iterate',
    run(f, pos) {
      const names = f.ops.iterateShared!(f, pos, count);
      return { result: names, pos: pos + names.length };
    },
  };
}

/** Reads f_pos: a recorded access. @internal */
export function readPos(t: Task, f: RefFile): number {
  t.world.engine.read(f.simId, F_POS);
  return f.pos;
}

/** Writes f_pos back: a recorded access, and its effect event when tracing. @internal */
export function posEffect(t: Task, f: RefFile, before: number, after: number): void {
  t.world.engine.write(f.simId, F_POS);
  f.pos = after;
  if (t.world.engine.tracing) t.world.engine.effect('f_pos', f.simId, F_POS, before, after);
}

/** Runs a positioned op to completion (plain). @internal */
export function runPosOp<R>(t: Task, fd: number, op: PosOp<R>): R {
  const files = t.filesOrThrow(op.name);
  const w = isFd(fd) ? files.fdgetPos(fd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', op.name, `fd ${fd} is not open`);
  const f = files.fileOfWord(w);
  try {
    op.check(f);
    if (!op.usesPos(f)) {
      const path = op.steps?.(t, f);
      if (path !== undefined) return t.world.engine.runPlain(t.sim, path);
      const q = op.blocks?.(f) ?? null;
      if (q !== null) throw new ModelError('would-block', `${op.name} would sleep on ${q.name} in a plain call; run it in a thread instead`);
      return op.run(f, 0).result;
    }
    const before = readPos(t, f);
    t.world.fpos.enter(f, t.posWhy);
    try {
      const r = op.run(f, before);
      posEffect(t, f, before, r.pos);
      return r.result;
    } finally {
      t.world.fpos.exit(f);
    }
  } finally {
    fdputPosPlain(t, files, w);
  }
}

function fdputPosPlain(t: Task, files: Fdtable, w: number): void {
  const f = files.fileOfWord(w);
  if (w & FDPUT_POS_UNLOCK) f.posLock.unlock();
  if (w & FDPUT_FPUT) fputDeferred(t, f);
}

/**
 * A stream op (pipe read or write) as steps: the op and its "would it block" test are one
 * step (under pipe->mutex in the kernel); if it would, the same step queues the thread
 * exclusively on the wait queue (prepare_to_wait_exclusive), the thread sleeps until a
 * wake-up, and tries again. A fatal signal ends the sleep with EINTR. `extra` adds
 * accesses to the op's step. @internal
 */
export function* streamOpSteps<R>(t: Task, f: RefFile, op: PosOp<R>, extra: readonly number[] = []): KernelPath<R> {
  const opStep = streamOpStep(t.world.engine, f, op.opFn, op.fileOp, extra);
  let slept = false;
  for (;;) {
    yield opStep;
    t.world.engine.read(f.simId, F_STATE);
    const q = op.blocks?.(f) ?? null;
    if (q === null) return op.run(f, 0, slept).result;
    op.partial?.(f);
    const entry = new WaitEntry(q, t.sim, true, null, () => op.blocks?.(f) === null);
    q.add(entry);
    try {
      yield entry.sleepStep();
    } finally {
      q.remove(entry);
    }
    slept = true;
    if (t.sim.killed) {
      // A write interrupted after a partial write returns what it wrote.
      const done = op.progress?.();
      if (done !== undefined) return done;
      throw new KernelError('EINTR', op.name, 'fatal signal while waiting');
    }
  }
}

/**
 * The step of a one-step stream op on `f` (pipe_read() or pipe_write() under pipe->mutex,
 * an eventfd's read or write): a write of the inode's data (a stream read consumes what it
 * reads), a read of f_flags (O_NONBLOCK, O_DIRECT decide whether it sleeps and how it
 * writes), the type's accesses for `op`, `extra` (the file a splice reads from), and a
 * write of every wait queue the type names. A type that declares its own accesses may
 * name state that changes while the step waits to run (a pipe's spliced pages): its step
 * is declared when it runs, rebuilt only when the type's answer changes.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { streamOpStep } from 'fdlab/extend';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [r] = p.pipe();
 * streamOpStep(k.engine, p.fileOf(r), 'pipe_read', 'read').acc.length > 0; // true
 * ```
 */
export function streamOpStep(engine: { peek<T>(fn: () => T): T }, f: RefFile, fn: string, op: FileOpName, extra: readonly number[] = []): Step {
  const build = (own: number | readonly number[]): number[] => {
    const acc = [access(f.inode.simId, 0, true), access(f.simId, F_STATE, false), ...asArray(own), ...extra];
    const qs = f.ops.waitQueues?.(f);
    if (qs !== undefined) for (const q of qs) acc.push(q.writeAccess());
    return acc;
  };
  let own = fileOpAccesses(f, op);
  let acc = build(own);
  if (f.ops.accesses === undefined) return { fn, acc };
  // A getter costs the explorer ~10 % on pipe-heavy searches (its reads of `acc` see an
  // accessor); the price of declaring a pipe read's spliced pages when it runs.
  return dynamicStep(engine, fn, () => {
    const now = fileOpAccesses(f, op);
    if (now !== own) {
      own = now;
      acc = build(now);
    }
    return acc;
  });
}

/**
 * The step of a non-stream op itself: the file operation's accesses, and for a write
 * f_flags too (O_APPEND is read in the same step). @internal
 */
export function fileOpStep<R>(f: RefFile, op: PosOp<R>): Step {
  const opAcc = fileOpAccesses(f, op.fileOp);
  return { fn: op.opFn, acc: op.fileOp === 'write' ? [...asArray(opAcc), access(f.simId, F_STATE, false)] : opAcc };
}

/** Runs a positioned op as a kernel path. @internal */
export function* posOpSteps<R>(t: Task, fd: number, op: PosOp<R>): KernelPath<R> {
  const files = t.filesOrThrow(op.name);
  const w = isFd(fd) ? yield* fdgetPosSteps(t, files, fd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', op.name, `fd ${fd} is not open`);
  const f = files.fileOfWord(w);
  let error: unknown;
  let result: R | undefined;
  try {
    op.check(f);
    if (!op.usesPos(f)) {
      result = yield* (op.steps?.(t, f) ?? streamOpSteps(t, f, op));
    } else {
      const opStep = fileOpStep(f, op);
      yield { fn: 'f_pos:read', acc: access(f.simId, F_POS, false) };
      const before = readPos(t, f);
      t.world.fpos.enter(f, t.posWhy);
      try {
        yield opStep;
        const r = op.run(f, before);
        yield { fn: 'f_pos:write', acc: access(f.simId, F_POS, true) };
        posEffect(t, f, before, r.pos);
        result = r.result;
      } finally {
        t.world.fpos.exit(f);
      }
    }
  } catch (e) {
    error = e;
  }
  yield* fdputPosSteps(t, files, w);
  if (error !== undefined) throw error;
  return result as R;
}
