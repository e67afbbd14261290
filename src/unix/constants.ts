/**
 * AF_UNIX (include/linux/socket.h): the address family of Unix-domain sockets.
 *
 * @example
 * ```ts
 * import { AF_UNIX } from 'fdlab';
 * AF_UNIX; // 1
 * ```
 */
export const AF_UNIX = 1;
/**
 * SOCK_STREAM (include/linux/net.h): a connected byte stream.
 *
 * @example
 * ```ts
 * import { SOCK_STREAM } from 'fdlab';
 * SOCK_STREAM; // 1
 * ```
 */
export const SOCK_STREAM = 1;
/**
 * SOCK_DGRAM: datagrams, one message per receive.
 *
 * @example
 * ```ts
 * import { SOCK_DGRAM } from 'fdlab';
 * SOCK_DGRAM; // 2
 * ```
 */
export const SOCK_DGRAM = 2;
/**
 * SOCK_SEQPACKET: connected, record-preserving.
 *
 * @example
 * ```ts
 * import { SOCK_SEQPACKET } from 'fdlab';
 * SOCK_SEQPACKET; // 5
 * ```
 */
export const SOCK_SEQPACKET = 5;
/**
 * SOCK_NONBLOCK (= O_NONBLOCK), or-ed into the type of socket(2) / socketpair(2).
 *
 * @example
 * ```ts
 * import { SOCK_NONBLOCK } from 'fdlab';
 * SOCK_NONBLOCK; // 0o4000
 * ```
 */
export const SOCK_NONBLOCK = 0o4000;
/**
 * SOCK_CLOEXEC (= O_CLOEXEC), or-ed into the type.
 *
 * @example
 * ```ts
 * import { SOCK_CLOEXEC } from 'fdlab';
 * SOCK_CLOEXEC; // 0o2000000
 * ```
 */
export const SOCK_CLOEXEC = 0o2000000;
/**
 * MSG_PEEK: receive without dequeuing; SCM_RIGHTS files are duplicated (unix_peek_fds()).
 *
 * @example
 * ```ts
 * import { MSG_PEEK } from 'fdlab';
 * MSG_PEEK; // 2
 * ```
 */
export const MSG_PEEK = 2;
/**
 * MSG_CTRUNC (msg_flags of recvmsg): some passed files did not fit, or could not be installed.
 *
 * @example
 * ```ts
 * import { MSG_CTRUNC } from 'fdlab';
 * MSG_CTRUNC; // 8
 * ```
 */
export const MSG_CTRUNC = 8;
/**
 * MSG_TRUNC (msg_flags of recvmsg): a datagram was longer than the buffer.
 *
 * @example
 * ```ts
 * import { MSG_TRUNC } from 'fdlab';
 * MSG_TRUNC; // 0x20
 * ```
 */
export const MSG_TRUNC = 0x20;
/**
 * MSG_DONTWAIT: this call does not block (as O_NONBLOCK would).
 *
 * @example
 * ```ts
 * import { MSG_DONTWAIT } from 'fdlab';
 * MSG_DONTWAIT; // 0x40
 * ```
 */
export const MSG_DONTWAIT = 0x40;
/**
 * MSG_NOSIGNAL: EPIPE without SIGPIPE (the model never sends signals, so it only is accepted).
 *
 * @example
 * ```ts
 * import { MSG_NOSIGNAL } from 'fdlab';
 * MSG_NOSIGNAL; // 0x4000
 * ```
 */
export const MSG_NOSIGNAL = 0x4000;
/**
 * MSG_CMSG_CLOEXEC: received files get close-on-exec (scm_detach_fds() → receive_fd(..., O_CLOEXEC)).
 *
 * @example
 * ```ts
 * import { MSG_CMSG_CLOEXEC } from 'fdlab';
 * MSG_CMSG_CLOEXEC; // 0x40000000
 * ```
 */
export const MSG_CMSG_CLOEXEC = 0x40000000;
/**
 * SCM_MAX_FD (include/net/scm.h): at most 253 files per message; more is EINVAL.
 *
 * @example
 * ```ts
 * import { SCM_MAX_FD } from 'fdlab';
 * SCM_MAX_FD; // 253
 * ```
 */
export const SCM_MAX_FD = 253;
/**
 * UNIX_INFLIGHT_TRIGGER_GC (net/unix/garbage.c): a send runs the collector first when more
 * AF_UNIX sockets than this are in flight.
 *
 * @example
 * ```ts
 * import { UNIX_INFLIGHT_TRIGGER_GC } from 'fdlab';
 * UNIX_INFLIGHT_TRIGGER_GC; // 16000
 * ```
 */
export const UNIX_INFLIGHT_TRIGGER_GC = 16000;
/**
 * The model's bound on a receive queue, in messages: a send to a full queue sleeps (or is
 * EAGAIN). The kernel bounds what a sender has queued by bytes (sk_sndbuf, 212992 by
 * default, each message charged its skb's truesize): on the host 278 one-byte messages
 * fit, for socketpairs of all three types. The model counts messages of any size.
 *
 * @example
 * ```ts
 * import { UNIX_QUEUE_MAX } from 'fdlab';
 * UNIX_QUEUE_MAX; // 278
 * ```
 */
export const UNIX_QUEUE_MAX = 278;
/**
 * net.unix.max_dgram_qlen's default (sk_max_ack_backlog of a datagram socket): a datagram
 * to a socket that is not connected back to the sender waits while more than this many
 * messages are queued there (unix_recvq_full_lockless()), so 11 fit — on the host too,
 * for a connected sender and for sendto() alike. A socket connected back, and the sender
 * itself, are bounded by the send buffer instead ({@link UNIX_QUEUE_MAX}).
 *
 * @example
 * ```ts
 * import { UNIX_MAX_DGRAM_QLEN } from 'fdlab';
 * UNIX_MAX_DGRAM_QLEN; // 10
 * ```
 */
export const UNIX_MAX_DGRAM_QLEN = 10;
/**
 * SHUT_RD, for shutdown(2).
 *
 * @example
 * ```ts
 * import { SHUT_RD } from 'fdlab';
 * SHUT_RD; // 0
 * ```
 */
export const SHUT_RD = 0;
/**
 * SHUT_WR, for shutdown(2).
 *
 * @example
 * ```ts
 * import { SHUT_WR } from 'fdlab';
 * SHUT_WR; // 1
 * ```
 */
export const SHUT_WR = 1;
/**
 * SHUT_RDWR, for shutdown(2).
 *
 * @example
 * ```ts
 * import { SHUT_RDWR } from 'fdlab';
 * SHUT_RDWR; // 2
 * ```
 */
export const SHUT_RDWR = 2;
/**
 * RCV_SHUTDOWN (include/net/sock.h): the sk_shutdown bit of a socket that receives no more.
 *
 * @example
 * ```ts
 * import { RCV_SHUTDOWN } from 'fdlab';
 * RCV_SHUTDOWN; // 1
 * ```
 */
export const RCV_SHUTDOWN = 1;
/**
 * SEND_SHUTDOWN: the sk_shutdown bit of a socket that sends no more.
 *
 * @example
 * ```ts
 * import { SEND_SHUTDOWN } from 'fdlab';
 * SEND_SHUTDOWN; // 2
 * ```
 */
export const SEND_SHUTDOWN = 2;
