/**
 * fdlab: the Linux kernel's file-descriptor and struct file lifetime core as small
 * composable classes, on a deterministic step engine that makes the races of the
 * kernel mailing lists reproducible.
 *
 * @packageDocumentation
 * @module fdlab
 */

// sim: the engine
export { ERRNO, type ErrnoName } from './sim/errno.js';
export { KernelError } from './sim/kernel-error.js';
export { ModelError, type ModelErrorCode } from './sim/model-error.js';

export { type KernelPath } from './sim/step.js';
export { SimThread } from './sim/thread.js';
export { Engine, type TraceKind, type Traceable } from './sim/engine.js';

export { Random } from './sim/random.js';

export { countPreemptions, formatSchedule, parseSchedule } from './sim/schedule.js';
export { runEngine, type RunResult, type Strategy } from './sim/scheduler.js';
export { isProgramWait, parkedThreads, type ParkedReason, type ParkedThread } from './sim/parked.js';
export { traceLog, traceObjectsOf, type EffectDetail, type TouchedObject, type TraceEvent, type TraceLog, type TraceObjects } from './sim/events.js';
export type { Violation, ViolationKind } from './sim/violation.js';

// trace: renderers over the event log
export { renderDot, type DotOptions, type DotUnixGraph, renderHtml, type HtmlOptions, renderJson, TRACE_JSON_FORMAT, TRACE_JSON_VERSION, type JsonValue, renderMermaid, type MermaidOptions, renderText, type TextOptions, renderSvg, type SvgInput, type SvgOptions, type SvgSource, type SvgState, explainViolation, type FormatOptions, type CountedRefs, type FileRefs, type LockRefs, type ReferenceSnapshot, type SlotRefs, type TableRefs, render, type Renderers } from './trace/index.js';

// file: struct file
export * from './file/constants.js';
export { Inode, type InodeKind } from './file/inode.js';
export { Mount } from './file/mount.js';
export { RefFile, getFileActive } from './file/ref-file.js';

export { Vfs, type PathTarget } from './file/vfs.js';

export { anonFileOperations, directoryOperations, kernfsFileOperations, MODEL_FILE_MAX, noopLlseek, pipeOperations, regularFileOperations, type FileOperations, type FileOpName } from './file/file-operations.js';
export { Pipe, PIPE_BUF, PIPE_CAPACITY } from './file/pipe.js';
export { EventfdCtx, eventfdCtx, eventfdOperations, openEventfd } from './file/eventfd.js';
export { DEFAULT_POLLMASK, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLNVAL, EPOLLOUT, EPOLLPRI, EPOLLRDHUP, EPOLLRDNORM, EPOLLWRBAND, EPOLLWRNORM, type PollTable } from './file/poll.js';

export type { FilePolicy } from './file/world.js';

// fdtable: files_struct
export { Fdtable, type SlotState } from './fdtable/fdtable.js';

export type { FdgetPosRule, FdtablePolicy, FgetRecheck } from './fdtable/policy.js';
export { FixedFileTable, RsrcNode } from './fdtable/fixed-file-table.js';
export type { UringFileRegistration, UringPolicy, UringPosLock } from './fdtable/uring-policy.js';

// task: processes, threads, syscalls
export * from './task/constants.js';
export { makeCreds, type Creds } from './task/creds.js';
export type { ExecUnshare, SyscallTable, TaskPolicy } from './task/policy.js';
export { posixLocksOf, type Flock, type PosixLock } from './task/posix-locks.js';
export { Process, type ThreadBody } from './task/process.js';
export { Sys } from './task/sys.js';
export { Task } from './task/task.js';

export type { PollFd, PollResult, SelectResult } from './task/syscalls/poll.js';

export type { SpawnOptions } from './task/world.js';

// epoll: wait-queue based readiness over any file with ->poll
export { Epoll, type EpollSys } from './epoll/index.js';
export { EP_MAX_EVENTS, EP_MAX_NESTS, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLET, EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLWAKEUP } from './epoll/constants.js';
export type { EpollEvent } from './epoll/ctl.js';

export { eventpollOperations } from './epoll/file-ops.js';
export { DmaBuf, dmaBufOf, dmaBufOperations } from './epoll/dma-buf.js';
export type { EpollItemPoll, EpollPolicy } from './epoll/policy.js';

// kernel: the world
export { Kernel, type KernelOptions } from './kernel/kernel.js';
export { checkPolicy, DEFAULT_POLICY, isResolvedPolicy, POLICY_HISTORY, POLICY_PRESETS, POLICY_VALUES, type KernelPolicy, type PolicyHistory, type PolicyInput, type PolicyValueOrigin, type PresetName } from './kernel/policies.js';
export type { AuditEntry, AuditReport, OwnerSource } from './kernel/audit.js';
export type { KernelSnapshot, SnapshotFile, SnapshotLock, SnapshotMount, SnapshotProcess, SnapshotTable } from './kernel/snapshot.js';
export type { Plugin } from './kernel/plugin.js';

// explore: stateless model checking of scenarios
export * from './explore/index.js';

// unix: AF_UNIX sockets, SCM_RIGHTS and the garbage collector
export { Unix, UnixGc, type UnixSys } from './unix/index.js';
export * from './unix/constants.js';
export { UnixSock, unixSockOfFile, type UnixGcReport } from './unix/sock.js';
export { unixSocketOperations } from './unix/file-ops.js';
export type { RecvResult } from './unix/recvmsg.js';
export type { UnixGcKind, UnixPeekGcLock, UnixPolicy } from './unix/policy.js';
