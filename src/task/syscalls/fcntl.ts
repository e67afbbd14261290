import { FMODE_PATH, FMODE_READ, FMODE_WRITE, O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME, O_NONBLOCK } from '../../file/constants.js';
import { fputDeferred } from '../../file/fput.js';
import { F_POS, F_STATE, type RefFile } from '../../file/ref-file.js';
import { EMPTY_FD, FDPUT_FPUT } from '../../fdtable/fd-word.js';
import { isFd, slotReadAccesses, type Fdtable } from '../../fdtable/fdtable.js';
import { fdgetSteps, fdputSteps } from '../../fdtable/fget.js';
import { KernelError } from '../../sim/kernel-error.js';
import { ModelError } from '../../sim/model-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import { F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_GETFL, F_GETLK, F_GETPIPE_SZ, F_RDLCK, F_SETFD, F_SETFL, F_SETLK, F_SETLKW, F_SETPIPE_SZ, F_UNLCK, F_WRLCK, FD_CLOEXEC } from '../constants.js';
import { PIPE_BUF, pipeOfFile, pipeSetSize } from '../../file/pipe.js';
import { flockRange, locksRemovePosix, posixConflict, posixLockFile, type Flock } from '../posix-locks.js';
import { hasSyscalls } from '../syscall-table.js';
import type { Task } from '../task.js';
import { dupfd, dupfdSteps } from './fd-calls.js';

/*
 * fcntl(2): F_DUPFD[_CLOEXEC], F_DUPFD_QUERY, F_GETFD, F_SETFD, F_GETFL, the POSIX record locks
 * F_SETLK, F_SETLKW, F_GETLK, and F_SETPIPE_SZ / F_GETPIPE_SZ (do_fcntl() in fs/fcntl.c,
 * fcntl_setlk() in fs/locks.c, pipe_fcntl() in fs/pipe.c).
 */

const KNOWN = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW, F_SETPIPE_SZ, F_GETPIPE_SZ]);

/**
 * pipe_fcntl(): EBADF unless `f` is a pipe; F_GETPIPE_SZ is max_usage pages, F_SETPIPE_SZ
 * resizes (do_fcntl() passes the argument on as an `unsigned int`).
 */
function pipeFcntl(t: Task, f: RefFile, cmd: number, arg: number): number {
  const pipe = pipeOfFile(f);
  if (pipe === null) throw new KernelError('EBADF', 'fcntl', `${f.name} is not a pipe`);
  if (cmd === F_GETPIPE_SZ) {
    t.world.engine.read(f.inode.simId, 0);
    return pipe.maxUsage * PIPE_BUF;
  }
  if (!Number.isInteger(arg)) throw new KernelError('EINVAL', 'fcntl', `F_SETPIPE_SZ ${arg}`);
  return pipeSetSize(f, pipe, arg >>> 0, t.process.creds.caps.includes('CAP_SYS_RESOURCE'));
}

/** The f_flags F_SETFL may change (SETFL_MASK in fs/fcntl.c); FASYNC changes only through ->fasync. */
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;

/**
 * setfl() in fs/fcntl.c: O_DIRECT needs a file that can do direct I/O (EINVAL; a pipe
 * takes it as packet mode); FASYNC follows the argument only for files with ->fasync
 * (pipes, and types that define `fasync`); the rest of f_flags is kept. The argument is an `unsigned int`.
 */
function setfl(f: RefFile, arg: number): number {
  const a = arg >>> 0;
  const fifo = f.inode.kind === 'fifo';
  if (!fifo && a & O_DIRECT && !(f.inode.kind === 'reg' && !(f.mode & FMODE_PATH))) throw new KernelError('EINVAL', 'fcntl', `F_SETFL O_DIRECT on ${f.name}`);
  const keep = fifo || f.ops.fasync !== undefined ? SETFL_MASK | O_ASYNC : SETFL_MASK;
  if (f.ops.fasync !== undefined && ((a ^ f.flags) & O_ASYNC) !== 0) f.ops.fasync(f, (a & O_ASYNC) !== 0);
  f.flags = (a & keep) | (f.flags & ~keep);
  return 0;
}

function simpleCmd(files: Fdtable, f: RefFile, fd: number, cmd: number, arg: number): number {
  switch (cmd) {
    case F_GETFD:
      return files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F_SETFL:
      files.world.engine.write(f.simId, F_STATE);
      return setfl(f, arg);
    default: // F_GETFL: f_flags as they are (access mode, O_LARGEFILE from open(2), ...)
      files.world.engine.read(f.simId, F_STATE);
      return f.flags;
  }
}

/** check_fcntl_cmd(): the only commands an O_PATH fd allows. */
const PATH_OK = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_SETFD, F_GETFL]);

/**
 * The checks of sys_fcntl() after fdget_raw(): an O_PATH file allows only
 * check_fcntl_cmd() commands (EBADF otherwise), then do_fcntl() rejects an unknown
 * command (EINVAL). A bad fd is EBADF whatever the command.
 */
function checkCmd(t: Task, f: RefFile, cmd: number): void {
  // A kernel before v6.10 knows no F_DUPFD_QUERY: not in check_fcntl_cmd()'s list, and
  // do_fcntl()'s default case.
  const known = cmd !== F_DUPFD_QUERY || hasSyscalls(t.world.policy, 'v6.10');
  if (f.mode & FMODE_PATH && !(known && PATH_OK.has(cmd))) throw new KernelError('EBADF', 'fcntl', `command ${cmd} on an O_PATH fd`);
  if (!known || !KNOWN.has(cmd)) throw new KernelError('EINVAL', 'fcntl', `unknown command ${cmd}`);
}

function lockArgs(f: RefFile, l: Flock, cmd: number) {
  // copy_from_user() of the struct flock: no struct is a bad address.
  if (typeof l !== 'object' || l === null) throw new KernelError('EFAULT', 'fcntl', 'no struct flock');
  const r = flockRange(l, f.pos, f.inode.data.length);
  if (r === null) throw new KernelError('EINVAL', 'fcntl', 'bad struct flock');
  if (cmd !== F_GETLK) {
    if (r.type === F_RDLCK && !(f.mode & FMODE_READ)) throw new KernelError('EBADF', 'fcntl', 'F_RDLCK needs a file open for reading');
    if (r.type === F_WRLCK && !(f.mode & FMODE_WRITE)) throw new KernelError('EBADF', 'fcntl', 'F_WRLCK needs a file open for writing');
  }
  return r;
}

function getlk(t: Task, files: Fdtable, f: RefFile, l: Flock): Flock {
  const r = lockArgs(f, l, F_GETLK);
  if (r.type === F_UNLCK) throw new KernelError('EINVAL', 'fcntl', 'F_GETLK with F_UNLCK');
  const c = posixConflict(f.inode, files, r.type, r.start, r.end);
  void t;
  // fcntl_getlk(): with no conflict only l_type changes (to F_UNLCK); the caller's
  // whence, start and len come back as given. A conflict is posix_lock_to_flock()'d.
  return c === null
    ? { ...l, type: F_UNLCK }
    : { type: c.type, whence: 0, start: c.start, len: c.end === Infinity ? 0 : c.end - c.start + 1, pid: c.pid };
}

/** fcntl(2), plain. @internal */
export function fcntl(t: Task, fd: number, cmd: number, arg: number | Flock = 0): number | Flock {
  if (cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC) return dupfd(t, fd, arg as number, cmd === F_DUPFD_CLOEXEC);
  const files = t.filesOrThrow('fcntl');
  const w = isFd(fd) ? files.fdgetRaw(fd) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', 'fcntl', `fd ${fd} is not open`);
  const f = files.fileOfWord(w);
  try {
    checkCmd(t, f, cmd);
    if (cmd === F_GETLK) return getlk(t, files, f, arg as Flock);
    if (cmd === F_SETLK || cmd === F_SETLKW) {
      const r = lockArgs(f, arg as Flock, cmd);
      if (r.type !== F_UNLCK && posixConflict(f.inode, files, r.type, r.start, r.end) !== null) {
        if (cmd === F_SETLK) throw new KernelError('EAGAIN', 'fcntl', 'conflicting lock held');
        throw new ModelError('would-block', 'F_SETLKW would wait for a conflicting lock in a plain call; run it in a thread instead');
      }
      posixLockFile(f.inode, files, t.process.pid, r.type, r.start, r.end);
      if (t.world.engine.tracing) t.world.engine.effect('posix_lock_file', f.inode.simId, 1, undefined, undefined, { lockType: r.type, owner: files.simId });
      return 0;
    }
    if (typeof arg !== 'number') throw new KernelError('EINVAL', 'fcntl', 'argument must be a number');
    if (cmd === F_DUPFD_QUERY) {
      // f_dupfd_query(): fdget_raw() of the argument, compare the pointers, fdput().
      const w2 = isFd(arg) ? files.fdgetRaw(arg) : EMPTY_FD;
      if (w2 === EMPTY_FD) throw new KernelError('EBADF', 'fcntl', `fd ${arg} is not open`);
      const g = files.fileOfWord(w2);
      if (w2 & FDPUT_FPUT) fputDeferred(t, g);
      return g === f ? 1 : 0;
    }
    if (cmd === F_SETPIPE_SZ || cmd === F_GETPIPE_SZ) return pipeFcntl(t, f, cmd, arg);
    return simpleCmd(files, f, fd, cmd, arg);
  } finally {
    if (w & FDPUT_FPUT) fputDeferred(t, f);
  }
}

/**
 * fcntl(2) as a kernel path. F_SETLK/F_SETLKW take the lock in one step and then, as
 * fcntl_setlk() does, recheck in another that the fd still refers to the file: if a
 * concurrent close() won, the lock is removed again and the call fails with EBADF
 * (c293621bbf67, CVE-2008-1669, CVE-2024-41012). F_SETLKW parks while a conflicting
 * lock is held. @internal
 */
export function* fcntlSteps(t: Task, fd: number, cmd: number, arg: number | Flock = 0): KernelPath<number | Flock> {
  if (cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC) return yield* dupfdSteps(t, fd, arg as number, cmd === F_DUPFD_CLOEXEC);
  const files = t.filesOrThrow('fcntl');
  const w = isFd(fd) ? yield* fdgetSteps(t, files, fd, 0) : EMPTY_FD;
  if (w === EMPTY_FD) throw new KernelError('EBADF', 'fcntl', `fd ${fd} is not open`);
  const f = files.fileOfWord(w);
  let error: unknown;
  let result: number | Flock = 0;
  try {
    checkCmd(t, f, cmd);
    // flock_to_posix_lock() reads f_pos (SEEK_CUR) and i_size (SEEK_END) in the same step.
    const lockLoc = [access(f.inode.simId, 1, cmd !== F_GETLK), access(f.simId, F_POS, false), access(f.inode.simId, 0, false)];
    if (cmd === F_GETLK) {
      yield { fn: 'posix_test_lock', acc: lockLoc };
      result = getlk(t, files, f, arg as Flock);
    } else if (cmd === F_SETLK || cmd === F_SETLKW) {
      const r = t.world.engine.peek(() => lockArgs(f, arg as Flock, cmd));
      const inode = f.inode;
      yield {
        fn: 'posix_lock_file',
        acc: lockLoc,
        blocker: cmd === F_SETLKW && r.type !== F_UNLCK
          ? { name: `POSIX lock on ${inode.path}`, blocks: () => posixConflict(inode, files, r.type, r.start, r.end) !== null }
          : undefined,
      };
      t.world.engine.touch([access(f.simId, F_POS, false), access(f.inode.simId, 0, false)]);
      if (r.type !== F_UNLCK && posixConflict(inode, files, r.type, r.start, r.end) !== null) {
        throw new KernelError('EAGAIN', 'fcntl', 'conflicting lock held');
      }
      posixLockFile(inode, files, t.process.pid, r.type, r.start, r.end);
      if (t.world.engine.tracing) t.world.engine.effect('posix_lock_file', inode.simId, 1, undefined, undefined, { lockType: r.type, owner: files.simId });
      if (r.type !== F_UNLCK) {
        yield { fn: 'fcntl_setlk:recheck fd', acc: [...slotReadAccesses(files, fd), access(inode.simId, 1, true)] };
        if (files.lookupRaw(fd) !== f) {
          locksRemovePosix(f, files);
          throw new KernelError('EBADF', 'fcntl', `fd ${fd} was closed while the lock was taken`);
        }
      }
    } else if (cmd === F_DUPFD_QUERY) {
      if (typeof arg !== 'number') throw new KernelError('EINVAL', 'fcntl', 'argument must be a number');
      const w2 = isFd(arg) ? yield* fdgetSteps(t, files, arg, 0) : EMPTY_FD;
      if (w2 === EMPTY_FD) throw new KernelError('EBADF', 'fcntl', `fd ${arg} is not open`);
      result = files.fileOfWord(w2) === f ? 1 : 0;
      yield* fdputSteps(t, files, w2);
    } else if (cmd === F_SETPIPE_SZ || cmd === F_GETPIPE_SZ) {
      if (typeof arg !== 'number') throw new KernelError('EINVAL', 'fcntl', 'argument must be a number');
      // __pipe_lock(): the ring is part of the inode's data; a resize wakes wr_wait.
      const pipe = pipeOfFile(f);
      yield { fn: 'pipe_fcntl', acc: pipe === null ? [] : [access(f.inode.simId, 0, cmd === F_SETPIPE_SZ), ...(cmd === F_SETPIPE_SZ ? [pipe.wrWait.writeAccess()] : [])] };
      result = pipeFcntl(t, f, cmd, arg);
    } else {
      if (typeof arg !== 'number') throw new KernelError('EINVAL', 'fcntl', 'argument must be a number');
      yield cmd === F_SETFL || cmd === F_GETFL
        ? { fn: cmd === F_SETFL ? 'setfl' : 'f_flags', acc: access(f.simId, F_STATE, cmd === F_SETFL) }
        : { fn: cmd === F_SETFD ? 'set_close_on_exec' : 'get_close_on_exec', acc: [access(files.simId, 2, cmd === F_SETFD), access(files.simId, 1, false)] };
      result = simpleCmd(files, f, fd, cmd, arg);
    }
  } catch (e) {
    error = e;
  }
  yield* fdputSteps(t, files, w);
  if (error !== undefined) throw error;
  return result;
}
