/* fcntl, close_range and clone constants (include/uapi/asm-generic/fcntl.h,
 * include/uapi/linux/close_range.h, include/uapi/linux/sched.h). */

/** fcntl: duplicate to the lowest free fd ≥ arg (F_DUPFD). @example `p.fcntl(fd, F_DUPFD, 10)` */
export const F_DUPFD = 0;
/** fcntl: read the fd flags (F_GETFD). @example `p.fcntl(fd, F_GETFD)` */
export const F_GETFD = 1;
/** fcntl: set the fd flags (F_SETFD). @example `p.fcntl(fd, F_SETFD, FD_CLOEXEC)` */
export const F_SETFD = 2;
/** fcntl: read the file status flags (F_GETFL). @example `p.fcntl(fd, F_GETFL)` */
export const F_GETFL = 3;
/** fcntl: set the file status flags O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME (F_SETFL). @example `p.fcntl(fd, F_SETFL, O_NONBLOCK)` */
export const F_SETFL = 4;
/** fcntl: test for a POSIX record lock (F_GETLK). @example `p.fcntl(fd, F_GETLK, { type: F_WRLCK, start: 0, len: 0 })` */
export const F_GETLK = 5;
/** fcntl: set a POSIX record lock, failing with EAGAIN on conflict (F_SETLK). @example `p.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 0 })` */
export const F_SETLK = 6;
/** fcntl: set a POSIX record lock, waiting on conflict (F_SETLKW). @example `yield* sys.fcntl(fd, F_SETLKW, lock)` */
export const F_SETLKW = 7;
/** fcntl: F_DUPFD with close-on-exec set (F_DUPFD_CLOEXEC). @example `p.fcntl(fd, F_DUPFD_CLOEXEC, 0)` */
export const F_DUPFD_CLOEXEC = 1030;
/**
 * fcntl: 1 if the fd in the argument refers to the same open file description, 0 if
 * not (F_DUPFD_QUERY, v6.10); works on O_PATH fds. @example `p.fcntl(a, F_DUPFD_QUERY, b)`
 */
export const F_DUPFD_QUERY = 1027;
/**
 * fcntl: resize a pipe's ring to the argument rounded up to a power-of-two number of
 * pages, at least one; returns the new size (F_SETPIPE_SZ). EBUSY if the data would not
 * fit, EPERM past /proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE.
 * @example `p.fcntl(w, F_SETPIPE_SZ, 4096)`
 */
export const F_SETPIPE_SZ = 1031;
/** fcntl: a pipe's capacity in bytes (F_GETPIPE_SZ); EBADF on anything but a pipe. @example `p.fcntl(r, F_GETPIPE_SZ)` */
export const F_GETPIPE_SZ = 1032;
/** splice(2): a hint to move pages rather than copy them; no effect (SPLICE_F_MOVE). @example `p.splice(r, null, fd, null, 4096, SPLICE_F_MOVE)` */
export const SPLICE_F_MOVE = 0x01;
/** splice(2): do not wait on the pipes, EAGAIN instead (SPLICE_F_NONBLOCK). @example `p.splice(fd, null, w, null, 4096, SPLICE_F_NONBLOCK)` */
export const SPLICE_F_NONBLOCK = 0x02;
/** splice(2): more data will follow, a hint for sockets (SPLICE_F_MORE). @example `p.splice(r, null, fd, null, 4096, SPLICE_F_MORE)` */
export const SPLICE_F_MORE = 0x04;
/** vmsplice(2): the pages are a gift; accepted by splice(2) and ignored (SPLICE_F_GIFT). @example `SPLICE_F_MOVE | SPLICE_F_GIFT` */
export const SPLICE_F_GIFT = 0x08;
/** The close-on-exec fd flag (FD_CLOEXEC). @example `p.fcntl(fd, F_SETFD, FD_CLOEXEC)` */
export const FD_CLOEXEC = 1;
/** A shared (read) record lock (F_RDLCK). @example `{ type: F_RDLCK, start: 0, len: 10 }` */
export const F_RDLCK = 0;
/** An exclusive (write) record lock (F_WRLCK). @example `{ type: F_WRLCK, start: 0, len: 0 }` */
export const F_WRLCK = 1;
/** Unlock a range (F_UNLCK). @example `{ type: F_UNLCK, start: 0, len: 0 }` */
export const F_UNLCK = 2;
/** close_range: first unshare the fd table (CLOSE_RANGE_UNSHARE). @example `p.closeRange(3, 100, CLOSE_RANGE_UNSHARE)` */
export const CLOSE_RANGE_UNSHARE = 1 << 1;
/** close_range: set close-on-exec instead of closing (CLOSE_RANGE_CLOEXEC). @example `p.closeRange(3, 100, CLOSE_RANGE_CLOEXEC)` */
export const CLOSE_RANGE_CLOEXEC = 1 << 2;
/** clone/unshare: share (clone) or unshare the fd table (CLONE_FILES). @example `p.unshare(CLONE_FILES)` */
export const CLONE_FILES = 0x400;
