/* pidfd and seccomp user-notification constants (include/uapi/linux/pidfd.h,
 * include/uapi/linux/seccomp.h). */

/** pidfd_open: a non-blocking pidfd (PIDFD_NONBLOCK = O_NONBLOCK, v5.10). @example `pf.pidfdOpen(p, pid, PIDFD_NONBLOCK)` */
export const PIDFD_NONBLOCK = 0o4000;
/** pidfd_open: a pidfd for a thread, not only a thread-group leader (PIDFD_THREAD = O_EXCL, v6.9). @example `pf.pidfdOpen(p, tid, PIDFD_THREAD)` */
export const PIDFD_THREAD = 0o200;
/** SECCOMP_IOCTL_NOTIF_ADDFD: install at exactly `newfd` (SECCOMP_ADDFD_FLAG_SETFD). @example `{ flags: SECCOMP_ADDFD_FLAG_SETFD, newfd: 7 }` */
export const SECCOMP_ADDFD_FLAG_SETFD = 1 << 0;
/** SECCOMP_IOCTL_NOTIF_ADDFD: install and reply with the fd atomically (SECCOMP_ADDFD_FLAG_SEND, v5.14). @example `{ flags: SECCOMP_ADDFD_FLAG_SEND }` */
export const SECCOMP_ADDFD_FLAG_SEND = 1 << 1;
