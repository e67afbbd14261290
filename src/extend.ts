/**
 * `fdlab/extend`: the pieces for writing kernel paths of your own — system calls, file
 * types, plugins — on fdlab's engine: the access encoding and step helpers the explorer
 * reasons with, lookups and fd-table operations as steps, wait queues, locks, RCU, the
 * argument validators every public entry point uses, and the worlds the layers see.
 * Simulations compose `fdlab`; this entry is for extending it (see the guides "Your own
 * file type and system call" and "Writing a plugin").
 *
 * @packageDocumentation
 * @module fdlab/extend
 */

export { eventToJson, traceName, formatCount, formatEffect, ReferenceTracker, referencesAt, buildTimeline, type Timeline, type TimelinePlain, type TimelineRow, type TimelineStep, type TimelineThread, violationOfEvent } from './trace/index.js';
export { checkBoolOption, checkIntOption, checkNumbers, checkOptions, checkSameWorld, checkString, describeValue, flagsWithin, hasOwnKey } from './sim/validate.js';
export { access, accessIsWrite, accessLocation, dynamicStep, type Blocker, type Step } from './sim/step.js';
export { THREAD_EXIT } from './sim/thread.js';
export { Lock } from './sim/lock.js';
export { WaitEntry, WaitQueue, type WakeFunction } from './sim/wait-queue.js';
export { Rcu } from './sim/rcu.js';
export { HookList } from './sim/hooks.js';
export { resolvePolicy } from './sim/policy.js';
export { FileSlab } from './file/slab.js';
export { FposWatch } from './file/fpos-watch.js';
export { fileAccess } from './file/ref-file.js';
export { buildOpenFlags, getname } from './file/open-flags.js';
export { defaultFileOpAccesses, fileOpAccesses } from './file/file-operations.js';
export { fileCanPoll, PollWaiters, pollAccesses, pollWait, vfsPoll, vfsPollStep } from './file/poll.js';
export { fputDeferred, fputDeferredSteps, fputTeardown, fputTeardownSteps, runTaskWork, runTaskWorkSteps } from './file/fput.js';
export type { FileWorld, FputContext, FputHooks } from './file/world.js';
export { fileNeedsPosLock, slotAccess, slotReadAccesses } from './fdtable/fdtable.js';
export { FdArrays } from './fdtable/fdt.js';
export { EMPTY_FD, FDPUT_FPUT, FDPUT_POS_UNLOCK, fdWordId } from './fdtable/fd-word.js';
export { fdgetPosSteps, fdgetSteps, fdputPosSteps, fdputSteps, fgetSteps, type LookupContext } from './fdtable/fget.js';
export type { FdtableWorld } from './fdtable/world.js';
export { locksRemovePosix } from './task/posix-locks.js';
export { plainSyscall, syscallSteps } from './task/syscall.js';
export { hasSyscalls, requireSyscall } from './task/syscall-table.js';
export { CORE_SYSCALLS, type SyscallArgKind, type SyscallSpec } from './task/syscall-catalogue.js';
export { openSteps, pipeSteps, receiveFd, receiveFdReplace, receiveFdReplaceSteps, receiveFdSteps, vfsOpenStep } from './task/syscalls/fd-calls.js';
export { umount2Steps } from './task/syscalls/umount.js';
export { allocStep, closeSlotStep, countStep, filpCloseSteps, flushStep, installStep, putUnusedStep } from './task/syscalls/steps.js';
export { fgetTaskSteps } from './task/fget-task.js';
export { streamOpStep } from './task/syscalls/rw.js';
export { exitStateAccess, taskExitingOf, taskFilesAccess, taskFilesOf } from './task/task.js';
export type { TaskWorld } from './task/world.js';
export type { Kiocb, SteppedFileOperations } from './task/stepped-file-ops.js';
export { EPOLL_SYSCALLS } from './epoll/index.js';
export { fileEventpoll } from './epoll/file-eventpoll.js';
export { EP_RBR, Epitem, EpollRegistry, Eventpoll, epollWorldOf, type EpollWorld } from './epoll/eventpoll.js';
export { UNIX_SYSCALLS } from './unix/index.js';
export { attachUnixSock, Skb, UnixRegistry, type Edge, type UnixWorld } from './unix/sock.js';
export { queueFilesInFlight, unixNotInflightSteps } from './unix/inflight.js';
export { unixGcSteps } from './unix/gc.js';
export { unixReleaseSock as unixReleaseSockSteps } from './unix/release.js';
