import { FMODE_PATH, KernelError, type Kernel, type KernelPath, type RefFile, type Task } from '../../index.js';
import { EMPTY_FD, dynamicStep, fdgetSteps, fdputSteps, fgetSteps, fileAccess, fputDeferredSteps, requireSyscall, type Step } from '../../extend.js';
import {
  IORING_MAX_FIXED_FILES, IORING_REGISTER_FILE_ALLOC_RANGE, IORING_REGISTER_FILES, IORING_REGISTER_FILES2, IORING_REGISTER_FILES_SKIP,
  IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_FILES_UPDATE2, IORING_REGISTER_LAST, IORING_RSRC_REGISTER_SPARSE, IORING_UNREGISTER_FILES,
  RSRC_STRUCT_SIZE, SCM_MAX_FD,
} from './constants.js';
import { isUringFile, ringOfFile, unregisterAccesses, type Ring } from './ring.js';
import { registerKnown, rsrcRegisterFlags, updateSkips } from './uapi.js';

/**
 * `struct io_uring_rsrc_update` / `io_uring_rsrc_update2`: the argument of
 * IORING_REGISTER_FILES_UPDATE (nr_args entries) and IORING_REGISTER_FILES_UPDATE2 (`nr`
 * entries, nr_args = 32). `data` null is a NULL pointer (EFAULT); an array shorter than
 * the count faults at its end.
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILES_SKIP, type RsrcUpdate } from 'fdlab/io-uring';
 * const up: RsrcUpdate = { offset: 1, data: [IORING_REGISTER_FILES_SKIP, 3] };
 * ```
 */
export interface RsrcUpdate {
  /** First slot. */
  readonly offset: number;
  /** The fds: -1 empties a slot, IORING_REGISTER_FILES_SKIP leaves it. */
  readonly data: readonly number[] | null;
  /** Tags (0: none); a tag on a -1 or skip entry is EINVAL. */
  readonly tags?: readonly number[] | null;
  /** UPDATE2 only: the number of entries. */
  readonly nr?: number;
  /** Must be 0. */
  readonly resv?: number;
  /** UPDATE2 only: must be 0. */
  readonly resv2?: number;
}

/**
 * `struct io_uring_rsrc_register`: the argument of IORING_REGISTER_FILES2 (nr_args = 32).
 *
 * @example
 * ```ts
 * import { IORING_RSRC_REGISTER_SPARSE, type RsrcRegister } from 'fdlab/io-uring';
 * const sparse: RsrcRegister = { nr: 8, flags: IORING_RSRC_REGISTER_SPARSE, data: null };
 * ```
 */
export interface RsrcRegister {
  /** Slots. */
  readonly nr: number;
  /** IORING_RSRC_REGISTER_SPARSE or 0. */
  readonly flags: number;
  /** The fds, or null (every slot empty). */
  readonly data: readonly number[] | null;
  /** Tags, or null. */
  readonly tags?: readonly number[] | null;
  /** Must be 0. */
  readonly resv2?: number;
}

/**
 * `struct io_uring_file_index_range`: the argument of IORING_REGISTER_FILE_ALLOC_RANGE.
 *
 * @example
 * ```ts
 * import type { FileIndexRange } from 'fdlab/io-uring';
 * const r: FileIndexRange = { off: 4, len: 4 };
 * ```
 */
export interface FileIndexRange {
  /** First slot of the range. */
  readonly off: number;
  /** Slots in the range. */
  readonly len: number;
  /** Must be 0. */
  readonly resv?: number;
}

/**
 * The `arg` of io_uring_register(2) for the modelled opcodes: an fd array
 * (REGISTER_FILES), an update, a register struct, a range, or null (a NULL pointer).
 *
 * @example
 * ```ts
 * import type { RegisterArg } from 'fdlab/io-uring';
 * const fds: RegisterArg = [0, -1, 1];
 * ```
 */
export type RegisterArg = readonly number[] | RsrcUpdate | RsrcRegister | FileIndexRange | null;

const isObj = (a: RegisterArg): a is Exclude<RegisterArg, readonly number[] | null> => a !== null && !Array.isArray(a) && typeof a === 'object';

/**
 * io_uring_register(fd, opcode, arg, nr_args) as a kernel path for task `t`. Models
 * SYSCALL_DEFINE4(io_uring_register) and __io_uring_register() in io_uring/register.c:
 * opcode ≥ IORING_REGISTER_LAST is EINVAL (the kernel's: FILES2 and FILES_UPDATE2 came
 * in v5.13, FILE_ALLOC_RANGE in v6.0, policy `syscalls`); fdget(fd) (EBADF) and io_is_uring_fops()
 * (EOPNOTSUPP); then, under `uring_lock`:
 *
 * - IORING_REGISTER_FILES (EFAULT for a NULL array) and IORING_REGISTER_FILES2 (nr_args
 *   must be 32; EINVAL for nr 0, resv2, an unknown flag — SPARSE is one before v5.19 —,
 *   SPARSE with data) →
 *   io_sqe_files_register(): EBUSY if registered, EINVAL for nr 0, EMFILE beyond
 *   IORING_MAX_FIXED_FILES or RLIMIT_NOFILE; per entry -1 (or no array) leaves a slot
 *   empty (a tag there is EINVAL), fget() (EBADF), a ring fd is EBADF; any failure
 *   unregisters everything (all or nothing); the allocation range becomes the table;
 * - IORING_UNREGISTER_FILES: arg and nr_args must be 0/NULL (EINVAL); ENXIO if none;
 * - IORING_REGISTER_FILES_UPDATE (nr_args entries; 0 is EINVAL) and
 *   IORING_REGISTER_FILES_UPDATE2 (nr_args 32; nr 0 or resv EINVAL) →
 *   __io_sqe_files_update(): ENXIO without a table, EOVERFLOW / EINVAL past its end; per
 *   entry the slot is reset *before* the new fd is looked up, SKIP (-2) leaves it (from
 *   v5.12; before, -2 resets the slot and fails fget(), EBADF); returns
 *   the entries done, or the error if none were;
 * - IORING_REGISTER_FILE_ALLOC_RANGE: arg needed and nr_args 0 (EINVAL); EOVERFLOW,
 *   EINVAL for resv or a range past the table;
 * - any other opcode below IORING_REGISTER_LAST is EINVAL in the model (buffers, rings,
 *   eventfds ... are not modelled).
 *
 * The `uringFileRegistration` policy decides who owns the references: `'plain'` the
 * table's nodes; `'scm'` and `'scm-as-posted'` skbs on the ring's `ring_sock` (the nodes
 * borrow), with the 2019 error paths for `'scm-as-posted'` (seed 003).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { ioUring, ioUringRegisterSteps, IORING_REGISTER_FILES } from 'fdlab/io-uring';
 * const k = new Kernel();
 * const uring = k.use(ioUring());
 * const p = k.spawnProcess();
 * const ring = uring.setup(p, 4);
 * const fd = p.open('/data/log', O_RDONLY);
 * p.thread(function* (sys) { return yield* ioUringRegisterSteps(k, sys.task, ring, IORING_REGISTER_FILES, [fd], 1); });
 * k.run();
 * ```
 */
export function* ioUringRegisterSteps(k: Kernel, t: Task, fd: number, opcode: number, arg: RegisterArg, nrArgs: number): KernelPath<number> {
  requireSyscall(k.policy, 'io_uring_register', 'v5.11');
  if (!Number.isInteger(opcode) || opcode < 0 || opcode >= IORING_REGISTER_LAST) throw new KernelError('EINVAL', 'io_uring_register', `opcode ${opcode}`);
  if (!registerKnown(k.policy, opcode)) throw new KernelError('EINVAL', 'io_uring_register', `opcode ${opcode} is past IORING_REGISTER_LAST of this kernel (policy syscalls '${k.policy.syscalls}')`);
  const files = t.filesOrThrow('io_uring_register');
  const w = Number.isInteger(fd) && fd >= 0 ? yield* fdgetSteps(t, files, fd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', 'io_uring_register', `fd ${fd} is not open`);
  const ring = ringOfFile(files.fileOfWord(w));
  let error: unknown;
  let ret = 0;
  if (ring === null) error = new KernelError('EOPNOTSUPP', 'io_uring_register', `fd ${fd} is not an io_uring`);
  else {
    yield ring.uringLock.lockStep();
    ring.uringLock.lock();
    try {
      ret = yield* registerLocked(k, t, ring, opcode, arg, nrArgs);
    } catch (e) {
      error = e;
    }
    yield ring.uringLock.unlockStep();
    ring.uringLock.unlock();
  }
  yield* fdputSteps(t, files, w);
  if (error !== undefined) throw error;
  return ret;
}

function* registerLocked(k: Kernel, t: Task, ring: Ring, opcode: number, arg: RegisterArg, nrArgs: number): KernelPath<number> {
  switch (opcode) {
    case IORING_REGISTER_FILES:
      if (arg === null) throw new KernelError('EFAULT', 'io_uring_register', 'NULL fd array');
      return yield* filesRegisterSteps(k, t, ring, Array.isArray(arg) ? (arg as readonly number[]) : null, null, nrArgs);
    case IORING_UNREGISTER_FILES:
      if (arg !== null || nrArgs !== 0) throw new KernelError('EINVAL', 'io_uring_register', 'UNREGISTER_FILES takes no argument');
      return yield* filesUnregisterSteps(k, t, ring);
    case IORING_REGISTER_FILES2: {
      if (nrArgs !== RSRC_STRUCT_SIZE) throw new KernelError('EINVAL', 'io_uring_register', `nr_args ${nrArgs} is not sizeof(struct io_uring_rsrc_register)`);
      if (!isObj(arg) || !('nr' in arg) || !('flags' in arg)) throw new KernelError('EFAULT', 'io_uring_register', 'no io_uring_rsrc_register');
      const rr = arg as RsrcRegister;
      if (!rr.nr || rr.resv2) throw new KernelError('EINVAL', 'io_uring_register', 'nr 0 or resv2 set');
      if (rr.flags & ~rsrcRegisterFlags(k.policy)) throw new KernelError('EINVAL', 'io_uring_register', `unknown flags ${rr.flags} (policy syscalls '${k.policy.syscalls}')`);
      if (rr.flags & IORING_RSRC_REGISTER_SPARSE && rr.data !== null) throw new KernelError('EINVAL', 'io_uring_register', 'SPARSE with data');
      return yield* filesRegisterSteps(k, t, ring, rr.data, rr.tags ?? null, rr.nr);
    }
    case IORING_REGISTER_FILES_UPDATE: {
      if (!nrArgs) throw new KernelError('EINVAL', 'io_uring_register', 'nr_args 0');
      if (!isObj(arg) || !('offset' in arg)) throw new KernelError('EFAULT', 'io_uring_register', 'no io_uring_rsrc_update');
      const up = arg as RsrcUpdate;
      if (up.resv) throw new KernelError('EINVAL', 'io_uring_register', 'resv set');
      return yield* filesUpdateSteps(k, t, ring, up, null, nrArgs);
    }
    case IORING_REGISTER_FILES_UPDATE2: {
      if (nrArgs !== RSRC_STRUCT_SIZE) throw new KernelError('EINVAL', 'io_uring_register', `nr_args ${nrArgs} is not sizeof(struct io_uring_rsrc_update2)`);
      if (!isObj(arg) || !('offset' in arg)) throw new KernelError('EFAULT', 'io_uring_register', 'no io_uring_rsrc_update2');
      const up = arg as RsrcUpdate;
      if (!up.nr || up.resv || up.resv2) throw new KernelError('EINVAL', 'io_uring_register', 'nr 0 or resv set');
      return yield* filesUpdateSteps(k, t, ring, up, up.tags ?? null, up.nr);
    }
    case IORING_REGISTER_FILE_ALLOC_RANGE: {
      if (arg === null || nrArgs !== 0) throw new KernelError('EINVAL', 'io_uring_register', 'ALLOC_RANGE needs arg and nr_args 0');
      if (!isObj(arg) || !('off' in arg)) throw new KernelError('EFAULT', 'io_uring_register', 'no io_uring_file_index_range');
      const r = arg as FileIndexRange;
      yield { fn: 'io_register_file_alloc_range', acc: ring.table.tableAccess(true) };
      if (r.off + r.len > 0xffffffff) throw new KernelError('EOVERFLOW', 'io_uring_register', 'off + len overflows');
      if (r.resv) throw new KernelError('EINVAL', 'io_uring_register', 'resv set');
      ring.table.setAllocRange(r.off, r.len);
      return 0;
    }
    default:
      throw new KernelError('EINVAL', 'io_uring_register', `opcode ${opcode} is not modelled`);
  }
}

/** fget(fd) as io_uring does it (O_PATH files are not found), for any number user space passes. */
function* fgetAny(t: Task, fd: number): KernelPath<RefFile | null> {
  const files = t.filesOrThrow('fget');
  if (!Number.isInteger(fd) || fd < 0 || fd >= 2 ** 31) return null;
  return yield* fgetSteps(t, files, fd, FMODE_PATH);
}

/**
 * The fget() of a file to register: EBADF if `fd` is not open, and EBADF for an io_uring
 * file (a ring cannot hold itself or another ring), whose reference is dropped again.
 * Returns the error rather than throwing it: the callers stop and report what they did.
 */
function* fgetRegistrable(t: Task, fd: number): KernelPath<RefFile | KernelError> {
  const file = yield* fgetAny(t, fd);
  if (file === null) return new KernelError('EBADF', 'io_uring_register', `fd ${fd} is not open`);
  if (isUringFile(file)) {
    yield* fputDeferredSteps(t, file);
    return new KernelError('EBADF', 'io_uring_register', `fd ${fd} is an io_uring`);
  }
  return file;
}

/** The step that puts a file in slot `i`: the table, the slot, whatever the slot holds now, the skbs and CQ (SCM designs, tags). */
function slotStep(k: Kernel, ring: Ring, fn: string, i: number): Step {
  return dynamicStep(k.engine, fn, () => {
    const t = ring.table;
    const acc = [t.tableAccess(true), t.slotAccess(i, true), ring.ctxAccess(true), ring.cqAccess(true)];
    const node = t.lookup(i);
    if (node !== null) acc.push(t.nodeAccess(node), fileAccess(node.file, 'f_count', true));
    return acc;
  });
}

/**
 * Puts `file` (whose reference the caller gives up) in slot `i` under the registration
 * design: `'plain'` — the node owns the reference; the SCM designs — an skb of its own
 * owns it and the node borrows (io_sqe_file_register() → __io_sqe_files_scm(ctx, 1, i)).
 * Used by updates and direct opens. @internal
 */
export function installFixed(ring: Ring, t: Task, slot: number, file: RefFile, tag: number): void {
  const scm = ring.kernel.policy.uringFileRegistration !== 'plain';
  ring.table.install(slot, file, tag, t, scm);
  if (scm) ring.queueSkb([file]);
  ring.dropOrphans(t);
}

/** The ring_sock work after a step that changed the table (see `Ring.syncSteps`). @internal */
export function syncSteps(ring: Ring, t: Task): KernelPath {
  return ring.syncSteps(t, t.process.creds.uid);
}

/** io_sqe_files_register() (and, for the SCM designs, io_sqe_files_scm()). */
function* filesRegisterSteps(k: Kernel, t: Task, ring: Ring, fds: readonly number[] | null, tags: readonly number[] | null, nr: number): KernelPath<number> {
  const design = k.policy.uringFileRegistration;
  const table = ring.table;
  yield { fn: 'io_sqe_files_register', acc: [table.tableAccess(true), ring.ctxAccess(true)] };
  if (table.size > 0) throw new KernelError('EBUSY', 'io_uring_register', 'files already registered');
  if (!Number.isInteger(nr) || nr <= 0) throw new KernelError('EINVAL', 'io_uring_register', 'no files');
  if (nr > IORING_MAX_FIXED_FILES) throw new KernelError('EMFILE', 'io_uring_register', `${nr} > IORING_MAX_FIXED_FILES`);
  if (nr > t.process.rlimitNofile) throw new KernelError('EMFILE', 'io_uring_register', `${nr} > RLIMIT_NOFILE ${t.process.rlimitNofile}`);
  table.allocTables(nr);
  // The merged code sets nr_user_files to the table size; the 2019 patch counted each
  // entry it processed and never reset the count (seed 003).
  if (design === 'scm') ring.nrUserFiles = nr;
  let err: KernelError | null = null;
  for (let i = 0; i < nr && err === null; i++) {
    const tag = tags === null ? 0 : tags[i];
    const fd = fds === null ? -1 : fds[i];
    if (tag === undefined || fd === undefined) {
      err = new KernelError('EFAULT', 'io_uring_register', `entry ${i} beyond the array`);
      break;
    }
    if (fd === -1) {
      if (tag !== 0) err = new KernelError('EINVAL', 'io_uring_register', `tag on empty slot ${i}`);
      else if (design === 'scm-as-posted') ring.nrUserFiles++;
      continue;
    }
    const file = yield* fgetRegistrable(t, fd);
    if (file instanceof KernelError) {
      err = file;
      break;
    }
    yield slotStep(k, ring, 'io_fixed_file_set', i);
    if (design === 'plain') table.install(i, file, tag, t);
    else {
      // ctx->user_files[i] = file: the reference is the ring's until io_sqe_files_scm()
      // hands it to an skb; the node borrows it from the start.
      ring.userFiles.push(file);
      if (design === 'scm-as-posted') ring.nrUserFiles++;
      table.install(i, file, tag, t, true);
    }
  }
  if (err === null && design !== 'plain') {
    // io_sqe_files_scm(): SCM_MAX_FD files per skb; each skb's references replace the
    // user_files ones (get_file + unix_inflight, then fput).
    for (let at = 0; at < ring.userFiles.length; at += SCM_MAX_FD) {
      const chunk = ring.userFiles.slice(at, at + SCM_MAX_FD);
      yield { fn: '__io_sqe_files_scm', acc: [ring.ctxAccess(true), ...chunk.map((f) => fileAccess(f, 'f_count', true))] };
      k.engine.touch(chunk.map((f) => fileAccess(f, 'f_count', true)));
      ring.queueSkb(chunk);
    }
    ring.userFiles = [];
    yield* syncSteps(ring, t);
  }
  if (err !== null) {
    yield { fn: 'io_sqe_files_unregister (error path)', get acc() { return k.engine.peek(() => [...unregisterAccesses(ring), ...ring.userFiles.map((f) => fileAccess(f, 'f_count', true))]); } };
    if (design === 'scm-as-posted') {
      // As posted: io_sqe_files_unregister() only dequeues ring_sock skbs — there are none
      // yet — and frees the array: the references fget() took have no owner any more, and
      // nr_user_files keeps its count.
      ring.userFiles.forEach((f, i) => ring.leaked.push([f, `${ring.name}.user_files[${i}]`]));
      ring.userFiles = [];
    } else {
      for (const f of ring.userFiles.splice(0)) if (f.put()) t.taskWork.push(f);
      ring.nrUserFiles = 0;
    }
    table.freeTables(t);
    ring.dropOrphans(t);
    yield* syncSteps(ring, t);
    throw err;
  }
  yield { fn: 'io_file_table_set_alloc_range', acc: table.tableAccess(true) };
  table.setAllocRange(0, nr);
  return 0;
}

/** io_sqe_files_unregister(). */
function* filesUnregisterSteps(k: Kernel, t: Task, ring: Ring): KernelPath<number> {
  yield {
    fn: 'io_sqe_files_unregister',
    get acc() {
      return k.engine.peek(() => unregisterAccesses(ring));
    },
  };
  if (ring.table.size === 0) throw new KernelError('ENXIO', 'io_uring_register', 'no files registered');
  ring.table.freeTables(t);
  ring.dropOrphans(t);
  yield* syncSteps(ring, t);
  // The merged code resets nr_user_files; the 2019 patch as posted never did (seed 003).
  if (k.policy.uringFileRegistration !== 'scm-as-posted') ring.nrUserFiles = 0;
  return 0;
}

/** __io_sqe_files_update(). */
function* filesUpdateSteps(k: Kernel, t: Task, ring: Ring, up: RsrcUpdate, tags: readonly number[] | null, nr: number): KernelPath<number> {
  const table = ring.table;
  yield { fn: '__io_sqe_files_update', acc: table.tableAccess(false) };
  if (table.size === 0) throw new KernelError('ENXIO', 'io_uring_register', 'no files registered');
  if (up.offset + nr > 0xffffffff) throw new KernelError('EOVERFLOW', 'io_uring_register', 'offset + nr overflows');
  if (up.offset + nr > table.size) throw new KernelError('EINVAL', 'io_uring_register', `slots ${up.offset}..${up.offset + nr - 1} beyond ${table.size}`);
  let done = 0;
  let err: KernelError | null = null;
  // Before v5.12 -2 is an fd like any other: the slot is reset, then fget(-2) fails.
  const skips = updateSkips(k.policy);
  for (; done < nr; done++) {
    const tag = tags === null ? 0 : tags[done];
    const fd = up.data === null ? undefined : up.data[done];
    if (tag === undefined || fd === undefined) {
      err = new KernelError('EFAULT', 'io_uring_register', `entry ${done} beyond the array`);
      break;
    }
    const skip = skips && fd === IORING_REGISTER_FILES_SKIP;
    if ((skip || fd === -1) && tag !== 0) {
      err = new KernelError('EINVAL', 'io_uring_register', 'tag on a skip or empty entry');
      break;
    }
    if (skip) continue;
    const i = up.offset + done;
    yield slotStep(k, ring, 'io_reset_rsrc_node', i);
    if (table.lookup(i) !== null) table.remove(i, t);
    ring.dropOrphans(t);
    yield* syncSteps(ring, t);
    if (fd === -1) continue;
    const file = yield* fgetRegistrable(t, fd);
    if (file instanceof KernelError) {
      err = file;
      break;
    }
    yield slotStep(k, ring, 'io_fixed_file_set', i);
    installFixed(ring, t, i, file, tag);
    yield* syncSteps(ring, t);
  }
  if (done > 0) return done;
  if (err !== null) throw err;
  return 0;
}
