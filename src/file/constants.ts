/* Open flags and file modes, with the values of include/uapi/asm-generic/fcntl.h and
 * include/linux/fs.h (x86-64). */

/** Open for reading only (O_RDONLY). @example `p.open('/data/log', O_RDONLY)` */
export const O_RDONLY = 0;
/** Open for writing only (O_WRONLY). @example `p.open('/data/log', O_WRONLY)` */
export const O_WRONLY = 0o1;
/** Open for reading and writing (O_RDWR). @example `p.open('/data/log', O_RDWR)` */
export const O_RDWR = 0o2;
/** Create the file if missing (O_CREAT). @example `p.open('/tmp/x', O_RDWR | O_CREAT)` */
export const O_CREAT = 0o100;
/** With O_CREAT: fail with EEXIST if the file exists (O_EXCL). @example `p.open('/tmp/x', O_CREAT | O_EXCL)` */
export const O_EXCL = 0o200;
/** Truncate a regular file on open (O_TRUNC). @example `p.open('/data/log', O_WRONLY | O_TRUNC)` */
export const O_TRUNC = 0o1000;
/** Writes go to the end of the file (O_APPEND). @example `p.open('/data/log', O_WRONLY | O_APPEND)` */
export const O_APPEND = 0o2000;
/** Non-blocking I/O (O_NONBLOCK). @example `p.open('/data/log', O_RDONLY | O_NONBLOCK)` */
export const O_NONBLOCK = 0o4000;
/** Fail with ENOTDIR unless the path is a directory (O_DIRECTORY). @example `p.open('/srv', O_DIRECTORY)` */
export const O_DIRECTORY = 0o200000;
/** Set close-on-exec on the new fd (O_CLOEXEC). @example `p.open('/data/log', O_RDONLY | O_CLOEXEC)` */
export const O_CLOEXEC = 0o2000000;
/** Open a path reference only: no I/O, invisible to fget() (O_PATH). @example `p.open('/srv', O_PATH)` */
export const O_PATH = 0o10000000;

/** Controlling-terminal flag, stripped from f_flags after open (O_NOCTTY). @example `p.open('/data/log', O_RDONLY | O_NOCTTY)` */
export const O_NOCTTY = 0o400;
/** Synchronised data writes (O_DSYNC). @example `p.open('/data/log', O_WRONLY | O_DSYNC)` */
export const O_DSYNC = 0o10000;
/** Signal-driven I/O (FASYNC / O_ASYNC); F_SETFL sets it only through ->fasync. @example `p.open('/data/log', O_RDONLY | O_ASYNC)` */
export const O_ASYNC = 0o20000;
/** Direct I/O; on a pipe's write end, packet mode (O_DIRECT). @example `p.pipe(O_DIRECT)` */
export const O_DIRECT = 0o40000;
/** Large-file offsets; open(2) forces it on 64-bit (O_LARGEFILE). @example `(p.fcntl(fd, F_GETFL) & O_LARGEFILE) !== 0` */
export const O_LARGEFILE = 0o100000;
/** Do not follow a symlink in the last component (O_NOFOLLOW). @example `p.open('/data/log', O_RDONLY | O_NOFOLLOW)` */
export const O_NOFOLLOW = 0o400000;
/** Do not update the access time (O_NOATIME). @example `p.open('/data/log', O_RDONLY | O_NOATIME)` */
export const O_NOATIME = 0o1000000;
/** Synchronised file writes: __O_SYNC | O_DSYNC (O_SYNC). @example `p.open('/data/log', O_WRONLY | O_SYNC)` */
export const O_SYNC = 0o4010000;
/** An unnamed temporary file in a directory: __O_TMPFILE | O_DIRECTORY (O_TMPFILE). @example `p.open('/tmp', O_RDWR | O_TMPFILE)` */
export const O_TMPFILE = 0o20200000;

/** The file may be read (FMODE_READ). @example `(file.mode & FMODE_READ) !== 0` */
export const FMODE_READ = 0x1;
/** The file may be written (FMODE_WRITE). @example `(file.mode & FMODE_WRITE) !== 0` */
export const FMODE_WRITE = 0x2;
/** The file is seekable (FMODE_LSEEK). @example `(file.mode & FMODE_LSEEK) !== 0` */
export const FMODE_LSEEK = 0x4;
/** pread(2) is allowed (FMODE_PREAD): set at open, cleared by stream_open(). @example `(file.mode & FMODE_PREAD) !== 0` */
export const FMODE_PREAD = 0x8;
/** pwrite(2) is allowed (FMODE_PWRITE): set at open, cleared by stream_open(). @example `(file.mode & FMODE_PWRITE) !== 0` */
export const FMODE_PWRITE = 0x10;
/** Opened with O_PATH: no I/O, skipped by fget() (FMODE_PATH). @example `(file.mode & FMODE_PATH) !== 0` */
export const FMODE_PATH = 0x4000;
/** f_pos updates are serialised by f_pos_lock (FMODE_ATOMIC_POS, v3.14). @example `(file.mode & FMODE_ATOMIC_POS) !== 0` */
export const FMODE_ATOMIC_POS = 0x8000;
/** ->open succeeded; __fput must run the release chain (FMODE_OPENED). @example `(file.mode & FMODE_OPENED) !== 0` */
export const FMODE_OPENED = 0x80000;

/** lseek from the start (SEEK_SET). @example `p.lseek(fd, 0, SEEK_SET)` */
export const SEEK_SET = 0;
/** lseek from the current position (SEEK_CUR). @example `p.lseek(fd, 4, SEEK_CUR)` */
export const SEEK_CUR = 1;
/** lseek from the end (SEEK_END). @example `p.lseek(fd, 0, SEEK_END)` */
export const SEEK_END = 2;
/** lseek to the next data at or after the offset (SEEK_DATA). @example `p.lseek(fd, 0, SEEK_DATA)` */
export const SEEK_DATA = 3;
/** lseek to the next hole at or after the offset (SEEK_HOLE). @example `p.lseek(fd, 0, SEEK_HOLE)` */
export const SEEK_HOLE = 4;

/* umount2(2) flags, include/linux/fs.h. */

/** umount2: force the unmount even if busy, where the filesystem supports it (MNT_FORCE); needs CAP_SYS_ADMIN. @example `p.umount2('/mnt', MNT_FORCE)` */
export const MNT_FORCE = 1;
/** umount2: lazy unmount — detach now, free when the last file on it is closed (MNT_DETACH). @example `p.umount2('/mnt', MNT_DETACH)` */
export const MNT_DETACH = 2;
/** umount2: mark an unused mount as expired (EAGAIN); a second call unmounts it if still unused (MNT_EXPIRE). @example `p.umount2('/mnt', MNT_EXPIRE)` */
export const MNT_EXPIRE = 4;
/** umount2: do not follow a symbolic link in the last component (UMOUNT_NOFOLLOW). @example `p.umount2('/mnt', UMOUNT_NOFOLLOW)` */
export const UMOUNT_NOFOLLOW = 8;
