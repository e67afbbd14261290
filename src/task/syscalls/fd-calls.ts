import { O_CLOEXEC, O_CREAT, O_DIRECT, O_NONBLOCK, O_TRUNC } from '../../file/constants.js';
import { fputDeferred, fputTeardown, fputTeardownSteps } from '../../file/fput.js';
import type { RefFile } from '../../file/ref-file.js';
import { FILES_ALLOC, FILES_FDT, isFd, slotAccess, slotReadAccesses, type Fdtable } from '../../fdtable/fdtable.js';
import { F_COUNT } from '../../file/ref-file.js';
import { fgetSteps } from '../../fdtable/fget.js';
import { buildOpenFlags, getname } from '../../file/open-flags.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath, type Step } from '../../sim/step.js';
import { plainSyscall } from '../syscall.js';
import type { Task } from '../task.js';
import { flagsWithin } from '../../sim/validate.js';
import { allocStep, closeSlotStep, countStep, filpClose, filpCloseSteps, filpFlush, flushStep, installStep, putUnusedStep } from './steps.js';

/*
 * open, close, dup, dup2, dup3, receive_fd, receive_fd_replace, pipe. Each exists as a
 * plain function (run to completion, no generator) and as a stepped kernel path; both
 * call the same atomic methods in the same order, and a property test holds them equal.
 */

/**
 * do_sys_openat2() before the fd is reserved: build_open_flags() (EINVAL), then
 * getname() (ENOENT, ENAMETOOLONG) — so both come before EMFILE.
 */
function checkOpenFlags(path: string, flags: number): number {
  const f = buildOpenFlags(flags);
  getname(path);
  return f;
}

/**
 * The step of do_filp_open(): it declares the namespace (written by O_CREAT), the slab,
 * the mnt_count of the mount the path is on when the step runs (do_dentry_open() pins
 * it; which mount that is depends on the namespace, which the step reads), and — for
 * O_TRUNC — the data of whatever inode the path names when the step runs (the lookup
 * reads the namespace, which is what a create would change).
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { vfsOpenStep } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * vfsOpenStep(p.main, '/data/log', O_RDONLY).fn; // 'do_filp_open'
 * ```
 */
export const vfsOpenStep = (t: Task, path: string, flags: number): Step => dynamicStep(t.world.engine, 'do_filp_open', () => {
  const vfs = t.world.vfs;
  const creat = (flags & O_CREAT) !== 0;
  const acc = [access(vfs.simId, 0, creat), t.world.slab.allocAccess()];
  if (creat) acc.push(vfs.newInodeAccess());
  if (path.charCodeAt(0) === 47) acc.push(vfs.mountOf(path).countAccess(true));
  if (flags & O_TRUNC) {
    let ino: { simId: number } | undefined;
    try {
      ino = vfs.lookup(path).inode;
    } catch {
      ino = undefined;
    }
    if (ino !== undefined) acc.push(access(ino.simId, 0, true));
  }
  return acc;
});

/** open(2), plain. Models do_sys_openat2(): reserve an fd, open the file, fd_install(). @internal */
export function open(t: Task, path: string, flags: number): number {
  flags = checkOpenFlags(path, flags);
  const files = t.filesOrThrow('open');
  const fd = files.allocFd(0, t.process.rlimitNofile, (flags & O_CLOEXEC) !== 0);
  let f: RefFile;
  try {
    f = t.world.vfs.openFile(path, flags);
  } catch (e) {
    files.putUnusedFd(fd);
    throw e;
  }
  files.fdInstall(fd, f);
  return fd;
}

/**
 * open(2) as a kernel path — do_sys_openat2(): build_open_flags() and getname() (EINVAL,
 * ENOENT, ENAMETOOLONG before EMFILE), reserve the lowest free fd, do_filp_open() (the fd
 * stays reserved across it; on failure it is put back), fd_install(). Also the body of
 * io_uring's IORING_OP_OPENAT into a normal fd.
 *
 * @example
 * ```ts
 * import { O_RDONLY, type Sys } from 'fdlab';
 * import { openSteps } from 'fdlab/extend';
 * function* body(sys: Sys) { return yield* openSteps(sys.task, '/data/log', O_RDONLY); }
 * ```
 */
export function* openSteps(t: Task, path: string, flags: number): KernelPath<number> {
  flags = checkOpenFlags(path, flags);
  const files = t.filesOrThrow('open');
  yield allocStep(files);
  const fd = files.allocFd(0, t.process.rlimitNofile, (flags & O_CLOEXEC) !== 0);
  yield vfsOpenStep(t, path, flags);
  let f: RefFile;
  try {
    f = t.world.vfs.openFile(path, flags);
  } catch (e) {
    yield putUnusedStep(files);
    files.putUnusedFd(fd);
    throw e;
  }
  yield installStep(files, fd);
  files.fdInstall(fd, f);
  return fd;
}

/**
 * close(2), plain: file_close_fd, filp_flush, then the last fput: fput_close_sync()
 * runs __fput at once from v6.6 (021a160abf62); earlier kernels (`closeFput:
 * 'task_work'`) queue it to the task work that runs on the way back to user space.
 * @internal
 */
export function close(t: Task, fd: number): void {
  const files = t.filesOrThrow('close');
  const f = isFd(fd) ? files.closeFdLocked(fd) : null;
  if (f === null) throw new KernelError('EBADF', 'close', `fd ${fd} is not installed`);
  filpFlush(t, f, files);
  if (t.world.policy.closeFput === 'sync') {
    if (f.put()) fputTeardown(f);
  } else fputDeferred(t, f);
}

/** close(2) as a kernel path. The number is free for reuse right after the first step. @internal */
export function* closeSteps(t: Task, fd: number): KernelPath {
  const files = t.filesOrThrow('close');
  if (!isFd(fd)) throw new KernelError('EBADF', 'close', `fd ${fd} is not installed`);
  yield closeSlotStep(files, fd);
  const f = files.closeFdLocked(fd);
  if (f === null) throw new KernelError('EBADF', 'close', `fd ${fd} is not installed`);
  yield flushStep(f);
  filpFlush(t, f, files);
  if (t.world.policy.closeFput === 'sync') {
    yield countStep('fput_close_sync', f);
    if (f.put()) yield* fputTeardownSteps(f);
  } else {
    yield countStep('fput', f);
    fputDeferred(t, f);
  }
}

/** dup(2), plain: fget_raw, then the lowest free fd. @internal */
export function dup(t: Task, oldfd: number): number {
  const files = t.filesOrThrow('dup');
  const f = isFd(oldfd) ? files.fgetRaw(oldfd) : null;
  if (f === null) throw new KernelError('EBADF', 'dup', `fd ${oldfd} is not installed`);
  return installNew(t, files, f, 0, false, 'dup');
}

/** dup(2) as a kernel path. @internal */
export function* dupSteps(t: Task, oldfd: number): KernelPath<number> {
  const files = t.filesOrThrow('dup');
  const f = isFd(oldfd) ? yield* fgetSteps(t, files, oldfd, 0) : null;
  if (f === null) throw new KernelError('EBADF', 'dup', `fd ${oldfd} is not installed`);
  return yield* installNewSteps(t, files, f, 0, false);
}

/** Allocates an fd ≥ start and installs `f` (whose reference the caller gives up). */
function installNew(t: Task, files: Fdtable, f: RefFile, start: number, cloexec: boolean, _name: string): number {
  let fd: number;
  try {
    fd = files.allocFd(start, t.process.rlimitNofile, cloexec);
  } catch (e) {
    fputDeferred(t, f);
    throw e;
  }
  files.fdInstall(fd, f);
  return fd;
}

function* installNewSteps(t: Task, files: Fdtable, f: RefFile, start: number, cloexec: boolean): KernelPath<number> {
  yield allocStep(files);
  let fd: number;
  try {
    fd = files.allocFd(start, t.process.rlimitNofile, cloexec);
  } catch (e) {
    yield countStep('fput', f);
    fputDeferred(t, f);
    throw e;
  }
  yield installStep(files, fd);
  files.fdInstall(fd, f);
  return fd;
}

/** F_DUPFD / F_DUPFD_CLOEXEC, plain (f_dupfd()). @internal */
export function dupfd(t: Task, oldfd: number, from: number, cloexec: boolean): number {
  const files = t.filesOrThrow('fcntl');
  const f = isFd(oldfd) ? files.fgetRaw(oldfd) : null;
  if (f === null) throw new KernelError('EBADF', 'fcntl', `fd ${oldfd} is not installed`);
  if (!Number.isInteger(from) || from < 0 || from >= t.process.rlimitNofile) {
    fputDeferred(t, f);
    throw new KernelError('EINVAL', 'fcntl', `F_DUPFD from ${from} not below RLIMIT_NOFILE`);
  }
  return installNew(t, files, f, from, cloexec, 'fcntl');
}

/** F_DUPFD / F_DUPFD_CLOEXEC as a kernel path. @internal */
export function* dupfdSteps(t: Task, oldfd: number, from: number, cloexec: boolean): KernelPath<number> {
  const files = t.filesOrThrow('fcntl');
  const f = isFd(oldfd) ? yield* fgetSteps(t, files, oldfd, 0) : null;
  if (f === null) throw new KernelError('EBADF', 'fcntl', `fd ${oldfd} is not installed`);
  if (!Number.isInteger(from) || from < 0 || from >= t.process.rlimitNofile) {
    yield countStep('fput', f);
    fputDeferred(t, f);
    throw new KernelError('EINVAL', 'fcntl', `F_DUPFD from ${from} not below RLIMIT_NOFILE`);
  }
  return yield* installNewSteps(t, files, f, from, cloexec);
}

/**
 * oldfd and newfd are `unsigned int`: -1 and 4294967295 are the same fd. Only values a C
 * int or unsigned int can hold are converted; others stay out of range (EBADF).
 */
function sameFd(a: number, b: number): boolean {
  return a === b || (isCInt(a) && isCInt(b) && a >>> 0 === b >>> 0);
}

function isCInt(x: number): boolean {
  return Number.isInteger(x) && x >= -0x80000000 && x <= 0xffffffff;
}

function checkDup3(t: Task, oldfd: number, newfd: number, flags: number): void {
  if (!flagsWithin(flags, O_CLOEXEC)) throw new KernelError('EINVAL', 'dup3', `bad flags ${flags}`);
  if (sameFd(oldfd, newfd)) throw new KernelError('EINVAL', 'dup3', 'oldfd equals newfd');
  if (!isFd(newfd) || newfd >= t.process.rlimitNofile) throw new KernelError('EBADF', 'dup3', `newfd ${newfd} not below RLIMIT_NOFILE`);
}

/**
 * The locked part of dup3 (ksys_dup3 under file_lock): expand_files() for newfd first,
 * then look up oldfd, then do_dup2(). As in the kernel, the table grows even when oldfd
 * turns out to be bad (the call fails with EBADF and leaves a larger table behind, which
 * only max_fds shows); a table that cannot grow is EBADF too. @internal
 */
function dup3Locked(files: Fdtable, oldfd: number, newfd: number, flags: number): RefFile | null {
  let grown = true;
  try {
    files.expand(newfd);
  } catch {
    grown = false;
  }
  const f = isFd(oldfd) ? files.lookupRaw(oldfd) : null;
  if (f === null) throw new KernelError('EBADF', 'dup3', `oldfd ${oldfd} is not installed`);
  if (!grown) throw new KernelError('EBADF', 'dup3', `cannot grow the table to ${newfd}`);
  return files.doDup2(f, newfd, (flags & O_CLOEXEC) !== 0);
}

/** dup3(2), plain. @internal */
export function dup3(t: Task, oldfd: number, newfd: number, flags: number): number {
  checkDup3(t, oldfd, newfd, flags);
  const files = t.filesOrThrow('dup3');
  const tofree = dup3Locked(files, oldfd, newfd, flags);
  if (tofree !== null) filpClose(t, tofree, files);
  return newfd;
}

/** dup3(2) as a kernel path: the replacement is one atomic step (no FREE window). @internal */
export function* dup3Steps(t: Task, oldfd: number, newfd: number, flags: number): KernelPath<number> {
  checkDup3(t, oldfd, newfd, flags);
  const files = t.filesOrThrow('dup3');
  yield dynamicStep(t.world.engine, 'do_dup2', () => {
    const acc = [access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, true), slotAccess(files, oldfd, false), slotAccess(files, newfd, true)];
    const f = isFd(oldfd) ? files.lookupRaw(oldfd) : null;
    if (f !== null) acc.push(access(f.simId, F_COUNT, true));
    return acc;
  });
  const tofree = dup3Locked(files, oldfd, newfd, flags);
  if (tofree !== null) yield* filpCloseSteps(t, tofree, files);
  return newfd;
}

/** dup2(2), plain: dup3 with flags 0, except that oldfd == newfd returns it if open. @internal */
export function dup2(t: Task, oldfd: number, newfd: number): number {
  if (sameFd(oldfd, newfd)) {
    const files = t.filesOrThrow('dup2');
    if (!isFd(oldfd) || files.lookupRaw(oldfd) === null) throw new KernelError('EBADF', 'dup2', `fd ${oldfd} is not installed`);
    return oldfd;
  }
  return dup3(t, oldfd, newfd, 0);
}

/** dup2(2) as a kernel path. @internal */
export function* dup2Steps(t: Task, oldfd: number, newfd: number): KernelPath<number> {
  if (sameFd(oldfd, newfd)) {
    const files = t.filesOrThrow('dup2');
    yield { fn: 'files_lookup_fd_rcu', acc: slotReadAccesses(files, oldfd) };
    if (!isFd(oldfd) || files.lookupRaw(oldfd) === null) throw new KernelError('EBADF', 'dup2', `fd ${oldfd} is not installed`);
    return oldfd;
  }
  return yield* dup3Steps(t, oldfd, newfd, 0);
}

/**
 * receive_fd(file, NULL, o_flags), plain: the shared path of SCM_RIGHTS, pidfd_getfd()
 * and seccomp add-fd. Takes its own reference (the caller keeps and later drops its
 * own) and installs it at the lowest free fd of `t`.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, O_CLOEXEC, receiveFd } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * receiveFd(p.main, f, O_CLOEXEC); // 0
 * f.fput(); // drop the caller's reference
 * ```
 */
export function receiveFd(t: Task, file: RefFile, oflags: number): number {
  const files = t.filesOrThrow('receive_fd');
  const fd = files.allocFd(0, t.process.rlimitNofile, (oflags & O_CLOEXEC) !== 0);
  files.fdInstall(fd, file.getFile());
  return fd;
}

/**
 * receive_fd() as a kernel path: reserve, then get_file() and fd_install() as one step.
 *
 * @example
 * ```ts
 * import { receiveFdSteps, type Task, type RefFile } from 'fdlab';
 * function* give(t: Task, f: RefFile) { return yield* receiveFdSteps(t, f, 0); }
 * ```
 */
export function* receiveFdSteps(t: Task, file: RefFile, oflags: number): KernelPath<number> {
  const files = t.filesOrThrow('receive_fd');
  yield allocStep(files);
  const fd = files.allocFd(0, t.process.rlimitNofile, (oflags & O_CLOEXEC) !== 0);
  yield { fn: 'fd_install(get_file)', acc: [slotAccess(files, fd, true), access(files.simId, FILES_FDT, false), access(file.simId, F_COUNT, true)] };
  files.fdInstall(fd, file.getFile());
  return fd;
}

/**
 * receive_fd_replace(newfd, file, o_flags), plain: replace_fd() — install `file` at
 * exactly `newfd` (EBADF beyond RLIMIT_NOFILE, EBUSY on a reserved slot), closing what
 * was there. Used by seccomp add-fd with SECCOMP_ADDFD_FLAG_SETFD.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, receiveFdReplace } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * receiveFdReplace(p.main, 7, f, 0); // 7
 * f.fput();
 * ```
 */
export function receiveFdReplace(t: Task, newfd: number, file: RefFile, oflags: number): number {
  // As a plain call it returns to user space at the end: the replaced file's deferred
  // __fput (task work) runs before it returns, not at the task's next syscall.
  return plainSyscall(t, () => {
    if (!isFd(newfd) || newfd >= t.process.rlimitNofile) throw new KernelError('EBADF', 'replace_fd', `fd ${newfd} not below RLIMIT_NOFILE`);
    const files = t.filesOrThrow('replace_fd');
    files.expand(newfd);
    const tofree = files.doDup2(file, newfd, (oflags & O_CLOEXEC) !== 0);
    if (tofree !== null) filpClose(t, tofree, files);
    return newfd;
  });
}

/**
 * receive_fd_replace() as a kernel path.
 *
 * @example
 * ```ts
 * import { receiveFdReplaceSteps, type Task, type RefFile } from 'fdlab';
 * function* put(t: Task, f: RefFile) { return yield* receiveFdReplaceSteps(t, 5, f, 0); }
 * ```
 */
export function* receiveFdReplaceSteps(t: Task, newfd: number, file: RefFile, oflags: number): KernelPath<number> {
  if (!isFd(newfd) || newfd >= t.process.rlimitNofile) throw new KernelError('EBADF', 'replace_fd', `fd ${newfd} not below RLIMIT_NOFILE`);
  const files = t.filesOrThrow('replace_fd');
  yield { fn: 'replace_fd', acc: [access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, true), slotAccess(files, newfd, true), access(file.simId, F_COUNT, true)] };
  files.expand(newfd);
  const tofree = files.doDup2(file, newfd, (oflags & O_CLOEXEC) !== 0);
  if (tofree !== null) yield* filpCloseSteps(t, tofree, files);
  return newfd;
}

function checkPipeFlags(flags: number): void {
  // O_NOTIFICATION_PIPE (O_EXCL, CONFIG_WATCH_QUEUE) is not modelled: EINVAL, as without it.
  if (!flagsWithin(flags, O_CLOEXEC | O_NONBLOCK | O_DIRECT)) throw new KernelError('EINVAL', 'pipe2', `bad flags ${flags}`);
}

/**
 * __do_pipe_flags(): reserves the two fds (read end first) and creates the pipe's files;
 * on EMFILE for the second fd the first is released. The caller installs both.
 */
function doPipeFlags(t: Task, files: Fdtable, flags: number): [number, number, RefFile, RefFile] {
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const r = files.allocFd(0, t.process.rlimitNofile, cloexec);
  let w: number;
  try {
    w = files.allocFd(0, t.process.rlimitNofile, cloexec);
  } catch (e) {
    files.putUnusedFd(r);
    throw e;
  }
  const [fr, fw] = t.world.vfs.openPipe(flags & ~O_CLOEXEC);
  return [r, w, fr, fw];
}

/**
 * pipe2(2) as a kernel path: do_pipe2() reserves both fds and creates the pipe files
 * in one step (the model's __do_pipe_flags()), then installs each end in its own step.
 *
 * @example
 * ```ts
 * import { pipeSteps, syscallSteps, type Task } from 'fdlab';
 * function* mkpipe(t: Task) { return yield* syscallSteps(t, pipeSteps(t, 0)); }
 * ```
 */
export function* pipeSteps(t: Task, flags: number): KernelPath<[number, number]> {
  checkPipeFlags(flags);
  const files = t.filesOrThrow('pipe2');
  yield { ...allocStep(files, ...t.world.vfs.pipeFileAccesses()), fn: '__do_pipe_flags' };
  const [r, w, fr, fw] = doPipeFlags(t, files, flags);
  yield installStep(files, r);
  files.fdInstall(r, fr);
  yield installStep(files, w);
  files.fdInstall(w, fw);
  return [r, w];
}

/** pipe2(2), plain: two fds, read end first. @internal */
export function pipe(t: Task, flags: number): [number, number] {
  checkPipeFlags(flags);
  const files = t.filesOrThrow('pipe2');
  const [r, w, fr, fw] = doPipeFlags(t, files, flags);
  files.fdInstall(r, fr);
  files.fdInstall(w, fw);
  return [r, w];
}
