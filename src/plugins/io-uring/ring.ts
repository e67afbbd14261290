import { FixedFileTable, SOCK_DGRAM, type FileOperations, type Kernel, type KernelPath, type RefFile, type RsrcNode, type Task, type Traceable, type UnixSock } from '../../index.js';
import {
  access, attachUnixSock, dynamicStep, fileAccess, fputTeardownSteps, Lock, queueFilesInFlight, unixNotInflightSteps, unixReleaseSockSteps, type FputContext,
} from '../../extend.js';

/** Field of a ring: the completion queue (CQ ring and its waiters). */
const CQ = 0;
/** Field of a ring: the context state (requests in flight, nr_user_files, ring_sock, user_files). */
const CTX = 1;

/**
 * One submission queue entry, as user space fills it in (`struct io_uring_sqe`), with
 * the fields the modelled ops read. Unset numeric fields are 0.
 *
 * @example
 * ```ts
 * import { IORING_OP_READ, IOSQE_FIXED_FILE, type Sqe } from 'fdlab/io-uring';
 * const sqe: Sqe = { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 0, off: -1, len: 4, userData: 1 };
 * ```
 */
export interface Sqe {
  /** IORING_OP_*. */
  readonly opcode: number;
  /** IOSQE_* flags (IOSQE_FIXED_FILE, IOSQE_ASYNC). */
  readonly flags?: number;
  /** The fd, or with IOSQE_FIXED_FILE the slot. */
  readonly fd?: number;
  /** READ/WRITE/GETDENTS offset; -1 means the file position (f_pos). */
  readonly off?: number;
  /** READ: bytes; GETDENTS: entries. */
  readonly len?: number;
  /** WRITE: the data; OPENAT: the path. */
  readonly addr?: string;
  /** OPENAT: open(2) flags. */
  readonly openFlags?: number;
  /** OPENAT/CLOSE: 1-based fixed slot, or IORING_FILE_INDEX_ALLOC (OPENAT). */
  readonly fileIndex?: number;
  /** FIXED_FD_INSTALL: IORING_FIXED_FD_NO_CLOEXEC or 0. */
  readonly installFdFlags?: number;
  /** POLL_ADD: the events to wait for. */
  readonly pollEvents?: number;
  /** `buf_index`: must be 0 for the modelled ops. */
  readonly bufIndex?: number;
  /** Copied to the completion. */
  readonly userData?: number;
}

/**
 * One completion queue entry (`struct io_uring_cqe`): the request's `user_data`, its
 * result (a negative errno on failure) and, for the model's convenience, what a READ or
 * GETDENTS returned.
 *
 * @example
 * ```ts
 * import type { Cqe } from 'fdlab/io-uring';
 * const ok = (c: Cqe) => c.res >= 0;
 * ```
 */
export interface Cqe {
  /** The SQE's `userData` (or a registration tag for a tag CQE). */
  readonly userData: number;
  /** The result: bytes, an fd, a slot, a poll mask, 0, or -errno. */
  readonly res: number;
  /** The errno name when `res` is negative. */
  readonly error?: string;
  /** READ: the bytes read; GETDENTS: the names listed. */
  readonly data?: string | readonly string[];
}

/**
 * An io_uring instance: `struct io_ring_ctx` with the parts file lifetime involves — its
 * file (the ring fd), `uring_lock`, the fixed file table, the completion queue, the
 * requests in flight, and for the SCM designs `ring_sock` (its skbs own the registered
 * files) and `nr_user_files`.
 *
 * Models io_uring/io_uring.c and io_uring/rsrc.c. Created by io_uring_setup().
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { ioUring } from 'fdlab/io-uring';
 * const k = new Kernel();
 * const uring = k.use(ioUring());
 * const p = k.spawnProcess();
 * const fd = uring.setup(p, 8);
 * uring.ring(p, fd).table.size; // 0: nothing registered
 * ```
 */
export class Ring implements Traceable {
  /** Engine object id: field 0 the CQ, field 1 the context state. */
  readonly simId: number;
  /** Display name, e.g. `ring#1`. */
  readonly name: string;
  /** The fixed file table (`ctx->file_table`). */
  readonly table: FixedFileTable;
  /** `ctx->uring_lock`: registration, inline issue and io-wq completions take it. */
  readonly uringLock: Lock;
  /** The completion queue: CQEs posted and not yet reaped. */
  readonly cq: Cqe[] = [];
  /** SQ entries (io_uring_setup's `entries`). */
  readonly entries: number;
  /** The kernel. */
  readonly kernel: Kernel;
  /** Requests submitted and not yet completed. */
  inflight = 0;
  /**
   * `ctx->nr_user_files` of the SCM designs: bounds slot lookups. As posted in 2019
   * (`'scm-as-posted'`) nothing resets it, so it grows with every registration.
   */
  nrUserFiles = 0;
  /** `ctx->user_files` while a registration of the SCM designs runs: the references fget() took. */
  userFiles: RefFile[] = [];
  /** References whose holder was freed without an fput (the 2019 error path): file and former owner. */
  readonly leaked: Array<readonly [RefFile, string]> = [];
  /** The ring's struct file, once io_uring_setup() made it. */
  file: RefFile | null = null;
  /**
   * `ctx->ring_sock` of the SCM designs: an in-kernel AF_UNIX socket attached to the ring
   * file, so the unix collector sees the ring as a vertex and the registered files as in
   * flight on it (one message per file in the model; the kernel batched SCM_MAX_FD).
   */
  sock: UnixSock | null = null;
  /** Files handed to ring_sock in this step, queued in flight by {@link syncSteps}. @internal */
  readonly toQueue: RefFile[] = [];
  /** Files of freed slots whose ring_sock message {@link syncSteps} dequeues and drops. @internal */
  readonly toDrop: RefFile[] = [];
  /** The ring file's last reference is gone: the context is freed when the last request completes. */
  exiting = false;
  /** The io-wq workers issuing this ring's requests now, each with the task that submitted its request. @internal */
  readonly workers = new Map<Task, Task>();

  /** @internal Made by io_uring_setup(). */
  constructor(kernel: Kernel, num: number, entries: number) {
    this.kernel = kernel;
    this.entries = entries;
    this.name = `ring#${num}`;
    this.simId = kernel.engine.register(this);
    this.table = new FixedFileTable(kernel, `${this.name}.file_table`);
    this.uringLock = new Lock(kernel.engine, `${this.name}.uring_lock`, true, this.simId);
    this.table.onNodeFree = (node) => this.nodeFreed(node);
  }

  /** Gives the ring its `ring_sock` (io_uring_setup() of the SCM designs: sock_create_kern()). @internal */
  attachSock(file: RefFile): void {
    this.sock = attachUnixSock(this.kernel, file, SOCK_DGRAM);
  }

  /** The access of the completion queue. */
  cqAccess(write: boolean): number {
    return access(this.simId, CQ, write);
  }

  /** The access of the context state (in-flight count, nr_user_files, ring_sock). */
  ctxAccess(write: boolean): number {
    return access(this.simId, CTX, write);
  }

  /** The access of `uring_lock`'s word (a step that takes and releases it at once). */
  lockAccess(): number {
    return access(this.uringLock.simId, 0, true);
  }

  /** Posts a completion (io_req_complete_post / io_post_aux_cqe). */
  post(cqe: Cqe): void {
    const e = this.kernel.engine;
    e.write(this.simId, CQ);
    this.cq.push(cqe);
    if (e.tracing) e.effect('io_post_cqe', this.simId, CQ, this.cq.length - 1, this.cq.length, { note: `user_data ${cqe.userData} res ${cqe.res}` });
  }

  /** Takes every posted completion off the CQ (user space advancing cq.head). */
  reap(): Cqe[] {
    this.kernel.engine.write(this.simId, CQ);
    return this.cq.splice(0);
  }

  /**
   * Creates one `ring_sock` skb owning references to `files` (the SCM designs'
   * __io_sqe_files_scm(): get_file() + unix_inflight() per file, then fput() of the
   * caller's reference: the skb's become the only ones).
   */
  queueSkb(files: RefFile[]): void {
    // The SCM designs attach ring_sock at io_uring_setup(), before any registration.
    this.toQueue.push(...files);
  }

  /** The references the ring holds, one per owner: fixed slots, skbs, user_files during a registration. */
  *heldFiles(): Generator<readonly [RefFile, string]> {
    yield* this.table.heldFiles();
    for (const f of this.toQueue) yield [f, `${this.name}.ring_sock (being queued)`];
    for (let i = 0; i < this.userFiles.length; i++) yield [this.userFiles[i]!, `${this.name}.user_files[${i}]`];
  }

  /** What is wrong: table nodes over freed files, references leaked by a freed holder. */
  problems(): string[] {
    const out = this.table.problems();
    for (const [f, who] of this.leaked) if (f.live) out.push(`${f.name}: a reference taken for ${who} was never put: leaked by io_sqe_files_unregister()`);
    return out;
  }

  /**
   * io_free_rsrc_node() for the SCM designs: the node borrowed its file from an skb; the
   * skb entry for it goes with the node (io_sqe_file_unregister() unlinks it). Posts the
   * tag CQE of a tagged node. @internal
   */
  nodeFreed(node: RsrcNode): void {
    // The message is looked up when it is unlinked (syncSteps), in a step that declares the queue.
    if (node.borrowed && this.sock !== null) this.toDrop.push(node.file);
    if (node.tag !== 0) this.post({ userData: node.tag, res: 0 });
  }

  /** Files whose skb reference a node free released: the caller fputs them. @internal */
  readonly orphans: RefFile[] = [];

  /** Drops the references {@link nodeFreed} released (the skb's kfree_skb → unix_destruct_scm → fput). @internal */
  dropOrphans(ctx: FputContext): void {
    for (let f = this.orphans.shift(); f !== undefined; f = this.orphans.shift()) {
      this.kernel.engine.touch(fileAccess(f, 'f_count', true));
      if (f.put()) ctx.taskWork.push(f);
    }
  }

  /**
   * The ring_sock work the last step left: queue the files handed to it in flight
   * (queueFilesInFlight(), under unix_gc_lock), and for a freed slot dequeue its message,
   * take its file out of flight and drop the reference (io_sqe_file_unregister()). @internal
   */
  *syncSteps(ctx: FputContext, uid: number): KernelPath {
    const sock = this.sock;
    if (sock === null) return;
    const reg = this.kernel.unix;
    for (let f = this.toQueue.shift(); f !== undefined; f = this.toQueue.shift()) {
      const file = f;
      this.toQueue.unshift(file);
      const gen = queueFilesInFlight(this.kernel, sock, [file], uid);
      // The reference stays listed as the ring's until the message holds it.
      let r = gen.next();
      if (!r.done) this.toQueue.shift();
      while (!r.done) {
        yield r.value;
        r = gen.next();
      }
    }
    for (let file = this.toDrop.shift(); file !== undefined; file = this.toDrop.shift()) {
      const f = file;
      yield { fn: 'io_sqe_file_unregister: skb_unlink', acc: sock.acc(0, true) };
      // io_sqe_file_unregister() walks ring_sock's queue for the message holding the file.
      const i = sock.queue.findIndex((m) => m.files.length === 1 && m.files[0] === f);
      if (i < 0) continue; // the collector took it meanwhile
      const m = sock.queueMut().splice(i, 1)[0]!;
      m.owner = null;
      yield* unixNotInflightSteps(reg, m);
      const files = m.files.splice(0);
      yield { fn: 'kfree_skb: fput', acc: files.map((f) => fileAccess(f, 'f_count', true)) };
      for (const f of files) {
        this.kernel.engine.touch(fileAccess(f, 'f_count', true));
        if (f.put()) ctx.taskWork.push(f);
      }
      m.freed = true;
    }
  }

  /** @internal */
  simName(field: number): string {
    return field === CQ ? `${this.name}.cq` : `${this.name}.ctx`;
  }

  /** @internal */
  simCount(field: number): number | undefined {
    return field === CQ ? this.cq.length : this.inflight;
  }

  /** @internal */
  simLabel(): string {
    return this.name;
  }
}

/**
 * io_uring_fops: the ring file's operations. It cannot be read or written; its last
 * `fput()` tears the ring down: io_ring_ctx_free() unregisters the files, at once if no
 * request is in flight (inside the ring file's `__fput()`), else when the last one
 * completes (the kernel's io_ring_exit_work() waits for them on a workqueue).
 *
 * @example
 * ```ts
 * import { uringFileOperations } from 'fdlab/io-uring';
 * uringFileOperations.name; // 'io_uring'
 * ```
 */
export const uringFileOperations: FileOperations = {
  name: 'io_uring',
  stream: true,
  release: (file) => {
    const ring = ringOfFile(file);
    return ring === null ? undefined : ringExitSteps(ring);
  },
};

/**
 * io_is_uring_fops(): true for a ring file.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { isUringFile } from 'fdlab/io-uring';
 * isUringFile(new Kernel().vfs.openFile('/data/log', O_RDONLY)); // false
 * ```
 */
export function isUringFile(file: RefFile): boolean {
  return file.ops === uringFileOperations;
}

/**
 * The Ring behind a ring file (its private_data), or null.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { ringOfFile } from 'fdlab/io-uring';
 * ringOfFile(new Kernel().vfs.openFile('/data/log', O_RDONLY)); // null
 * ```
 */
export function ringOfFile(file: RefFile): Ring | null {
  return isUringFile(file) && file.privateData instanceof Ring ? file.privateData : null;
}

/**
 * io_uring_release() → io_ring_ctx_wait_and_kill(): with requests in flight the context
 * is freed by the last one's completion (io_ring_exit_work() waits for them on a
 * workqueue, so the last fput does not); otherwise at once. io_ring_exit_work() cancels
 * what is in flight first (io_uring_try_cancel_requests(): io_wq_cancel_cb() signals the
 * workers running the ring's work, io_poll_remove_all() takes its polls down): the model
 * kills the ring's workers, which ends their waits (a poll that never comes, a read of a
 * pipe nobody writes) with EINTR, so the requests complete and the last frees the ring.
 */
function* ringExitSteps(ring: Ring): KernelPath {
  const workers = (): Task[] => [...ring.workers.keys()];
  yield dynamicStep(ring.kernel.engine, 'io_ring_ctx_wait_and_kill', () => [ring.ctxAccess(true), ...cancelAccesses(workers())]);
  ring.kernel.engine.touch(ring.ctxAccess(true));
  ring.exiting = true;
  if (ring.inflight > 0) {
    cancelWorkers(workers());
    return;
  }
  yield* ringFreeSteps(ring);
}

/**
 * io_wq_cancel_cb() on the workers issuing cancelled requests: a signal ends whatever
 * they wait for with EINTR, and such a request completes without a CQE (completeSteps()).
 * The step declares {@link cancelAccesses}: the workers' signal state, which a kill
 * writes (de_thread() declares the same).
 */
function cancelWorkers(workers: readonly Task[]): void {
  for (const w of workers) {
    w.world.engine.touch(access(w.process.simId, 0, true));
    w.sim.killed = true;
  }
}

function cancelAccesses(workers: readonly Task[]): number[] {
  return workers.map((w) => access(w.process.simId, 0, true));
}

/**
 * io_uring_files_cancel() in do_exit() of `t`: the steps that cancel the requests `t`
 * submitted that are in flight on any ring, as a ring's exit does, or undefined if there
 * are none (a task that never used io_uring exits as before). @internal
 */
export function taskExitCancel(rings: readonly Ring[], t: Task): KernelPath | undefined {
  const mine = (): Task[] => rings.flatMap((r) => [...r.workers].filter(([, by]) => by === t).map(([w]) => w));
  if (mine().length === 0) return undefined;
  return (function* () {
    yield dynamicStep(t.world.engine, 'io_uring_files_cancel', () => cancelAccesses(mine()));
    cancelWorkers(mine());
  })();
}

/**
 * io_ring_ctx_free(): under `uring_lock`, io_sqe_files_unregister() and the ring_sock
 * skbs; the files whose last reference goes are torn down in this context. @internal
 */
export function* ringFreeSteps(ring: Ring): KernelPath {
  yield ring.uringLock.lockStep();
  ring.uringLock.lock();
  const ctx: FputContext = { taskWork: [] };
  const k = ring.kernel;
  const table = ring.table;
  yield {
    fn: 'io_ring_ctx_free: io_sqe_files_unregister',
    get acc() {
      return k.engine.peek(() => unregisterAccesses(ring));
    },
  };
  if (table.size > 0) table.freeTables(ctx);
  ring.dropOrphans(ctx);
  yield* ring.syncSteps(ctx, 0);
  yield ring.uringLock.unlockStep();
  ring.uringLock.unlock();
  // sock_release(ctx->ring_sock): whatever is still queued on it is purged.
  if (ring.sock !== null) yield* unixReleaseSockSteps(k, ring.sock);
  for (const f of ctx.taskWork.splice(0)) yield* fputTeardownSteps(f);
}

/** What freeing the table touches: the table, every slot, every node and file. @internal */
export function unregisterAccesses(ring: Ring): number[] {
  const t = ring.table;
  const acc = [t.tableAccess(true), ring.ctxAccess(true), ring.cqAccess(true)];
  const n = t.size;
  for (let i = 0; i < n; i++) {
    acc.push(t.slotAccess(i, true));
    const node = t.lookup(i);
    if (node !== null) acc.push(t.nodeAccess(node), fileAccess(node.file, 'f_count', true));
  }
  return acc;
}

