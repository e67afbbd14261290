import type { RefFile } from '../file/ref-file.js';
import type { KernelPath } from '../sim/step.js';
import { THREAD_EXIT } from '../sim/thread.js';
import type { Flock } from './posix-locks.js';
import type { Process, ThreadBody } from './process.js';
import { syscallSteps } from './syscall.js';
import { closeSteps, dup2Steps, dup3Steps, dupSteps, openSteps, pipeSteps } from './syscalls/fd-calls.js';
import { fcntlSteps } from './syscalls/fcntl.js';
import { cloneSteps, closeRangeSteps, execSteps, exitSteps, forkSteps, unshareSteps } from './syscalls/lifecycle.js';
import { getdentsOp, lseekOp, posOpSteps, readOp, writeOp } from './syscalls/rw.js';
import { pread64Steps, pwrite64Steps } from './syscalls/pread.js';
import { sendfileSteps } from './syscalls/sendfile.js';
import { copyFileRangeSteps } from './syscalls/copy-file-range.js';
import { spliceSteps } from './syscalls/splice-syscall.js';
import type { Task } from './task.js';
import { eventfdSteps } from './syscalls/eventfd.js';
import { umount2Steps } from './syscalls/umount.js';
import { pollSteps, selectSteps, type PollFd, type PollResult, type SelectResult } from './syscalls/poll.js';
import { checkBody, checkFcntlArgs, checkTwoFileArgs, checkPollArgs, checkSelectArgs, checkSendfileArgs } from './check-args.js';
import { checkNumbers, checkString } from '../sim/validate.js';


/**
 * The system calls a thread body makes: each returns a kernel path to run with
 * `yield*`, so the scheduler can preempt between its atomic steps. Failed calls throw
 * a KernelError, which the body may catch.
 *
 * Models the syscall entry points (fs/open.c, fs/file.c, fs/read_write.c, fs/fcntl.c,
 * kernel/fork.c, fs/exec.c, kernel/exit.c) for one task.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * const k = new Kernel();
 * k.spawnProcess().thread(function* (sys) {
 *   const fd = yield* sys.open('/data/log', O_RDONLY);
 *   const data = yield* sys.read(fd, 6);
 *   yield* sys.close(fd);
 *   return data;
 * });
 * k.run();
 * ```
 */
export class Sys {
  /** The calling task. */
  readonly task: Task;

  /** @param task - the calling task */
  constructor(task: Task) {
    this.task = task;
  }

  /** The calling process. */
  get process(): Process {
    return this.task.process;
  }

  /** open(2): the lowest free fd for `path`. */
  open(path: string, flags: number): KernelPath<number> {
    checkString('open', 'path', path);
    checkNumbers('open', 'flags', flags);
    return syscallSteps(this.task, openSteps(this.task, path, flags));
  }

  /** close(2). */
  close(fd: number): KernelPath {
    checkNumbers('close', 'fd', fd);
    return syscallSteps(this.task, closeSteps(this.task, fd));
  }

  /** dup(2). */
  dup(fd: number): KernelPath<number> {
    checkNumbers('dup', 'fd', fd);
    return syscallSteps(this.task, dupSteps(this.task, fd));
  }

  /** dup2(2). */
  dup2(oldfd: number, newfd: number): KernelPath<number> {
    checkNumbers('dup2', 'oldfd', oldfd, 'newfd', newfd);
    return syscallSteps(this.task, dup2Steps(this.task, oldfd, newfd));
  }

  /** dup3(2). */
  dup3(oldfd: number, newfd: number, flags: number): KernelPath<number> {
    checkNumbers('dup3', 'oldfd', oldfd, 'newfd', newfd, 'flags', flags);
    return syscallSteps(this.task, dup3Steps(this.task, oldfd, newfd, flags));
  }

  /** fcntl(2): F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETLK, F_SETLKW, F_GETLK. */
  fcntl(fd: number, cmd: number, arg?: number | Flock): KernelPath<number | Flock> {
    checkFcntlArgs(fd, cmd, arg);
    return syscallSteps(this.task, fcntlSteps(this.task, fd, cmd, arg));
  }

  /** close_range(2). */
  closeRange(first: number, last: number, flags = 0): KernelPath {
    checkNumbers('close_range', 'first', first, 'last', last, 'flags', flags);
    return syscallSteps(this.task, closeRangeSteps(this.task, first, last, flags));
  }

  /** read(2): the bytes read, advancing f_pos. */
  read(fd: number, count: number): KernelPath<string> {
    checkNumbers('read', 'fd', fd, 'count', count);
    return syscallSteps(this.task, posOpSteps(this.task, fd, readOp(count)));
  }

  /** write(2): bytes written, advancing f_pos. */
  write(fd: number, data: string): KernelPath<number> {
    checkNumbers('write', 'fd', fd);
    return syscallSteps(this.task, posOpSteps(this.task, fd, writeOp(data)));
  }

  /** lseek(2): the new position. */
  lseek(fd: number, offset: number, whence: number): KernelPath<number> {
    checkNumbers('lseek', 'fd', fd, 'offset', offset, 'whence', whence);
    return syscallSteps(this.task, posOpSteps(this.task, fd, lseekOp(offset, whence)));
  }

  /**
   * pread64(2): up to `count` bytes at offset `pos`. f_pos is neither read nor moved, so
   * the file is looked up with fdget() and f_pos_lock is never taken; streams (pipes,
   * sockets, eventfd) answer ESPIPE. Models ksys_pread64() in fs/read_write.c.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const fd = p.open('/data/log', O_RDONLY);
   * p.thread(function* (sys) {
   *   return yield* sys.pread(fd, 4, 2); // four bytes from offset 2; f_pos stays 0
   * });
   * k.run();
   * ```
   */
  pread(fd: number, count: number, pos: number): KernelPath<string> {
    checkNumbers('pread64', 'fd', fd, 'count', count, 'pos', pos);
    return syscallSteps(this.task, pread64Steps(this.task, fd, count, pos));
  }

  /**
   * pwrite64(2): writes `data` at offset `pos` without moving f_pos (fdget(), no
   * f_pos_lock); on an O_APPEND file it appends whatever `pos` says, as Linux does.
   * Models ksys_pwrite64() in fs/read_write.c.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDWR } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const fd = p.open('/data/log', O_RDWR);
   * p.thread(function* (sys) {
   *   return yield* sys.pwrite(fd, 'XY', 0); // 2; f_pos stays 0
   * });
   * k.run();
   * ```
   */
  pwrite(fd: number, data: string, pos: number): KernelPath<number> {
    checkNumbers('pwrite64', 'fd', fd, 'pos', pos);
    return syscallSteps(this.task, pwrite64Steps(this.task, fd, data, pos));
  }

  /**
   * sendfile(2): copies up to `count` bytes from the regular file at `inFd` to `outFd` (a
   * regular file or a pipe) and returns how many moved. With an `offset` the copy starts
   * there and the in-file's f_pos is left alone (the kernel then stores `offset` plus the
   * result back in the caller's variable); with `null` it starts at the in-file's f_pos
   * and advances it. Both files are looked up with fdget(): sendfile takes no
   * f_pos_lock, so its f_pos update races with read() and write() on the same open file
   * in every kernel version (the `fpos-race` detector reports it). Models do_sendfile()
   * in fs/read_write.c.
   *
   * @example
   * ```ts
   * import { Kernel, O_CREAT, O_RDONLY, O_WRONLY } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const src = p.open('/data/log', O_RDONLY);
   * const dst = p.open('/tmp/copy', O_WRONLY | O_CREAT);
   * p.thread(function* (sys) {
   *   return yield* sys.sendfile(dst, src, null, 7); // 7: 'line 1\n'; both f_pos now 7
   * });
   * k.run();
   * ```
   */
  sendfile(outFd: number, inFd: number, offset: number | null, count: number): KernelPath<number> {
    checkSendfileArgs(outFd, inFd, offset, count);
    return syscallSteps(this.task, sendfileSteps(this.task, outFd, inFd, offset, count));
  }

  /**
   * copy_file_range(2): copies up to `len` bytes between two regular files on one
   * filesystem and returns how many moved. Each side starts at its offset argument, or,
   * where that is `null`, at its file's f_pos, which it advances (the kernel stores an
   * offset argument back as the offset plus the result). Like sendfile it uses fdget(),
   * so f_pos is updated without f_pos_lock. `flags` must be 0. Models the
   * copy_file_range system call and vfs_copy_file_range() in fs/read_write.c.
   *
   * @example
   * ```ts
   * import { Kernel, O_CREAT, O_RDONLY, O_WRONLY } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const src = p.open('/data/log', O_RDONLY);
   * const dst = p.open('/tmp/copy', O_WRONLY | O_CREAT);
   * p.thread(function* (sys) {
   *   return yield* sys.copyFileRange(src, 7, dst, null, 6); // 6: 'line 2'; dst's f_pos now 6
   * });
   * k.run();
   * ```
   */
  copyFileRange(inFd: number, offIn: number | null, outFd: number, offOut: number | null, len: number, flags = 0): KernelPath<number> {
    checkTwoFileArgs('copy_file_range', inFd, offIn, outFd, offOut, len, flags);
    return syscallSteps(this.task, copyFileRangeSteps(this.task, inFd, offIn, outFd, offOut, len, flags));
  }

  /**
   * splice(2): moves up to `len` bytes between two files of which at least one is a pipe
   * — file to pipe (a regular file's pages are linked into the pipe, not copied), pipe to
   * a regular file, pipe to pipe (the buffers themselves move) — and returns how many
   * moved. A file side starts at its offset argument (ESPIPE on a pipe's side) or, where
   * that is `null`, at its f_pos, which it advances. Like sendfile it uses fdget(), so
   * f_pos is updated without f_pos_lock. SPLICE_F_NONBLOCK, or a pipe's O_NONBLOCK,
   * makes a wait on a pipe EAGAIN. Models the splice system call and do_splice() in
   * fs/splice.c.
   *
   * @example
   * ```ts
   * import { Kernel, O_CREAT, O_RDWR } from 'fdlab';
   * const k = new Kernel();
   * const p = k.spawnProcess();
   * const dst = p.open('/tmp/copy', O_RDWR | O_CREAT);
   * const [r, w] = p.pipe();
   * p.write(w, 'spliced');
   * p.thread(function* (sys) {
   *   return yield* sys.splice(r, null, dst, null, 64); // 7: the pipe's bytes, at dst's f_pos
   * });
   * k.run();
   * ```
   */
  splice(inFd: number, offIn: number | null, outFd: number, offOut: number | null, len: number, flags = 0): KernelPath<number> {
    checkTwoFileArgs('splice', inFd, offIn, outFd, offOut, len, flags);
    return syscallSteps(this.task, spliceSteps(this.task, inFd, offIn, outFd, offOut, len, flags));
  }

  /** getdents64(2): up to `count` entry names from the directory position. */
  getdents(fd: number, count = 64): KernelPath<string[]> {
    checkNumbers('getdents64', 'fd', fd, 'count', count);
    return syscallSteps(this.task, posOpSteps(this.task, fd, getdentsOp(count)));
  }

  /** pipe2(2): [read fd, write fd]. */
  pipe(flags = 0): KernelPath<[number, number]> {
    checkNumbers('pipe2', 'flags', flags);
    return syscallSteps(this.task, pipeSteps(this.task, flags));
  }

  /** fork(2): the child process (its main thread has no body until you give it one). */
  fork(): KernelPath<Process> {
    return syscallSteps(this.task, forkSteps(this.task));
  }

  /**
   * clone(2) of a new thread of this process running `body` (CLONE_VM | CLONE_THREAD,
   * plus CLONE_FILES unless `shareFiles` is false). One step: copy_files(). Returns the
   * new task; its body starts at once and is scheduled like any thread.
   */
  clone(body: ThreadBody, opts: { shareFiles?: boolean } = {}): KernelPath<Task> {
    checkBody('clone', body, opts);
    return syscallSteps(this.task, cloneSteps(this.task, body, opts.shareFiles !== false));
  }

  /** unshare(2) with CLONE_FILES. */
  unshare(flags: number): KernelPath {
    checkNumbers('unshare', 'flags', flags);
    return syscallSteps(this.task, unshareSteps(this.task, flags));
  }

  /** execve(2), as far as files go: de_thread, unshare_files, close-on-exec. */
  exec(): KernelPath {
    return syscallSteps(this.task, execSteps(this.task));
  }

  /** exit(2) of this thread: drops its use of the fd table; the body ends here. */
  *exit(): KernelPath<never> {
    yield* syscallSteps(this.task, exitSteps(this.task));
    throw THREAD_EXIT;
  }

  /**
   * poll(2): revents per entry (`->poll() & (events | POLLERR | POLLHUP)`, POLLNVAL for
   * a closed fd). `timeout` 0 polls once; negative (or positive: the model has no clock)
   * sleeps until an fd is ready.
   */
  poll(fds: readonly PollFd[], timeout: number): KernelPath<PollResult> {
    checkPollArgs(fds, timeout);
    return syscallSteps(this.task, pollSteps(this.task, fds, timeout));
  }

  /** ppoll(2): poll(2) with a timespec (null: infinite) and a signal mask (not modelled). */
  ppoll(fds: readonly PollFd[], timeout: number | null): KernelPath<PollResult> {
    checkPollArgs(fds, timeout ?? -1);
    return syscallSteps(this.task, pollSteps(this.task, fds, timeout === null ? -1 : timeout));
  }

  /** select(2) over fd lists: the ready fds of each set (timeout as for poll). */
  select(nfds: number, readfds: readonly number[], writefds: readonly number[], exceptfds: readonly number[], timeout: number): KernelPath<SelectResult> {
    checkSelectArgs(nfds, [readfds, writefds, exceptfds], timeout);
    return syscallSteps(this.task, selectSteps(this.task, nfds, readfds, writefds, exceptfds, timeout));
  }

  /** eventfd2(2): an event counter fd (flags: EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE = 1). */
  eventfd(initval: number, flags = 0): KernelPath<number> {
    checkNumbers('eventfd2', 'initval', initval, 'flags', flags);
    return syscallSteps(this.task, eventfdSteps(this.task, initval, flags));
  }

  /**
   * umount2(2): unmount the filesystem mounted at `path` (flags MNT_FORCE, MNT_DETACH,
   * MNT_EXPIRE, UMOUNT_NOFOLLOW). Needs CAP_SYS_ADMIN. EBUSY while a file on it is alive,
   * unless MNT_DETACH, which detaches it at once and frees it with the last such file.
   * Models ksys_umount() in fs/namespace.c (see `umount2Steps` in `fdlab/extend`).
   *
   * @example
   * ```ts
   * import { Kernel, type Sys } from 'fdlab';
   * const k = new Kernel();
   * k.vfs.mount('/mnt');
   * const p = k.spawnProcess({ creds: { uid: 0 } });
   * p.thread(function* (sys: Sys) {
   *   yield* sys.umount2('/mnt', 0);
   * });
   * k.run();
   * ```
   */
  umount2(path: string, flags = 0): KernelPath {
    checkString('umount2', 'path', path);
    checkNumbers('umount2', 'flags', flags);
    return syscallSteps(this.task, umount2Steps(this.task, path, flags));
  }

  /** getpid(2): one step that touches nothing shared but the entry's signal check. */
  getpid(): KernelPath<number> {
    const task = this.task;
    return syscallSteps(task, getpidSteps(task));
  }

  /** The file at `fd` right now (no reference taken, no step): for assertions in bodies. */
  fileOf(fd: number): RefFile | null {
    checkNumbers('fileOf', 'fd', fd);
    return this.task.files?.lookupRaw(fd) ?? null;
  }
}

function* getpidSteps(task: Task): KernelPath<number> {
  yield { fn: 'getpid', acc: [] };
  return task.process.pid;
}
