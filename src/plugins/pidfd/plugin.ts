import { KernelError, ModelError, type Kernel, type KernelPath, type Plugin, type Process, type RefFile, type Sys, type Task } from '../../index.js';
import { checkNumbers, checkOptions, checkSameWorld, describeValue, plainSyscall, slotReadAccesses, syscallSteps, type SyscallSpec } from '../../extend.js';
import type { PidfdOptions } from './options.js';
import { KCMP_EPOLL_TFD, kcmpSteps, type KcmpEpollSlot } from './kcmp.js';
import { pidfdGetfdSteps } from './pidfd-getfd.js';
import { pidfdOpenSteps } from './pidfd-open.js';
import {
  createListener, notifAddfdSteps, notifRecvSteps, notifSendSteps, seccompTrapSteps, SeccompListener, type SeccompAddfd,
} from './seccomp.js';

/**
 * The stepped pidfd and seccomp system calls of one thread, for use inside thread
 * bodies with `yield*`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { pidfd } from 'fdlab/pidfd';
 * const k = new Kernel();
 * const pf = k.use(pidfd());
 * const target = k.spawnProcess();
 * k.spawnProcess({ creds: { uid: 0 } }).thread(function* (sys) {
 *   const pfd = yield* pf.on(sys).pidfdOpen(target.pid, 0);
 *   return pfd;
 * });
 * k.run();
 * ```
 */
export interface PidfdSys {
  /** pidfd_open(2). */
  pidfdOpen(pid: number, flags: number): KernelPath<number>;
  /** pidfd_getfd(2). */
  pidfdGetfd(pidfd: number, targetfd: number, flags: number): KernelPath<number>;
  /** This thread makes a syscall that the seccomp filter traps; returns the supervisor's reply. */
  seccompTrap(listener: SeccompListener, syscall: string): KernelPath<number>;
  /** SECCOMP_IOCTL_NOTIF_RECV on a listener fd of this process. */
  notifRecv(listenerFd: number): KernelPath<number>;
  /** SECCOMP_IOCTL_NOTIF_ADDFD on a listener fd of this process. */
  notifAddfd(listenerFd: number, addfd: SeccompAddfd): KernelPath<number>;
  /** SECCOMP_IOCTL_NOTIF_SEND on a listener fd of this process. */
  notifSend(listenerFd: number, reply: { id: number; val: number; error?: string }): KernelPath;
  /** kcmp(2): 0 if the two tasks share the object `type` names, else 1 or 2 (`idx2` is a {@link KcmpEpollSlot} for KCMP_EPOLL_TFD). */
  kcmp(pid1: number, pid2: number, type: number, idx1: number, idx2: number | KcmpEpollSlot | null): KernelPath<number>;
}

/**
 * The API the pidfd plugin installs on a kernel: plain calls for a process's main
 * thread, and {@link PidfdApi.on} for the stepped calls of a thread body.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { pidfd } from 'fdlab/pidfd';
 * const k = new Kernel();
 * const pf = k.use(pidfd());
 * const target = k.spawnProcess();
 * const fd = target.open('/data/log', O_RDONLY);
 * const me = k.spawnProcess({ creds: { uid: 0 } });
 * const stolen = pf.pidfdGetfd(me, pf.pidfdOpen(me, target.pid, 0), fd, 0);
 * me.fileOf(stolen) === target.fileOf(fd); // true: one struct file, shared f_pos
 * ```
 */
export interface PidfdApi {
  /** pidfd_open(2) by `caller`'s main thread. */
  pidfdOpen(caller: Process, pid: number, flags: number): number;
  /** pidfd_getfd(2) by `caller`'s main thread. */
  pidfdGetfd(caller: Process, pidfd: number, targetfd: number, flags: number): number;
  /** kcmp(2) by `caller`'s main thread. */
  kcmp(caller: Process, pid1: number, pid2: number, type: number, idx1: number, idx2: number | KcmpEpollSlot | null): number;
  /** Installs a seccomp filter with a user-notification listener on `target`; the listener fd goes to `supervisor`. */
  seccompListen(supervisor: Process, target: Process): number;
  /** The listener behind `fd` in `owner`'s table (EBADF / EINVAL otherwise). */
  listener(owner: Process | Task, fd: number): SeccompListener;
  /** The stepped calls for a thread body. */
  on(sys: Sys): PidfdSys;
}

/**
 * The pidfd plugin (`fdlab/pidfd`): pidfd_open(), pidfd_getfd() with its ptrace
 * permission check, and seccomp user-notification add-fd — built only on fdlab's public
 * API, the way any downstream tool can extend it.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { pidfd } from 'fdlab/pidfd';
 * const pf = new Kernel().use(pidfd({ exitingErrno: 'EBADF' }));
 * ```
 */
export function pidfd(opts: PidfdOptions = {}): Plugin<PidfdApi> {
  checkOptions('pidfd options', opts, ['uapi', 'exitingErrno']);
  if (opts.uapi !== undefined && opts.uapi !== 'current' && opts.uapi !== 'v6.9') throw new ModelError('bad-option', `pidfd uapi must be 'current' or 'v6.9', got ${describeValue(opts.uapi)}`);
  if (opts.exitingErrno !== undefined && opts.exitingErrno !== 'ESRCH' && opts.exitingErrno !== 'EBADF') {
    throw new ModelError('bad-option', `pidfd exitingErrno must be 'ESRCH' or 'EBADF', got ${describeValue(opts.exitingErrno)}`);
  }
  return {
    name: 'pidfd',
    install(k: Kernel): PidfdApi {
      const listeners: SeccompListener[] = [];
      // No generator per audit while there is no listener (the explorer audits every run).
      k.owners.add(() => (listeners.length === 0 ? NO_FILES : listenersHeldFiles(listeners)));
      const listenerOf = (owner: Process | Task, fd: number): SeccompListener => {
        checkSameWorld(k, owner, 'listener owner');
        checkNumbers('ioctl', 'fd', fd);
        const task = 'main' in owner ? owner.main : owner;
        const f = task.files?.lookupRaw(fd) ?? null;
        if (f === null) throw new KernelError('EBADF', 'ioctl', `fd ${fd} is not open`);
        if (!(f.privateData instanceof SeccompListener)) throw new KernelError('EINVAL', 'ioctl', `fd ${fd} is not a seccomp listener`);
        return f.privateData;
      };
      const withListener = <T>(t: Task, lfd: number, then: (l: SeccompListener) => KernelPath<T>): KernelPath<T> => listenerSteps(t, lfd, listenerOf, then);
      const cold = <T>(p: Process, gen: KernelPath<T>): T => plainSyscall(p.main, () => k.engine.runPlain(p.main.sim, gen));
      const api: PidfdApi = {
        pidfdOpen(caller, pid, flags) {
          checkSameWorld(k, caller, 'pidfd_open caller');
          checkNumbers('pidfd_open', 'pid', pid, 'flags', flags);
          return cold(caller, pidfdOpenSteps(k, opts, caller.main, pid, flags));
        },
        pidfdGetfd(caller, pfd, fd, flags) {
          checkSameWorld(k, caller, 'pidfd_getfd caller');
          checkNumbers('pidfd_getfd', 'pidfd', pfd, 'targetfd', fd, 'flags', flags);
          return cold(caller, pidfdGetfdSteps(k, opts, caller.main, pfd, fd, flags));
        },
        kcmp(caller, pid1, pid2, type, idx1, idx2) {
          checkSameWorld(k, caller, 'kcmp caller');
          checkKcmpArgs(pid1, pid2, type, idx1, idx2);
          return cold(caller, kcmpSteps(k, caller.main, pid1, pid2, type, idx1, idx2));
        },
        seccompListen(supervisor, target) {
          checkSameWorld(k, supervisor, 'seccomp supervisor');
          checkSameWorld(k, target, 'seccomp target');
          const { listener, fd } = plainSyscall(supervisor.main, () => createListener(k, supervisor.main, target));
          listeners.push(listener);
          return fd;
        },
        listener: listenerOf,
        on(sys) {
          if (typeof sys !== 'object' || sys === null) throw new ModelError('bad-argument', `on() needs a thread's Sys, got ${describeValue(sys)}`);
          const t = sys.task;
          checkSameWorld(k, t, 'Sys');
          return {
            pidfdOpen: (pid, flags) => {
              checkNumbers('pidfd_open', 'pid', pid, 'flags', flags);
              return syscallSteps(t, pidfdOpenSteps(k, opts, t, pid, flags));
            },
            pidfdGetfd: (pfd, fd, flags) => {
              checkNumbers('pidfd_getfd', 'pidfd', pfd, 'targetfd', fd, 'flags', flags);
              return syscallSteps(t, pidfdGetfdSteps(k, opts, t, pfd, fd, flags));
            },
            seccompTrap: (l, syscall) => {
              if (!(l instanceof SeccompListener) || !listeners.includes(l)) throw new ModelError('foreign-object', 'seccompTrap needs a listener of this Kernel');
              return syscallSteps(t, seccompTrapSteps(l, t, String(syscall)));
            },
            notifRecv: (lfd) => syscallSteps(t, withListener(t, lfd, (l) => notifRecvSteps(l))),
            notifAddfd: (lfd, a) => syscallSteps(t, withListener(t, lfd, (l) => notifAddfdSteps(l, t, a))),
            notifSend: (lfd, r) => syscallSteps(t, withListener(t, lfd, (l) => notifSendSteps(l, r))),
            kcmp: (pid1, pid2, type, idx1, idx2) => {
              checkKcmpArgs(pid1, pid2, type, idx1, idx2);
              return syscallSteps(t, kcmpSteps(k, t, pid1, pid2, type, idx1, idx2));
            },
          };
        },
      };
      return api;
    },
  };
}

/** kcmp()'s arguments: numbers, and for `idx2` a number, a slot of numbers, or null (a NULL slot pointer: EFAULT). */
function checkKcmpArgs(pid1: number, pid2: number, type: number, idx1: number, idx2: unknown): void {
  checkNumbers('kcmp', 'pid1', pid1, 'pid2', pid2, 'type', type, 'idx1', idx1);
  if (idx2 === null || typeof idx2 === 'number') {
    if (idx2 !== null) checkNumbers('kcmp', 'idx2', idx2);
    return;
  }
  if (typeof idx2 !== 'object') throw new ModelError('bad-argument', `kcmp: idx2 must be a number or a kcmp_epoll_slot, got ${describeValue(idx2)}`);
  const slot = idx2 as Record<string, unknown>;
  checkNumbers('kcmp', 'slot.efd', slot['efd'], 'slot.tfd', slot['tfd'], 'slot.toff', slot['toff']);
}

/**
 * The pidfd plugin's system calls as a call generator sees them (see `SyscallSpec`):
 * the DPOR-vs-naive soundness property draws from this list with the core's. `extra` is
 * the plugin's API as `kernel.use(pidfd())` returned it.
 *
 * @example
 * ```ts
 * import { PIDFD_SYSCALLS } from 'fdlab/pidfd';
 * PIDFD_SYSCALLS.map((s) => s.name); // ['pidfd_open', 'pidfd_getfd', 'kcmp']
 * ```
 */
export const PIDFD_SYSCALLS: readonly SyscallSpec<PidfdApi>[] = /* @__PURE__ */ Object.freeze([
  { name: 'pidfd_open', method: 'pidfdOpen', args: ['pid', 'int'], call: (sys: Sys, a: readonly unknown[], api: PidfdApi) => api.on(sys).pidfdOpen(a[0] as number, (a[1] as number) & 0) },
  { name: 'pidfd_getfd', method: 'pidfdGetfd', args: ['fd', 'fd'], call: (sys: Sys, a: readonly unknown[], api: PidfdApi) => api.on(sys).pidfdGetfd(a[0] as number, a[1] as number, 0) },
  {
    name: 'kcmp', method: 'kcmp', args: ['pid', 'pid', 'kcmpType', 'fd', 'fd'],
    // KCMP_EPOLL_TFD: the second fd is the epoll (efd), the first also the item's target fd.
    call: (sys: Sys, a: readonly unknown[], api: PidfdApi) => {
      const [pid1, pid2, type, idx1, idx2] = a as number[];
      return api.on(sys).kcmp(pid1!, pid2!, type!, idx1!, type === KCMP_EPOLL_TFD ? { efd: idx2!, tfd: idx1!, toff: 0 } : idx2!);
    },
  },
] satisfies SyscallSpec<PidfdApi>[]);
const NO_FILES: readonly (readonly [RefFile, string])[] = /* @__PURE__ */ Object.freeze([]);

// Module-level, not a generator closure per kernel (docs/architecture.md, "Generator closures").
function* listenersHeldFiles(listeners: readonly SeccompListener[]): Generator<readonly [RefFile, string]> {
  for (const l of listeners) yield* l.heldFiles();
}

// The ioctl's fdget() of the listener fd is a step of its own: the slot is shared state.
function* listenerSteps<T>(t: Task, lfd: number, listenerOf: (t: Task, fd: number) => SeccompListener, then: (l: SeccompListener) => KernelPath<T>): KernelPath<T> {
  const files = t.filesOrThrow('ioctl');
  yield { fn: 'fdget(listener)', acc: slotReadAccesses(files, lfd) };
  return yield* then(listenerOf(t, lfd));
}
