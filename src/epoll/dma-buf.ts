import { O_RDWR } from '../file/constants.js';
import type { FileOperations } from '../file/file-operations.js';
import { fputDeferred } from '../file/fput.js';
import { EPOLLIN, EPOLLRDNORM, pollWait } from '../file/poll.js';
import { F_COUNT, type RefFile } from '../file/ref-file.js';
import type { FputContext } from '../file/world.js';
import type { Engine, Traceable } from '../sim/engine.js';
import { access, type KernelPath } from '../sim/step.js';
import { WaitQueue } from '../sim/wait-queue.js';
import type { Task } from '../task/task.js';
import { allocStep, installStep } from '../task/syscalls/steps.js';
import { epollWorld } from './create.js';
import type { EpollRegistry } from './eventpoll.js';

const HOLDER = 'dma-buf poll callback (get_file in dma_buf_poll)';

/**
 * A dma-buf: a buffer shared between drivers, with an optional pending fence. Its
 * `->poll` takes a file reference with get_file() and arms a fence callback that drops
 * it — at once when no fence is pending, else when the fence signals. That reference
 * taken inside `->poll` is what resurrects a file whose count already reached 0 when
 * epoll polls a borrowed pointer (seed 002, CVE-2024-38580).
 *
 * Models `struct dma_buf` with dma_buf_poll() / dma_buf_poll_cb() (drivers/dma-buf/dma-buf.c),
 * reduced to the read direction (cb_in).
 *
 * @example
 * ```ts
 * import { Epoll, Kernel, dmaBufOf } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const fd = Epoll.dmaBuf(p, { fence: true });
 * dmaBufOf(p.fileOf(fd))!.fencePending; // true
 * ```
 */
export class DmaBuf implements Traceable {
  /** Engine object id (field 0: the callback and fence state). */
  readonly simId: number;
  /** The buffer's file. */
  readonly file: RefFile;
  /** dmabuf->poll: pollers sleep here; the callback wakes them. */
  readonly pollWq: WaitQueue;
  private readonly reg: EpollRegistry;
  private readonly engine: Engine;
  private pending: boolean;
  private active = false;

  /** @internal */
  constructor(engine: Engine, reg: EpollRegistry, file: RefFile, fencePending: boolean) {
    this.simId = engine.register(this);
    this.engine = engine;
    this.reg = reg;
    this.file = file;
    this.pending = fencePending;
    this.pollWq = new WaitQueue(engine, `${file.name}.dmabuf.poll`);
  }

  /** An unsignalled fence is attached: a poll arms the callback and reports nothing (a recorded access of the state). */
  get fencePending(): boolean {
    this.engine.read(this.simId, 0);
    return this.pending;
  }

  /** Sets `fencePending` (a recorded write). */
  set fencePending(v: boolean) {
    this.engine.write(this.simId, 0);
    this.pending = v;
  }

  /** cb_in.active: a callback is armed and holds a file reference (a recorded access of the state). */
  get cbActive(): boolean {
    this.engine.read(this.simId, 0);
    return this.active;
  }

  /** Sets `cbActive` (a recorded write). */
  set cbActive(v: boolean) {
    this.engine.write(this.simId, 0);
    this.active = v;
  }

  /** The access of a step that arms, runs or signals the callback. */
  stateAccess(): number {
    return access(this.simId, 0, true);
  }

  /** dma_buf_poll_cb(): disarm, wake pollers, drop the poll's reference (deferred to `ctx`, or at once). */
  callback(ctx: FputContext | undefined): void {
    this.cbActive = false;
    this.pollWq.wakeUp(EPOLLIN | EPOLLRDNORM);
    this.reg.drop(this.file, HOLDER);
    if (ctx !== undefined) fputDeferred(ctx, this.file);
    else this.file.fput();
  }

  /** The get_file() half of dma_buf_poll(). */
  arm(): void {
    this.cbActive = true;
    this.file.getFile();
    this.reg.hold(this.file, HOLDER);
  }

  /** @internal */
  simName(): string {
    return `${this.file.name}.dmabuf`;
  }
}

/**
 * The DmaBuf behind a dma-buf file, or null.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, dmaBufOf } from 'fdlab';
 * dmaBufOf(new Kernel().vfs.openFile('/data/log', O_RDONLY)); // null
 * ```
 */
export function dmaBufOf(file: RefFile): DmaBuf | null {
  return file.ops === dmaBufOperations && file.privateData instanceof DmaBuf ? file.privateData : null;
}

/**
 * The file operations of a dma-buf (dma_buf_fops): `->poll` as dma_buf_poll() does it,
 * get_file() included. Lives on the anonymous-inode filesystem (SB_NOUSER in the kernel:
 * dma-buf's own pseudo filesystem).
 *
 * @example
 * ```ts
 * import { dmaBufOperations } from 'fdlab';
 * dmaBufOperations.name; // 'dma_buf'
 * ```
 */
export const dmaBufOperations: FileOperations = {
  name: 'dma_buf',
  stream: true,
  poll: (file, pt) => {
    const buf = dmaBufOf(file);
    if (buf === null) return 0;
    pollWait(file, buf.pollWq, pt);
    if (pt !== null && (pt.key & EPOLLIN) === 0) return 0;
    if (buf.cbActive) return 0;
    buf.arm();
    if (buf.fencePending) return 0;
    buf.callback(pt?.ctx);
    return EPOLLIN | EPOLLRDNORM;
  },
  pollAccess: (file) => {
    const buf = dmaBufOf(file);
    return buf === null ? [] : [buf.stateAccess(), access(file.simId, F_COUNT, true)];
  },
  waitQueues: (file) => {
    const buf = dmaBufOf(file);
    return buf === null ? [] : [buf.pollWq];
  },
};

/**
 * Exports a new dma-buf into the calling task's table (what a driver's export ioctl does:
 * dma_buf_export() + dma_buf_fd()), optionally with a pending fence. @internal
 */
export function* dmaBufExportSteps(t: Task, fence: boolean): KernelPath<number> {
  const w = epollWorld(t);
  const files = t.filesOrThrow('dma_buf_fd');
  yield allocStep(files, ...w.vfs.anonFileAccesses());
  const fd = files.allocFd(0, t.process.rlimitNofile, true);
  const f = w.vfs.openAnon('dmabuf', dmaBufOperations, O_RDWR);
  f.privateData = new DmaBuf(w.engine, w.epoll, f, fence);
  yield installStep(files, fd);
  files.fdInstall(fd, f);
  return fd;
}

/**
 * The fence of `buf` signals (dma_fence_signal() from the GPU's interrupt): the armed
 * callback, if any, runs and drops its reference, deferred to the signalling task `t`.
 * @internal
 */
export function* dmaBufSignalSteps(t: Task, buf: DmaBuf): KernelPath {
  yield { fn: 'dma_fence_signal', acc: [buf.stateAccess(), buf.pollWq.writeAccess(), access(buf.file.simId, F_COUNT, true)] };
  buf.fencePending = false;
  if (buf.cbActive) buf.callback(t);
}
