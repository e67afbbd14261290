/**
 * Random small scenarios over every listed system call (the core's CORE_SYSCALLS, epoll's
 * EPOLL_SYSCALLS, the pidfd plugin's PIDFD_SYSCALLS, the io_uring plugin's URING_SYSCALLS), for the DPOR-vs-naive-DFS soundness
 * property: 2–3 threads in 1–2 processes over a file, a directory and a pipe, each making
 * 1–2 calls with arguments drawn from small domains. A syscall listed where it is defined
 * joins these programs without anyone editing this file.
 */
import { CLONE_FILES, CLOSE_RANGE_CLOEXEC, F_DUPFD_QUERY, F_GETPIPE_SZ, F_SETPIPE_SZ, MNT_DETACH, MNT_EXPIRE, CLOSE_RANGE_UNSHARE, defineScenario, explore, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, KernelError, ModelError, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, Random, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM, Unix, UNIX_MAX_DGRAM_QLEN, type Kernel, type KernelPath, type Scenario, type Sys } from 'fdlab';
import { access, CORE_SYSCALLS, EPOLL_SYSCALLS, syscallSteps, UNIX_SYSCALLS, type SyscallArgKind, type SyscallSpec } from 'fdlab/extend';
import { KCMP_EPOLL_TFD, KCMP_FILE, KCMP_FILES, KCMP_VM, pidfd, PIDFD_SYSCALLS, type PidfdApi } from 'fdlab/pidfd';
import {
  IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_GETDENTS, IORING_OP_NOP, IORING_OP_OPENAT, IORING_OP_READ, IORING_OP_WRITE, IORING_REGISTER_FILES,
  IORING_REGISTER_FILES_UPDATE, IORING_UNREGISTER_FILES, IOSQE_ASYNC, IOSQE_FIXED_FILE, IORING_ENTER_GETEVENTS, ioUring, URING_SYSCALLS, type Sqe,
} from 'fdlab/io-uring';

/** The io_uring calls, with the plugin's API taken from the calling thread's kernel (installed once per run). */
const URING_CALLS: readonly SyscallSpec<PidfdApi>[] = URING_SYSCALLS.map((s) => ({ ...s, call: (sys: Sys, a: readonly unknown[]) => s.call(sys, a, (sys.process.world as Kernel).use(ioUring())) }));

/** The io_uring calls with the core calls that race with them most (close, read, dup2, getdents). */
export const URING_POOL: readonly SyscallSpec<PidfdApi>[] = [...URING_CALLS, ...URING_CALLS, ...CORE_SYSCALLS.filter((s) => ['close', 'read', 'dup2', 'getdents64'].includes(s.name))];

/**
 * Socket I/O: read(2), write(2) and sendfile(2) on the socket pair (sock_read_iter /
 * sock_write_iter / splice_to_socket, which may sleep: the pair is blocking) racing
 * recvmsg, sendmsg with a file, shutdown, close and dup2 over the sockets.
 */
export const SOCKET_POOL: readonly SyscallSpec<PidfdApi>[] = [
  ...['read', 'read', 'write', 'write', 'close', 'dup2', 'sendfile'].map((n) => CORE_SYSCALLS.find((s) => s.name === n)!),
  ...['sendmsg', 'recvmsg', 'shutdown'].map((n) => UNIX_SYSCALLS.find((s) => s.name === n)!),
];

/** The argument domains of {@link SOCKET_POOL} programs: mostly the sockets (fds 4 and 5). */
export const SOCKET_DOMAINS: Partial<Record<SyscallArgKind, readonly unknown[]>> = { fd: [4, 5, 4, 5, 0], fdList: [[], [], [0], [4]] };

/** Every call the generator may draw. */
export const ALL_SYSCALLS: readonly SyscallSpec<PidfdApi>[] = [...CORE_SYSCALLS, ...EPOLL_SYSCALLS, ...UNIX_SYSCALLS, ...PIDFD_SYSCALLS, ...URING_CALLS];

/**
 * umount2("/mnt", flags) (the core's umount2, its path fixed on the mount). Programs that
 * draw it get /mnt mounted with fd 0 on /mnt/f, so every path that pins or unpins the
 * mount — opens, the last fput of close, dup2, close_range, exec and exit, the io-wq and
 * task-work variants — races with it; MNT_EXPIRE's mark with them and with itself.
 */
const UMOUNT2 = CORE_SYSCALLS.find((s) => s.name === 'umount2')!;
function* umountMnt(sys: Sys, a: readonly unknown[]): KernelPath<string> {
  yield* UMOUNT2.call(sys, ['/mnt', a[0]], undefined);
  return 'umounted';
}
const UMOUNT_CALL: SyscallSpec<PidfdApi> = { name: 'umount2(/mnt)', method: 'umount2', args: ['umountFlags'], call: umountMnt };

/** mount(2) of a tmpfs on /mnt, reduced to what the model has: one step writing the namespace (as the model fuzz's). */
function* mountMnt(sys: Sys): KernelPath<string> {
  const vfs = (sys.process.world as Kernel).vfs;
  yield* syscallSteps(sys.task, (function* () {
    yield { fn: 'do_new_mount', acc: [access(vfs.simId, 0, true), vfs.newInodeAccess()] };
    vfs.mount('/mnt');
  })());
  return 'mounted';
}
const MOUNT_CALL: SyscallSpec<PidfdApi> = { name: 'mount(/mnt)', method: 'mount', args: [], call: mountMnt };

/** umount2 of /mnt with the core calls that open, close or hand on files (which pin or unpin /mnt). */
export const MOUNT_POOL: readonly SyscallSpec<PidfdApi>[] = [
  UMOUNT_CALL, UMOUNT_CALL, UMOUNT_CALL, MOUNT_CALL,
  ...['open', 'close', 'close', 'close', 'dup2', 'close_range', 'execve', 'execve', 'exit', 'fork', 'read'].map((n) => CORE_SYSCALLS.find((s) => s.name === n)!),
];

/** The argument domains of {@link MOUNT_POOL} programs that differ: paths on /mnt too, and mostly fd 0 (on /mnt/f). */
export const MOUNT_DOMAINS: Partial<Record<SyscallArgKind, readonly unknown[]>> = { path: ['/mnt/f', '/mnt', '/mnt/new', '/data/log'], fd: [0, 0, 0, 1, 3], umountFlags: [0, MNT_DETACH, MNT_EXPIRE, MNT_EXPIRE] };

const DOMAINS: Record<SyscallArgKind, readonly unknown[]> = {
  fd: [0, 1, 2, 3, 4, 5],
  path: ['/data/log', '/srv', '/tmp/new'],
  openFlags: [O_RDONLY, O_RDWR | O_CREAT, O_WRONLY | O_TRUNC, O_RDONLY | O_CLOEXEC],
  dupFlags: [0, O_CLOEXEC],
  pipeFlags: [0, 0o4000],
  closeRangeFlags: [0, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE],
  unshareFlags: [CLONE_FILES],
  eventfdFlags: [0],
  epollFlags: [0],
  count: [1, 2],
  data: ['x'],
  offset: [0, 1],
  offsetPtr: [null, null, 0, 1],
  whence: [0, 1, 2],
  fcntlCmd: [F_GETFD, F_SETFD, F_GETFL, F_DUPFD, F_DUPFD_QUERY, F_SETPIPE_SZ, F_GETPIPE_SZ],
  int: [0, 1],
  pid: [1, 2],
  epollOp: [1, 2, 3],
  sockType: [1, 2, 5],
  fdList: [[], [3], [4]],
  msgFlags: [0, 2],
  sunPath: ['\0a', '/tmp/s'],
  uringRegister: [[IORING_REGISTER_FILES, [0, -1], 2], [IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [1] }, 1], [IORING_UNREGISTER_FILES, null, 0]],
  umountFlags: [0, MNT_DETACH],
  spliceFlags: [0, 2],
  kcmpType: [KCMP_FILE, KCMP_FILE, KCMP_FILES, KCMP_VM, KCMP_EPOLL_TFD],
  uringSqe: [
    { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, off: -1, len: 1 },
    { opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE, fd: 1, len: 1 },
    { opcode: IORING_OP_OPENAT, addr: '/data/log', fileIndex: 1 },
    { opcode: IORING_OP_CLOSE, fileIndex: 2 },
    { opcode: IORING_OP_FIXED_FD_INSTALL, flags: IOSQE_FIXED_FILE, fd: 0 },
    { opcode: IORING_OP_NOP },
    // The pipe (fds 2 and 3): a READ that may find it drained sleeps on an io-wq worker
    // until a write, the wake-up that once was lost.
    { opcode: IORING_OP_READ, fd: 2, len: 1 },
  ],
};

/**
 * io_uring_enter(4, [sqe]) on the programs' ring (fd 4), without and with waiting for a
 * completion (min_complete 1, IORING_ENTER_GETEVENTS: what a request completed with is in
 * the thread's result; it reaps every CQE posted by then).
 */
const uringEnterOn4 = (wait: boolean): SyscallSpec<PidfdApi> => ({
  name: wait ? 'io_uring_enter(4, wait)' : 'io_uring_enter(4)', method: 'enter', args: ['uringSqe'],
  call: (sys: Sys, a: readonly unknown[]) => (sys.process.world as Kernel).use(ioUring()).on(sys).enter(4, [a[0] as Sqe], wait ? 1 : 0, wait ? IORING_ENTER_GETEVENTS : 0),
});
const URING_ENTER_4 = [uringEnterOn4(false), uringEnterOn4(true)];

/** fcntl(fd, F_SETFL, O_NONBLOCK): a request that waits on the file keeps waiting (v5.15+), the inline attempt's REQ_F_NOWAIT test reads the flag. */
const SET_NONBLOCK: SyscallSpec<PidfdApi> = { name: 'fcntl(F_SETFL, O_NONBLOCK)', method: 'fcntl', args: ['fd'], call: (sys: Sys, a: readonly unknown[]) => sys.fcntl(a[0] as number, F_SETFL, O_NONBLOCK) };

/** An SQE on a socket of a program with a ring (fds 5 and 6), not a fixed slot. */
function sqeOnSocket(sqe: Sqe): boolean {
  return ((sqe.flags ?? 0) & IOSQE_FIXED_FILE) === 0 && (sqe.fd === 5 || sqe.fd === 6);
}

/**
 * io_uring READ and WRITE on a datagram socket pair (fds 5 and 6 behind the ring at 4):
 * inline attempts that find the queue empty, io-wq workers waiting on the socket's poll and
 * retrying, IOSQE_ASYNC ones trying first, racing read(2), write(2), shutdown and close of
 * the sockets.
 */
export const URING_SOCKET_POOL: readonly SyscallSpec<PidfdApi>[] = [
  ...URING_ENTER_4,
  ...URING_ENTER_4,
  ...['read', 'write', 'close'].map((n) => CORE_SYSCALLS.find((s) => s.name === n)!),
  UNIX_SYSCALLS.find((s) => s.name === 'shutdown')!,
  SET_NONBLOCK,
];

/** The argument domains of {@link URING_SOCKET_POOL} programs. */
export const URING_SOCKET_DOMAINS: Partial<Record<SyscallArgKind, readonly unknown[]>> = {
  fd: [5, 6, 5, 6, 4, 2],
  uringSqe: [
    { opcode: IORING_OP_READ, fd: 5, len: 1 },
    { opcode: IORING_OP_READ, fd: 5, len: 1, flags: IOSQE_ASYNC },
    { opcode: IORING_OP_WRITE, fd: 6, addr: 'c' },
    { opcode: IORING_OP_WRITE, fd: 5, addr: 'd', flags: IOSQE_ASYNC },
    { opcode: IORING_OP_READ, fd: 6, len: 1 },
    // The pipe holding "ab": a third read waits on it (O_NONBLOCK: for its poll).
    { opcode: IORING_OP_READ, fd: 2, len: 1 },
  ],
};

/**
 * Connections to a full backlog: a listener (fd 4, `\0L`, backlog 0) already holding one
 * embryo (from fd 5), a blocking socket (fd 6) and a non-blocking one (fd 7). A blocking
 * connect sleeps on the listener's peer_wait until accept, a larger listen backlog or the
 * listener's release wakes it (never a shutdown): those wake-ups race the connector's
 * check and sleep.
 */
export const LISTEN_POOL: readonly SyscallSpec<PidfdApi>[] = [
  ...['connect', 'connect', 'accept4', 'listen', 'shutdown'].map((n) => UNIX_SYSCALLS.find((s) => s.name === n)!),
  CORE_SYSCALLS.find((s) => s.name === 'close')!,
];

/** The argument domains of {@link LISTEN_POOL} programs. */
export const LISTEN_DOMAINS: Partial<Record<SyscallArgKind, readonly unknown[]>> = { fd: [4, 6, 6, 7], sunPath: ['\0L'], int: [0, 1] };

/** A random {@link LISTEN_POOL} program (with its listener). */
export function randomListenProgram(r: Random): SyscallProgram {
  return { ...randomCallProgram(r, LISTEN_POOL, LISTEN_DOMAINS), listener: true };
}

/**
 * Datagrams sent by address: a bound receiver (fd 4, `\0a`) already holding 10 messages
 * from an unbound sender (fd 5), so one more fits and the next blocking sendto sleeps on
 * the receiver's peer_wait until a recvmsg, or the receiver's close, wakes it; a second
 * receiver bound to a path (fd 6, `/tmp/s`). sendto carries files too (the sockets
 * themselves: in flight on the addressed socket), and races recvmsg, close, shutdown,
 * connect (a connected target refuses others: EPERM) and bind.
 */
export const SENDTO_POOL: readonly SyscallSpec<PidfdApi>[] = [
  ...['sendto', 'sendto', 'sendto', 'recvmsg', 'recvmsg', 'shutdown', 'connect', 'bind'].map((n) => UNIX_SYSCALLS.find((s) => s.name === n)!),
  CORE_SYSCALLS.find((s) => s.name === 'close')!,
];

/** The argument domains of {@link SENDTO_POOL} programs. */
export const SENDTO_DOMAINS: Partial<Record<SyscallArgKind, readonly unknown[]>> = {
  fd: [4, 5, 5, 6],
  sunPath: ['\0a', '\0a', '/tmp/s', '\0b'],
  fdList: [[], [], [4], [5]],
  int: [0, 1],
  msgFlags: [0, 2],
};

/** A random {@link SENDTO_POOL} program (with its datagram sockets). */
export function randomSendtoProgram(r: Random): SyscallProgram {
  return { ...randomCallProgram(r, SENDTO_POOL, SENDTO_DOMAINS), datagrams: true };
}

/**
 * splice(2) between the file (fd 0), the first pipe (2, 3: "ab") and a second pipe (4, 5:
 * "cd"): file to pipe, pipe to file, pipe to pipe, from f_pos or an offset, blocking or
 * SPLICE_F_NONBLOCK, racing read, write, pwrite and close — the moved buffers, the linked
 * pages a pwrite changes under a pipe, and f_pos updated without f_pos_lock.
 */
export const SPLICE_POOL: readonly SyscallSpec<PidfdApi>[] = [
  ...['splice', 'splice', 'splice', 'splice', 'read', 'write', 'pwrite64', 'close'].map((n) => CORE_SYSCALLS.find((s) => s.name === n)!),
];

/** The argument domains of {@link SPLICE_POOL} programs. */
export const SPLICE_DOMAINS: Partial<Record<SyscallArgKind, readonly unknown[]>> = {
  fd: [0, 2, 3, 4, 5, 0, 2, 5],
  offsetPtr: [null, null, 0, 1],
  count: [1, 2, 5],
  spliceFlags: [2, 2, 0],
  data: ['x'],
};

/** A random {@link SPLICE_POOL} program (with its second pipe). */
export function randomSpliceProgram(r: Random): SyscallProgram {
  return { ...randomCallProgram(r, SPLICE_POOL, SPLICE_DOMAINS), pipes: true };
}

/** One call of a generated program. */
export interface Call {
  readonly name: string;
  readonly args: readonly unknown[];
}

/** A generated program: whether the second process exists, and each thread's process and calls. */
export interface SyscallProgram {
  readonly twoProcesses: boolean;
  /** Set up {@link LISTEN_POOL}'s listener and sockets at fds 4–7 (instead of the socket pair). */
  readonly listener?: boolean;
  /** Set up {@link SENDTO_POOL}'s datagram sockets at fds 4–6 (instead of the socket pair). */
  readonly datagrams?: boolean;
  /** Set up {@link SPLICE_POOL}'s second pipe (fds 4 and 5, holding "cd") instead of the socket pair. */
  readonly pipes?: boolean;
  readonly threads: ReadonlyArray<{ readonly proc: 0 | 1; readonly calls: readonly Call[] }>;
}

/** A random program from `r`, drawing calls from `pool` (default: every listed call) and arguments from `domains` over the defaults; two threads make up to `maxCalls` calls each. */
export function randomCallProgram(r: Random, pool: readonly SyscallSpec<PidfdApi>[] = ALL_SYSCALLS, domains: Partial<Record<SyscallArgKind, readonly unknown[]>> = {}, maxCalls = 2): SyscallProgram {
  const dom = (k: SyscallArgKind): readonly unknown[] => domains[k] ?? DOMAINS[k];
  const twoProcesses = r.below(2) === 1;
  const nThreads = r.below(4) === 0 ? 3 : 2;
  const threads: Array<{ proc: 0 | 1; calls: Call[] }> = [];
  for (let t = 0; t < nThreads; t++) {
    const calls: Call[] = [];
    // Three threads make one call each; two threads up to two (naive search must finish).
    const nCalls = nThreads === 3 ? 1 : 1 + r.below(maxCalls);
    for (let c = 0; c < nCalls; c++) {
      const s = pool[r.below(pool.length)]!;
      calls.push({ name: s.name, args: s.args.map((k) => dom(k)[r.below(dom(k).length)]) });
    }
    threads.push({ proc: twoProcesses && t % 2 === 1 ? 1 : 0, calls });
  }
  return { twoProcesses, threads };
}

const BY_NAME = new Map([...ALL_SYSCALLS, UMOUNT_CALL, MOUNT_CALL, ...URING_ENTER_4, SET_NONBLOCK].map((s) => [s.name, s]));
const UNIX_NAMES = new Set(UNIX_SYSCALLS.map((s) => s.name));
const URING_NAMES = new Set([...URING_SYSCALLS, ...URING_ENTER_4].map((s) => s.name));

function* body(sys: Sys, calls: readonly Call[], api: PidfdApi): KernelPath<unknown[]> {
  const out: unknown[] = [];
  for (const c of calls) {
    try {
      const r = yield* BY_NAME.get(c.name)!.call(sys, c.args, api);
      out.push(r === undefined ? 'ok' : r);
    } catch (e) {
      // A call the model declines (splice or sendfile from a socket into a pipe) is an
      // outcome like an errno: it changed nothing. Any other ModelError fails the program.
      if (ModelError.is(e) && e.code === 'model-limit') {
        out.push(e.code);
        continue;
      }
      if (!KernelError.is(e)) throw e;
      out.push(e.code);
    }
  }
  return out;
}

/** The program as a scenario: the outcome is every thread's results plus the kernel's snapshot. */
export function callScenario(prog: SyscallProgram): Scenario<unknown> {
  return defineScenario({
    name: 'generated',
    title: JSON.stringify(prog),
    source: 'test/dpor-syscalls.ts',
    setup(k) {
      const api = k.use(pidfd());
      const p = k.spawnProcess({ creds: { uid: 0 } });
      if (prog.threads.some((t) => t.calls.some((c) => c.name === UMOUNT_CALL.name || c.name === MOUNT_CALL.name))) {
        k.vfs.mount('/mnt');
        k.vfs.writeFile('/mnt/f', 'f');
        p.open('/mnt/f', O_RDWR | O_CLOEXEC); // 0: close-on-exec, so that execve unpins /mnt too
      } else p.open('/data/log', O_RDWR); // 0
      p.open('/srv', O_RDONLY); // 1
      const [r, w] = p.pipe(0); // 2, 3
      p.write(w, 'ab');
      void r;
      // A ring with /data/log and /srv in its two fixed slots, only for programs that use
      // io_uring (at the lowest free fd, 4): its teardown adds steps to every run.
      const calls = prog.threads.flatMap((t) => t.calls);
      const uring = calls.some((c) => URING_NAMES.has(c.name));
      if (uring) {
        const u = k.use(ioUring());
        u.register(p, u.setup(p, 4), IORING_REGISTER_FILES, [0, 1], 2);
      }
      // A socket pair only for programs that use sockets: closing it is several steps
      // (release, purge, the collector), which would push other programs past naive search.
      // It is fds 4 and 5 (5 and 6 after a ring), and read(2) and write(2) of them are
      // socket I/O (sock_read_iter / sock_write_iter), as are io_uring READ and WRITE.
      const sock = uring ? [5, 6] : [4, 5];
      const onSocket = (c: Call) =>
        UNIX_NAMES.has(c.name) ||
        ((c.name === 'read' || c.name === 'write') && sock.includes(c.args[0] as number)) ||
        (c.name === 'io_uring_enter' && sqeOnSocket(c.args[1] as Sqe)) ||
        (URING_ENTER_4.some((e) => e.name === c.name) && sqeOnSocket(c.args[0] as Sqe));
      if (prog.listener === true) {
        const l = Unix.socket(p, SOCK_STREAM); // 4
        Unix.bind(p, l, '\0L');
        Unix.listen(p, l, 0);
        Unix.connect(p, Unix.socket(p, SOCK_STREAM), '\0L'); // 5: the backlog is full
        Unix.socket(p, SOCK_STREAM); // 6
        Unix.socket(p, SOCK_STREAM | SOCK_NONBLOCK); // 7
      } else if (prog.pipes === true) {
        const [, w2] = p.pipe(0); // 4, 5
        p.write(w2, 'cd');
      } else if (prog.datagrams === true) {
        const rcv = Unix.socket(p, SOCK_DGRAM); // 4
        Unix.bind(p, rcv, '\0a');
        const snd = Unix.socket(p, SOCK_DGRAM); // 5
        for (let i = 0; i < UNIX_MAX_DGRAM_QLEN; i++) Unix.sendto(p, snd, `${i}`, '\0a');
        Unix.bind(p, Unix.socket(p, SOCK_DGRAM), '/tmp/s'); // 6
      } else if (calls.some(onSocket)) {
        const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
        // Two datagrams wait at the first, so reads race over them rather than all sleeping.
        p.write(b, 'a');
        p.write(b, 'b');
        void a;
      }
      const procs = [p, prog.twoProcesses ? p.fork() : p];
      for (const t of prog.threads) procs[t.proc]!.thread((sys) => body(sys, t.calls, api));
    },
    outcome: (k) => JSON.stringify([k.engine.threads.map((t) => t.result ?? null), k.snapshot()]),
  });
}

/** What comparing DPOR with naive DFS on one program found. */
export interface Comparison {
  /** False when naive search was too big for its cap (nothing compared). */
  readonly compared: boolean;
  readonly naiveRuns: number;
  readonly dporRuns: number;
  /** Outcomes or violation kinds naive search saw and DPOR did not. */
  readonly missing: readonly string[];
  /** The outcomes naive search saw. */
  readonly outcomes: readonly string[];
}

/** Runs DPOR and naive DFS (capped at `naiveCap` runs) on `prog`. */
export function compareOnProgram(prog: SyscallProgram, naiveCap: number): Comparison {
  const s = callScenario(prog);
  const naive = explore(s, { strategy: 'dfs', maxRuns: naiveCap, shrink: false });
  if (!naive.exhaustive) return { compared: false, naiveRuns: naive.runs, dporRuns: 0, missing: [], outcomes: [] };
  const dpor = explore(s, { shrink: false });
  const dOut = new Set(dpor.outcomes.map((o) => o.outcome));
  const dKinds = new Set(dpor.violations.map((v) => v.kind));
  const missing = [
    ...naive.outcomes.filter((o) => !dOut.has(o.outcome)).map((o) => `outcome ${o.outcome.slice(0, 200)}`),
    ...naive.violations.filter((v) => !dKinds.has(v.kind)).map((v) => `violation ${v.kind}`),
  ];
  if (!dpor.exhaustive) missing.push('DPOR not exhaustive');
  return { compared: true, naiveRuns: naive.runs, dporRuns: dpor.runs, missing, outcomes: naive.outcomes.map((o) => o.outcome) };
}
