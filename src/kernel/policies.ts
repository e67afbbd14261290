import { ModelError } from '../sim/model-error.js';
import { checkIntOption, describeValue, hasOwnKey } from '../sim/validate.js';
import type { EpollPolicy } from '../epoll/policy.js';
import type { FdtablePolicy } from '../fdtable/policy.js';
import type { UringPolicy } from '../fdtable/uring-policy.js';
import type { FilePolicy } from '../file/world.js';
import { SYSCALL_TABLES, type TaskPolicy } from '../task/policy.js';
import type { UnixPolicy } from '../unix/policy.js';

/**
 * Every behaviour switch of the kernel model: one key per behaviour that changed in
 * kernel history, one value per version of it. See each key's type for the commits.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel({ policy: ['linux-6.4', { fgetRecheck: 'none' }] });
 * k.policy.fdgetPos; // 'when-shared'
 * ```
 */
export interface KernelPolicy extends FilePolicy, FdtablePolicy, TaskPolicy, EpollPolicy, UnixPolicy, UringPolicy {}

/**
 * How to name a policy: a preset name, a partial object of switches, or a list of those
 * applied left to right.
 *
 * @example
 * ```ts
 * import type { PolicyInput } from 'fdlab';
 * const p: PolicyInput = ['linux-5.11', { fdgetPos: 'always' }];
 * ```
 */
export type PolicyInput = PresetName | Partial<KernelPolicy> | ReadonlyArray<PresetName | Partial<KernelPolicy>>;

/**
 * The current kernel's behaviour (v6.15 and later): the default policy.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY } from 'fdlab';
 * DEFAULT_POLICY.fdgetPos; // 'raw-count-or-iterate'
 * ```
 */
export const DEFAULT_POLICY: KernelPolicy = {
  fdgetPos: 'raw-count-or-iterate',
  fgetRecheck: 'slot+fdt',
  execUnshare: 'after-de_thread',
  syscalls: 'v6.10',
  slabTypesafeByRcu: true,
  fileRefMax: Number.MAX_SAFE_INTEGER,
  closeFput: 'sync',
  epollItemPoll: 'epi-fget',
  epollMaxUserWatches: 1 << 20,
  unixGc: 'scc',
  unixPeekGcLock: 'none',
  uringPosLock: 'always',
  uringFileRegistration: 'plain',
};

/**
 * Named coherent policy sets: the behaviour of a kernel version.
 *
 * Presets describe release tags (mainline `vX.Y`), not stable branches: fixes that were
 * backported — 20ea1e7d13c1 and 797964253d35 went to stable branches (5.15.y and others) — show in
 * a stable kernel earlier than the preset of their release says. Compose a preset with
 * the switch to model such a kernel, e.g. `['linux-5.16', { fdgetPos: 'when-shared-or-dir' }]`.
 *
 * - `linux-3.14`: f_pos_lock only when shared; no fget recheck; exec unshares before
 *   de_thread; files freed after an RCU grace period; close()'s last fput deferred to
 *   task work (until v6.6); no close_range, copy_file_range, io_uring or pidfd calls
 *   (ENOSYS: `syscalls: 'v3.14'`; every later preset has them).
 * - `linux-5.11`: the exec/POSIX-lock fix (unshare after de_thread).
 * - `linux-5.16`: fget rechecks slot and fdt (CVE-2021-4083 fixes); io_uring direct
 *   descriptors and FILES2/UPDATE2 (`syscalls: 'v5.15'`; in `linux-5.11` OPENAT and CLOSE
 *   do not look at `file_index`).
 * - `linux-6.4`: the last kernel with the `f_count > 1` f_pos optimisation for all files;
 *   sparse registration, IORING_FILE_INDEX_ALLOC and the alloc range (`syscalls: 'v6.0'`,
 *   as in every preset up to `linux-6.7`).
 * - `linux-6.5-rc`: the lock is always taken (20ea1e7d13c1, during the 6.5 cycle).
 * - `linux-6.5`: keyed on `->iterate_shared` (797964253d35 reinstated the optimisation
 *   for regular files during the 6.5 cycle; 7d84d1b9af63 made it the `->iterate_shared`
 *   rule and is in v6.5; `'when-shared-or-dir'` remains as a switch).
 * - `linux-6.6`: close() runs the last `__fput()` synchronously (021a160abf62).
 * - `linux-6.7`: struct file becomes SLAB_TYPESAFE_BY_RCU; io_uring fds can no longer be
 *   sent over unix sockets (`uringFileRegistration: 'plain'`; every earlier preset has the
 *   merged `ring_sock` design, `'scm'`).
 * - `linux-6.9`: epoll pins a file before polling it (epi_fget(), 4efaa5acf0a1); every
 *   earlier preset polls the borrowed pointer (`epollItemPoll: 'borrow'`);
 *   IORING_OP_FIXED_FD_INSTALL (v6.8, seed 004) and PIDFD_THREAD (`syscalls: 'v6.9'`).
 * - `linux-6.15` / `current`: fcntl F_DUPFD_QUERY (v6.10; EINVAL in earlier presets);
 *   raw file_ref compare in fdget_pos(); the graph (scc) AF_UNIX
 *   collector (v6.10), which dropped the MSG_PEEK lock dance (118f457da9ed). Up to
 *   `linux-6.9` the classic collector runs; from `linux-5.16` with the MSG_PEEK
 *   handshake (cbcf01128d0a, v5.14).
 *
 * @example
 * ```ts
 * import { POLICY_PRESETS } from 'fdlab';
 * POLICY_PRESETS['linux-6.4'].fdgetPos; // 'when-shared'
 * ```
 */
export const POLICY_PRESETS: Readonly<Record<PresetName, Partial<KernelPolicy>>> = {
  'linux-3.14': { syscalls: 'v3.14', closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'none', execUnshare: 'before-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'none', uringFileRegistration: 'scm' },
  'linux-5.11': { syscalls: 'v5.11', closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'none', execUnshare: 'after-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'none', uringFileRegistration: 'scm' },
  'linux-5.16': { syscalls: 'v5.15', closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'lock-unlock', uringFileRegistration: 'scm' },
  'linux-6.4': { syscalls: 'v6.0', closeFput: 'task_work', fdgetPos: 'when-shared', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'lock-unlock', uringFileRegistration: 'scm' },
  'linux-6.5-rc': { syscalls: 'v6.0', closeFput: 'task_work', fdgetPos: 'always', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'lock-unlock', uringFileRegistration: 'scm' },
  'linux-6.5': { syscalls: 'v6.0', closeFput: 'task_work', fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'lock-unlock', uringFileRegistration: 'scm' },
  'linux-6.6': { syscalls: 'v6.0', fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: false, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'lock-unlock', uringFileRegistration: 'scm' },
  'linux-6.7': { syscalls: 'v6.0', fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: true, epollItemPoll: 'borrow', unixGc: 'classic', unixPeekGcLock: 'lock-unlock' },
  'linux-6.9': { syscalls: 'v6.9', fdgetPos: 'when-shared-or-iterate', fgetRecheck: 'slot+fdt', execUnshare: 'after-de_thread', slabTypesafeByRcu: true, epollItemPoll: 'epi-fget', unixGc: 'classic', unixPeekGcLock: 'lock-unlock' },
  'linux-6.15': { ...DEFAULT_POLICY },
  current: { ...DEFAULT_POLICY },
};

/**
 * The allowed values of each enumerated policy key (numbers and booleans are checked by
 * type).
 *
 * @example
 * ```ts
 * import { POLICY_VALUES } from 'fdlab';
 * POLICY_VALUES.fgetRecheck; // ['none', 'slot', 'slot+fdt']
 * ```
 */
export const POLICY_VALUES: Readonly<Record<string, readonly string[]>> = {
  fdgetPos: ['when-shared', 'always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'],
  fgetRecheck: ['none', 'slot', 'slot+fdt'],
  execUnshare: ['before-de_thread', 'after-de_thread'],
  syscalls: SYSCALL_TABLES,
  closeFput: ['sync', 'task_work'],
  epollItemPoll: ['borrow', 'epi-fget', 'epi-fget-nouser'],
  unixGc: ['classic', 'scc'],
  unixPeekGcLock: ['none', 'lock-unlock'],
  uringPosLock: ['when-shared', 'always'],
  uringFileRegistration: ['scm-as-posted', 'scm', 'plain'],
};

/**
 * Throws a ModelError (`bad-option`) naming the key if a resolved policy holds a value
 * the model does not know (`fileRefMax` must be an integer from 1 to 2^53 - 1).
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY, checkPolicy } from 'fdlab';
 * checkPolicy(DEFAULT_POLICY); // fine
 * ```
 */
export function checkPolicy(p: KernelPolicy): void {
  // Called for every kernel an explorer builds: direct checks, no allocation.
  for (const k in POLICY_VALUES) {
    const v = (p as unknown as Record<string, unknown>)[k];
    if (!POLICY_VALUES[k]!.includes(v as string)) throw new ModelError('bad-option', `bad value ${describeValue(v)} for policy ${k} (one of ${POLICY_VALUES[k]!.join(', ')})`);
  }
  if (typeof p.slabTypesafeByRcu !== 'boolean') throw new ModelError('bad-option', `bad value ${describeValue(p.slabTypesafeByRcu)} for policy slabTypesafeByRcu`);
  checkIntOption('policy fileRefMax', p.fileRefMax ?? NaN, 1, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(p.epollMaxUserWatches) || p.epollMaxUserWatches < 0) throw new ModelError('bad-option', `bad value ${describeValue(p.epollMaxUserWatches)} for policy epollMaxUserWatches`);
}

/**
 * True if `input` is already a complete, frozen policy (what `kernel.policy` and
 * `scenarioPolicy()` return), which a kernel can take as it is.
 *
 * @example
 * ```ts
 * import { Kernel, isResolvedPolicy } from 'fdlab';
 * isResolvedPolicy(new Kernel().policy); // true
 * isResolvedPolicy('linux-6.4');         // false
 * ```
 */
export function isResolvedPolicy(input: unknown): input is KernelPolicy {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !Object.isFrozen(input)) return false;
  for (const k in DEFAULT_POLICY) if (!hasOwnKey(input, k)) return false;
  return true;
}

/**
 * A preset name.
 *
 * @example
 * ```ts
 * import type { PresetName } from 'fdlab';
 * const v: PresetName = 'linux-6.4';
 * ```
 */
export type PresetName =
  | 'linux-3.14'
  | 'linux-5.11'
  | 'linux-5.16'
  | 'linux-6.4'
  | 'linux-6.5-rc'
  | 'linux-6.5'
  | 'linux-6.6'
  | 'linux-6.7'
  | 'linux-6.9'
  | 'linux-6.15'
  | 'current';

/**
 * Where one value of a policy switch comes from: the kernel change that introduced the
 * behaviour, the first release that has it, and the seed thread or report that discusses
 * it. `commit` is the abbreviated mainline hash, or null where the model names the
 * change by its patch title only.
 *
 * @example
 * ```ts
 * import { POLICY_HISTORY } from 'fdlab';
 * const o = POLICY_HISTORY.fdgetPos.always;
 * `${o.commit} ${o.title} (${o.since})`; // '20ea1e7d13c1 file: always lock position for FMODE_ATOMIC_POS (v6.5-rc)'
 * ```
 */
export interface PolicyValueOrigin {
  /** Abbreviated commit hash in mainline, or null if the model names the change by title only. */
  readonly commit: string | null;
  /** The commit's subject line (or the patch series). */
  readonly title: string;
  /** The first kernel release with this behaviour, as kernel.org tags it. */
  readonly since: string;
  /** The seed thread (shared/seeds) or report the behaviour is discussed in, if any. */
  readonly seed?: string;
}

/**
 * The shape of {@link POLICY_HISTORY}: for each versioned switch, each of its values and
 * where it comes from.
 *
 * @example
 * ```ts
 * import type { PolicyHistory } from 'fdlab';
 * const commitOf = (h: PolicyHistory) => h.execUnshare['after-de_thread'].commit; // null: named by title
 * ```
 */
export interface PolicyHistory {
  /** When fdget_pos() takes f_pos_lock. */
  readonly fdgetPos: Readonly<Record<KernelPolicy['fdgetPos'], PolicyValueOrigin>>;
  /** What fget rechecks after its speculative reference. */
  readonly fgetRecheck: Readonly<Record<KernelPolicy['fgetRecheck'], PolicyValueOrigin>>;
  /** Where exec unshares the fd table. */
  readonly execUnshare: Readonly<Record<KernelPolicy['execUnshare'], PolicyValueOrigin>>;
  /** Which of the model's system calls exist. */
  readonly syscalls: Readonly<Record<KernelPolicy['syscalls'], PolicyValueOrigin>>;
  /** Whether struct file memory is SLAB_TYPESAFE_BY_RCU (keys `'true'` and `'false'`). */
  readonly slabTypesafeByRcu: Readonly<Record<'true' | 'false', PolicyValueOrigin>>;
  /** Whether close() runs the last `__fput()` at once or defers it to task work. */
  readonly closeFput: Readonly<Record<KernelPolicy['closeFput'], PolicyValueOrigin>>;
  /** How ep_item_poll() gets at the watched file. */
  readonly epollItemPoll: Readonly<Record<KernelPolicy['epollItemPoll'], PolicyValueOrigin>>;
  /** Which AF_UNIX garbage collector runs. */
  readonly unixGc: Readonly<Record<KernelPolicy['unixGc'], PolicyValueOrigin>>;
  /** Whether MSG_PEEK serialises with the collector. */
  readonly unixPeekGcLock: Readonly<Record<KernelPolicy['unixPeekGcLock'], PolicyValueOrigin>>;
  /** When io_uring's (proposed) GETDENTS takes f_pos_lock. */
  readonly uringPosLock: Readonly<Record<KernelPolicy['uringPosLock'], PolicyValueOrigin>>;
  /** How io_uring holds registered files. */
  readonly uringFileRegistration: Readonly<Record<KernelPolicy['uringFileRegistration'], PolicyValueOrigin>>;
}

/**
 * The documented origin of every value of every enumerated or boolean policy switch, as
 * data: what `bisect()` reads to name the change that introduced or fixed a race.
 * (`fileRefMax` is a model limit, not a kernel version switch.)
 *
 * @example
 * ```ts
 * import { POLICY_HISTORY } from 'fdlab';
 * POLICY_HISTORY.fgetRecheck.slot.commit; // '054aa8d439b9' (CVE-2021-4083)
 * POLICY_HISTORY.slabTypesafeByRcu.true.since; // 'v6.7'
 * ```
 */
export const POLICY_HISTORY: PolicyHistory = {
  fdgetPos: {
    'when-shared': { commit: '9c225f2655e3', title: 'vfs: atomic f_pos accesses as per POSIX', since: 'v3.14', seed: 'seed 000: pidfd_getfd and f_pos_lock' },
    always: { commit: '20ea1e7d13c1', title: 'file: always lock position for FMODE_ATOMIC_POS', since: 'v6.5-rc', seed: 'seed 000: pidfd_getfd and f_pos_lock' },
    'when-shared-or-dir': { commit: '797964253d35', title: 'file: reinstate f_pos locking optimization for regular files', since: 'v6.5-rc', seed: 'seed 000: pidfd_getfd and f_pos_lock' },
    'when-shared-or-iterate': { commit: '7d84d1b9af63', title: 'fs: rely on ->iterate_shared to determine f_pos locking', since: 'v6.5' },
    'raw-count-or-iterate': { commit: '5370b43e4bcf', title: 'fs: reduce work in fdget_pos()', since: 'v6.15' },
  },
  fgetRecheck: {
    none: { commit: null, title: '__fget_files(): inc-not-zero and return, no recheck', since: 'v3.14' },
    slot: { commit: '054aa8d439b9', title: 'fget: check that the fd still exists after getting a ref to it', since: 'v5.16', seed: 'CVE-2021-4083' },
    'slot+fdt': { commit: 'e386dfc56f83', title: 'fget: clarify and improve __fget_files() implementation', since: 'v5.16', seed: 'CVE-2021-4083' },
  },
  execUnshare: {
    'before-de_thread': { commit: 'fd8328be874f', title: '[PATCH] sanitize handling of shared descriptor tables in failing execve()', since: 'v2.6.26', seed: 'seed 001: exec and POSIX locks' },
    'after-de_thread': { commit: null, title: 'exec: Move unshare_files to fix posix file locking during exec (Eric W. Biederman)', since: 'v5.11', seed: 'seed 001: exec and POSIX locks' },
  },
  syscalls: {
    'v3.14': { commit: null, title: 'the system calls of v3.14: no copy_file_range, io_uring, pidfd_open, pidfd_getfd or close_range yet', since: 'v3.14' },
    'v5.11': { commit: null, title: 'copy_file_range() and EPOLLEXCLUSIVE (v4.5), io_uring_setup() (v5.1), pidfd_open() (v5.3), pidfd_getfd() (8649c322f75c "pid: Implement pidfd_getfd syscall", v5.6) and close_range() (v5.9; CLOSE_RANGE_CLOEXEC v5.11)', since: 'v5.11' },
    'v5.15': { commit: null, title: 'IORING_REGISTER_FILES_SKIP (v5.12), IORING_REGISTER_FILES2 and FILES_UPDATE2 (v5.13), SECCOMP_ADDFD_FLAG_SEND (v5.14), direct descriptors: OPENAT and CLOSE with file_index, and O_NONBLOCK files that wait for their poll under io_uring (v5.15)', since: 'v5.15' },
    'v6.0': { commit: null, title: 'IORING_RSRC_REGISTER_SPARSE and IORING_FILE_INDEX_ALLOC (v5.19), IORING_REGISTER_FILE_ALLOC_RANGE (v6.0)', since: 'v6.0' },
    'v6.9': { commit: 'dc18b89ab113', title: 'io_uring/openclose: add support for IORING_OP_FIXED_FD_INSTALL (v6.8); pidfd_open() PIDFD_THREAD (v6.9)', since: 'v6.9', seed: 'seed 004: IORING_OP_FIXED_FD_INSTALL' },
    'v6.10': { commit: null, title: 'fcntl F_DUPFD_QUERY (v6.10)', since: 'v6.10' },
  },
  slabTypesafeByRcu: {
    false: { commit: null, title: 'struct file freed with call_rcu() after a grace period', since: 'v3.14' },
    true: { commit: '0ede61d8589c', title: 'file: convert to SLAB_TYPESAFE_BY_RCU', since: 'v6.7' },
  },
  closeFput: {
    task_work: { commit: '4a9d4b024a31', title: 'switch fput to task_work_add', since: 'v3.6' },
    sync: { commit: '021a160abf62', title: 'fs: use __fput_sync in close(2)', since: 'v6.6' },
  },
  epollItemPoll: {
    borrow: { commit: null, title: 'ep_item_poll() on the epitem\'s borrowed struct file pointer', since: 'v3.14', seed: 'seed 002: epoll file lifetimes' },
    'epi-fget': { commit: '4efaa5acf0a1', title: 'epoll: be better about file lifetimes', since: 'v6.9', seed: 'seed 002: epoll file lifetimes' },
    'epi-fget-nouser': { commit: null, title: 'take the reference only on SB_NOUSER filesystems (proposed in the seed-002 thread, never merged)', since: 'v6.9-proposal', seed: 'seed 002: epoll file lifetimes' },
  },
  unixGc: {
    classic: { commit: '1fd05ba5a2f2', title: '[AF_UNIX]: Rewrite garbage collector, fixes race. (Miklos Szeredi)', since: 'v2.6.23' },
    scc: { commit: '4090fa373f0e', title: 'af_unix: Replace garbage collection algorithm. (Kuniyuki Iwashima, the last of the 15-patch "af_unix: Rework GC." series: vertices and edges, iterative Tarjan SCC)', since: 'v6.10' },
  },
  unixPeekGcLock: {
    none: { commit: null, title: 'unix_peek_fds() duplicates in-flight files with no handshake with the collector', since: 'v3.14', seed: 'CVE-2021-0920' },
    'lock-unlock': { commit: 'cbcf01128d0a', title: 'af_unix: fix garbage collect vs MSG_PEEK', since: 'v5.14', seed: 'CVE-2021-0920' },
  },
  uringPosLock: {
    'when-shared': { commit: null, title: 'io_uring: add support for getdents (Hao Xu, trylock copied from __fdget_pos(); posted, never merged)', since: 'v6.5-proposal', seed: 'seed 000: pidfd_getfd and f_pos_lock' },
    always: { commit: null, title: 'take f_pos_lock unconditionally for fixed files (Christian Brauner\'s review of the getdents series; never merged)', since: 'v6.5-proposal', seed: 'seed 000: pidfd_getfd and f_pos_lock' },
  },
  uringFileRegistration: {
    'scm-as-posted': { commit: null, title: '[PATCH 14/19] io_uring: add file set registration (as posted, with the error paths Jann Horn reviewed)', since: 'v5.1-rc', seed: 'seed 003: io_uring file registration and the unix GC' },
    scm: { commit: '6b06314c47e1', title: 'io_uring: add file set registration', since: 'v5.1', seed: 'seed 003: io_uring file registration and the unix GC' },
    plain: { commit: '705318a99a13', title: 'io_uring/af_unix: disable sending io_uring over sockets', since: 'v6.7', seed: 'seed 003: io_uring file registration and the unix GC' },
  },
};
