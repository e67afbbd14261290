import type { KernelPath } from '../sim/step.js';
import type { DotUnixGraph } from '../trace/dot.js';
import { ModelError } from '../sim/model-error.js';
import { checkNumbers, describeValue } from '../sim/validate.js';
import type { Process } from '../task/process.js';
import { plainSyscall, syscallSteps } from '../task/syscall.js';
import type { Sys } from '../task/sys.js';
import type { SyscallSpec } from '../task/syscall-catalogue.js';
import { AF_UNIX, SCM_MAX_FD } from './constants.js';
import { acceptSteps, bindSteps, connectSteps, listenSteps } from './connect.js';
import { unixGcSteps, reachableFromUsers } from './gc.js';
import { tarjan, walkScc } from './gc-scc.js';
import { recvmsgSteps, type RecvResult } from './recvmsg.js';
import { sendmsgSteps } from './sendmsg.js';
import { shutdownSteps } from './shutdown.js';
import { socketpairSteps, socketSteps } from './socket.js';
import { unixSockOfFile, type UnixGcReport, type UnixSock, type UnixWorld } from './sock.js';
import { hookUnix } from './world.js';

/**
 * The stepped AF_UNIX system calls of one thread, for thread bodies (`yield*`).
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_STREAM } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [a, b] = Unix.socketpair(p, SOCK_STREAM);
 * p.thread(function* (sys) { return (yield* Unix.on(sys).recvmsg(b, 8)).data; }); // sleeps until the send
 * p.thread(function* (sys) { yield* Unix.on(sys).sendmsg(a, 'hi', []); });
 * k.run();
 * ```
 */
export interface UnixSys {
  /** socketpair(AF_UNIX, type, protocol): two connected sockets. */
  socketpair(type: number, protocol?: number): KernelPath<[number, number]>;
  /** socket(AF_UNIX, type, protocol). */
  socket(type: number, protocol?: number): KernelPath<number>;
  /** bind(2) to an abstract ('\0name') or path name. */
  bind(fd: number, addr: string): KernelPath<number>;
  /** listen(2). */
  listen(fd: number, backlog: number): KernelPath<number>;
  /** connect(2): a blocking socket sleeps while the listener's backlog is full. */
  connect(fd: number, addr: string): KernelPath<number>;
  /** accept4(2) (flags: SOCK_NONBLOCK, SOCK_CLOEXEC). */
  accept(fd: number, flags?: number): KernelPath<number>;
  /** sendmsg(2) of `data` with the files of `fds` as SCM_RIGHTS. */
  sendmsg(fd: number, data: string, fds: readonly number[], flags?: number): KernelPath<number>;
  /** sendto(2) / sendmsg(2) with msg_name: a datagram to the socket bound at `addr` (a full queue there sleeps on its peer_wait). */
  sendto(fd: number, data: string, addr: string, fds?: readonly number[], flags?: number): KernelPath<number>;
  /** recvmsg(2): up to `count` bytes, room for `maxFds` passed files. */
  recvmsg(fd: number, count: number, maxFds?: number, flags?: number): KernelPath<RecvResult>;
  /** shutdown(2). */
  shutdown(fd: number, how: number): KernelPath<number>;
  /** One run of the garbage collector in this thread's context (as unix_gc() from a close or a send). */
  gc(): KernelPath<UnixGcReport>;
}

function cold<T>(p: Process, gen: KernelPath<T>): T {
  return plainSyscall(p.main, () => p.world.engine.runPlain(p.main.sim, syscallSteps(p.main, gen)));
}

function checkFdList(call: string, fds: readonly number[]): void {
  if (!Array.isArray(fds) || !fds.every((x) => typeof x === 'number')) throw new ModelError('bad-argument', `${call}: fds must be a list of numbers, got ${describeValue(fds)}`);
}

function checkString(call: string, name: string, v: unknown): void {
  if (typeof v !== 'string') throw new ModelError('bad-argument', `${call}: ${name} must be a string, got ${describeValue(v)}`);
}

/** The JS types of a send's arguments (sendmsg, sendto: then `addr` too). */
function checkSend(call: string, fd: number, data: string, fds: readonly number[], flags: number, addr?: string): void {
  checkNumbers(call, 'fd', fd, 'flags', flags);
  checkString(call, 'data', data);
  if (call === 'sendto') checkString(call, 'addr', addr);
  checkFdList(call, fds);
}

/**
 * AF_UNIX sockets (net/unix/af_unix.c): socketpair, socket, bind, listen, connect,
 * accept, sendmsg, sendto and recvmsg with SCM_RIGHTS, shutdown — as plain calls of a process's
 * main thread and, through {@link UnixSys} (`Unix.on(sys)`), as steps of a thread
 * body. Passed files are held by the queued message (one reference each) and counted in
 * flight; the garbage collector ({@link UnixGc}, policy `unixGc`) frees cycles of
 * sockets that only messages reach.
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_DGRAM, MSG_CMSG_CLOEXEC, O_RDONLY } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
 * const fd = p.open('/data/log', O_RDONLY);
 * Unix.sendmsg(p, a, 'take this', [fd]);
 * const r = Unix.recvmsg(p, b, 64, 1, MSG_CMSG_CLOEXEC);
 * p.fileOf(r.fds[0]!) === p.fileOf(fd); // true: the same struct file
 * ```
 */
export const Unix = /* @__PURE__ */ Object.freeze({
  /** socketpair(AF_UNIX, type, protocol) by `p`'s main thread. */
  socketpair: (p: Process, type: number, protocol = 0): [number, number] => {
    checkNumbers('socketpair', 'type', type, 'protocol', protocol);
    return cold(p, socketpairSteps(p.main, AF_UNIX, type, protocol));
  },
  /** socket(AF_UNIX, type, protocol). */
  socket: (p: Process, type: number, protocol = 0): number => {
    checkNumbers('socket', 'type', type, 'protocol', protocol);
    return cold(p, socketSteps(p.main, AF_UNIX, type, protocol));
  },
  /** bind(2). */
  bind: (p: Process, fd: number, addr: string): number => {
    checkNumbers('bind', 'fd', fd);
    checkString('bind', 'addr', addr);
    return cold(p, bindSteps(p.main, fd, addr));
  },
  /** listen(2). */
  listen: (p: Process, fd: number, backlog = 16): number => {
    checkNumbers('listen', 'fd', fd, 'backlog', backlog);
    return cold(p, listenSteps(p.main, fd, backlog));
  },
  /** connect(2) (a plain call cannot sleep: a blocking connect to a full backlog is `ModelError('would-block')`). */
  connect: (p: Process, fd: number, addr: string): number => {
    checkNumbers('connect', 'fd', fd);
    checkString('connect', 'addr', addr);
    return cold(p, connectSteps(p.main, fd, addr));
  },
  /** accept4(2) (a plain call cannot sleep: an empty accept queue is EAGAIN only with SOCK_NONBLOCK on the listener). */
  accept: (p: Process, fd: number, flags = 0): number => {
    checkNumbers('accept4', 'fd', fd, 'flags', flags);
    return cold(p, acceptSteps(p.main, fd, flags));
  },
  /** sendmsg(2) with SCM_RIGHTS. */
  sendmsg: (p: Process, fd: number, data: string, fds: readonly number[] = [], flags = 0): number => {
    checkSend('sendmsg', fd, data, fds, flags);
    return cold(p, sendmsgSteps(p.main, fd, data, fds, flags));
  },
  /**
   * sendto(2) — sendmsg(2) with msg_name `addr` — with SCM_RIGHTS: a datagram goes to the
   * socket bound at `addr` (also from a connected socket), a seqpacket send ignores the
   * address, a stream send is EISCONN or EOPNOTSUPP.
   */
  sendto: (p: Process, fd: number, data: string, addr: string, fds: readonly number[] = [], flags = 0): number => {
    checkSend('sendto', fd, data, fds, flags, addr);
    return cold(p, sendmsgSteps(p.main, fd, data, fds, flags, addr));
  },
  /** recvmsg(2): a plain call cannot sleep, so use MSG_DONTWAIT or receive what is queued. */
  recvmsg: (p: Process, fd: number, count = 64, maxFds = SCM_MAX_FD, flags = 0): RecvResult => {
    checkNumbers('recvmsg', 'fd', fd, 'count', count, 'maxFds', maxFds, 'flags', flags);
    return cold(p, recvmsgSteps(p.main, fd, count, maxFds, flags));
  },
  /** shutdown(2). */
  shutdown: (p: Process, fd: number, how: number): number => {
    checkNumbers('shutdown', 'fd', fd, 'how', how);
    return cold(p, shutdownSteps(p.main, fd, how));
  },
  /** The socket behind `fd` in `p`'s table (EBADF, or ENOTSOCK). */
  sockOf(p: Process, fd: number): UnixSock {
    const s = unixSockOfFile(p.fileOf(fd));
    if (s === null) throw new ModelError('bad-argument', `fd ${fd} of ${p.name} is not an AF_UNIX socket`);
    return s;
  },
  /** The stepped calls of a thread body (arguments are checked as the plain calls check them). */
  on(sys: Sys): UnixSys {
    const t = sys.task;
    return {
      socketpair: (type, protocol = 0) => {
        checkNumbers('socketpair', 'type', type, 'protocol', protocol);
        return syscallSteps(t, socketpairSteps(t, AF_UNIX, type, protocol));
      },
      socket: (type, protocol = 0) => {
        checkNumbers('socket', 'type', type, 'protocol', protocol);
        return syscallSteps(t, socketSteps(t, AF_UNIX, type, protocol));
      },
      bind: (fd, addr) => {
        checkNumbers('bind', 'fd', fd);
        checkString('bind', 'addr', addr);
        return syscallSteps(t, bindSteps(t, fd, addr));
      },
      listen: (fd, backlog) => {
        checkNumbers('listen', 'fd', fd, 'backlog', backlog);
        return syscallSteps(t, listenSteps(t, fd, backlog));
      },
      connect: (fd, addr) => {
        checkNumbers('connect', 'fd', fd);
        checkString('connect', 'addr', addr);
        return syscallSteps(t, connectSteps(t, fd, addr));
      },
      accept: (fd, flags = 0) => {
        checkNumbers('accept4', 'fd', fd, 'flags', flags);
        return syscallSteps(t, acceptSteps(t, fd, flags));
      },
      sendmsg: (fd, data, fds, flags = 0) => {
        checkSend('sendmsg', fd, data, fds, flags);
        return syscallSteps(t, sendmsgSteps(t, fd, data, fds, flags));
      },
      sendto: (fd, data, addr, fds = [], flags = 0) => {
        checkSend('sendto', fd, data, fds, flags, addr);
        return syscallSteps(t, sendmsgSteps(t, fd, data, fds, flags, addr));
      },
      recvmsg: (fd, count, maxFds = SCM_MAX_FD, flags = 0) => {
        checkNumbers('recvmsg', 'fd', fd, 'count', count, 'maxFds', maxFds, 'flags', flags);
        return syscallSteps(t, recvmsgSteps(t, fd, count, maxFds, flags));
      },
      shutdown: (fd, how) => {
        checkNumbers('shutdown', 'fd', fd, 'how', how);
        return syscallSteps(t, shutdownSteps(t, fd, how));
      },
      gc: () => syscallSteps(t, unixGcSteps(hookUnix(t.world as UnixWorld))),
    };
  },
});

/**
 * The AF_UNIX garbage collector (net/unix/garbage.c) as an object: run it on demand,
 * get its steps for a thread, and look at the in-flight graph the way each collector
 * and an independent oracle see it. Which collector runs is the `unixGc` policy
 * ('classic' ≤ v6.9, 'scc' v6.10+); see docs/architecture.md.
 *
 * @example
 * ```ts
 * import { Kernel, Unix, UnixGc, SOCK_DGRAM } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
 * Unix.sendmsg(p, b, '', [a]); // a is in flight in its own queue
 * p.close(a);                   // only the message holds it now: a cycle
 * UnixGc.run(k).collected;      // ['unix#1']
 * ```
 */
export const UnixGc = /* @__PURE__ */ Object.freeze({
  /** One collector run to completion outside any thread (kernel.unixGc()). */
  run(w: UnixWorld): UnixGcReport {
    hookUnix(w);
    return w.engine.runPlain(w.engine.setupThread, unixGcSteps(w));
  },
  /** One collector run as a kernel path (unix_gc()). */
  steps: (w: UnixWorld): KernelPath<UnixGcReport> => unixGcSteps(hookUnix(w)),
  /** Names of the sockets a user can reach (fds, and what their queues carry): the oracle the detector uses. */
  reachable: (w: UnixWorld): string[] => [...reachableFromUsers(w)].map((s) => s.name),
  /** The strongly connected components of the in-flight graph right now, by socket name. */
  components: (w: UnixWorld): string[][] => tarjan(w.unix).map((c) => c.map((s) => s.name)),
  /**
   * The in-flight graph as plain data for `renderDot(events, { unix })`: every socket, an
   * edge per in-flight copy, and the components — the last collector run's if one ran
   * (with what it freed), else the cyclic components of the graph now.
   */
  graph(w: UnixWorld): DotUnixGraph {
    const reg = w.unix;
    const edges: Array<{ from: string; to: string; skb: string }> = [];
    const held: Array<{ skb: string; on: string; file: string }> = [];
    for (const s of reg.socks) {
      for (const q of [s.queue, ...s.acceptQ.map((e) => e.queue)]) {
        for (const skb of q) {
          for (const f of skb.files) {
            held.push({ skb: `skb#${skb.id}`, on: (skb.owner ?? s).name, file: f.name });
            const u = unixSockOfFile(f);
            if (u !== null) edges.push({ from: u.name, to: (skb.owner ?? s).name, skb: `skb#${skb.id}` });
          }
        }
      }
    }
    const last = reg.lastGc;
    const walk = walkScc(reg, null);
    const now = walk.sccs.filter((_, i) => walk.cyclic[i]);
    return {
      sockets: reg.socks.map((s) => ({ name: s.name, file: s.file?.name, inflight: s.inflight, dead: s.dead, listener: s.listener?.name })),
      edges,
      held,
      components: last !== null && last.components.length > 0 ? last.components : now.map((c) => c.map((s) => s.name)),
      collected: last?.collected ?? [],
    };
  },
});

const n = (v: unknown): number => v as number;

/**
 * The AF_UNIX system calls as a call generator sees them (see {@link SyscallSpec}); the
 * DPOR-vs-naive soundness property draws from this list with the core's.
 *
 * @example
 * ```ts
 * import { UNIX_SYSCALLS } from 'fdlab/extend';
 * UNIX_SYSCALLS.map((s) => s.name).includes('sendmsg'); // true
 * ```
 */
export const UNIX_SYSCALLS: readonly SyscallSpec[] = /* @__PURE__ */ Object.freeze([
  { name: 'socketpair', method: 'socketpair', args: ['sockType'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).socketpair(n(a[0])) },
  { name: 'socket', method: 'socket', args: ['sockType'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).socket(n(a[0])) },
  { name: 'bind', method: 'bind', args: ['fd', 'sunPath'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).bind(n(a[0]), a[1] as string) },
  { name: 'listen', method: 'listen', args: ['fd', 'int'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).listen(n(a[0]), n(a[1])) },
  { name: 'connect', method: 'connect', args: ['fd', 'sunPath'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).connect(n(a[0]), a[1] as string) },
  { name: 'accept4', method: 'accept', args: ['fd'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).accept(n(a[0]), 0o4000) },
  { name: 'sendmsg', method: 'sendmsg', args: ['fd', 'fdList'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).sendmsg(n(a[0]), 'x', a[1] as number[], 0x40) },
  // Blocking: a full queue at the address sleeps until a receive (or the target's release) wakes it.
  { name: 'sendto', method: 'sendto', args: ['fd', 'sunPath', 'fdList'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).sendto(n(a[0]), 'x', a[1] as string, a[2] as number[]) },
  { name: 'recvmsg', method: 'recvmsg', args: ['fd', 'msgFlags'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).recvmsg(n(a[0]), 4, 2, n(a[1]) | 0x40) },
  { name: 'shutdown', method: 'shutdown', args: ['fd', 'int'], call: (sys: Sys, a: readonly unknown[]) => Unix.on(sys).shutdown(n(a[0]), n(a[1])) },
  { name: 'unix_gc', method: 'gc', args: [], call: (sys: Sys) => Unix.on(sys).gc() },
] satisfies SyscallSpec[]);
