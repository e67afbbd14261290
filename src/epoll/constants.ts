import { O_CLOEXEC } from '../file/constants.js';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT } from '../file/poll.js';

/** epoll_create1() flag: the fd is close-on-exec. @example `import { EPOLL_CLOEXEC } from 'fdlab'; EPOLL_CLOEXEC === 0o2000000; // true` */
export const EPOLL_CLOEXEC = O_CLOEXEC;
/** epoll_ctl() op: register a (file, fd). @example `import { EPOLL_CTL_ADD } from 'fdlab'; EPOLL_CTL_ADD; // 1` */
export const EPOLL_CTL_ADD = 1;
/** epoll_ctl() op: unregister. @example `import { EPOLL_CTL_DEL } from 'fdlab'; EPOLL_CTL_DEL; // 2` */
export const EPOLL_CTL_DEL = 2;
/** epoll_ctl() op: change the events and data. @example `import { EPOLL_CTL_MOD } from 'fdlab'; EPOLL_CTL_MOD; // 3` */
export const EPOLL_CTL_MOD = 3;
/** Wake one of the epolls waiting on the same target (ADD only). @example `import { EPOLLEXCLUSIVE } from 'fdlab'; EPOLLEXCLUSIVE; // 0x10000000` */
export const EPOLLEXCLUSIVE = 0x10000000;
/** Hold a wakeup source (ignored by the model; dropped without CAP_BLOCK_SUSPEND). @example `import { EPOLLWAKEUP } from 'fdlab'; EPOLLWAKEUP; // 0x20000000` */
export const EPOLLWAKEUP = 0x20000000;
/** Report once, then disarm until EPOLL_CTL_MOD. @example `import { EPOLLONESHOT } from 'fdlab'; EPOLLONESHOT; // 0x40000000` */
export const EPOLLONESHOT = 0x40000000;
/** Edge-triggered: report on wake-ups, not while ready. @example `import { EPOLLET } from 'fdlab'; EPOLLET; // 0x80000000` */
export const EPOLLET = 0x80000000;
/** Nesting limit of epolls in epolls (fs/eventpoll.c). @example `import { EP_MAX_NESTS } from 'fdlab'; EP_MAX_NESTS; // 4` */
export const EP_MAX_NESTS = 4;
/** maxevents limit of epoll_wait(): INT_MAX / sizeof(struct epoll_event). @example `import { EP_MAX_EVENTS } from 'fdlab'; EP_MAX_EVENTS; // 178956970` */
export const EP_MAX_EVENTS = Math.floor(0x7fffffff / 12);
/** @internal */
export const EP_PRIVATE_BITS = (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** @internal */
export const EPOLLEXCLUSIVE_OK_BITS = (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
