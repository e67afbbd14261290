import { KernelError, ModelError, type Kernel, type KernelPath, type Plugin, type Process, type RefFile, type Sys, type Task } from '../../index.js';
import { checkNumbers, checkSameWorld, describeValue, plainSyscall, syscallSteps, type SyscallSpec } from '../../extend.js';
import { IORING_ENTER_GETEVENTS } from './constants.js';
import { ioUringRegisterSteps, type RegisterArg } from './register.js';
import { ioUringEnterSteps, type EnterResult } from './requests.js';
import { isUringFile, ringOfFile, taskExitCancel, type Ring, type Sqe } from './ring.js';
import { ioUringSetupSteps } from './setup.js';

/**
 * The stepped io_uring system calls of one thread, for use inside thread bodies with
 * `yield*`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { ioUring, IORING_OP_NOP, IORING_ENTER_GETEVENTS } from 'fdlab/io-uring';
 * const k = new Kernel();
 * const uring = k.use(ioUring());
 * k.spawnProcess().thread(function* (sys) {
 *   const u = uring.on(sys);
 *   const ring = yield* u.setup(4);
 *   const { cqes } = yield* u.enter(ring, [{ opcode: IORING_OP_NOP, userData: 1 }], 1, IORING_ENTER_GETEVENTS);
 *   return cqes[0]!.res; // 0
 * });
 * k.run();
 * ```
 */
export interface UringSys {
  /** io_uring_setup(2): a new ring's fd (O_CLOEXEC). */
  setup(entries: number, flags?: number): KernelPath<number>;
  /** io_uring_register(2). */
  register(fd: number, opcode: number, arg: RegisterArg, nrArgs: number): KernelPath<number>;
  /** io_uring_enter(2) with the SQEs to submit. */
  enter(fd: number, sqes: readonly Sqe[], minComplete?: number, flags?: number): KernelPath<EnterResult>;
}

/**
 * The API the io_uring plugin installs on a kernel: plain calls for a process's main
 * thread, {@link UringApi.on} for the stepped calls of a thread body, and the rings.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { ioUring, IORING_REGISTER_FILES } from 'fdlab/io-uring';
 * const k = new Kernel();
 * const uring = k.use(ioUring());
 * const p = k.spawnProcess();
 * const ring = uring.setup(p, 8);
 * const fd = p.open('/data/log', O_RDONLY);
 * uring.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
 * p.close(fd);
 * k.audit().files.find((f) => f.owners.includes('ring#1.file_table[0]'))?.file; // 'file#2': it lives on in the slot
 * ```
 */
export interface UringApi {
  /** io_uring_setup(2) by `caller`'s main thread. */
  setup(caller: Process, entries: number, flags?: number): number;
  /** io_uring_register(2) by `caller`'s main thread. */
  register(caller: Process, fd: number, opcode: number, arg: RegisterArg, nrArgs: number): number;
  /** io_uring_enter(2) by `caller`'s main thread (IOSQE_ASYNC requests run when the kernel runs its threads). */
  enter(caller: Process, fd: number, sqes: readonly Sqe[], minComplete?: number, flags?: number): EnterResult;
  /** The ring behind `fd` in `owner`'s table (EBADF, or EOPNOTSUPP for another file). */
  ring(owner: Process | Task, fd: number): Ring;
  /** Every ring made on this kernel, in creation order. */
  readonly rings: readonly Ring[];
  /** The stepped calls for a thread body. */
  on(sys: Sys): UringSys;
}

const SQE_NUMBERS = ['opcode', 'flags', 'fd', 'off', 'len', 'openFlags', 'fileIndex', 'installFdFlags', 'pollEvents', 'bufIndex', 'userData'] as const;

function checkSqes(sqes: unknown): asserts sqes is readonly Sqe[] {
  const ok = (s: unknown): boolean => {
    if (typeof s !== 'object' || s === null || !Number.isInteger((s as Sqe).opcode)) return false;
    const r = s as Record<string, unknown>;
    if (r.addr !== undefined && typeof r.addr !== 'string') return false;
    return SQE_NUMBERS.every((k) => r[k] === undefined || typeof r[k] === 'number');
  };
  if (!Array.isArray(sqes) || !sqes.every(ok)) {
    throw new ModelError('bad-argument', `io_uring_enter needs an array of SQEs { opcode, ... } with numeric fields and a string addr, got ${describeValue(sqes)}`);
  }
}

function checkArg(arg: unknown): asserts arg is RegisterArg {
  if (arg === null || Array.isArray(arg) || (typeof arg === 'object' && arg !== undefined)) return;
  throw new ModelError('bad-argument', `io_uring_register arg must be an fd array, a struct or null, got ${describeValue(arg)}`);
}

/**
 * The io_uring plugin (`fdlab/io-uring`): rings as files, submission and completion
 * queues, inline issue and io-wq workers that are scheduler threads, the fixed file
 * table (the core's `FixedFileTable`) with every file registration opcode, and the ops
 * whose file lifetime matters (READ/WRITE at offset -1, direct OPENAT and CLOSE,
 * FIXED_FD_INSTALL, POLL_ADD, and the never-merged GETDENTS). Built only on fdlab's
 * public API. Its behaviour switches are kernel policies: `uringPosLock` and
 * `uringFileRegistration`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { ioUring } from 'fdlab/io-uring';
 * const uring = new Kernel({ policy: 'linux-6.6' }).use(ioUring());
 * ```
 */
export function ioUring(): Plugin<UringApi> {
  return {
    name: 'io-uring',
    install(k: Kernel): UringApi {
      const rings: Ring[] = [];
      k.owners.add(() => ringsHeldFiles(rings));
      k.auditChecks.add(() => rings.flatMap((r) => r.problems()));
      // v6.7 (705318a99a13): scm_fp_copy() refuses io_uring files, so a ring can no longer
      // be put in flight and be part of a reference cycle.
      k.scmRightsChecks.add((f) => (isUringFile(f) && k.policy.uringFileRegistration === 'plain' ? 'EINVAL' : null));
      k.taskExitHooks.add((t) => taskExitCancel(rings, t));
      const cold = <T>(p: Process, gen: KernelPath<T>): T => plainSyscall(p.main, () => k.engine.runPlain(p.main.sim, gen));
      const ringOf = (owner: Process | Task, fd: number): Ring => {
        checkSameWorld(k, owner, 'ring owner');
        checkNumbers('ring', 'fd', fd);
        const task = 'main' in owner ? owner.main : owner;
        const f = task.files?.lookupRaw(fd) ?? null;
        if (f === null) throw new KernelError('EBADF', 'ring', `fd ${fd} is not open`);
        const r = ringOfFile(f);
        if (r === null) throw new KernelError('EOPNOTSUPP', 'ring', `fd ${fd} is not an io_uring`);
        return r;
      };
      const steps = (t: Task): UringSys => ({
        setup: (entries, flags = 0) => {
          checkNumbers('io_uring_setup', 'entries', entries, 'flags', flags);
          return syscallSteps(t, ioUringSetupSteps(k, t, entries, flags, rings));
        },
        register: (fd, opcode, arg, nrArgs) => {
          checkNumbers('io_uring_register', 'fd', fd, 'opcode', opcode, 'nr_args', nrArgs);
          checkArg(arg);
          return syscallSteps(t, ioUringRegisterSteps(k, t, fd, opcode, arg, nrArgs));
        },
        enter: (fd, sqes, minComplete = 0, flags = minComplete > 0 ? IORING_ENTER_GETEVENTS : 0) => {
          checkNumbers('io_uring_enter', 'fd', fd, 'min_complete', minComplete, 'flags', flags);
          checkSqes(sqes);
          return syscallSteps(t, ioUringEnterSteps(k, t, fd, sqes, minComplete, flags));
        },
      });
      const api: UringApi = {
        setup(caller, entries, flags = 0) {
          checkSameWorld(k, caller, 'io_uring_setup caller');
          return cold(caller, steps(caller.main).setup(entries, flags));
        },
        register(caller, fd, opcode, arg, nrArgs) {
          checkSameWorld(k, caller, 'io_uring_register caller');
          return cold(caller, steps(caller.main).register(fd, opcode, arg, nrArgs));
        },
        enter(caller, fd, sqes, minComplete = 0, flags) {
          checkSameWorld(k, caller, 'io_uring_enter caller');
          return cold(caller, steps(caller.main).enter(fd, sqes, minComplete, flags));
        },
        ring: ringOf,
        rings,
        on(sys) {
          if (typeof sys !== 'object' || sys === null) throw new ModelError('bad-argument', `on() needs a thread's Sys, got ${describeValue(sys)}`);
          checkSameWorld(k, sys.task, 'Sys');
          return steps(sys.task);
        },
      };
      return api;
    },
  };
}

/**
 * The io_uring plugin's system calls as a call generator sees them (see `SyscallSpec`):
 * the DPOR-vs-naive soundness property draws from this list with the core's. `extra` is
 * the plugin's API as `kernel.use(ioUring())` returned it.
 *
 * @example
 * ```ts
 * import { URING_SYSCALLS } from 'fdlab/io-uring';
 * URING_SYSCALLS.map((s) => s.name); // ['io_uring_setup', 'io_uring_register', 'io_uring_enter']
 * ```
 */
export const URING_SYSCALLS: readonly SyscallSpec<UringApi>[] = /* @__PURE__ */ Object.freeze([
  { name: 'io_uring_setup', method: 'setup', args: ['int'], call: (sys: Sys, a: readonly unknown[], api: UringApi) => api.on(sys).setup(1 + (a[0] as number)) },
  {
    name: 'io_uring_register', method: 'register', args: ['fd', 'uringRegister'],
    call: (sys: Sys, a: readonly unknown[], api: UringApi) => {
      const [opcode, arg, nr] = a[1] as [number, RegisterArg, number];
      return api.on(sys).register(a[0] as number, opcode, arg, nr);
    },
  },
  {
    name: 'io_uring_enter', method: 'enter', args: ['fd', 'uringSqe'],
    call: (sys: Sys, a: readonly unknown[], api: UringApi) => api.on(sys).enter(a[0] as number, [a[1] as Sqe]),
  },
] satisfies SyscallSpec<UringApi>[]);
// Module-level, not a generator closure per kernel (docs/architecture.md, "Generator closures").
function* ringsHeldFiles(rings: readonly Ring[]): Generator<readonly [RefFile, string]> {
  for (const r of rings) yield* r.heldFiles();
}
