/**
 * `fdlab/scenarios`: every scenario fdlab ships — the races of the seed threads and the
 * invariants around them — each with its source, its `before` / `after` policies and
 * the verdicts expected under each.
 *
 * @packageDocumentation
 * @module fdlab/scenarios
 */
import type { Scenario } from '../explore/scenario.js';
import { coreStealFpos, fposThreadsShared } from './core-steal-fpos.js';
import { epollForkShared, type EpollForkSharedContext } from './epoll-fork-shared.js';
import { epollPollVsFput } from './epoll-poll-vs-fput.js';
import { epollUmountBusy, type EpollUmountBusyContext } from './epoll-umount-busy.js';
import { execPosixLocks, type ExecPosixLocksContext } from './exec-posix-locks.js';
import { fgetStaleRecycle } from './fget-stale-recycle.js';
import { pidfdGetfdFpos, pidfdGetfdFposRegular } from './pidfd-getfd-fpos.js';
import { sendfileFpos } from './sendfile-fpos.js';
import { unixGcCloseRace, unixGcCycle, unixGcMsgPeek, type UnixGcCycleContext } from './unix-gc.js';
import { uringFixedFpos } from './uring-fixed-fpos.js';
import { uringFixedInstall, type UringFixedInstallContext } from './uring-fixed-install.js';
import { uringHiddenPin, uringHiddenPinLazy, uringHiddenPinUnregister, type UringHiddenPinContext } from './uring-hidden-pin.js';
import { uringRegisterErrorPath } from './uring-register-error-path.js';
import { uringScmGcUaf, type UringScmGcUafContext } from './uring-scm-gc-uaf.js';

export type { EpollForkSharedContext, EpollUmountBusyContext, ExecPosixLocksContext, UnixGcCycleContext, UringFixedInstallContext, UringHiddenPinContext, UringScmGcUafContext };
export {
  coreStealFpos, epollForkShared, epollPollVsFput, epollUmountBusy, execPosixLocks, fgetStaleRecycle, fposThreadsShared, pidfdGetfdFpos, pidfdGetfdFposRegular, sendfileFpos,
  unixGcCloseRace, unixGcCycle, unixGcMsgPeek, uringFixedFpos, uringFixedInstall, uringHiddenPin, uringHiddenPinLazy, uringHiddenPinUnregister, uringRegisterErrorPath, uringScmGcUaf,
};

/**
 * All shipped scenarios, by name.
 *
 * @example
 * ```ts
 * import { scenarios } from 'fdlab/scenarios';
 * Object.keys(scenarios); // ['pidfd-getfd-fpos', ...]
 * ```
 */
export const scenarios: Readonly<Record<string, Scenario<never>>> = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ Object.fromEntries(
    /* @__PURE__ */ ([pidfdGetfdFpos, pidfdGetfdFposRegular, coreStealFpos, fposThreadsShared, sendfileFpos, execPosixLocks, fgetStaleRecycle, epollPollVsFput, epollUmountBusy, epollForkShared, unixGcCloseRace, unixGcMsgPeek, unixGcCycle,
      uringFixedFpos, uringRegisterErrorPath, uringFixedInstall, uringHiddenPin, uringHiddenPinUnregister, uringHiddenPinLazy, uringScmGcUaf] as Array<Scenario<never>>).map((s) => [s.name, s]),
  ),
);
