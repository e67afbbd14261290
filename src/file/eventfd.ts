import { KernelError } from '../sim/kernel-error.js';
import { WaitQueue } from '../sim/wait-queue.js';
import { O_NONBLOCK } from './constants.js';
import { noopLlseek, type FileOperations } from './file-operations.js';
import { EPOLLERR, EPOLLIN, EPOLLOUT, pollWait } from './poll.js';
import type { RefFile } from './ref-file.js';

/** The largest value an eventfd counter holds (the kernel's ULLONG_MAX - 1, scaled to an exact double). */
const EVENTFD_MAX = Number.MAX_SAFE_INTEGER - 1;

/**
 * The state of an eventfd: the counter, the semaphore flag and the wait queue both
 * readers and writers sleep on. Models `struct eventfd_ctx` (fs/eventfd.c).
 *
 * @example
 * ```ts
 * import { Kernel, eventfdCtx } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * eventfdCtx(p.fileOf(p.eventfd(3)))!.count; // 3
 * ```
 */
export class EventfdCtx {
  /** The counter. */
  count: number;
  /** EFD_SEMAPHORE: a read takes 1 instead of everything. */
  readonly semaphore: boolean;
  /** ctx->wqh. */
  readonly wqh: WaitQueue;

  /** @param wqh - the wait queue @param count - initial value @param semaphore - EFD_SEMAPHORE */
  constructor(wqh: WaitQueue, count: number, semaphore: boolean) {
    this.wqh = wqh;
    this.count = count;
    this.semaphore = semaphore;
  }
}

/**
 * The EventfdCtx of an eventfd file, or null for other files.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, eventfdCtx } from 'fdlab';
 * eventfdCtx(new Kernel().vfs.openFile('/data/log', O_RDONLY)); // null
 * ```
 */
export function eventfdCtx(file: RefFile): EventfdCtx | null {
  return file.ops === eventfdOperations ? (file.privateData as EventfdCtx) : null;
}

function ctxOf(file: RefFile): EventfdCtx {
  const c = eventfdCtx(file);
  if (c === null) throw new KernelError('EINVAL', 'eventfd', `${file.name} is not an eventfd`);
  return c;
}

/**
 * The operations of an eventfd, an event counter with real readiness: read returns the
 * counter (as a decimal string; buffers under 8 bytes are EINVAL) and resets it — or
 * takes 1 with EFD_SEMAPHORE — sleeping while it is 0; write adds, sleeping while the sum
 * would overflow; poll is EPOLLIN while non-zero, EPOLLOUT while another 1 fits.
 * Models eventfd_fops (eventfd_read, eventfd_write, eventfd_poll) in fs/eventfd.c.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const fd = p.eventfd(0);
 * p.write(fd, '5');
 * p.read(fd, 8); // '5'
 * ```
 */
export const eventfdOperations: FileOperations = {
  name: 'eventfd',
  stream: true,
  llseek: noopLlseek,
  read: (file, _pos, count) => {
    const c = ctxOf(file);
    if (count < 8) throw new KernelError('EINVAL', 'read', 'eventfd reads need 8 bytes');
    if (c.count === 0) throw new KernelError('EAGAIN', 'read', 'eventfd counter is 0');
    const v = c.semaphore ? 1 : c.count;
    c.count -= v;
    c.wqh.wakeUp(EPOLLOUT);
    return String(v);
  },
  write: (file, _pos, data) => {
    const c = ctxOf(file);
    const v = Number(data);
    if (!/^\d+$/.test(data) || !Number.isSafeInteger(v) || v > EVENTFD_MAX) throw new KernelError('EINVAL', 'write', `bad eventfd value ${data}`);
    if (EVENTFD_MAX - c.count < v) throw new KernelError('EAGAIN', 'write', 'eventfd counter would overflow');
    c.count += v;
    if (c.count > 0) c.wqh.wakeUp(EPOLLIN);
    return 8;
  },
  readBlocks: (file, count) => {
    const c = ctxOf(file);
    return count >= 8 && c.count === 0 && !(file.flags & O_NONBLOCK) ? c.wqh : null;
  },
  writeBlocks: (file, data) => {
    const c = ctxOf(file);
    const v = Number(data);
    return Number.isSafeInteger(v) && v <= EVENTFD_MAX && EVENTFD_MAX - c.count < v && !(file.flags & O_NONBLOCK) ? c.wqh : null;
  },
  poll: (file, pt) => {
    const c = ctxOf(file);
    pollWait(file, c.wqh, pt);
    // eventfd_poll() reports EPOLLIN and EPOLLOUT alone, without RDNORM / WRNORM (host).
    let mask = 0;
    if (c.count > 0) mask |= EPOLLIN;
    if (c.count === EVENTFD_MAX + 1) mask |= EPOLLERR;
    if (EVENTFD_MAX > c.count) mask |= EPOLLOUT;
    return mask;
  },
  waitQueues: (file) => [ctxOf(file).wqh],
};

/**
 * Creates the struct file of a new eventfd on the anonymous-inode filesystem.
 * Models eventfd_file_create() → anon_inode_getfile("[eventfd]", &eventfd_fops, ctx, ...).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR, openEventfd } from 'fdlab';
 * const k = new Kernel();
 * const f = openEventfd(k.vfs, 0, false, O_RDWR);
 * f.fput();
 * ```
 */
export function openEventfd(vfs: { openAnon(name: string, ops: FileOperations, flags: number): RefFile }, initval: number, semaphore: boolean, flags: number): RefFile {
  const f = vfs.openAnon('[eventfd]', eventfdOperations, flags);
  f.privateData = new EventfdCtx(new WaitQueue(f.mount.world.engine, `${f.name}.wqh`), initval, semaphore);
  return f;
}
