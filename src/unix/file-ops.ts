import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLRDNORM, EPOLLWRBAND, EPOLLWRNORM, pollWait } from '../file/poll.js';
import type { RefFile } from '../file/ref-file.js';
import { KernelError } from '../sim/kernel-error.js';
import type { SteppedFileOperations } from '../task/stepped-file-ops.js';
import { MSG_DONTWAIT, RCV_SHUTDOWN, SEND_SHUTDOWN, SOCK_DGRAM } from './constants.js';
import { unixRecvSteps } from './recvmsg.js';
import { unixReleaseSock } from './release.js';
import { hasRoom } from './send-target.js';
import { unixSendSteps } from './sendmsg.js';
import { SK_QUEUE, SK_STATE, unixSockOfFile, type UnixSock, type UnixWorld } from './sock.js';

function sockOf(file: RefFile): UnixSock {
  const s = unixSockOfFile(file);
  if (s === null) throw new KernelError('ENOTSOCK', 'socket', `${file.name} is not a socket`);
  return s;
}

/**
 * unix_writable(): what the sender has queued at its peer is under its send buffer; it
 * looks neither at shutdown nor at the peer's death (a poll says EPOLLOUT on a socket
 * whose peer is gone, and the send then fails). unix_dgram_poll() also says no while the
 * peer is not connected back and its receive queue is full (hasRoom()).
 */
function unixWritable(s: UnixSock): boolean {
  const p = s.peer;
  return p === null || hasRoom(s, p);
}

/**
 * The poll mask of a socket: unix_poll() for streams, unix_dgram_poll() for datagrams and
 * seqpackets (checked against the host through epoll in the conformance harness). @internal
 */
export function unixPollMask(s: UnixSock): number {
  const e = s.engine;
  e.read(s.simId, SK_STATE);
  e.read(s.simId, SK_QUEUE);
  if (s.peer !== null) e.read(s.peer.simId, SK_QUEUE);
  let mask = 0;
  if (s.skErr !== null) mask |= EPOLLERR;
  if (s.shutdown & RCV_SHUTDOWN) mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
  if (s.shutdown === (RCV_SHUTDOWN | SEND_SHUTDOWN)) mask |= EPOLLHUP;
  if (s.queue.length > 0 || s.acceptQ.length > 0) mask |= EPOLLIN | EPOLLRDNORM;
  // TCP_CLOSE: a connection-based socket never connected (or disconnected) hangs up.
  if (s.connOriented && (s.state === 'unconnected' || s.state === 'closed')) mask |= EPOLLHUP;
  if (s.state === 'listening') return mask;
  // unix_poll() and unix_dgram_poll() both add EPOLLWRBAND to a writable socket's mask.
  if (unixWritable(s)) mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
  return mask;
}

/** The locations unixPollMask() reads. @internal */
export function unixPollAccess(s: UnixSock): number[] {
  const acc = [s.acc(SK_STATE, false), s.acc(SK_QUEUE, false)];
  const p = s.peer;
  if (p !== null) acc.push(p.acc(SK_QUEUE, false));
  // A datagram's writability asks whether the peer is connected back (hasRoom()).
  if (p !== null && s.type === SOCK_DGRAM) acc.push(p.acc(SK_STATE, false));
  return acc;
}

/**
 * The file operations of an AF_UNIX socket (sockfs "socket:[N]"): a stream file whose
 * `->poll` reports readable while messages (or, for a listener, connections) wait and
 * writable while the peer's queue has room, registering on the socket's wait queue (so
 * poll(2), select(2) and epoll work on sockets); F_SETFL may set O_ASYNC (sock_fasync);
 * read(2) is recvmsg without a control buffer (passed files are dropped; a zero count
 * returns 0 at once) and write(2) is sendmsg without fds, as sock_read_iter() and
 * sock_write_iter() do; release is unix_release_sock(). Models unix_stream_ops,
 * unix_dgram_ops and unix_seqpacket_ops behind socket_file_ops (net/socket.c,
 * net/unix/af_unix.c).
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_STREAM, unixSocketOperations } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [a] = Unix.socketpair(p, SOCK_STREAM);
 * p.fileOf(a).ops === unixSocketOperations; // true
 * ```
 */
export const unixSocketOperations: SteppedFileOperations = {
  name: 'unix_socket',
  stream: true,
  *readSteps(t, file, count, iocb) {
    // sock_read_iter(): a position is ESPIPE (only io_uring can pass one), then "Match SYS5
    // behaviour": nothing to read returns before the socket is looked at.
    if (iocb !== undefined && iocb.pos !== 0) throw new KernelError('ESPIPE', 'sock_read_iter', `offset ${iocb.pos} on a socket`);
    if (count === 0) return '';
    return (yield* unixRecvSteps(t, sockOf(file), count, 0, iocb?.nowait ? MSG_DONTWAIT : 0, 'read')).data;
  },
  *writeSteps(t, file, data, iocb) {
    // sock_write_iter(): the same ESPIPE, checked before the send starts.
    if (iocb !== undefined && iocb.pos !== 0) throw new KernelError('ESPIPE', 'sock_write_iter', `offset ${iocb.pos} on a socket`);
    return yield* unixSendSteps(t, sockOf(file), data, [], iocb?.nowait ? MSG_DONTWAIT : 0, 'write');
  },
  poll: (file, pt) => {
    const s = sockOf(file);
    pollWait(file, s.wq, pt);
    return unixPollMask(s);
  },
  // Declarations are asked for whenever the explorer looks, also of a step that will not
  // run: a file whose socket is gone (a collector freed it) declares nothing of it.
  pollAccess: (file) => {
    const s = unixSockOfFile(file);
    return s === null ? [] : unixPollAccess(s);
  },
  waitQueues: (file) => {
    const s = unixSockOfFile(file);
    return s === null ? [] : [s.wq];
  },
  // sock_fasync(): sockets take O_ASYNC (the model sends no SIGIO).
  fasync: () => undefined,
  accesses: (file) => {
    const s = unixSockOfFile(file);
    return s === null ? [] : [s.acc(SK_STATE, true), s.acc(SK_QUEUE, true)];
  },
  release: (file) => {
    const s = unixSockOfFile(file);
    return s === null ? undefined : unixReleaseSock(file.mount.world as unknown as UnixWorld, s);
  },
};
