import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM, ERRNO, FMODE_ATOMIC_POS, FMODE_PATH, FMODE_READ, FMODE_WRITE, KernelError, O_APPEND, O_CLOEXEC, O_NONBLOCK, type ErrnoName, type Kernel, type KernelPath, type RefFile, type RsrcNode, type SimThread, type Task } from '../../index.js';
import { EMPTY_FD, PollWaiters, streamOpStep, fileCanPoll, access, openSteps, vfsOpenStep, closeSlotStep, dynamicStep, fdgetSteps, fdputSteps, fgetSteps, fileAccess, hasSyscalls, fileOpAccesses, filpCloseSteps, fputDeferred, receiveFdSteps, vfsPoll, vfsPollStep, requireSyscall, type Blocker, type SteppedFileOperations, type Step } from '../../extend.js';
import {
  IORING_ENTER_GETEVENTS, IORING_FIXED_FD_NO_CLOEXEC, IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_GETDENTS,
  IORING_OP_NOP, IORING_OP_OPENAT, IORING_OP_POLL_ADD, IORING_OP_READ, IORING_OP_WRITE, IOSQE_ASYNC, IOSQE_FIXED_FILE,
} from './constants.js';
import { installFixed, syncSteps } from './register.js';
import { isUringFile, ringFreeSteps, ringOfFile, type Cqe, type Ring, type Sqe } from './ring.js';
import { fileIndexAllocates, opKnown, sqeAsRead } from './uapi.js';

/**
 * What io_uring_enter() returns in the model: how many SQEs it consumed and, with
 * IORING_ENTER_GETEVENTS, the completions it waited for and reaped (user space reading
 * the CQ ring).
 *
 * @example
 * ```ts
 * import type { EnterResult } from 'fdlab/io-uring';
 * const firstRes = (r: EnterResult) => r.cqes[0]?.res;
 * ```
 */
export interface EnterResult {
  /** SQEs consumed. */
  readonly submitted: number;
  /** Completions reaped (empty without IORING_ENTER_GETEVENTS). */
  readonly cqes: readonly Cqe[];
}

/** One request (`struct io_kiocb`) on its way through issue and completion. */
interface Req {
  readonly ring: Ring;
  readonly sqe: Sqe;
  /** The fixed file's node the request holds a reference on. */
  node: RsrcNode | null;
  /** The file the request uses. */
  file: RefFile | null;
  /** True when `file` is a normal fd's: the request holds an fget() reference. */
  fileRef: boolean;
  /** True once io_assign_file() ran. */
  assigned: boolean;
  /** POLL_ADD: the poll armed at issue. */
  arm: PollWaiters | null;
  /** Issued by an io-wq worker. */
  async: boolean;
  /** READ/WRITE: the inline attempt got EAGAIN, so the worker arms a poll before it tries again. */
  apoll: boolean;
}

const PUNT = Symbol('punt to io-wq');
type Issue = { res: number; data?: string | readonly string[] } | typeof PUNT;

const needsFile = (op: number) => op === IORING_OP_READ || op === IORING_OP_WRITE || op === IORING_OP_GETDENTS || op === IORING_OP_POLL_ADD || op === IORING_OP_FIXED_FD_INSTALL;
const errnoRes = (code: ErrnoName) => -ERRNO[code];
const KNOWN_OPS = new Set([IORING_OP_NOP, IORING_OP_POLL_ADD, IORING_OP_OPENAT, IORING_OP_CLOSE, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_GETDENTS]);

/**
 * io_uring_enter(fd, to_submit, min_complete, flags) as a kernel path for task `t`, with
 * the SQEs passed in (the model's SQ ring). Models io_uring_enter() →
 * io_submit_sqes() → io_submit_sqe() → io_init_req() / io_queue_sqe() in
 * io_uring/io_uring.c: fdget(fd) (EBADF), io_is_uring_fops() (EOPNOTSUPP), unknown
 * flags EINVAL; then under `uring_lock` each SQE is prepared (a failed prep completes it
 * with -errno) and issued — inline, or by an io-wq worker (a scheduler thread of the
 * process, see `Process.ioThread()`) with IOSQE_ASYNC or when an inline issue would block
 * (an empty pipe, a held f_pos_lock, a poll with nothing ready). With
 * IORING_ENTER_GETEVENTS it waits for `minComplete` completions and reaps the CQ.
 *
 * The ops: NOP; READ/WRITE (offset -1 reads f_pos at issue and writes it back at
 * completion, without f_pos_lock, as io_kiocb_update_pos() and kiocb_done() do);
 * OPENAT (a direct open with `fileIndex`, 1-based or IORING_FILE_INDEX_ALLOC); CLOSE (a
 * fixed slot with `fileIndex`); FIXED_FD_INSTALL (receive_fd(), O_CLOEXEC unless
 * IORING_FIXED_FD_NO_CLOEXEC); POLL_ADD (through the file's poll table); and the
 * never-merged GETDENTS, whose f_pos_lock rule is the `uringPosLock` policy. Fixed files
 * are looked up at issue (io_assign_file()); a worker takes `uring_lock` for the lookup
 * and for the completion, which puts the node reference.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { ioUring, ioUringEnterSteps, IORING_OP_NOP, IORING_ENTER_GETEVENTS } from 'fdlab/io-uring';
 * const k = new Kernel();
 * const uring = k.use(ioUring());
 * const p = k.spawnProcess();
 * const ring = uring.setup(p, 4);
 * p.thread(function* (sys) {
 *   return yield* ioUringEnterSteps(k, sys.task, ring, [{ opcode: IORING_OP_NOP, userData: 7 }], 1, IORING_ENTER_GETEVENTS);
 * });
 * k.run();
 * ```
 */
export function* ioUringEnterSteps(k: Kernel, t: Task, fd: number, sqes: readonly Sqe[], minComplete: number, flags: number): KernelPath<EnterResult> {
  requireSyscall(k.policy, 'io_uring_enter', 'v5.11');
  const files = t.filesOrThrow('io_uring_enter');
  const w = Number.isInteger(fd) && fd >= 0 ? yield* fdgetSteps(t, files, fd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', 'io_uring_enter', `fd ${fd} is not open`);
  const ring = ringOfFile(files.fileOfWord(w));
  let error: unknown;
  let result: EnterResult = { submitted: 0, cqes: [] };
  try {
    if (ring === null) throw new KernelError('EOPNOTSUPP', 'io_uring_enter', `fd ${fd} is not an io_uring`);
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff || (flags & ~IORING_ENTER_GETEVENTS) !== 0) throw new KernelError('EINVAL', 'io_uring_enter', `flags ${flags} (the model implements IORING_ENTER_GETEVENTS)`);
    let submitted = 0;
    if (sqes.length > 0) {
      yield ring.uringLock.lockStep();
      ring.uringLock.lock();
      try {
        for (const sqe of sqes) {
          yield* submitSteps(k, ring, t, sqe);
          submitted++;
        }
      } finally {
        yield ring.uringLock.unlockStep();
        ring.uringLock.unlock();
      }
    }
    let cqes: Cqe[] = [];
    if (flags & IORING_ENTER_GETEVENTS) {
      if (minComplete > 0) {
        const want = minComplete;
        const blocker: Blocker = { name: `${ring.name}.cq (${want} completions)`, blocks: (th: SimThread) => ring.cq.length < want && !th.killed };
        yield { fn: 'io_cqring_wait', acc: [ring.cqAccess(true), ring.ctxAccess(false)], blocker };
        if (t.sim.killed) throw new KernelError('EINTR', 'io_uring_enter', 'fatal signal while waiting');
      } else yield { fn: 'io_cqring_reap', acc: [ring.cqAccess(true)] };
      cqes = ring.reap();
    }
    result = { submitted, cqes };
  } catch (e) {
    error = e;
  }
  yield* fdputSteps(t, files, w);
  if (error !== undefined) throw error;
  return result;
}

/** io_submit_sqe(): prep, then issue inline or queue to io-wq. Runs under uring_lock. */
function* submitSteps(k: Kernel, ring: Ring, t: Task, submitted: Sqe): KernelPath {
  yield { fn: 'io_submit_sqe', acc: [ring.ctxAccess(true), ring.cqAccess(true)] };
  k.engine.touch(ring.ctxAccess(true));
  ring.inflight++;
  const sqe = sqeAsRead(k.policy, submitted);
  const req: Req = { ring, sqe, node: null, file: null, fileRef: false, assigned: false, async: false, arm: null, apoll: false };
  try {
    prep(k, sqe);
  } catch (e) {
    if (!KernelError.is(e)) throw e;
    ring.post(cqe(sqe, errnoRes(e.code)));
    ring.inflight--;
    return;
  }
  if ((sqe.flags ?? 0) & IOSQE_ASYNC) {
    yield* queueIowq(ring, t, req);
    return;
  }
  const r = yield* issueSteps(k, req, t);
  if (r === PUNT) yield* queueIowq(ring, t, req);
}

/** io_queue_iowq(): a worker thread of the submitter's process issues the request. */
function* queueIowq(ring: Ring, t: Task, req: Req): KernelPath {
  yield { fn: 'io_queue_iowq', acc: [...t.process.ioThreadAccesses(t), ring.ctxAccess(true)] };
  req.async = true;
  ring.workers.set(t.process.ioThread(t, 'iou-wrk', (wt) => workerSteps(ring.kernel, req, wt)), t);
}

function* workerSteps(k: Kernel, req: Req, t: Task): KernelPath<void> {
  try {
    const r = yield* issueSteps(k, req, t);
    if (r === PUNT) throw new Error('BUG: an io-wq issue punted');
  } finally {
    req.ring.workers.delete(t);
  }
}

const cqe = (sqe: Sqe, res: number, data?: string | readonly string[]): Cqe => {
  const c: { userData: number; res: number; error?: string; data?: string | readonly string[] } = { userData: sqe.userData ?? 0, res };
  if (res < 0) c.error = (Object.keys(ERRNO) as ErrnoName[]).find((n) => ERRNO[n] === -res) ?? `E${-res}`;
  if (data !== undefined) c.data = data;
  return c;
};

/** io_init_req() + the op's ->prep(): the checks that fail before any file is looked up. */
function prep(k: Kernel, sqe: Sqe): void {
  const flags = sqe.flags ?? 0;
  if (!KNOWN_OPS.has(sqe.opcode)) throw new KernelError('EINVAL', 'io_init_req', `opcode ${sqe.opcode} is not modelled`);
  if (!opKnown(k.policy, sqe.opcode)) throw new KernelError('EINVAL', 'io_init_req', `opcode ${sqe.opcode} is past IORING_OP_LAST of this kernel (policy syscalls '${k.policy.syscalls}')`);
  if (flags & ~(IOSQE_FIXED_FILE | IOSQE_ASYNC)) throw new KernelError('EINVAL', 'io_init_req', `sqe flags ${flags} (the model implements IOSQE_FIXED_FILE and IOSQE_ASYNC)`);
  const fixed = (flags & IOSQE_FIXED_FILE) !== 0;
  switch (sqe.opcode) {
    case IORING_OP_OPENAT:
      if (sqe.bufIndex) throw new KernelError('EINVAL', 'io_openat_prep', 'buf_index set');
      if (fixed) throw new KernelError('EBADF', 'io_openat_prep', 'IOSQE_FIXED_FILE on an open');
      if (sqe.fileIndex && (sqe.openFlags ?? 0) & O_CLOEXEC) throw new KernelError('EINVAL', 'io_openat_prep', 'O_CLOEXEC on a direct open');
      if (typeof sqe.addr !== 'string') throw new KernelError('EFAULT', 'io_openat_prep', 'no path');
      return;
    case IORING_OP_CLOSE:
      if (sqe.off || sqe.addr !== undefined || sqe.len || sqe.bufIndex) throw new KernelError('EINVAL', 'io_close_prep', 'off/addr/len/buf_index set');
      if (fixed) throw new KernelError('EBADF', 'io_close_prep', 'IOSQE_FIXED_FILE on a close');
      if (sqe.fileIndex && sqe.fd) throw new KernelError('EINVAL', 'io_close_prep', 'both fd and file_index');
      return;
    case IORING_OP_FIXED_FD_INSTALL:
      if (sqe.off || sqe.addr !== undefined || sqe.len || sqe.bufIndex) throw new KernelError('EINVAL', 'io_install_fixed_fd_prep', 'off/addr/len/buf_index set');
      if (!fixed) throw new KernelError('EBADF', 'io_install_fixed_fd_prep', 'must be a fixed file');
      if ((sqe.installFdFlags ?? 0) & ~IORING_FIXED_FD_NO_CLOEXEC) throw new KernelError('EINVAL', 'io_install_fixed_fd_prep', `install_fd_flags ${sqe.installFdFlags}`);
      return;
    case IORING_OP_READ:
    case IORING_OP_WRITE:
      if (sqe.bufIndex) throw new KernelError('EINVAL', 'io_prep_rw', 'buf_index set');
      if ((sqe.off ?? 0) < -1 || !Number.isInteger(sqe.off ?? 0)) throw new KernelError('EINVAL', 'io_prep_rw', `offset ${sqe.off}`);
      if (sqe.opcode === IORING_OP_READ && (!Number.isInteger(sqe.len ?? 0) || (sqe.len ?? 0) < 0)) throw new KernelError('EINVAL', 'io_prep_rw', `len ${sqe.len}`);
      if (sqe.opcode === IORING_OP_WRITE && typeof sqe.addr !== 'string') throw new KernelError('EFAULT', 'io_prep_rw', 'no buffer');
      return;
    default:
      return;
  }
}

/** The fixed lookup (io_file_get_fixed()), with the SCM-as-posted bound of nr_user_files. */
function lookupFixed(k: Kernel, ring: Ring, slot: number): RsrcNode | null {
  if (k.policy.uringFileRegistration !== 'plain') {
    k.engine.read(ring.simId, 1);
    if (!Number.isInteger(slot) || slot < 0 || slot >= ring.nrUserFiles) return null;
    if (slot >= ring.table.size) {
      k.engine.report(
        'out-of-bounds',
        `fixed file ${slot} of ${ring.name}: nr_user_files is ${ring.nrUserFiles} but user_files holds ${ring.table.size}: the lookup reads past the array`,
        ring.name,
        'ctx->nr_user_files bounds ctx->user_files[] lookups, so it must never exceed the array (seed 003: nothing resets it)',
      );
      return null;
    }
  }
  return ring.table.getNode(slot);
}

function fixedLookupStep(k: Kernel, ring: Ring, slot: number, unlocked: boolean): Step {
  return dynamicStep(k.engine, unlocked ? 'io_file_get_fixed (io_ring_submit_lock)' : 'io_file_get_fixed', () => {
    const t = ring.table;
    const acc = [t.tableAccess(false), t.slotAccess(slot, false), ring.ctxAccess(false)];
    if (unlocked) acc.push(ring.lockAccess());
    const node = t.lookup(slot);
    if (node !== null) acc.push(t.nodeAccess(node));
    return acc;
  }, unlocked ? ring.uringLock : undefined);
}

/** io_assign_file(): the fixed slot's node (a node reference) or the fd's file (an fget reference). */
function* assignFile(k: Kernel, req: Req, t: Task): KernelPath {
  req.assigned = true;
  const sqe = req.sqe;
  const fd = sqe.fd ?? 0;
  if ((sqe.flags ?? 0) & IOSQE_FIXED_FILE) {
    yield fixedLookupStep(k, req.ring, fd, req.async);
    const node = lookupFixed(k, req.ring, fd);
    if (node === null) return;
    req.node = node;
    req.file = node.file;
    if (!node.fileValid) {
      k.engine.report('use-after-free', `${req.ring.name} request uses ${node.file.simLabel(node.fileGen)} of fixed slot ${fd} after it was freed (the slot's node borrowed the reference)`, node.file.simLabel(node.fileGen));
      req.file = null;
    }
    return;
  }
  const files = t.filesOrThrow('io_file_get_normal');
  if (!Number.isInteger(fd) || fd < 0 || fd >= 2 ** 31) return;
  const f = yield* fgetSteps(t, files, fd, FMODE_PATH);
  if (f === null) return;
  req.file = f;
  req.fileRef = true;
}

/** Issues a request in `t` (the submitter inline, or an io-wq worker); returns PUNT when inline would block. */
function* issueSteps(k: Kernel, req: Req, t: Task): KernelPath<typeof PUNT | void> {
  const sqe = req.sqe;
  let out: Issue;
  try {
    if (needsFile(sqe.opcode) && !req.assigned) yield* assignFile(k, req, t);
    if (needsFile(sqe.opcode) && req.file === null) throw new KernelError('EBADF', 'io_assign_file', `no file for fd ${sqe.fd ?? 0}`);
    out = yield* opSteps(k, req, t);
  } catch (e) {
    if (!KernelError.is(e)) throw e;
    out = { res: errnoRes(e.code) };
  }
  if (out === PUNT) return PUNT;
  yield* completeSteps(k, req, t, out.res, out.data);
}

/** io_req_complete_post() and io_put_rsrc_node(): post the CQE, drop the request's node or file reference. */
function* completeSteps(k: Kernel, req: Req, t: Task, res: number, data?: string | readonly string[]): KernelPath {
  const ring = req.ring;
  const acc = [ring.cqAccess(true), ring.ctxAccess(true)];
  if (req.node !== null) acc.push(ring.table.nodeAccess(req.node), fileAccess(req.node.file, 'f_count', true));
  if (req.fileRef && req.file !== null) acc.push(fileAccess(req.file, 'f_count', true));
  if (req.async) acc.push(ring.lockAccess());
  yield { fn: req.async ? 'io_req_complete_post (uring_lock)' : 'io_req_complete_post', acc, blocker: req.async ? ring.uringLock : undefined };
  // A request cancelled by its ring's exit or its submitter's — its worker killed, its wait
  // ended with EINTR — posts no CQE (host, 6.18: none appeared for one cancelled by the
  // submitter's exit); one that completed before the kill reached it posts its result.
  if (!(t.sim.killed && res === errnoRes('EINTR'))) ring.post(cqe(req.sqe, res, data));
  k.engine.touch(ring.ctxAccess(true));
  ring.inflight--;
  if (req.node !== null) {
    ring.table.putNode(req.node, t);
    ring.dropOrphans(t);
    req.node = null;
    yield* syncSteps(ring, t);
  }
  if (req.fileRef && req.file !== null) fputDeferred(t, req.file);
  req.file = null;
  // The ring's file is gone and this was the last request: io_ring_exit_work() frees it.
  if (ring.exiting && ring.inflight === 0) yield* ringFreeSteps(ring);
}

function* opSteps(k: Kernel, req: Req, t: Task): KernelPath<Issue> {
  const sqe = req.sqe;
  switch (sqe.opcode) {
    case IORING_OP_NOP:
      return { res: 0 };
    case IORING_OP_READ:
    case IORING_OP_WRITE:
      return yield* rwSteps(k, req, t, sqe.opcode === IORING_OP_WRITE);
    case IORING_OP_GETDENTS:
      return yield* getdentsSteps(k, req);
    case IORING_OP_OPENAT:
      return yield* openatSteps(k, req, t);
    case IORING_OP_CLOSE:
      return yield* closeSteps(k, req, t);
    case IORING_OP_FIXED_FD_INSTALL: {
      const cloexec = ((sqe.installFdFlags ?? 0) & IORING_FIXED_FD_NO_CLOEXEC) === 0;
      const fd = yield* receiveFdSteps(t, req.file!, cloexec ? O_CLOEXEC : 0);
      return { res: fd };
    }
    case IORING_OP_POLL_ADD:
      return yield* pollSteps(k, req, t);
    default:
      throw new KernelError('EINVAL', 'io_issue_sqe', `opcode ${sqe.opcode}`);
  }
}

function fileSize(f: RefFile): number {
  return f.inode.kind === 'dir' ? f.inode.entries.length : f.inode.data.length;
}

/** io_read() / io_write(): offset -1 is f_pos (io_kiocb_update_pos(), kiocb_done()), read at issue, stored at completion, no f_pos_lock. */
function* rwSteps(k: Kernel, req: Req, t: Task, write: boolean): KernelPath<Issue> {
  const f = req.file!;
  const sqe = req.sqe;
  if (!(f.mode & (write ? FMODE_WRITE : FMODE_READ))) throw new KernelError('EBADF', write ? 'io_write' : 'io_read', `${f.name} not open for ${write ? 'writing' : 'reading'}`);
  const stepped: SteppedFileOperations = f.ops;
  if (write ? stepped.writeSteps : stepped.readSteps) return yield* steppedRwSteps(req, t, write);
  if (!(write ? f.ops.write : f.ops.read)) throw new KernelError('EINVAL', write ? 'io_write' : 'io_read', `${f.ops.name} has no ->${write ? 'write' : 'read'}`);
  const data = sqe.addr ?? '';
  const len = sqe.len ?? 0;
  if (f.ops.stream) {
    const step = streamOpStep(k.engine, f, write ? 'io_write: ->write_iter' : 'io_read: ->read_iter', write ? 'write' : 'read');
    const run = (): Issue => {
      if (write) return { res: f.ops.write!(f, 0, data) };
      const got = f.ops.read!(f, 0, len);
      return { res: got.length, data: got };
    };
    function* op(): KernelPath<Issue> {
      yield step;
      k.engine.touch(fileAccess(f, 'state', false));
      return run();
    }
    // FMODE_NOWAIT (a type with ->poll: a pipe): every try is IOCB_NOWAIT, as a one-step
    // op is — a write stores what fits and completes with the short count, a read takes
    // what is there — and nothing ready is EAGAIN, on which the request waits for the poll.
    if (fileCanPoll(f)) return yield* pollRetrySteps(req, t, write, op);
    // Without ->poll inline there is nothing to try; io-wq's try blocks until the whole op
    // can run (the kernel's blocking ->write_iter would store part of it first).
    if (!req.async) return reqNowait(k, f) ? { res: errnoRes('EAGAIN') } : PUNT;
    // The queue the request would sleep on, or null when the file is ready.
    const blockedOn = () => (write ? (f.ops.writeBlocks?.(f, data) ?? null) : (f.ops.readBlocks?.(f, len) ?? null));
    for (;;) {
      yield step;
      k.engine.touch(fileAccess(f, 'state', false));
      const q = blockedOn();
      if (q === null) return run();
      // The worker joins the queue in the step that found the file not ready (which
      // declares the queue): a wake-up between that check and a later prepare_to_wait
      // would be lost, and the worker would sleep on data that is already there.
      yield* q.sleepOnceSteps(t.sim, write ? 'io_write' : 'io_read', false, () => blockedOn() === null);
    }
  }
  const curPos = (sqe.off ?? 0) === -1;
  let pos = sqe.off ?? 0;
  if (curPos) {
    yield { fn: 'io_kiocb_update_pos: ki_pos = f_pos', acc: fileAccess(f, 'f_pos', false) };
    k.engine.touch(fileAccess(f, 'f_pos', false));
    pos = f.pos;
    k.fpos.enter(f, `issued io_uring ${write ? 'WRITE' : 'READ'} at offset -1, which takes no f_pos_lock`);
  }
  let res: number;
  let got: string | undefined;
  let next = pos;
  try {
    const own = fileOpAccesses(f, write ? 'write' : 'read');
    const acc = write ? [...(typeof own === 'number' ? [own] : own), fileAccess(f, 'state', false)] : own;
    yield { fn: write ? 'io_write: ->write_iter' : 'io_read: ->read_iter', acc };
    if (write) {
      k.engine.touch(fileAccess(f, 'state', false));
      const at = f.flags & O_APPEND ? fileSize(f) : pos;
      res = f.ops.write!(f, at, data);
      next = at + res;
    } else {
      got = f.ops.read!(f, pos, len);
      res = got.length;
      next = pos + res;
    }
    if (curPos) {
      yield { fn: 'kiocb_done: f_pos = ki_pos', acc: fileAccess(f, 'f_pos', true) };
      k.engine.touch(fileAccess(f, 'f_pos', true));
      const before = f.pos;
      f.pos = next;
      if (k.engine.tracing) k.engine.effect('f_pos', f.simId, 1, before, next);
    }
  } finally {
    if (curPos) k.fpos.exit(f);
  }
  return got === undefined ? { res } : { res, data: got };
}

/**
 * REQ_F_NOWAIT: an EAGAIN of this file is the request's answer, not a reason to wait. Set
 * for an O_NONBLOCK file that cannot say "not ready" (no ->poll: no FMODE_NOWAIT in the
 * model) and, before 5d329e1286b0 ("io_uring: allow retry for O_NONBLOCK if async is
 * supported", v5.15), for every O_NONBLOCK file.
 */
function reqNowait(k: Kernel, f: RefFile): boolean {
  k.engine.touch(fileAccess(f, 'state', false));
  return (f.flags & O_NONBLOCK) !== 0 && (!fileCanPoll(f) || !hasSyscalls(k.policy, 'v5.15'));
}

/**
 * READ/WRITE on a file whose ->read_iter / ->write_iter is a kernel path of its own (a
 * socket: sock_read_iter() / sock_write_iter()). The kiocb's position is 0 for offset -1
 * (a stream has no f_pos: io_kiocb_update_pos()) and the SQE's offset otherwise, which a
 * socket answers ESPIPE. A file that can say "not ready" (one with ->poll: FMODE_NOWAIT
 * in the model) is tried without blocking (IOCB_NOWAIT); on EAGAIN the request waits for
 * the file's poll to report the direction ready (io_arm_poll_handler()) and tries again,
 * re-arming after an EAGAIN that another reader or writer caused (the kernel allows
 * APOLL_MAX_RETRY, 128, re-arms). The kernel waits for the poll from task work with no
 * thread; the model waits in the io-wq worker, as it does for POLL_ADD. Under
 * {@link reqNowait} the EAGAIN completes the request instead. A file without ->poll is
 * issued blocking in io-wq.
 */
function* steppedRwSteps(req: Req, t: Task, write: boolean): KernelPath<Issue> {
  const f = req.file!;
  const k = req.ring.kernel;
  const sqe = req.sqe;
  const ops: SteppedFileOperations = f.ops;
  const off = sqe.off ?? 0;
  const pos = off === -1 ? 0 : off;
  function* attempt(nowait: boolean): KernelPath<Issue> {
    const iocb = { pos, nowait };
    if (write) return { res: yield* ops.writeSteps!(t, f, sqe.addr ?? '', iocb) };
    const got = yield* ops.readSteps!(t, f, sqe.len ?? 0, iocb);
    return { res: got.length, data: got };
  }
  if (!fileCanPoll(f)) {
    // io_file_supports_nowait() false: inline there is nothing to try.
    if (req.async) return yield* attempt(false);
    return reqNowait(k, f) ? { res: errnoRes('EAGAIN') } : PUNT;
  }
  return yield* pollRetrySteps(req, t, write, () => attempt(true));
}

/**
 * The EAGAIN loop of a READ or WRITE on a file that can say "not ready": `attempt` is one
 * try (which may punt or sleep itself); its EAGAIN sends an inline request to io-wq and
 * makes a worker arm the file's poll (apollSteps()) and try again, until something other
 * than EAGAIN comes back — or the EAGAIN is final ({@link reqNowait}).
 */
function* pollRetrySteps(req: Req, t: Task, write: boolean, attempt: () => KernelPath<Issue>): KernelPath<Issue> {
  const f = req.file!;
  // Without ->poll there is nothing to wait for: io-wq's try is the blocking one, and its
  // EAGAIN is the answer. A poll that keeps saying ready to a file that keeps saying
  // EAGAIN gives up after APOLL_MAX_RETRY re-arms, as the kernel does.
  const canArm = fileCanPoll(f);
  let arms = req.apoll && canArm ? 1 : 0;
  for (;;) {
    if (arms > 0) yield* apollSteps(f, write, t);
    try {
      return yield* attempt();
    } catch (e) {
      if (!KernelError.is(e) || e.code !== 'EAGAIN' || reqNowait(req.ring.kernel, f)) throw e;
      if (req.async && (!canArm || arms >= APOLL_MAX_RETRY)) throw e;
    }
    if (!req.async) {
      req.apoll = true;
      return PUNT;
    }
    arms++;
  }
}

/** APOLL_MAX_RETRY in io_uring/poll.c: how often a request re-arms its poll before it gives up. */
const APOLL_MAX_RETRY = 128;

/**
 * io_arm_poll_handler() for a READ or WRITE that got EAGAIN: the request registers on the
 * file's queues and polls in one step, so a wake-up between the failed attempt and the
 * registration is not lost (the poll sees its effect); it returns when the poll finds the
 * file ready, at once or after a wake-up.
 */
function* apollSteps(f: RefFile, write: boolean, t: Task): KernelPath {
  const events = (write ? EPOLLOUT | EPOLLWRNORM : EPOLLIN | EPOLLRDNORM) | EPOLLERR | EPOLLHUP;
  const waiters = new PollWaiters('io_async_wake', () => (vfsPoll(f, null) & events) !== 0);
  yield vfsPollStep(f, 'io_arm_poll_handler: vfs_poll');
  if ((vfsPoll(f, waiters.table(events, t)) & events) !== 0) {
    waiters.removeAll();
    return;
  }
  try {
    yield { fn: 'io_apoll_wait', acc: waiters.queueAccesses(), blocker: waiters };
    if (t.sim.killed) throw new KernelError('EINTR', write ? 'io_write' : 'io_read', 'fatal signal');
  } finally {
    // The last step declared every queue the entries are on.
    waiters.removeAll();
  }
}

/**
 * The GETDENTS op as proposed (never merged): f_pos as the directory position, and
 * f_pos_lock taken as the `uringPosLock` policy says — `'when-shared'` only when
 * file_count > 1 (the __fdget_pos() copy), `'always'` always; inline it is a trylock
 * (a held lock punts the request to io-wq), a worker sleeps on it.
 */
function* getdentsSteps(k: Kernel, req: Req): KernelPath<Issue> {
  const f = req.file!;
  if (!f.ops.iterateShared) throw new KernelError('ENOTDIR', 'io_getdents', `${f.name} is not a directory`);
  if (!(f.mode & FMODE_READ)) throw new KernelError('EBADF', 'io_getdents', `${f.name} not open for reading`);
  const rule = k.policy.uringPosLock;
  yield { fn: 'io_getdents: file_count', acc: fileAccess(f, 'f_count', false) };
  k.engine.touch(fileAccess(f, 'f_count', false));
  const count = f.count;
  const need = (f.mode & FMODE_ATOMIC_POS) !== 0 && (rule === 'always' || count > 1);
  let locked = false;
  if (need) {
    const lock = f.posLock;
    if (!req.async) {
      yield { fn: 'mutex_trylock(f_pos_lock)', acc: [access(lock.simId, 0, true)] };
      if (!lock.tryLock()) return PUNT;
    } else {
      yield lock.lockStep();
      lock.lock();
    }
    locked = true;
  }
  const why = locked ? `took f_pos_lock (f_count ${count}, uringPosLock: ${rule})` : `skipped f_pos_lock because f_count was ${count} (uringPosLock: ${rule}; a fixed file's count stays 1)`;
  try {
    yield { fn: 'io_getdents: pos = f_pos', acc: fileAccess(f, 'f_pos', false) };
    k.engine.touch(fileAccess(f, 'f_pos', false));
    const pos = f.pos;
    k.fpos.enter(f, why);
    let names: string[];
    try {
      yield { fn: 'iterate_dir', acc: fileOpAccesses(f, 'iterate') };
      names = f.ops.iterateShared(f, pos, Math.max(0, req.sqe.len ?? 0));
      yield { fn: 'io_getdents: f_pos = pos', acc: fileAccess(f, 'f_pos', true) };
      k.engine.touch(fileAccess(f, 'f_pos', true));
      f.pos = pos + names.length;
      if (k.engine.tracing) k.engine.effect('f_pos', f.simId, 1, pos, f.pos);
    } finally {
      k.fpos.exit(f);
    }
    return { res: names.length, data: names };
  } finally {
    if (locked) {
      yield f.posLock.unlockStep();
      f.posLock.unlock();
    }
  }
}


/** io_openat2(): a normal fd, or a direct descriptor through io_fixed_fd_install(). */
function* openatSteps(k: Kernel, req: Req, t: Task): KernelPath<Issue> {
  const sqe = req.sqe;
  const path = sqe.addr!;
  const flags = sqe.openFlags ?? 0;
  const ring = req.ring;
  // Into a normal fd: what open(2) does after its checks (done at prep).
  if (!sqe.fileIndex) return { res: yield* openSteps(t, path, flags) };
  yield vfsOpenStep(t, path, flags);
  const f = k.vfs.openFile(path, flags);
  const alloc = fileIndexAllocates(k.policy, sqe.fileIndex);
  // io_fixed_fd_install(): io_ring_submit_lock() — a worker takes uring_lock here.
  yield dynamicStep(k.engine, alloc ? 'io_fixed_fd_install (alloc)' : 'io_fixed_fd_install', () => {
    const tb = ring.table;
    const acc = [tb.tableAccess(true), ring.ctxAccess(true), ring.cqAccess(true), fileAccess(f, 'f_count', true)];
    if (req.async) acc.push(ring.lockAccess());
    const n = tb.size;
    const slots = alloc ? Array.from({ length: n }, (_, i) => i) : [sqe.fileIndex! - 1];
    for (const i of slots) {
      if (i < 0 || i >= n) continue;
      acc.push(tb.slotAccess(i, true));
      const node = tb.lookup(i);
      if (node !== null) acc.push(tb.nodeAccess(node), fileAccess(node.file, 'f_count', true));
    }
    return acc;
  }, req.async ? ring.uringLock : undefined);
  try {
    const slot = alloc ? ring.table.allocSlot() : sqe.fileIndex! - 1;
    installFixed(ring, t, slot, f, 0);
    yield* syncSteps(ring, t);
    return { res: alloc ? slot : 0 };
  } catch (e) {
    k.engine.touch(fileAccess(f, 'f_count', true));
    fputDeferred(t, f);
    throw e;
  }
}

/** io_close(): a fixed slot (io_fixed_fd_remove()) or an fd (file_close_fd_locked() + filp_close()). */
function* closeSteps(k: Kernel, req: Req, t: Task): KernelPath<Issue> {
  const sqe = req.sqe;
  const ring = req.ring;
  if (sqe.fileIndex) {
    const slot = sqe.fileIndex - 1;
    yield dynamicStep(k.engine, 'io_fixed_fd_remove', () => {
      const tb = ring.table;
      const acc = [tb.tableAccess(true), tb.slotAccess(slot, true), ring.ctxAccess(true), ring.cqAccess(true)];
      if (req.async) acc.push(ring.lockAccess());
      const node = tb.lookup(slot);
      if (node !== null) acc.push(tb.nodeAccess(node), fileAccess(node.file, 'f_count', true));
      return acc;
    }, req.async ? ring.uringLock : undefined);
    ring.table.remove(slot, t);
    ring.dropOrphans(t);
    yield* syncSteps(ring, t);
    return { res: 0 };
  }
  const files = t.filesOrThrow('io_close');
  const fd = sqe.fd ?? 0;
  if (!Number.isInteger(fd) || fd < 0 || fd >= 2 ** 31) throw new KernelError('EBADF', 'io_close', `fd ${fd}`);
  yield closeSlotStep(files, fd);
  const cur = files.lookupRaw(fd);
  if (cur === null || isUringFile(cur)) throw new KernelError('EBADF', 'io_close', `fd ${fd} is not open or is an io_uring`);
  const f = files.closeFdLocked(fd)!;
  yield* filpCloseSteps(t, f, files);
  return { res: 0 };
}

/**
 * io_poll_add(): ->poll with the request's poll table, armed at issue. Something ready
 * completes it at once; otherwise it waits for a wake-up, which completes it with the
 * wake-up's key (io_poll_wake() → io_poll_check_events(); a key-less wake-up polls
 * again). The model does the waiting in an io-wq worker thread — the kernel completes
 * from task work, with no thread — so the wait shows as the worker's step.
 */
function* pollSteps(k: Kernel, req: Req, t: Task): KernelPath<Issue> {
  const f = req.file!;
  const events = (req.sqe.pollEvents ?? 0) | EPOLLERR | EPOLLHUP;
  let armed = req.arm;
  if (armed === null) {
    armed = new PollWaiters('io_poll_wake', () => (vfsPoll(f, null) & events) !== 0);
    yield vfsPollStep(f, 'vfs_poll (arm)');
    const m = vfsPoll(f, armed.table(events, t)) & events;
    if (m !== 0) {
      armed.removeAll();
      return { res: m };
    }
    if (!req.async) {
      req.arm = armed;
      return PUNT;
    }
  }
  try {
    for (;;) {
      yield { fn: 'io_poll_wait', acc: armed.queueAccesses(), blocker: armed };
      if (armed.mask !== 0) return { res: armed.mask };
      if (t.sim.killed) throw new KernelError('EINTR', 'io_poll', 'fatal signal');
      armed.triggered = false;
      const waiters = armed;
      yield vfsPollStep(f, 'vfs_poll', () => waiters.queueAccesses());
      const m = vfsPoll(f, null) & events;
      if (m !== 0) return { res: m };
    }
  } finally {
    // The last step declared every queue the entries are on.
    armed.removeAll();
  }
}

