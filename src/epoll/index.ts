import { KernelError } from '../sim/kernel-error.js';
import type { KernelPath } from '../sim/step.js';
import type { Process } from '../task/process.js';
import { plainSyscall, syscallSteps } from '../task/syscall.js';
import type { Sys } from '../task/sys.js';
import type { SyscallSpec } from '../task/syscall-catalogue.js';
import { epollCreateSteps } from './create.js';
import { epollCtlSteps, type EpollEvent } from './ctl.js';
import { dmaBufExportSteps, dmaBufSignalSteps, type DmaBuf } from './dma-buf.js';
import { Eventpoll } from './eventpoll.js';
import { epollWaitSteps } from './wait.js';

/**
 * The stepped epoll system calls of one thread, for thread bodies (`yield*`).
 *
 * @example
 * ```ts
 * import { Epoll, EPOLLIN, EPOLL_CTL_ADD, Kernel } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [r, w] = p.pipe();
 * p.thread(function* (sys) {
 *   const e = Epoll.on(sys);
 *   const ep = yield* e.create1(0);
 *   yield* e.ctl(ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: 1 });
 *   return yield* e.wait(ep, 8, -1); // sleeps until the write below
 * });
 * p.thread(function* (sys) { yield* sys.write(w, 'x'); });
 * k.run();
 * ```
 */
export interface EpollSys {
  /** epoll_create1(2). */
  create1(flags: number): KernelPath<number>;
  /** epoll_create(2): EINVAL for size ≤ 0. */
  create(size: number): KernelPath<number>;
  /** epoll_ctl(2); `event` may be omitted for EPOLL_CTL_DEL. Returns 0. */
  ctl(epfd: number, op: number, fd: number, event?: EpollEvent): KernelPath<number>;
  /** epoll_wait(2): timeout 0 polls, negative sleeps (positive: as negative, no clock). */
  wait(epfd: number, maxevents: number, timeout: number): KernelPath<EpollEvent[]>;
  /** Exports a dma-buf into this thread's table (optionally with a pending fence). */
  dmaBuf(opts?: { readonly fence?: boolean }): KernelPath<number>;
  /** The dma-buf's fence signals; its armed poll callback drops its reference. */
  signal(buf: DmaBuf): KernelPath;
}

function* createSized(sys: Sys, size: number): KernelPath<number> {
  if (!Number.isInteger(size) || size <= 0) throw new KernelError('EINVAL', 'epoll_create', `bad size ${size}`);
  return yield* epollCreateSteps(sys.task, 0);
}

function cold<T>(p: Process, gen: KernelPath<T>): T {
  return plainSyscall(p.main, () => p.world.engine.runPlain(p.main.sim, gen));
}

/**
 * Epoll (fs/eventpoll.c): epoll_create1, epoll_ctl and epoll_wait over any file with a
 * `->poll`, as plain calls of a process's main thread and — through {@link EpollSys},
 * `Epoll.on(sys)` — as steps of a thread body. Items are keyed by (file, fd) and own no
 * reference; the file's final `__fput()` removes them (eventpoll_release_file); how
 * ep_item_poll() pins the file is the `epollItemPoll` policy. Also exports the dma-buf
 * file type of seed 002.
 *
 * @example
 * ```ts
 * import { Epoll, EPOLLIN, EPOLL_CTL_ADD, Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const ep = Epoll.create1(p, 0);
 * const [r, w] = p.pipe();
 * Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: 7 });
 * Epoll.wait(p, ep, 8, 0); // []
 * p.write(w, 'x');
 * Epoll.wait(p, ep, 8, 0); // [{ events: EPOLLIN, data: 7 }]
 * ```
 */
export const Epoll = /* @__PURE__ */ Object.freeze({
  /** epoll_create1(2) by `p`'s main thread. */
  create1: (p: Process, flags = 0): number => cold(p, syscallSteps(p.main, epollCreateSteps(p.main, flags))),
  /** epoll_ctl(2) by `p`'s main thread. */
  ctl: (p: Process, epfd: number, op: number, fd: number, event?: EpollEvent): number => cold(p, syscallSteps(p.main, epollCtlSteps(p.main, epfd, op, fd, event))),
  /** epoll_wait(2) by `p`'s main thread (a plain call cannot sleep: use timeout 0). */
  wait: (p: Process, epfd: number, maxevents: number, timeout = 0): EpollEvent[] => cold(p, syscallSteps(p.main, epollWaitSteps(p.main, epfd, maxevents, timeout))),
  /** Exports a dma-buf into `p`'s table. */
  dmaBuf: (p: Process, opts: { readonly fence?: boolean } = {}): number => cold(p, syscallSteps(p.main, dmaBufExportSteps(p.main, opts.fence === true))),
  /** The dma-buf's fence signals, in `p`'s context. */
  signal: (p: Process, buf: DmaBuf): void => cold(p, syscallSteps(p.main, dmaBufSignalSteps(p.main, buf))),
  /** The instance behind `epfd` in `p`'s table (EBADF, or EINVAL for a non-epoll fd). */
  of(p: Process, epfd: number): Eventpoll {
    const ep = p.fileOf(epfd).privateData;
    if (!(ep instanceof Eventpoll)) throw new KernelError('EINVAL', 'epoll', `fd ${epfd} is not an epoll`);
    return ep;
  },
  /** The stepped calls of a thread body. */
  on(sys: Sys): EpollSys {
    const t = sys.task;
    return {
      create1: (flags) => syscallSteps(t, epollCreateSteps(t, flags)),
      create: (size) => syscallSteps(t, createSized(sys, size)),
      ctl: (epfd, op, fd, event) => syscallSteps(t, epollCtlSteps(t, epfd, op, fd, event)),
      wait: (epfd, maxevents, timeout) => syscallSteps(t, epollWaitSteps(t, epfd, maxevents, timeout)),
      dmaBuf: (opts = {}) => syscallSteps(t, dmaBufExportSteps(t, opts.fence === true)),
      signal: (buf) => syscallSteps(t, dmaBufSignalSteps(t, buf)),
    };
  },
});

/**
 * The epoll system calls as a call generator sees them (see {@link SyscallSpec}); the
 * DPOR-vs-naive soundness property draws from this list with the core's.
 *
 * @example
 * ```ts
 * import { EPOLL_SYSCALLS } from 'fdlab';
 * EPOLL_SYSCALLS.map((s) => s.name); // ['epoll_create1', 'epoll_ctl', 'epoll_wait']
 * ```
 */
export const EPOLL_SYSCALLS: readonly SyscallSpec[] = /* @__PURE__ */ Object.freeze([
  { name: 'epoll_create1', method: 'create1', args: ['epollFlags'], call: (sys: Sys, a: readonly unknown[]) => Epoll.on(sys).create1(a[0] as number) },
  {
    name: 'epoll_ctl', method: 'ctl', args: ['fd', 'epollOp', 'fd'],
    call: (sys: Sys, a: readonly unknown[]) => Epoll.on(sys).ctl(a[0] as number, a[1] as number, a[2] as number, { events: 1, data: a[2] as number }),
  },
  { name: 'epoll_wait', method: 'wait', args: ['fd', 'int'], call: (sys: Sys, a: readonly unknown[]) => Epoll.on(sys).wait(a[0] as number, Math.max(1, a[1] as number), 0) },
] satisfies SyscallSpec[]);
