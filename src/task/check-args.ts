import { ModelError } from '../sim/model-error.js';
import { checkNumbers, checkOptions, describeValue } from '../sim/validate.js';
import { F_GETLK, F_SETLK, F_SETLKW } from './constants.js';
import type { Flock } from './posix-locks.js';

/*
 * The JavaScript-type checks of the syscalls whose arguments are more than numbers,
 * shared by the plain (Process) and the stepped (Sys) entry points. Whether a number is
 * a valid C value is each syscall's own question (it answers with an errno).
 */

/** A thread body must be a function; its options an object with `shareFiles` at most. @internal */
export function checkBody(fn: string, body: unknown, opts: unknown): void {
  if (typeof body !== 'function') throw new ModelError('bad-argument', `${fn}: the body must be a generator function, got ${describeValue(body)}`);
  checkOptions(`${fn} options`, opts, ['shareFiles']);
  const share = (opts as { shareFiles?: unknown } | undefined)?.shareFiles;
  if (share !== undefined && typeof share !== 'boolean') throw new ModelError('bad-argument', `${fn}: shareFiles must be true or false, got ${describeValue(share)}`);
}

/**
 * fcntl(fd, cmd, arg): fd and cmd are numbers; the lock commands take a struct flock —
 * a missing one is the kernel's EFAULT (copy_from_user() of NULL), raised by the call
 * itself after the fd check — whose fields must be numbers; the other commands take a
 * number or nothing. @internal
 */
export function checkFcntlArgs(fd: unknown, cmd: unknown, arg: unknown): void {
  checkNumbers('fcntl', 'fd', fd, 'cmd', cmd);
  if (cmd === F_GETLK || cmd === F_SETLK || cmd === F_SETLKW) {
    if (typeof arg !== 'object' || arg === null) return;
    const l = arg as Flock;
    checkNumbers('fcntl', 'flock.type', l.type, 'flock.start', l.start, 'flock.len', l.len, 'flock.whence', l.whence ?? 0);
    if (l.pid !== undefined) checkNumbers('fcntl', 'flock.pid', l.pid);
  } else if (arg !== undefined && typeof arg !== 'number') {
    throw new ModelError('bad-argument', `fcntl: the argument of command ${cmd as number} must be a number, got ${describeValue(arg)}`);
  }
}

/** poll(fds, timeout): a list of { fd, events } numbers and a number. @internal */
export function checkPollArgs(fds: unknown, timeout: unknown): void {
  if (!Array.isArray(fds)) throw new ModelError('bad-argument', `poll: fds must be a list of { fd, events }, got ${describeValue(fds)}`);
  for (const p of fds as unknown[]) {
    if (typeof p !== 'object' || p === null) throw new ModelError('bad-argument', `poll: a pollfd must be { fd, events }, got ${describeValue(p)}`);
    const { fd, events } = p as { fd?: unknown; events?: unknown };
    checkNumbers('poll', 'pollfd.fd', fd, 'pollfd.events', events);
  }
  checkNumbers('poll', 'timeout', timeout);
}

/** select(nfds, readfds, writefds, exceptfds, timeout): numbers and lists of numbers. @internal */
export function checkSelectArgs(nfds: unknown, sets: readonly unknown[], timeout: unknown): void {
  checkNumbers('select', 'nfds', nfds, 'timeout', timeout);
  for (const set of sets) {
    if (!Array.isArray(set)) throw new ModelError('bad-argument', `select: an fd set must be a list of fds, got ${describeValue(set)}`);
    for (const fd of set as unknown[]) checkNumbers('select', 'fd', fd);
  }
}

/** sendfile(out_fd, in_fd, offset, count): numbers, the offset a number or null (f_pos). @internal */
export function checkSendfileArgs(outFd: unknown, inFd: unknown, offset: unknown, count: unknown): void {
  checkNumbers('sendfile', 'out_fd', outFd, 'in_fd', inFd, 'count', count);
  if (offset !== null) checkNumbers('sendfile', 'offset', offset);
}

/** copy_file_range() or splice() (`call`) with (fd_in, off_in, fd_out, off_out, len, flags): numbers, each offset a number or null (f_pos). @internal */
export function checkTwoFileArgs(call: string, inFd: unknown, offIn: unknown, outFd: unknown, offOut: unknown, len: unknown, flags: unknown): void {
  checkNumbers(call, 'fd_in', inFd, 'fd_out', outFd, 'len', len, 'flags', flags);
  if (offIn !== null) checkNumbers(call, 'off_in', offIn);
  if (offOut !== null) checkNumbers(call, 'off_out', offOut);
}
