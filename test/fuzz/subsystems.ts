/**
 * The operations of the model-based fuzz, grouped by subsystem. Each subsystem lists
 * its operations once: an arbitrary that generates one, and how to run it as a plain
 * call (on a process, at a quiescent point) and as a stepped call (in a thread body).
 *
 * To fuzz a new subsystem, add one entry to SUBSYSTEMS, and if it holds references
 * outside fd tables, make sure its OwnerSource is registered so the audit sees them;
 * nothing else changes.
 */
import fc from 'fast-check';
import {
  CLONE_FILES, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_QUERY, F_GETFD, F_GETFL, F_GETLK, F_RDLCK, F_SETFD,
  F_SETLK, F_UNLCK, F_WRLCK, MNT_DETACH, MNT_EXPIRE, MNT_FORCE, O_APPEND, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
  Epoll, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLET, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, EPOLLOUT,
  MSG_CMSG_CLOEXEC, MSG_DONTWAIT, MSG_PEEK, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM, Unix,
  type Kernel, type KernelPath, type Process, type Sys,
} from '../../src/index.js';
import { access, syscallSteps } from '../../src/extend.js';
import { KCMP_EPOLL_TFD, pidfd, type KcmpEpollSlot, type PidfdApi } from '../../src/plugins/pidfd/index.js';
import {
  IORING_FILE_INDEX_ALLOC, IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_GETDENTS, IORING_OP_NOP, IORING_OP_OPENAT, IORING_OP_POLL_ADD,
  IORING_OP_READ, IORING_OP_WRITE, IORING_REGISTER_FILE_ALLOC_RANGE, IORING_REGISTER_FILES, IORING_REGISTER_FILES_UPDATE, IORING_UNREGISTER_FILES,
  IOSQE_ASYNC, IOSQE_FIXED_FILE, ioUring, type RegisterArg, type Sqe, type UringApi,
} from '../../src/plugins/io-uring/index.js';

/** One generated operation: a subsystem's op name and small integer arguments. */
export interface Op {
  readonly sub: string;
  readonly op: string;
  readonly a: readonly number[];
}

/** What an op runs against: the kernel, its processes, and plugin APIs. */
export interface FuzzWorld {
  readonly k: Kernel;
  /** Processes in creation order (op arguments index into it). */
  readonly procs: Process[];
  readonly pf: PidfdApi;
  readonly uring: UringApi;
  /** The body of the `i`-th extra thread of the program (what clone starts). */
  readonly body: (i: number) => (sys: Sys) => KernelPath<unknown>;
}

/** One operation kind. `args` are the arbitraries of its arguments. */
interface OpDef {
  readonly args: ReadonlyArray<fc.Arbitrary<number>>;
  /** The plain call on process `p` (absent for ops that only exist in thread bodies). */
  plain?(w: FuzzWorld, p: Process, a: readonly number[]): unknown;
  /** The stepped call in a thread body. */
  steps(w: FuzzWorld, sys: Sys, a: readonly number[]): KernelPath<unknown>;
}

interface Subsystem {
  readonly name: string;
  readonly ops: Readonly<Record<string, OpDef>>;
}

const fd = fc.integer({ min: -1, max: 9 });
const small = (max: number) => fc.integer({ min: 0, max });
const PATHS = ['/data/log', '/srv/a', '/srv', '/data/new', '/none', '/data', '/mnt/f'];
const OPEN_FLAGS = [O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_APPEND, O_RDONLY | O_CLOEXEC, O_PATH, O_WRONLY | O_CREAT, O_RDWR | O_CLOEXEC];
const WHENCE = [SEEK_SET, SEEK_CUR, SEEK_END];
const LOCK_TYPES = [F_RDLCK, F_WRLCK, F_UNLCK];
const PIPE_FLAGS = [0, O_CLOEXEC, O_NONBLOCK, O_NONBLOCK | O_CLOEXEC];
const CR_FLAGS = [0, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE];

const fds: Subsystem = {
  name: 'fds',
  ops: {
    open: { args: [small(PATHS.length - 1), small(OPEN_FLAGS.length - 1)], plain: (_w, p, [x, y]) => p.open(PATHS[x!]!, OPEN_FLAGS[y!]!), steps: (_w, s, [x, y]) => s.open(PATHS[x!]!, OPEN_FLAGS[y!]!) },
    close: { args: [fd], plain: (_w, p, [a]) => p.close(a!), steps: (_w, s, [a]) => s.close(a!) },
    dup: { args: [fd], plain: (_w, p, [a]) => p.dup(a!), steps: (_w, s, [a]) => s.dup(a!) },
    dup2: { args: [fd, fd], plain: (_w, p, [a, b]) => p.dup2(a!, b!), steps: (_w, s, [a, b]) => s.dup2(a!, b!) },
    dup3: { args: [fd, fd, small(1)], plain: (_w, p, [a, b, c]) => p.dup3(a!, b!, c ? O_CLOEXEC : 0), steps: (_w, s, [a, b, c]) => s.dup3(a!, b!, c ? O_CLOEXEC : 0) },
    dupfd: {
      args: [fd, small(6), small(1)],
      plain: (_w, p, [a, b, c]) => p.fcntl(a!, c ? F_DUPFD_CLOEXEC : F_DUPFD, b!),
      steps: (_w, s, [a, b, c]) => s.fcntl(a!, c ? F_DUPFD_CLOEXEC : F_DUPFD, b!),
    },
    cloexec: {
      args: [fd, small(2)],
      plain: (_w, p, [a, b]) => (b === 2 ? p.fcntl(a!, F_GETFD) : p.fcntl(a!, F_SETFD, b!)),
      steps: (_w, s, [a, b]) => (b === 2 ? s.fcntl(a!, F_GETFD) : s.fcntl(a!, F_SETFD, b!)),
    },
    getfl: { args: [fd], plain: (_w, p, [a]) => p.fcntl(a!, F_GETFL), steps: (_w, s, [a]) => s.fcntl(a!, F_GETFL) },
    dupfdQuery: { args: [fd, fd], plain: (_w, p, [a, b]) => p.fcntl(a!, F_DUPFD_QUERY, b!), steps: (_w, s, [a, b]) => s.fcntl(a!, F_DUPFD_QUERY, b!) },
    lock: {
      args: [fd, small(2), small(6), small(4), small(1)],
      plain: (_w, p, [a, t, st, len, get]) => (get ? p.fcntl(a!, F_GETLK, { type: LOCK_TYPES[t!]!, start: st!, len: len! }) : p.fcntl(a!, F_SETLK, { type: LOCK_TYPES[t!]!, start: st!, len: len! })),
      steps: (_w, s, [a, t, st, len, get]) => s.fcntl(a!, get ? F_GETLK : F_SETLK, { type: LOCK_TYPES[t!]!, start: st!, len: len! }),
    },
    read: { args: [fd, small(8)], plain: (_w, p, [a, n]) => p.read(a!, n!), steps: (_w, s, [a, n]) => s.read(a!, n!) },
    write: { args: [fd, small(5)], plain: (_w, p, [a, n]) => p.write(a!, 'x'.repeat(n!)), steps: (_w, s, [a, n]) => s.write(a!, 'x'.repeat(n!)) },
    pread: { args: [fd, small(8), fc.integer({ min: -1, max: 24 })], plain: (_w, p, [a, n, o]) => p.pread(a!, n!, o!), steps: (_w, s, [a, n, o]) => s.pread(a!, n!, o!) },
    pwrite: { args: [fd, small(5), fc.integer({ min: -1, max: 24 })], plain: (_w, p, [a, n, o]) => p.pwrite(a!, 'y'.repeat(n!), o!), steps: (_w, s, [a, n, o]) => s.pwrite(a!, 'y'.repeat(n!), o!) },
    copyFileRange: {
      args: [fd, fc.integer({ min: -2, max: 24 }), fd, fc.integer({ min: -2, max: 24 }), small(6)],
      plain: (_w, p, [i, oi, o, oo, n]) => p.copyFileRange(i!, oi! === -2 ? null : oi!, o!, oo! === -2 ? null : oo!, n!),
      steps: (_w, s, [i, oi, o, oo, n]) => s.copyFileRange(i!, oi! === -2 ? null : oi!, o!, oo! === -2 ? null : oo!, n!),
    },
    sendfile: {
      args: [fd, fd, fc.integer({ min: -2, max: 24 }), small(6)],
      plain: (_w, p, [o, i, off, n]) => p.sendfile(o!, i!, off! === -2 ? null : off!, n!),
      steps: (_w, s, [o, i, off, n]) => s.sendfile(o!, i!, off! === -2 ? null : off!, n!),
    },
    lseek: { args: [fd, fc.integer({ min: -3, max: 12 }), small(2)], plain: (_w, p, [a, o, wh]) => p.lseek(a!, o!, WHENCE[wh!]!), steps: (_w, s, [a, o, wh]) => s.lseek(a!, o!, WHENCE[wh!]!) },
    getdents: { args: [fd, small(4)], plain: (_w, p, [a, n]) => p.getdents(a!, n!), steps: (_w, s, [a, n]) => s.getdents(a!, n!) },
    closeRange: {
      args: [small(8), small(12), small(3)],
      plain: (_w, p, [a, b, f]) => p.closeRange(a!, b!, CR_FLAGS[f!]!),
      steps: (_w, s, [a, b, f]) => s.closeRange(a!, b!, CR_FLAGS[f!]!),
    },
  },
};

const pipes: Subsystem = {
  name: 'pipes',
  ops: {
    // Half the pipes are O_NONBLOCK: a blocking read of an empty pipe parks the thread.
    pipe: { args: [small(3)], plain: (_w, p, [c]) => p.pipe(PIPE_FLAGS[c!]!), steps: (_w, s, [c]) => s.pipe(PIPE_FLAGS[c!]!) },
  },
};

const lifecycle: Subsystem = {
  name: 'lifecycle',
  ops: {
    fork: {
      args: [],
      plain: (w, p) => w.procs.push(p.fork()),
      *steps(w, s) {
        w.procs.push(yield* s.fork());
      },
    },
    unshare: { args: [small(1)], plain: (_w, p, [f]) => p.unshare(f ? CLONE_FILES : 0), steps: (_w, s, [f]) => s.unshare(f ? CLONE_FILES : 0) },
    exec: { args: [], plain: (_w, p) => p.exec(), steps: (_w, s) => s.exec() },
    exit: { args: [], plain: (_w, p) => p.exit(), steps: (_w, s) => s.exit() },
    clone: { args: [small(1), small(3)], steps: (w, s, [share, i]) => s.clone(w.body(i!), { shareFiles: share === 1 }) },
  },
};

const pidfds: Subsystem = {
  name: 'pidfd',
  ops: {
    pidfdOpen: { args: [small(5)], plain: (w, p, [i]) => w.pf.pidfdOpen(p, pidOf(w, i!), 0), steps: (w, s, [i]) => w.pf.on(s).pidfdOpen(pidOf(w, i!), 0) },
    pidfdGetfd: { args: [fd, fd], plain: (w, p, [a, b]) => w.pf.pidfdGetfd(p, a!, b!, 0), steps: (w, s, [a, b]) => w.pf.on(s).pidfdGetfd(a!, b!, 0) },
    // kcmp of two tasks (any type, 8 being unknown); for KCMP_EPOLL_TFD the second fd is the epoll.
    kcmp: {
      args: [small(5), small(5), small(8), fd, fd],
      plain: (w, p, [i, j, ty, a, b]) => w.pf.kcmp(p, pidOf(w, i!), pidOf(w, j!), ty!, a!, kcmpIdx2(ty!, a!, b!)),
      steps: (w, s, [i, j, ty, a, b]) => w.pf.on(s).kcmp(pidOf(w, i!), pidOf(w, j!), ty!, a!, kcmpIdx2(ty!, a!, b!)),
    },
  },
};

/** kcmp()'s idx2: a slot naming epoll `efd`'s item for `tfd` under KCMP_EPOLL_TFD, else the fd. */
function kcmpIdx2(type: number, tfd: number, efd: number): number | KcmpEpollSlot {
  return type === KCMP_EPOLL_TFD ? { efd, tfd, toff: 0 } : efd;
}

const SOCK_TYPES = [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM | SOCK_NONBLOCK];
const RECV_FLAGS = [MSG_DONTWAIT, MSG_DONTWAIT | MSG_PEEK, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, 0];
const NAMES = ['\0a', '/tmp/s'];

const unixSockets: Subsystem = {
  name: 'unix',
  ops: {
    socketpair: { args: [small(3)], plain: (_w, p, [t]) => Unix.socketpair(p, SOCK_TYPES[t!]!), steps: (_w, s, [t]) => Unix.on(s).socketpair(SOCK_TYPES[t!]!) },
    listen: {
      args: [small(1)],
      plain: (_w, p, [n]) => {
        const l = Unix.socket(p, SOCK_STREAM | SOCK_NONBLOCK);
        Unix.bind(p, l, NAMES[n!]!);
        return Unix.listen(p, l, 2);
      },
      *steps(_w, s, [n]) {
        const u = Unix.on(s);
        const l = yield* u.socket(SOCK_STREAM | SOCK_NONBLOCK);
        yield* u.bind(l, NAMES[n!]!);
        return yield* u.listen(l, 2);
      },
    },
    connect: { args: [fd, small(1)], plain: (_w, p, [a, n]) => Unix.connect(p, a!, NAMES[n!]!), steps: (_w, s, [a, n]) => Unix.on(s).connect(a!, NAMES[n!]!) },
    accept: { args: [fd], plain: (_w, p, [a]) => Unix.accept(p, a!), steps: (_w, s, [a]) => Unix.on(s).accept(a!) },
    sendmsg: {
      args: [fd, fd, fd],
      plain: (_w, p, [a, b, c]) => Unix.sendmsg(p, a!, 'm', [b!, c!].filter((x) => x >= 0), MSG_DONTWAIT),
      steps: (_w, s, [a, b, c]) => Unix.on(s).sendmsg(a!, 'm', [b!, c!].filter((x) => x >= 0), MSG_DONTWAIT),
    },
    recvmsg: {
      args: [fd, small(3), small(2)],
      // A plain call cannot sleep: it never blocks.
      plain: (_w, p, [a, f, room]) => Unix.recvmsg(p, a!, 4, room!, RECV_FLAGS[f!]! | MSG_DONTWAIT),
      steps: (_w, s, [a, f, room]) => Unix.on(s).recvmsg(a!, 4, room!, RECV_FLAGS[f!]!),
    },
    shutdown: { args: [fd, small(2)], plain: (_w, p, [a, h]) => Unix.shutdown(p, a!, h!), steps: (_w, s, [a, h]) => Unix.on(s).shutdown(a!, h!) },
    gc: { args: [], plain: (w) => w.k.unixGc(), steps: (_w, s) => Unix.on(s).gc() },
  },
};

const REGISTER: ReadonlyArray<readonly [number, RegisterArg, number]> = [
  [IORING_REGISTER_FILES, [0, 1, -1], 3],
  [IORING_REGISTER_FILES_UPDATE, { offset: 1, data: [2] }, 1],
  [IORING_UNREGISTER_FILES, null, 0],
  [IORING_REGISTER_FILE_ALLOC_RANGE, { off: 1, len: 2 }, 0],
];
// Plain calls cannot wait: only requests that never go to io-wq.
const PLAIN_SQES: readonly Sqe[] = [
  { opcode: IORING_OP_OPENAT, addr: '/data/log', fileIndex: IORING_FILE_INDEX_ALLOC },
  { opcode: IORING_OP_CLOSE, fileIndex: 1 },
  { opcode: IORING_OP_FIXED_FD_INSTALL, flags: IOSQE_FIXED_FILE, fd: 0 },
  { opcode: IORING_OP_NOP },
];
const SQES: readonly Sqe[] = [
  ...PLAIN_SQES,
  { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, off: -1, len: 2 },
  { opcode: IORING_OP_WRITE, flags: IOSQE_FIXED_FILE, fd: 1, off: -1, addr: 'x' },
  { opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 2, len: 1 },
  { opcode: IORING_OP_POLL_ADD, flags: IOSQE_FIXED_FILE, fd: 0, pollEvents: 1 },
  // Normal fds 3 and 4, whatever they hold (a socket: IOCB_NOWAIT inline, the poll and retry in io-wq).
  { opcode: IORING_OP_READ, fd: 3, len: 1 },
  { opcode: IORING_OP_WRITE, fd: 4, addr: 'y', flags: IOSQE_ASYNC },
];

const uring: Subsystem = {
  name: 'uring',
  ops: {
    setup: { args: [], plain: (w, p) => w.uring.setup(p, 4), steps: (w, s) => w.uring.on(s).setup(4) },
    register: {
      args: [fd, small(REGISTER.length - 1)],
      plain: (w, p, [a, o]) => w.uring.register(p, a!, ...REGISTER[o!]!),
      steps: (w, s, [a, o]) => w.uring.on(s).register(a!, ...REGISTER[o!]!),
    },
    enter: {
      args: [fd, small(SQES.length - 1)],
      plain: (w, p, [a, i]) => w.uring.enter(p, a!, [PLAIN_SQES[i! % PLAIN_SQES.length]!]),
      steps: (w, s, [a, i]) => w.uring.on(s).enter(a!, [SQES[i!]!]),
    },
  },
};

const EPOLL_OPS = [EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL];
const EPOLL_EVENTS = [EPOLLIN, EPOLLIN | EPOLLET, EPOLLIN | EPOLLONESHOT, EPOLLOUT | EPOLLEXCLUSIVE];

/** epoll: instances (some nested), items on any fd, level/edge/one-shot/exclusive, waits that return at once, dma-bufs that poll with a reference. */
const epoll: Subsystem = {
  name: 'epoll',
  ops: {
    create: { args: [small(1)], plain: (_w, p, [c]) => Epoll.create1(p, c ? EPOLL_CLOEXEC : 0), steps: (_w, s, [c]) => Epoll.on(s).create1(c ? EPOLL_CLOEXEC : 0) },
    ctl: {
      args: [fd, small(EPOLL_OPS.length - 1), fd, small(EPOLL_EVENTS.length - 1)],
      plain: (_w, p, [e, o, f, ev]) => Epoll.ctl(p, e!, EPOLL_OPS[o!]!, f!, { events: EPOLL_EVENTS[ev!]!, data: f! }),
      steps: (_w, s, [e, o, f, ev]) => Epoll.on(s).ctl(e!, EPOLL_OPS[o!]!, f!, { events: EPOLL_EVENTS[ev!]!, data: f! }),
    },
    // timeout 0: a wait never sleeps, so programs stay finite.
    wait: { args: [fd, small(3)], plain: (_w, p, [e, n]) => Epoll.wait(p, e!, n! + 1, 0), steps: (_w, s, [e, n]) => Epoll.on(s).wait(e!, n! + 1, 0) },
    dmaBuf: { args: [small(1)], plain: (_w, p, [f]) => Epoll.dmaBuf(p, { fence: f === 1 }), steps: (_w, s, [f]) => Epoll.on(s).dmaBuf({ fence: f === 1 }) },
  },
};

const MOUNT_POINTS = ['/mnt', '/srv', '/mnt/f', '/mnt'];
const UMOUNT_PATHS = ['/mnt', '/srv', '/mnt/f', '/'];
const UMOUNT_FLAGS = [0, MNT_DETACH, MNT_EXPIRE, MNT_FORCE, MNT_EXPIRE | MNT_DETACH];

/** mount(2) of a tmpfs, reduced to what the model has: one step writing the namespace. */
function* mountSteps(w: FuzzWorld, s: Sys, path: string): KernelPath<void> {
  yield* syscallSteps(s.task, (function* () {
    yield { fn: 'do_new_mount', acc: [access(w.k.vfs.simId, 0, true), w.k.vfs.newInodeAccess()] };
    w.k.vfs.mount(path);
  })());
}

const mounts: Subsystem = {
  name: 'mounts',
  ops: {
    mount: { args: [small(MOUNT_POINTS.length - 1)], plain: (w, _p, [i]) => w.k.vfs.mount(MOUNT_POINTS[i!]!), steps: (w, s, [i]) => mountSteps(w, s, MOUNT_POINTS[i!]!) },
    umount2: {
      args: [small(UMOUNT_PATHS.length - 1), small(UMOUNT_FLAGS.length - 1)],
      plain: (_w, p, [i, f]) => p.umount2(UMOUNT_PATHS[i!]!, UMOUNT_FLAGS[f!]!),
      steps: (_w, s, [i, f]) => s.umount2(UMOUNT_PATHS[i!]!, UMOUNT_FLAGS[f!]!),
    },
  },
};

function pidOf(w: FuzzWorld, i: number): number {
  return w.procs[i % w.procs.length]!.pid;
}

/** Every fuzzed subsystem. */
export const SUBSYSTEMS: readonly Subsystem[] = [fds, pipes, lifecycle, pidfds, epoll, unixSockets, uring, mounts];

/** Installs the plugins the subsystems use; returns the world's plugin APIs. */
export function installPlugins(k: Kernel): { pf: PidfdApi; uring: UringApi } {
  return { pf: k.use(pidfd()), uring: k.use(ioUring()) };
}

const defs = new Map<string, OpDef>();
for (const s of SUBSYSTEMS) for (const [name, d] of Object.entries(s.ops)) defs.set(`${s.name}.${name}`, d);

/** An arbitrary op from every subsystem; `plain` leaves out ops with no plain form. */
export function opArb(plain: boolean): fc.Arbitrary<Op> {
  const arbs: Array<fc.Arbitrary<Op>> = [];
  for (const s of SUBSYSTEMS) {
    for (const [name, d] of Object.entries(s.ops)) {
      if (plain && d.plain === undefined) continue;
      arbs.push(fc.tuple(...d.args).map((a): Op => ({ sub: s.name, op: name, a })));
    }
  }
  return fc.oneof(...arbs);
}

/** Runs an op as a plain call. */
export function runPlainOp(w: FuzzWorld, p: Process, op: Op): unknown {
  return defs.get(`${op.sub}.${op.op}`)!.plain!(w, p, op.a);
}

/** Runs an op as a stepped call. */
export function runStepOp(w: FuzzWorld, sys: Sys, op: Op): KernelPath<unknown> {
  return defs.get(`${op.sub}.${op.op}`)!.steps(w, sys, op.a);
}
