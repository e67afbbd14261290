import { FILES_COUNT, type Fdtable } from '../fdtable/fdtable.js';
import type { RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import { WaitQueue } from '../sim/wait-queue.js';
import type { KernelPath } from '../sim/step.js';
import { makeCreds, type Creds } from './creds.js';
import type { Flock } from './posix-locks.js';
import { F_GETLK, F_SETLK, F_SETLKW } from './constants.js';
import { checkBody, checkFcntlArgs, checkTwoFileArgs, checkPollArgs, checkSelectArgs, checkSendfileArgs } from './check-args.js';
import { plainSyscall } from './syscall.js';
import { checkNumbers, checkSameWorld, checkString } from '../sim/validate.js';
import { ModelError } from '../sim/model-error.js';
import { close, dup, dup2, dup3, open, pipe, receiveFd, receiveFdReplace } from './syscalls/fd-calls.js';
import { fcntl } from './syscalls/fcntl.js';
import { closeRangeSteps, execSteps, exitSteps, forkSteps, ioThreadAccesses, ioThreadLife, unshareSteps } from './syscalls/lifecycle.js';
import { prlimitNofile } from './syscalls/prlimit.js';
import { wait4 } from './syscalls/wait.js';
import { getdentsOp, lseekOp, readOp, runPosOp, writeOp } from './syscalls/rw.js';
import { pread64Steps, pwrite64Steps } from './syscalls/pread.js';
import { sendfileSteps } from './syscalls/sendfile.js';
import { copyFileRangeSteps } from './syscalls/copy-file-range.js';
import { spliceSteps } from './syscalls/splice-syscall.js';
import { eventfdSteps } from './syscalls/eventfd.js';
import { umount2Steps } from './syscalls/umount.js';
import { pollSteps, selectSteps, type PollFd, type PollResult, type SelectResult } from './syscalls/poll.js';
import type { Sys } from './sys.js';
import { Task, TASK_FILES_FIELD } from './task.js';
import type { SpawnOptions, TaskWorld } from './world.js';

/**
 * A thread body: a generator that makes system calls with `yield*`.
 *
 * @example
 * ```ts
 * import type { ThreadBody } from 'fdlab';
 * const body: ThreadBody = function* (sys) { yield* sys.getpid(); };
 * ```
 */
export type ThreadBody = (sys: Sys) => KernelPath<unknown>;

/**
 * A process: a thread group with credentials, an RLIMIT_NOFILE, and tasks that share or
 * own fd tables. Its methods are the plain, synchronous system calls of its main
 * thread: each runs to completion at once.
 *
 * Models the thread-group side of `struct task_struct` / `struct signal_struct` that
 * file lifetime touches: fork (copy_files/dup_fd), clone with CLONE_FILES, unshare,
 * exec, exit.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const fd = p.open('/data/log', O_RDWR);
 * const copy = p.dup(fd);
 * p.fileOf(fd).count; // 2: one struct file, two fd slots
 * p.close(fd);
 * p.close(copy);      // the last fput runs __fput
 * ```
 */
export class Process {
  /** Process id (the main thread's tid). */
  readonly pid: number;
  /** Display name, e.g. `P1`. */
  readonly name: string;
  /** Credentials. */
  creds: Creds;
  /** RLIMIT_NOFILE soft limit. */
  rlimitNofile: number;
  /** RLIMIT_NOFILE hard limit (default 4096, INR_OPEN_MAX, or the soft limit if higher). */
  rlimitNofileMax: number;
  /** True once the parent has reaped this process (wait4): until then an exited process is a zombie. */
  reaped = false;
  /** SIGCHLD is SIG_IGN (or SA_NOCLDWAIT): exited children are reaped at once and wait4 finds none. */
  ignoreSigchld = false;
  /** Parent process, if forked. */
  readonly parent: Process | null;
  /** Tasks (threads) in creation order; the first is the main thread. */
  readonly tasks: Task[] = [];
  /** The kernel. */
  readonly world: TaskWorld;
  /** Engine object id of the thread group's signal state (field 0) and exit state (field 1). */
  readonly simId: number;
  /** The thread running de_thread() for an exec of this group (signal->group_exec_task), or null. */
  execing: Task | null = null;
  /** Woken when the last thread starts exiting: what pidfds poll (`pid->wait_pidfd`). */
  readonly exitWait: WaitQueue;
  private bodies = 0;
  private tasksCreated = 0;

  /** @internal Use Kernel.spawnProcess(). */
  constructor(world: TaskWorld, pid: number, opts: SpawnOptions, files: Fdtable) {
    this.world = world;
    this.pid = pid;
    this.name = opts.name ?? `P${pid}`;
    this.creds = makeCreds(opts.creds);
    this.rlimitNofile = opts.rlimitNofile ?? world.rlimitNofile;
    this.rlimitNofileMax = opts.rlimitNofileMax ?? Math.max(4096, this.rlimitNofile);
    this.parent = opts.parent ?? null;
    this.simId = world.engine.register({ simName: (f) => (f >= TASK_FILES_FIELD ? `${this.tasks.find((t) => t.filesField === f)?.name ?? this.name}.files` : `${this.name}.${f === 1 ? 'exit_state' : 'signal'}`), simLabel: () => this.name, simKind: () => 'process' });
    this.exitWait = new WaitQueue(world.engine, `${this.name}.wait_pidfd`);
    const sim = world.engine.spawn(`${this.name}.T1`);
    this.tasks.push(new Task(world, this, pid, sim, files));
  }

  /** The main thread. */
  get main(): Task {
    return this.tasks[0]!;
  }

  /** The main thread's fd table. Throws ESRCH once it has exited. */
  get files(): Fdtable {
    const f = this.main.files;
    if (f === null) throw new KernelError('ESRCH', 'files', `${this.name} has exited`);
    return f;
  }

  /** True once every thread has exited. */
  get exited(): boolean {
    return this.tasks.every((t) => t.exited);
  }

  /** True once every thread is exiting or gone: a pidfd of the process polls readable. */
  get allExiting(): boolean {
    return this.tasks.every((t) => t.exiting || t.exited);
  }

  /** True once the main thread is exiting (PF_EXITING). */
  get exiting(): boolean {
    return this.main.exiting;
  }

  /**
   * Gives the process a thread running `body`. The first call runs it on the main
   * thread; later calls create threads with clone(CLONE_VM | CLONE_FILES |
   * CLONE_THREAD), which share the fd table (files_struct.count goes up).
   */
  thread(body: ThreadBody, opts: { shareFiles?: boolean } = {}): Task {
    checkBody('thread', body, opts);
    const t = this.bodies === 0 && !this.main.exited ? this.main : this.cloneTask(this.main, opts.shareFiles !== false);
    this.bodies++;
    this.world.engine.startThread(t.sim, body(t.sys));
    return t;
  }

  /**
   * copy_process() for a new thread of this process, cloned from `parent`: with
   * CLONE_FILES it shares the parent's table (copy_files(): atomic_inc(&files->count)),
   * without it gets a dup_fd() copy. @internal
   */
  cloneTask(parent: Task, shareFiles: boolean): Task {
    const files = parent.filesOrThrow('clone');
    const sim = this.world.engine.spawn(`${this.name}.T${this.tasks.length + 1}`);
    let tf: Fdtable;
    if (!shareFiles) tf = files.dupFd(this.world.nextFilesName(this));
    else {
      tf = files;
      this.world.engine.write(files.simId, FILES_COUNT);
      const before = files.count;
      files.count = before + 1;
      if (this.world.engine.tracing) this.world.engine.effect('copy_files(CLONE_FILES)', files.simId, FILES_COUNT, before, files.count);
    }
    const t = new Task(this.world, this, this.world.allocPid(), sim, tf);
    this.tasks.push(t);
    return t;
  }

  /**
   * create_io_thread() (kernel/fork.c): a kernel thread of this process that shares
   * `parent`'s fd table (CLONE_FILES: files_struct.count goes up) and never returns to
   * user space — an io_uring io-wq worker. It runs `body` with its own task as the
   * context (its deferred `__fput()`s run before it exits), then leaves: exit_files()
   * drops its use of the table. Call it from inside a step that declared
   * {@link ioThreadAccesses}; the new thread is scheduled like any other, so its steps
   * interleave with the submitter's.
   *
   * @example
   * ```ts
   * import { Kernel } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const w = p.ioThread(p.main, 'iou-wrk', function* () { return 1; });
   * k.run();
   * w.sim.result; // 1
   * ```
   */
  ioThread(parent: Task, name: string, body: (t: Task) => KernelPath<unknown>): Task {
    if (parent.process !== this) throw new KernelError('EINVAL', 'create_io_thread', `${parent.name} is not a thread of ${this.name}`);
    const t = this.cloneTask(parent, true);
    t.sim.user = false;
    t.sim.name = `${this.name}.${name}-${t.tid}`;
    this.world.engine.startThread(t.sim, ioThreadLife(t, body));
    return t;
  }

  /** What the step that calls {@link ioThread} must declare: the shared table's count and the pid namespace. */
  ioThreadAccesses(parent: Task): number[] {
    return ioThreadAccesses(parent);
  }

  /** The file installed at `fd` (no reference taken). Throws EBADF. */
  fileOf(fd: number): RefFile {
    checkNumbers('fileOf', 'fd', fd);
    const f = this.files.lookupRaw(fd);
    if (f === null) throw new KernelError('EBADF', 'fileOf', `fd ${fd} is not installed in ${this.name}`);
    return f;
  }

  /** open(2). */
  open(path: string, flags: number): number {
    checkString('open', 'path', path);
    checkNumbers('open', 'flags', flags);
    return plainSyscall(this.main, () => open(this.main, path, flags));
  }

  /** close(2). */
  close(fd: number): void {
    checkNumbers('close', 'fd', fd);
    plainSyscall(this.main, () => close(this.main, fd));
  }

  /** dup(2). */
  dup(fd: number): number {
    checkNumbers('dup', 'fd', fd);
    return plainSyscall(this.main, () => dup(this.main, fd));
  }

  /** dup2(2). */
  dup2(oldfd: number, newfd: number): number {
    checkNumbers('dup2', 'oldfd', oldfd, 'newfd', newfd);
    return plainSyscall(this.main, () => dup2(this.main, oldfd, newfd));
  }

  /** dup3(2). */
  dup3(oldfd: number, newfd: number, flags: number): number {
    checkNumbers('dup3', 'oldfd', oldfd, 'newfd', newfd, 'flags', flags);
    return plainSyscall(this.main, () => dup3(this.main, oldfd, newfd, flags));
  }

  /** fcntl(2) F_GETLK: the conflicting lock, or the request with type F_UNLCK. */
  fcntl(fd: number, cmd: typeof F_GETLK, lock: Flock): Flock;
  /** fcntl(2) F_SETLK / F_SETLKW. */
  fcntl(fd: number, cmd: typeof F_SETLK | typeof F_SETLKW, lock: Flock): number;
  /** fcntl(2) F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETPIPE_SZ, F_GETPIPE_SZ. */
  fcntl(fd: number, cmd: number, arg?: number): number;
  fcntl(fd: number, cmd: number, arg?: number | Flock): number | Flock {
    checkFcntlArgs(fd, cmd, arg);
    return plainSyscall(this.main, () => fcntl(this.main, fd, cmd, arg));
  }

  /** close_range(2). */
  closeRange(first: number, last: number, flags = 0): void {
    checkNumbers('close_range', 'first', first, 'last', last, 'flags', flags);
    this.runCold(closeRangeSteps(this.main, first, last, flags));
  }

  /** read(2). */
  read(fd: number, count: number): string {
    checkNumbers('read', 'fd', fd, 'count', count);
    return plainSyscall(this.main, () => runPosOp(this.main, fd, readOp(count)));
  }

  /** write(2). */
  write(fd: number, data: string): number {
    checkNumbers('write', 'fd', fd);
    return plainSyscall(this.main, () => runPosOp(this.main, fd, writeOp(data)));
  }

  /**
   * pread64(2) as a plain call: see {@link Sys.pread}.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const p = new Kernel().spawnProcess();
   * const fd = p.open('/data/log', O_RDONLY);
   * p.pread(fd, 4, 2); // four bytes from offset 2
   * p.lseek(fd, 0, 1); // 0: f_pos did not move
   * ```
   */
  pread(fd: number, count: number, pos: number): string {
    checkNumbers('pread64', 'fd', fd, 'count', count, 'pos', pos);
    return this.runCold(pread64Steps(this.main, fd, count, pos));
  }

  /**
   * pwrite64(2) as a plain call: see {@link Sys.pwrite}.
   *
   * @example
   * ```ts
   * import { Kernel, O_APPEND, O_RDWR } from 'fdlab';
   * const p = new Kernel().spawnProcess();
   * const fd = p.open('/data/log', O_RDWR | O_APPEND);
   * p.pwrite(fd, '!', 0); // 1, appended at the end: O_APPEND wins over the offset
   * ```
   */
  pwrite(fd: number, data: string, pos: number): number {
    checkNumbers('pwrite64', 'fd', fd, 'pos', pos);
    return this.runCold(pwrite64Steps(this.main, fd, data, pos));
  }

  /**
   * sendfile(2) as a plain call: see {@link Sys.sendfile}.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const p = new Kernel().spawnProcess();
   * const src = p.open('/data/log', O_RDONLY);
   * const [r, w] = p.pipe();
   * p.sendfile(w, src, 7, 6); // 6: 'line 2' into the pipe; src's f_pos stays 0
   * p.read(r, 6); // 'line 2'
   * ```
   */
  sendfile(outFd: number, inFd: number, offset: number | null, count: number): number {
    checkSendfileArgs(outFd, inFd, offset, count);
    return this.runCold(sendfileSteps(this.main, outFd, inFd, offset, count));
  }

  /**
   * copy_file_range(2) as a plain call: see {@link Sys.copyFileRange}.
   *
   * @example
   * ```ts
   * import { Kernel, O_CREAT, O_RDONLY, O_RDWR } from 'fdlab';
   * const p = new Kernel().spawnProcess();
   * const src = p.open('/data/log', O_RDONLY);
   * const dst = p.open('/tmp/copy', O_RDWR | O_CREAT);
   * p.copyFileRange(src, null, dst, null, 7); // 7; both f_pos now 7
   * p.pread(dst, 7, 0); // 'line 1\n'
   * ```
   */
  copyFileRange(inFd: number, offIn: number | null, outFd: number, offOut: number | null, len: number, flags = 0): number {
    checkTwoFileArgs('copy_file_range', inFd, offIn, outFd, offOut, len, flags);
    return this.runCold(copyFileRangeSteps(this.main, inFd, offIn, outFd, offOut, len, flags));
  }

  /**
   * splice(2) as a plain call: see {@link Sys.splice}.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const p = new Kernel().spawnProcess();
   * const src = p.open('/data/log', O_RDONLY);
   * const [r, w] = p.pipe();
   * p.splice(src, null, w, null, 7); // 7: 'line 1\n' into the pipe; src's f_pos now 7
   * p.read(r, 7); // 'line 1\n'
   * ```
   */
  splice(inFd: number, offIn: number | null, outFd: number, offOut: number | null, len: number, flags = 0): number {
    checkTwoFileArgs('splice', inFd, offIn, outFd, offOut, len, flags);
    return this.runCold(spliceSteps(this.main, inFd, offIn, outFd, offOut, len, flags));
  }

  /** lseek(2). */
  lseek(fd: number, offset: number, whence: number): number {
    checkNumbers('lseek', 'fd', fd, 'offset', offset, 'whence', whence);
    return plainSyscall(this.main, () => runPosOp(this.main, fd, lseekOp(offset, whence)));
  }

  /** getdents64(2): up to `count` names. */
  getdents(fd: number, count = 64): string[] {
    checkNumbers('getdents64', 'fd', fd, 'count', count);
    return plainSyscall(this.main, () => runPosOp(this.main, fd, getdentsOp(count)));
  }

  /**
   * receive_fd(): installs its own reference to `file` at the lowest free fd (O_CLOEXEC in
   * `oflags` sets close-on-exec) — what SCM_RIGHTS, pidfd_getfd() and seccomp add-fd do.
   * The caller keeps its own reference and drops it when done.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const f = k.vfs.openFile('/data/log', O_RDONLY);
   * p.receiveFd(f); // 0
   * f.fput();
   * ```
   */
  receiveFd(file: RefFile, oflags = 0): number {
    this.checkFile('receive_fd', file);
    checkNumbers('receive_fd', 'oflags', oflags);
    return plainSyscall(this.main, () => receiveFd(this.main, file, oflags));
  }

  /**
   * receive_fd_replace(): installs its own reference to `file` at exactly `fd`, closing
   * what was there (EBADF beyond RLIMIT_NOFILE, EBUSY on a reserved slot).
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const f = k.vfs.openFile('/data/log', O_RDONLY);
   * p.receiveFdReplace(7, f); // 7
   * f.fput();
   * ```
   */
  receiveFdReplace(fd: number, file: RefFile, oflags = 0): number {
    this.checkFile('receive_fd_replace', file);
    checkNumbers('receive_fd_replace', 'fd', fd, 'oflags', oflags);
    return plainSyscall(this.main, () => receiveFdReplace(this.main, fd, file, oflags));
  }

  private checkFile(call: string, file: unknown): void {
    checkSameWorld(this.world, (file as { mount?: unknown } | null)?.mount ?? file, `${call}: file`);
    if (!(file as RefFile).live || (file as RefFile).count === 0) throw new ModelError('bad-argument', `${call}: the file has no reference to share (it was released)`);
  }

  /** pipe2(2): [read fd, write fd]. */
  pipe(flags = 0): [number, number] {
    checkNumbers('pipe2', 'flags', flags);
    return plainSyscall(this.main, () => pipe(this.main, flags));
  }

  /** prlimit64(0, RLIMIT_NOFILE) / setrlimit(2): sets [soft, hard], returns the old pair. */
  prlimit(soft: number, hard = this.rlimitNofileMax): [number, number] {
    return plainSyscall(this.main, () => prlimitNofile(this.main, soft, hard));
  }

  /** wait4(2) for `pid` (a child, or -1 for any): the reaped pid, 0 with WNOHANG if none has exited. */
  wait4(pid: number, options = 0): number {
    return plainSyscall(this.main, () => wait4(this.main, pid, options));
  }

  /** @internal release_task() of a reaped zombie. */
  reap(): void {
    this.world.engine.write(this.simId, 1);
    this.reaped = true;
    if (this.world.engine.tracing) this.world.engine.effect('release_task', this.simId, 1, undefined, undefined, { note: 'reaped' });
  }

  /** poll(2) (plain: a call that would sleep is model misuse; poll with timeout 0). */
  poll(fds: readonly PollFd[], timeout = 0): PollResult {
    checkPollArgs(fds, timeout);
    return this.runCold(pollSteps(this.main, fds, timeout));
  }

  /** select(2) (plain, as {@link poll}). */
  select(nfds: number, readfds: readonly number[], writefds: readonly number[], exceptfds: readonly number[], timeout = 0): SelectResult {
    checkSelectArgs(nfds, [readfds, writefds, exceptfds], timeout);
    return this.runCold(selectSteps(this.main, nfds, readfds, writefds, exceptfds, timeout));
  }

  /** eventfd2(2). */
  eventfd(initval: number, flags = 0): number {
    checkNumbers('eventfd2', 'initval', initval, 'flags', flags);
    return this.runCold(eventfdSteps(this.main, initval, flags));
  }

  /**
   * umount2(2) as a plain call (ksys_umount() in fs/namespace.c): see {@link Sys.umount2}.
   *
   * @example
   * ```ts
   * import { Kernel, MNT_DETACH, O_RDONLY } from 'fdlab';
   * const k = new Kernel();
   * k.vfs.mount('/mnt');
   * const p = k.spawnProcess({ creds: { uid: 0 } });
   * const fd = p.open('/mnt', O_RDONLY);
   * // p.umount2('/mnt') would throw EBUSY: fd pins it
   * p.umount2('/mnt', MNT_DETACH); // detached; freed when fd is closed
   * p.close(fd);
   * ```
   */
  umount2(path: string, flags = 0): void {
    checkString('umount2', 'path', path);
    checkNumbers('umount2', 'flags', flags);
    this.runCold(umount2Steps(this.main, path, flags));
  }

  /** fork(2): the child process. */
  fork(): Process {
    return this.runCold(forkSteps(this.main));
  }

  /** unshare(CLONE_FILES). */
  unshare(flags: number): void {
    checkNumbers('unshare', 'flags', flags);
    this.runCold(unshareSteps(this.main, flags));
  }

  /** execve(2) as far as files go. */
  exec(): void {
    this.runCold(execSteps(this.main));
  }

  /** exit of the main thread (exit(2)); with no other threads, the process is gone. */
  exit(): void {
    this.runCold(exitSteps(this.main));
  }

  /** The creation ordinal of a new task of this group (its `task->files` field). @internal */
  nextTaskOrdinal(): number {
    return this.tasksCreated++;
  }

  /** @internal de_thread(): a non-leader that execs takes over the leader's place. */
  becomeLeader(t: Task): void {
    const i = this.tasks.indexOf(t);
    if (i > 0) {
      this.tasks.splice(i, 1);
      this.tasks.unshift(t);
    }
  }

  /**
   * @internal Called when a task has exited. When the last one goes the process is a
   * zombie until its parent reaps it (wait4) — unless nobody will: a process spawned
   * without a parent, or whose parent has exited, belongs to init, which reaps at once,
   * and a parent with SIGCHLD ignored has its children reaped as they exit
   * (exit_notify() → do_notify_parent() → autoreap). Its own zombie children go to init.
   */
  taskExited(t: Task): void {
    if (!this.exited) return;
    if (this.world.engine.tracing) this.world.engine.effect('exit', this.simId, undefined, undefined, undefined, { thread: t.sim.id });
    const parent = this.parent;
    if (parent === null || parent.exited || parent.ignoreSigchld) this.reap();
    for (const c of this.world.processes.values()) if (c.parent === this && c.exited && !c.reaped) c.reap();
  }

  private runCold<T>(gen: KernelPath<T>): T {
    return plainSyscall(this.main, () => this.world.engine.runPlain(this.main.sim, gen));
  }
}
