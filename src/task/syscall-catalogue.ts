import type { KernelPath } from '../sim/step.js';
import type { Sys } from './sys.js';

/**
 * The kind of a system call argument, for tools that generate calls (the DPOR-vs-naive
 * soundness property, fuzzers): each maps to a small domain of interesting values.
 *
 * - `fd`: a descriptor number (small, may be closed or never opened)
 * - `path`: a path of the default filesystem
 * - `openFlags`, `dupFlags`, `pipeFlags`, `closeRangeFlags`, `unshareFlags`,
 *   `eventfdFlags`, `epollFlags`, `umountFlags`, `spliceFlags`: the call's flag word
 * - `count`: a byte or entry count; `data`: bytes to write; `offset`, `whence`: lseek's
 *   (and pread's); `offsetPtr`: an offset passed by reference, or null for f_pos (sendfile,
 *   copy_file_range, splice)
 * - `fcntlCmd`: an fcntl command without a struct argument; `int`: a small integer
 * - `pid`: a process id; `epollOp`: an EPOLL_CTL_* operation
 * - `sockType`: a socket type word; `fdList`: fds to pass with SCM_RIGHTS;
 *   `msgFlags`: recvmsg flags; `sunPath`: a socket address
 * - `uringRegister`: an io_uring_register() opcode with its argument and nr_args;
 *   `uringSqe`: one io_uring submission queue entry (the `fdlab/io-uring` plugin)
 * - `kcmpType`: a kcmp() comparison type, KCMP_FILE, KCMP_FILES, KCMP_EPOLL_TFD... (the `fdlab/pidfd` plugin)
 *
 * @example
 * ```ts
 * import type { SyscallArgKind } from 'fdlab';
 * const k: SyscallArgKind = 'fd';
 * ```
 */
export type SyscallArgKind =
  | 'fd' | 'path' | 'openFlags' | 'dupFlags' | 'pipeFlags' | 'closeRangeFlags' | 'unshareFlags' | 'eventfdFlags' | 'epollFlags'
  | 'count' | 'data' | 'offset' | 'offsetPtr' | 'whence' | 'fcntlCmd' | 'int' | 'pid' | 'epollOp'
  | 'sockType' | 'fdList' | 'msgFlags' | 'sunPath' | 'uringRegister' | 'uringSqe' | 'umountFlags' | 'kcmpType' | 'spliceFlags';

/**
 * One stepped system call as a generator of calls sees it: its kernel name, its argument
 * kinds, and how to make it from a thread body. Core syscalls are listed in
 * {@link CORE_SYSCALLS}; subsystems and plugins export their own lists (e.g. the pidfd
 * plugin's `PIDFD_SYSCALLS`), so a new syscall joins every generated test by being
 * listed where it is defined.
 *
 * @typeParam X - what the call needs beyond the thread's `Sys` (a plugin's API), if anything
 * @example
 * ```ts
 * import { CORE_SYSCALLS } from 'fdlab';
 * CORE_SYSCALLS.find((s) => s.name === 'dup')!.args; // ['fd']
 * ```
 */
export interface SyscallSpec<X = unknown> {
  /** The kernel's name, e.g. `'close_range'`. */
  readonly name: string;
  /** The `Sys` (or plugin) method that makes the call, e.g. `'closeRange'`. */
  readonly method: string;
  /** Argument kinds, in order. */
  readonly args: readonly SyscallArgKind[];
  /** Makes the call from a thread body. */
  call(sys: Sys, args: readonly unknown[], extra: X): KernelPath<unknown>;
}

// No side effects, said to the bundler: a consumer's bundler then drops the table with its
// entries when nothing uses it (a `@__PURE__` call still evaluates impure arguments).
/* @__NO_SIDE_EFFECTS__ */
function spec(name: string, method: string, args: readonly SyscallArgKind[], call: (sys: Sys, a: readonly unknown[]) => KernelPath<unknown>): SyscallSpec {
  return Object.freeze({ name, method, args: Object.freeze([...args]), call });
}

const n = (v: unknown): number => v as number;

/**
 * The core's stepped system calls (every `Sys` method that takes plain arguments).
 * `test/syscall-catalogue.test.ts` fails when a `Sys` method is missing here, so a new
 * syscall cannot be left out of the generated soundness tests.
 *
 * @example
 * ```ts
 * import { CORE_SYSCALLS } from 'fdlab';
 * CORE_SYSCALLS.map((s) => s.name).includes('pipe2'); // true
 * ```
 */
export const CORE_SYSCALLS: readonly SyscallSpec[] = /* @__PURE__ */ Object.freeze([
  spec('open', 'open', ['path', 'openFlags'], (s, a) => s.open(a[0] as string, n(a[1]))),
  spec('close', 'close', ['fd'], (s, a) => s.close(n(a[0]))),
  spec('dup', 'dup', ['fd'], (s, a) => s.dup(n(a[0]))),
  spec('dup2', 'dup2', ['fd', 'fd'], (s, a) => s.dup2(n(a[0]), n(a[1]))),
  spec('dup3', 'dup3', ['fd', 'fd', 'dupFlags'], (s, a) => s.dup3(n(a[0]), n(a[1]), n(a[2]))),
  spec('fcntl', 'fcntl', ['fd', 'fcntlCmd', 'int'], (s, a) => s.fcntl(n(a[0]), n(a[1]), n(a[2]))),
  spec('close_range', 'closeRange', ['fd', 'fd', 'closeRangeFlags'], (s, a) => s.closeRange(n(a[0]), n(a[1]), n(a[2]))),
  spec('read', 'read', ['fd', 'count'], (s, a) => s.read(n(a[0]), n(a[1]))),
  spec('write', 'write', ['fd', 'data'], (s, a) => s.write(n(a[0]), a[1] as string)),
  spec('lseek', 'lseek', ['fd', 'offset', 'whence'], (s, a) => s.lseek(n(a[0]), n(a[1]), n(a[2]))),
  spec('pread64', 'pread', ['fd', 'count', 'offset'], (s, a) => s.pread(n(a[0]), n(a[1]), n(a[2]))),
  spec('pwrite64', 'pwrite', ['fd', 'data', 'offset'], (s, a) => s.pwrite(n(a[0]), a[1] as string, n(a[2]))),
  spec('sendfile', 'sendfile', ['fd', 'fd', 'offsetPtr', 'count'], (s, a) => s.sendfile(n(a[0]), n(a[1]), a[2] === null ? null : n(a[2]), n(a[3]))),
  spec('copy_file_range', 'copyFileRange', ['fd', 'offsetPtr', 'fd', 'offsetPtr', 'count', 'int'], (s, a) => s.copyFileRange(n(a[0]), a[1] === null ? null : n(a[1]), n(a[2]), a[3] === null ? null : n(a[3]), n(a[4]), n(a[5]))),
  spec('splice', 'splice', ['fd', 'offsetPtr', 'fd', 'offsetPtr', 'count', 'spliceFlags'], (s, a) => s.splice(n(a[0]), a[1] === null ? null : n(a[1]), n(a[2]), a[3] === null ? null : n(a[3]), n(a[4]), n(a[5]))),
  spec('getdents64', 'getdents', ['fd', 'count'], (s, a) => s.getdents(n(a[0]), n(a[1]))),
  spec('pipe2', 'pipe', ['pipeFlags'], (s, a) => s.pipe(n(a[0]))),
  spec('fork', 'fork', [], function* (s) {
    const child = yield* s.fork();
    return child.pid;
  }),
  spec('clone', 'clone', [], function* (s) {
    const t = yield* s.clone((s2) => s2.getpid());
    return t.tid;
  }),
  spec('unshare', 'unshare', ['unshareFlags'], (s, a) => s.unshare(n(a[0]))),
  spec('execve', 'exec', [], (s) => s.exec()),
  spec('exit', 'exit', [], (s) => s.exit()),
  spec('poll', 'poll', ['fd'], (s, a) => s.poll([{ fd: n(a[0]), events: 1 | 4 }], 0)),
  spec('ppoll', 'ppoll', ['fd'], (s, a) => s.ppoll([{ fd: n(a[0]), events: 1 }], 0)),
  spec('select', 'select', ['fd'], (s, a) => s.select(n(a[0]) + 1, [n(a[0])], [], [], 0)),
  spec('eventfd2', 'eventfd', ['int', 'eventfdFlags'], (s, a) => s.eventfd(n(a[0]), n(a[1]))),
  spec('umount2', 'umount2', ['path', 'umountFlags'], (s, a) => s.umount2(a[0] as string, n(a[1]))),
  spec('getpid', 'getpid', [], (s) => s.getpid()),
]);
