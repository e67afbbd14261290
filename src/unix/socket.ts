import { O_NONBLOCK, O_RDWR } from '../file/constants.js';
import type { RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import type { KernelPath } from '../sim/step.js';
import type { Task } from '../task/task.js';
import { allocStep, installStep } from '../task/syscalls/steps.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM } from './constants.js';
import { unixSocketOperations } from './file-ops.js';
import type { UnixSock, UnixWorld } from './sock.js';
import { unixWorld } from './world.js';

/** The checks of socket(2) / socketpair(2) on (domain, type, protocol): returns the base type. @internal */
export function checkSocketArgs(call: string, domain: number, type: number, protocol: number): number {
  checkSocketFlags(call, type);
  return checkSocketType(call, domain, type, protocol);
}

/** The flag bits of the type word: beyond SOCK_NONBLOCK | SOCK_CLOEXEC (or no C int) is EINVAL. @internal */
export function checkSocketFlags(call: string, type: number): void {
  // __sys_socket()/__sys_socketpair(): flag bits beyond SOCK_NONBLOCK | SOCK_CLOEXEC are
  // EINVAL before anything else (host: socketpair(AF_UNIX, 99, 0) is EINVAL).
  if (!Number.isInteger(type) || type < 0 || type > 0x7fffffff || (type & ~0xf & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) throw new KernelError('EINVAL', call, `bad type ${type}`);
}

/**
 * unix_create(): a family other than AF_UNIX is not modelled (EAFNOSUPPORT), a bad
 * protocol is EPROTONOSUPPORT, SOCK_RAW is taken as SOCK_DGRAM, other types are
 * ESOCKTNOSUPPORT. Returns the base type. @internal
 */
export function checkSocketType(call: string, domain: number, type: number, protocol: number): number {
  if (domain !== AF_UNIX) throw new KernelError('EAFNOSUPPORT', call, `address family ${domain} is not modelled (only AF_UNIX)`);
  if (protocol !== 0 && protocol !== AF_UNIX) throw new KernelError('EPROTONOSUPPORT', call, `bad protocol ${protocol}`);
  let base = type & 0xf;
  if (base === 3) base = SOCK_DGRAM;
  if (base !== SOCK_STREAM && base !== SOCK_DGRAM && base !== SOCK_SEQPACKET) throw new KernelError('ESOCKTNOSUPPORT', call, `type ${base}`);
  return base;
}

/** sock_alloc_file(): a new socket's "socket:[N]" file. @internal */
export function sockAllocFile(w: UnixWorld, s: UnixSock, type: number): RefFile {
  const f = w.vfs.openAnon(`socket:[${s.name}]`, unixSocketOperations, O_RDWR | (type & SOCK_NONBLOCK ? O_NONBLOCK : 0));
  f.privateData = s;
  s.file = f;
  return f;
}

/**
 * socketpair(AF_UNIX, type, protocol) as a kernel path: EINVAL for bad flag bits; reserve
 * both fds (EMFILE), check the family, protocol and type, and create the two connected
 * sockets and their files in one step; then install each. Models
 * __sys_socketpair() (net/socket.c) and unix_socketpair() (net/unix/af_unix.c). @internal
 */
export function* socketpairSteps(t: Task, domain: number, type: number, protocol: number): KernelPath<[number, number]> {
  checkSocketFlags('socketpair', type);
  const w = unixWorld(t);
  const files = t.filesOrThrow('socketpair');
  yield { ...allocStep(files, ...w.vfs.anonFileAccesses()), fn: 'socketpair' };
  const cloexec = (type & SOCK_CLOEXEC) !== 0;
  const fd1 = files.allocFd(0, t.process.rlimitNofile, cloexec);
  let fd2: number;
  try {
    fd2 = files.allocFd(0, t.process.rlimitNofile, cloexec);
  } catch (e) {
    files.putUnusedFd(fd1);
    throw e;
  }
  // __sys_socketpair() reserves both fds before sock_create(): EMFILE comes first (host).
  let base: number;
  try {
    base = checkSocketType('socketpair', domain, type, protocol);
  } catch (e) {
    files.putUnusedFd(fd2);
    files.putUnusedFd(fd1);
    throw e;
  }
  const a = w.unix.newSock(base);
  const b = w.unix.newSock(base);
  a.connectNew(b);
  b.connectNew(a);
  const fa = sockAllocFile(w, a, type);
  const fb = sockAllocFile(w, b, type);
  yield installStep(files, fd1);
  files.fdInstall(fd1, fa);
  yield installStep(files, fd2);
  files.fdInstall(fd2, fb);
  return [fd1, fd2];
}

/**
 * socket(AF_UNIX, type, protocol) as a kernel path: reserve an fd, create an unconnected
 * socket and its file, install. Models __sys_socket() and unix_create(). @internal
 */
export function* socketSteps(t: Task, domain: number, type: number, protocol: number): KernelPath<number> {
  const base = checkSocketArgs('socket', domain, type, protocol);
  const w = unixWorld(t);
  const files = t.filesOrThrow('socket');
  yield { ...allocStep(files, ...w.vfs.anonFileAccesses()), fn: 'sock_create' };
  const fd = files.allocFd(0, t.process.rlimitNofile, (type & SOCK_CLOEXEC) !== 0);
  const s = w.unix.newSock(base);
  const f = sockAllocFile(w, s, type);
  yield installStep(files, fd);
  files.fdInstall(fd, f);
  return fd;
}
