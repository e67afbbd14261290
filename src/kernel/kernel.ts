import { EpollRegistry, type EpollWorld } from '../epoll/eventpoll.js';
import { FposWatch } from '../file/fpos-watch.js';
import type { RefFile } from '../file/ref-file.js';
import { FileSlab } from '../file/slab.js';
import { Vfs } from '../file/vfs.js';
import type { FputHooks } from '../file/world.js';
import { Fdtable } from '../fdtable/fdtable.js';
import { access, type KernelPath } from '../sim/step.js';
import { Engine } from '../sim/engine.js';
import { HookList } from '../sim/hooks.js';
import type { ErrnoName } from '../sim/errno.js';
import { resolvePolicy } from '../sim/policy.js';
import { checkBoolOption, checkIntOption, checkNumbers, checkOptions, checkSameWorld, describeValue } from '../sim/validate.js';
import { ModelError } from '../sim/model-error.js';
import { runEngine, type RunResult, type Strategy } from '../sim/scheduler.js';
import { Process } from '../task/process.js';
import type { SpawnOptions, TaskWorld } from '../task/world.js';
import type { Task } from '../task/task.js';
import type { AuditEntry, AuditReport, OwnerSource } from './audit.js';
import type { Plugin } from './plugin.js';
import { checkPolicy, DEFAULT_POLICY, isResolvedPolicy, POLICY_PRESETS, type KernelPolicy, type PolicyInput } from './policies.js';
import { takeSnapshot, type KernelSnapshot } from './snapshot.js';
import { UnixRegistry, type UnixGcReport, type UnixWorld } from '../unix/sock.js';

/**
 * Options of `new Kernel()`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * new Kernel({ policy: 'linux-6.4', trace: false, rlimitNofile: 64 });
 * ```
 */
export interface KernelOptions {
  /** Behaviour switches: a preset name, an object, or a list (default: the current kernel). */
  readonly policy?: PolicyInput;
  /**
   * Record the event log in `engine.events` (default false: plain use keeps no history,
   * so a million calls cost no memory). Scenarios run by `explore()` record it when a
   * trace is read, and `replay()` always does.
   */
  readonly trace?: boolean;
  /** RLIMIT_NOFILE soft limit of new processes (default 1024). */
  readonly rlimitNofile?: number;
  /** fs.nr_open (default 1048576). */
  readonly nrOpen?: number;
  /**
   * Checked mode (default true): a step that touches a location it did not declare, or
   * user code that touches shared state outside a step, throws a ModelError. Switch it
   * off only to measure (benchmarks); recording, which the explorer needs, stays on.
   */
  readonly checked?: boolean;
}

const KERNEL_OPTIONS: readonly string[] = ['policy', 'trace', 'rlimitNofile', 'nrOpen', 'checked'];
/** The fd range of the model's access encoding (2^21 fields per object, docs/architecture.md). */
const NR_OPEN_MAX = 2 ** 21;
/** sysctl_nr_open_min (fs/file.c): BITS_PER_LONG. */
const NR_OPEN_MIN = 64;

/**
 * Own keys only; integer limits. RLIMIT_NOFILE may exceed fs.nr_open (lowering the sysctl
 * leaves existing limits alone), so the two are checked separately. The policy is
 * checked by resolvePolicy/checkPolicy.
 */
function checkKernelOptions(given: KernelOptions): KernelOptions {
  // Checked and used from one copy, so that a value validated is the value used.
  const opts: KernelOptions = {};
  checkOptions('kernel options', given, KERNEL_OPTIONS, opts as Record<string, unknown>);
  checkBoolOption('trace', opts.trace);
  checkIntOption('nrOpen', opts.nrOpen, NR_OPEN_MIN, NR_OPEN_MAX);
  checkIntOption('rlimitNofile', opts.rlimitNofile, 0, Number.MAX_SAFE_INTEGER);
  return opts;
}

const SPAWN_OPTIONS: readonly string[] = ['name', 'creds', 'rlimitNofile', 'rlimitNofileMax', 'parent', 'files'];
const CREDS_KEYS: readonly string[] = ['uid', 'gid', 'caps', 'dumpable'];

function checkSpawnOptions(k: Kernel, given: SpawnOptions): SpawnOptions {
  // Checked and used from one copy (creds included), so that a value validated is the value used.
  const opts: { -readonly [K in keyof SpawnOptions]: SpawnOptions[K] } = {};
  checkOptions('spawn options', given, SPAWN_OPTIONS, opts as Record<string, unknown>);
  if (opts.name !== undefined && typeof opts.name !== 'string') throw new ModelError('bad-option', `spawn name must be a string, got ${describeValue(opts.name)}`);
  checkIntOption('rlimitNofile', opts.rlimitNofile, 0, Number.MAX_SAFE_INTEGER);
  if (opts.parent !== undefined) checkSameWorld(k, opts.parent, 'spawn parent');
  if (opts.files !== undefined && typeof opts.files !== 'function') throw new ModelError('bad-option', `spawn files must be a function, got ${describeValue(opts.files)}`);
  const givenCreds = opts.creds;
  if (givenCreds === undefined) return opts;
  if (givenCreds === null) throw new ModelError('bad-option', 'creds must be an object, got null');
  const c: { -readonly [K in keyof NonNullable<SpawnOptions['creds']>]: NonNullable<SpawnOptions['creds']>[K] } = {};
  checkOptions('creds', givenCreds, CREDS_KEYS, c as Record<string, unknown>);
  opts.creds = c;
  // uid_t / gid_t: 32-bit, and (uid_t)-1 means "no change", never an identity.
  checkIntOption('creds.uid', c.uid, 0, 0xfffffffe);
  checkIntOption('creds.gid', c.gid, 0, 0xfffffffe);
  checkBoolOption('creds.dumpable', c.dumpable);
  if (c.caps !== undefined && !(Array.isArray(c.caps) && c.caps.every((x) => typeof x === 'string'))) {
    throw new ModelError('bad-option', `creds.caps must be a list of capability names, got ${describeValue(c.caps)}`);
  }
  return opts;
}

function checkRunStrategy(s: unknown): void {
  if (typeof s === 'string') return;
  const kind = typeof s === 'object' && s !== null ? (s as { kind?: unknown }).kind : undefined;
  if (kind === 'sequential' || kind === 'round-robin') return;
  if (kind === 'random') return checkIntOption('seed', (s as { seed?: unknown }).seed ?? NaN, 0, 0xffffffff);
  if (kind === 'schedule') {
    const sch = (s as { schedule?: unknown }).schedule;
    if (typeof sch === 'string' || (Array.isArray(sch) && sch.every((x) => Number.isInteger(x) && x >= 0))) return;
  }
  throw new ModelError('bad-option', `run() needs a schedule string or a strategy { kind: 'sequential' | 'round-robin' | 'random' | 'schedule' }, got ${describeValue(s)}`);
}

/**
 * The simulated kernel: the world that owns the step engine, the struct file slab, the
 * file namespace and mounts, the processes and the event log. Nothing is global: two
 * kernels in one program never interact.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const fd = p.open('/data/log', O_RDWR);
 * p.fork();               // the child's table holds a second reference
 * p.fileOf(fd).count;     // 2
 * k.audit().ok;           // true: every reference has an owner
 * ```
 */
export class Kernel implements TaskWorld, EpollWorld, UnixWorld {
  /** The step engine: threads, scheduler state, events, violations. */
  readonly engine: Engine;
  /** The resolved behaviour switches. */
  readonly policy: KernelPolicy;
  /** The struct file cache. */
  readonly slab: FileSlab;
  /** The file namespace and mounts. */
  readonly vfs: Vfs;
  /** Hooks run inside __fput(). */
  readonly fputHooks: FputHooks = { eventpollRelease: new HookList(), locksRemoveFile: new HookList() };
  /** The f_pos race detector. */
  readonly fpos: FposWatch;
  /** Extra reference owners for the audit (plugins, subsystems). */
  readonly owners = new HookList<OwnerSource>();
  /**
   * Extra invariant checks for the audit: each returns what is wrong, in words naming the
   * owner (a plugin's table that points at freed memory, a node with no references).
   */
  readonly auditChecks = new HookList<() => Iterable<string>>();
  /**
   * Checks scm_fp_copy() makes on each file passed with SCM_RIGHTS: the first errno a hook
   * returns refuses the message (the io_uring plugin refuses ring files under
   * `uringFileRegistration: 'plain'`, as v6.7 does).
   */
  readonly scmRightsChecks = new HookList<(file: RefFile) => ErrnoName | null>();
  /**
   * Run by do_exit() of a task before it sets PF_EXITING (the io_uring plugin cancels the
   * task's requests there, as io_uring_files_cancel() does): each returns the steps to
   * run, or undefined for none.
   */
  readonly taskExitHooks = new HookList<(t: Task) => KernelPath | undefined>();
  /** fs.nr_open. */
  readonly nrOpen: number;
  /** Default RLIMIT_NOFILE. */
  readonly rlimitNofile: number;
  private readonly procs = new Map<number, Process>();
  private readonly plugins = new Map<string, unknown>();
  private lastPid = 0;
  /** Engine object id of the pid namespace (see {@link pidNsAccess}). */
  readonly pidNsId: number;
  // Created on first use: the explorer builds a kernel per run, most of which never
  // unshare a table or touch epoll.
  private tableNames: Map<Process, number> | null = null;
  private unixReg: UnixRegistry | null = null;
  private epollReg: EpollRegistry | null = null;

  /** @param given - policy, tracing and limits */
  constructor(given: KernelOptions = {}) {
    const opts = checkKernelOptions(given);
    const input = opts.policy;
    const policy = isResolvedPolicy(input) ? input : Object.freeze(resolvePolicy<KernelPolicy>(DEFAULT_POLICY, POLICY_PRESETS, input));
    checkPolicy(policy);
    this.policy = policy;
    this.engine = new Engine(opts.trace ?? false);
    if (opts.checked !== undefined) {
      if (typeof opts.checked !== 'boolean') throw new ModelError('bad-option', `kernel option checked must be a boolean, got ${describeValue(opts.checked)}`);
      this.engine.checked = opts.checked;
    }
    this.slab = new FileSlab(this.engine, this.policy);
    this.fpos = new FposWatch(this.engine);
    this.nrOpen = opts.nrOpen ?? 1024 * 1024;
    this.rlimitNofile = opts.rlimitNofile ?? 1024;
    this.vfs = new Vfs(this);
    this.pidNsId = this.engine.register({ simName: () => 'pid_ns' });
  }

  /**
   * The pid namespace's memory location (pid allocation and the pid → task table) as an
   * encoded access: fork and clone write it, pid lookups (find_get_pid) read it.
   */
  pidNsAccess(write: boolean): number {
    return access(this.pidNsId, 0, write);
  }

  /** The epoll layer's state (f_ep lists, per-user watches), created on first use. */
  get epoll(): EpollRegistry {
    return (this.epollReg ??= new EpollRegistry(this.engine));
  }

  /**
   * The AF_UNIX layer's state (sockets, bound names, the collector's lock and in-flight
   * accounting), created on first use so kernels without sockets register nothing.
   */
  get unix(): UnixRegistry {
    return (this.unixReg ??= new UnixRegistry(this.engine));
  }

  /** The AF_UNIX layer's state if anything created it, else null (lookups that must not create it). */
  get unixIfAny(): UnixRegistry | null {
    return this.unixReg;
  }

  /**
   * Runs the AF_UNIX garbage collector once, to completion, outside any thread (the
   * policy's `unixGc` decides which collector). Models a call of unix_gc().
   */
  unixGc(): UnixGcReport {
    // The collector is registered by the AF_UNIX layer on first use: a kernel that never
    // made a socket has nothing in flight, and `import { Kernel }` does not pull it in.
    const run = this.unixReg?.collector;
    if (run === undefined || run === null) return { kind: this.policy.unixGc, components: [], collected: [], skipped: false };
    return this.engine.runPlain(this.engine.setupThread, run(this));
  }

  /** Live and exited processes by pid. */
  get processes(): ReadonlyMap<number, Process> {
    return this.procs;
  }

  /** Creates a process with an empty fd table (or a copy, for fork). */
  spawnProcess(given: SpawnOptions = {}): Process {
    const opts = checkSpawnOptions(this, given);
    const pid = this.allocPid();
    const name = opts.name ?? `P${pid}`;
    const filesName = `${name}.files`;
    const files = opts.files ? opts.files(filesName) : new Fdtable(this, filesName);
    const p = new Process(this, pid, { ...opts, name }, files);
    this.procs.set(pid, p);
    if (this.engine.tracing) this.engine.effect('spawn', p.simId, undefined, undefined, undefined, opts.parent ? { parent: opts.parent.simId } : undefined);
    return p;
  }

  /** The process with `pid`, if any. */
  process(pid: number): Process | undefined {
    checkNumbers('process', 'pid', pid);
    return this.procs.get(pid);
  }

  /** @internal */
  allocPid(): number {
    this.engine.write(this.pidNsId, 0);
    return ++this.lastPid;
  }

  /** @internal */
  nextFilesName(p: Process): string {
    const names = (this.tableNames ??= new Map());
    const n = (names.get(p) ?? 1) + 1;
    names.set(p, n);
    return `${p.name}.files${n}`;
  }

  /** Installs a plugin once and returns its API. */
  use<Api>(plugin: Plugin<Api>): Api {
    if (typeof plugin !== 'object' || plugin === null || typeof plugin.name !== 'string' || typeof plugin.install !== 'function') {
      throw new ModelError('bad-argument', `use() needs a plugin { name, install }, got ${describeValue(plugin)}`);
    }
    if (this.plugins.has(plugin.name)) return this.plugins.get(plugin.name) as Api;
    const api = plugin.install(this);
    this.plugins.set(plugin.name, api);
    return api;
  }

  /**
   * Runs the threads to the end with a scheduling strategy (default: without
   * preemption, lowest thread first) or an explicit schedule string.
   */
  run(strategy: Strategy | string = { kind: 'sequential' }, maxSteps?: number): RunResult {
    checkRunStrategy(strategy);
    checkIntOption('maxSteps', maxSteps, 1, Number.MAX_SAFE_INTEGER);
    const s: Strategy = typeof strategy === 'string' ? { kind: 'schedule', schedule: strategy } : strategy;
    return runEngine(this.engine, s, maxSteps);
  }

  /**
   * True when {@link audit} would report no problem: the same rules, counting owners
   * without naming them. The explorer audits every run and almost every audit is clean,
   * so it asks this first and builds the named report only for a failure.
   * @internal
   */
  auditClean(): boolean {
    return this.auditPass(null, null, () => false);
  }

  /**
   * Checks that every live file's count equals the references its owners hold (fd
   * slots of every live table, plugin owners), that every mount's count equals its live
   * files, and names the leaked or missing references. Meant for quiescent points: a
   * thread inside a system call may hold references nobody else can see.
   */
  audit(): AuditReport {
    const problems: string[] = [];
    const files: AuditEntry[] = [];
    this.auditPass([], files, (message) => {
      problems.push(message());
      return true;
    });
    return { ok: problems.length === 0, problems, files };
  }

  /**
   * The audit's rules, in one pass for both {@link audit} and {@link auditClean}. Owners
   * are counted per slab index, and named in `names` when it is given (with `files`, the
   * report's list of live files). Each broken rule is handed to `problem` as a function
   * building its message, so that the counting pass builds none; the pass stops when
   * `problem` returns false, and returns whether no rule was broken.
   */
  private auditPass(names: string[][] | null, files: AuditEntry[] | null, problem: (message: () => string) => boolean): boolean {
    let clean = true;
    const fail = (message: () => string): boolean => {
      clean = false;
      return problem(message);
    };
    const objects = this.slab.objects;
    const owners: number[] = [];
    for (let i = 0; i < objects.length; i++) owners.push(0);
    if (names !== null) for (let i = 0; i < objects.length; i++) names.push([]);
    // `who` is built by the caller only when names are wanted ('' otherwise).
    const add = (f: RefFile, who: string): void => {
      const i = f.slabIndex;
      // A file of another kernel is not in this slab: no rule of this audit covers it.
      if (objects[i] !== f) return;
      owners[i]!++;
      if (names !== null) names[i]!.push(who);
    };
    // Tables seen: a list, since a kernel has a few (one per process, shared by its threads).
    const tables: Fdtable[] = [];
    for (const p of this.procs.values()) {
      for (const t of p.tasks) {
        const tbl = t.files;
        if (tbl === null || tables.includes(tbl)) continue;
        tables.push(tbl);
        const fdt = tbl.fdt;
        for (let fd = 0; fd < fdt.maxFds; fd++) {
          const f = fdt.fd[fd];
          if (f) add(f, names !== null ? `${tbl.name} fd ${fd}` : '');
        }
      }
    }
    for (const src of this.owners.list) for (const e of src()) add(e[0], e[1]);
    const hint = (): string => {
      const inKernel = this.engine.threads.filter((t) => t.inKernel > 0).map((t) => t.name);
      return inKernel.length > 0 ? ` (${inKernel.join(', ')} inside a system call may hold it)` : '';
    };
    // Live files per mount: a kernel has a handful of mounts, so two short lists. Unmounted
    // filesystems are included through their files: a file keeps its mount alive.
    const mounts = this.vfs.allMounts();
    const perMount: number[] = [];
    for (let i = 0; i < mounts.length; i++) perMount.push(0);
    for (let i = 0; i < objects.length; i++) {
      const f = objects[i]!;
      const o = owners[i]!;
      if (!f.live) {
        if (o > 0 && !fail(() => `freed ${f.name} is still referenced by ${names![i]!.join(', ')}`)) return false;
        if (o === 0 && f.count !== 0 && !fail(() => `freed ${f.name}: f_count ${f.count} on freed memory: ${f.count} reference(s) taken after the free (use-after-free)`)) return false;
        continue;
      }
      let j = mounts.indexOf(f.mount);
      if (j < 0) {
        j = mounts.push(f.mount) - 1;
        perMount.push(0);
      }
      perMount[j]!++;
      if (files !== null) files.push({ file: f.name, count: f.count, owners: names![i]! });
      if (f.count === Infinity) continue;
      if (f.count === 0 && this.slab.dying.has(f)) continue;
      if (f.count > o && !fail(() => `${f.name}: f_count ${f.count} but ${o} owner(s)${o ? ` (${names![i]!.join(', ')})` : ''}: ${f.count - o} reference(s) leaked${hint()}`)) return false;
      if (f.count < o && !fail(() => `${f.name}: f_count ${f.count} but ${o} owners (${names![i]!.join(', ')}): ${o - f.count} owner(s) hold no reference (use-after-free ahead)`)) return false;
    }
    for (let j = 0; j < mounts.length; j++) {
      const m = mounts[j]!;
      const n = perMount[j]!;
      if (m.count !== n && !fail(() => `mount ${m.path}: mnt_count ${m.count} but ${n} live file(s) on it`)) return false;
    }
    const more: Array<() => Iterable<string>> = [];
    if (this.epollReg !== null) more.push(this.epollReg.problems.bind(this.epollReg));
    if (this.unixReg !== null) more.push(this.unixReg.problems.bind(this.unixReg));
    for (const check of this.auditChecks.list) more.push(check);
    for (const source of more) for (const message of source()) if (!fail(() => message)) return false;
    return clean;
  }

  /** Like {@link audit}, but throws an Error listing the problems. */
  assertAudit(): void {
    const r = this.audit();
    if (!r.ok) throw new Error(`kernel.audit() failed:\n  ${r.problems.join('\n  ')}`);
  }

  /** A deterministic plain-data picture of the whole state (for comparisons and tests). */
  snapshot(): KernelSnapshot {
    return takeSnapshot(this);
  }

  /** The file a packed struct fd refers to. */
  fdFile(word: number): RefFile {
    return this.engine.objectAt(Math.floor(word / 4)) as RefFile;
  }
}

