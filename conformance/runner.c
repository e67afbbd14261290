/*
 * fdlab conformance runner: executes programs of system calls on the host kernel with raw
 * syscall(2) and reports, after every call, its result or errno and the caller's fd table.
 *
 * Usage: runner ROOT < programs > results
 *
 * ROOT is a scratch directory; the runner rebuilds fdlab's default tree under it before
 * every program (see conformance/tree.ts) and runs the program with ROOT as the current
 * directory, so the model's absolute paths are used relative to it ("/data/log" opens
 * "data/log"; no chroot needed).
 *
 * Input, one line each:
 *   BEGIN <scan> <tree-spec>     start a program; fds 0..scan-1 are reported
 *   <role> <op> <args...>        a call by process <role> (0 = the first process)
 *   END                          end of the program
 * Output: one JSON line per call, and "END" after each program.
 *
 * Every program process starts with an empty fd table: the coordinator forks the first
 * process, which closes every inherited fd. Its command and result channels live at fds
 * CHAN_BASE and above, beyond the hard RLIMIT_NOFILE (HARD_NOFILE), so no call of the
 * program (dup2, F_DUPFD, pidfd_getfd...) can reach them; close_range is clamped below
 * them (documented in docs/conformance.md).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXP 8
#define CHAN_BASE 8192
#define HARD_NOFILE 4096
#define SOFT_NOFILE 1024
#define LINE 65536
#define GROUP 8

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static int role_id;
static int scan_limit = 64;
static char *self_exe;
static char outbuf[1 << 20];
static size_t outlen;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(outbuf + outlen, sizeof outbuf - outlen, fmt, ap);
  va_end(ap);
  if (n > 0) outlen += (size_t)n;
  if (outlen >= sizeof outbuf) outlen = sizeof outbuf - 1;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(3);
    }
    p += w;
    n -= (size_t)w;
  }
}

/* FNV-1a, also computed by the TS side over the model's data. */
static uint32_t fnv(const unsigned char *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static const char *kind_of(mode_t m) {
  if (S_ISREG(m)) return "reg";
  if (S_ISDIR(m)) return "dir";
  if (S_ISFIFO(m)) return "fifo";
  return "other";
}

/* The fd table: [fd, cloexec, group (lowest fd sharing the description), "dev:ino", kind, pos|null, flags]. */
static void report_table(void) {
  pid_t me = getpid();
  int fds[HARD_NOFILE];
  int n = 0, shown = 0;
  out(",\"t\":[");
  /* F_GETFD, not poll(): an O_PATH fd is invisible to poll() (POLLNVAL) */
  int lim = scan_limit < HARD_NOFILE ? scan_limit : HARD_NOFILE;
  for (int fd = 0; fd < lim; fd++) {
    int fdf = fcntl(fd, F_GETFD);
    if (fdf < 0) continue;
    int group = fd;
    for (int i = 0; i < n; i++) {
      if (syscall(SYS_kcmp, me, me, KCMP_FILE, fds[i], fd) == 0) {
        group = fds[i];
        break;
      }
    }
    if (group == fd) fds[n++] = fd;
    struct stat st;
    fstat(fd, &st);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    int fl = fcntl(fd, F_GETFL);
    out("%s[%d,%d,%d,\"%lu:%lu\",\"%s\",", shown++ ? "," : "", fd, (fdf & FD_CLOEXEC) ? 1 : 0, group,
        (unsigned long)st.st_dev, (unsigned long)st.st_ino, kind_of(st.st_mode));
    if (pos < 0) out("null");
    else out("%lld", (long long)pos);
    out(",%d]", fl);
  }
  out("]");
}

static void json_str(const unsigned char *p, size_t n) {
  out("\"");
  for (size_t i = 0; i < n; i++) {
    unsigned c = p[i];
    if (c == '"' || c == '\\') out("\\%c", c);
    else if (c < 0x20 || c >= 0x7f) out("\\u%04x", c);
    else out("%c", c);
  }
  out("\"");
}

static void on_alarm(int sig) { (void)sig; }

static long long num(char **save) {
  char *t = strtok_r(NULL, " \n", save);
  return t ? strtoll(t, NULL, 0) : 0;
}

static char *word(char **save) {
  char *t = strtok_r(NULL, " \n", save);
  return t ? t : (char *)"";
}

static char databuf[1 << 18];
static unsigned char readbuf[1 << 18];

/* A socket address argument: "@name" is the abstract name "\0fdlab<tag>-name" (the tag,
   the runner's pid and the program's number, keeps concurrent runs and earlier programs
   apart in the host's one abstract namespace),
   anything else a path relative to the scratch root. Returns the address length. */
static const char *rel(const char *p);
static socklen_t sun_of(struct sockaddr_un *a, const char *w) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (w[0] == '@') {
    const char *tag = getenv("FDLAB_TAG");
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "fdlab%s-%s", tag ? tag : "", w + 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
  }
  const char *p = rel(w);
  size_t n = strlen(p);
  if (n > sizeof a->sun_path) n = sizeof a->sun_path;
  memcpy(a->sun_path, p, n);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

/* A received msg_name as the model writes addresses: null when empty (msg_namelen 0: an
   unbound sender), "@name" for an abstract name with the runner's tag taken off, a path
   made absolute again (it was bound relative to the scratch root, see rel()). */
static void name_of(const struct sockaddr_un *a, socklen_t len) {
  size_t off = offsetof(struct sockaddr_un, sun_path);
  if (len <= off) {
    out("null");
    return;
  }
  size_t n = len - off;
  if (n > sizeof a->sun_path) n = sizeof a->sun_path;
  char buf[sizeof a->sun_path + 2];
  if (a->sun_path[0] == 0) {
    char prefix[64];
    const char *tag = getenv("FDLAB_TAG");
    int pn = snprintf(prefix, sizeof prefix, "fdlab%s-", tag ? tag : "");
    const char *p = a->sun_path + 1;
    size_t k = n - 1;
    if (k >= (size_t)pn && !memcmp(p, prefix, (size_t)pn)) {
      p += pn;
      k -= (size_t)pn;
    }
    buf[0] = '@';
    memcpy(buf + 1, p, k);
    json_str((const unsigned char *)buf, k + 1);
    return;
  }
  size_t k = strnlen(a->sun_path, n);
  buf[0] = '/';
  memcpy(buf + 1, a->sun_path, k);
  json_str((const unsigned char *)buf, k + 1);
}

/* A path argument: the model's absolute path, used relative to the scratch root. */
static const char *rel(const char *p) {
  while (*p == '/') p++;
  return *p ? p : ".";
}

/* True if `p` names the root of a mounted filesystem (its device differs from its
   parent's, or it is its own parent). A path that cannot be looked up is not one. */
static int is_mount_root(const char *p) {
  struct stat a, b;
  char up[8192];
  if (stat(p, &a) < 0 || !S_ISDIR(a.st_mode)) return 0;
  snprintf(up, sizeof up, "%s/..", p);
  if (stat(up, &b) < 0) return 0;
  return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

/* Runs one call and sends its report on the result channel. Never returns for exit. */
static void run_call(char *line, int res_fd) {
  char *save;
  char *op = strtok_r(line, " \n", &save);
  long r = 0;
  int err = 0;
  outlen = 0;
  out("{\"op\":\"%s\"", op ? op : "");
  if (op == NULL) op = "";
  struct itimerval it = {{0, 0}, {0, 300000}}; /* a call that blocks gets EINTR after 0.3 s */
  struct itimerval zero = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &it, NULL);
  errno = 0;
  if (!strcmp(op, "open")) {
    char *path = word(&save);
    long flags = (long)num(&save);
    r = syscall(SYS_openat, AT_FDCWD, rel(path), flags, 0644);
  } else if (!strcmp(op, "close")) {
    r = syscall(SYS_close, (long)num(&save));
  } else if (!strcmp(op, "dup")) {
    r = syscall(SYS_dup, (long)num(&save));
  } else if (!strcmp(op, "dup2")) {
    long a = (long)num(&save), b = (long)num(&save);
    r = syscall(SYS_dup2, a, b);
  } else if (!strcmp(op, "dup3")) {
    long a = (long)num(&save), b = (long)num(&save), f = (long)num(&save);
    r = syscall(SYS_dup3, a, b, f);
  } else if (!strcmp(op, "fcntl")) {
    long fd = (long)num(&save), cmd = (long)num(&save), arg = (long)num(&save);
    r = syscall(SYS_fcntl, fd, cmd, arg);
  } else if (!strcmp(op, "lock")) {
    long fd = (long)num(&save), cmd = (long)num(&save);
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = (short)num(&save);
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)num(&save);
    fl.l_len = (off_t)num(&save);
    r = syscall(SYS_fcntl, fd, cmd, &fl);
    err = r < 0 ? errno : 0;
    if (r >= 0 && cmd == F_GETLK) out(",\"x\":[%d,%lld,%lld,%d]", fl.l_type, (long long)fl.l_start, (long long)fl.l_len, fl.l_type == F_UNLCK ? 0 : fl.l_pid);
  } else if (!strcmp(op, "close_range")) {
    unsigned long a = (unsigned int)num(&save), b = (unsigned int)num(&save);
    long f = (long)num(&save);
    /* Keep the channels: clamp the range below CHAN_BASE (nothing the program sees changes). */
    if (a < CHAN_BASE && b >= CHAN_BASE) b = CHAN_BASE - 1;
    if (a >= CHAN_BASE && a <= b) a = b = 0xffffffffUL; /* an empty range: flags still checked */
    r = syscall(SYS_close_range, a, b, f);
  } else if (!strcmp(op, "pipe2")) {
    int p[2] = {-1, -1};
    long f = (long)num(&save);
    r = syscall(SYS_pipe2, p, f);
    err = r < 0 ? errno : 0;
    if (r == 0) out(",\"x\":[%d,%d]", p[0], p[1]);
  } else if (!strcmp(op, "read") || !strcmp(op, "pread")) {
    /* read fd n | pread fd n off */
    long fd = (long)num(&save), n = (long)num(&save);
    if (n > (long)sizeof readbuf) n = sizeof readbuf;
    r = !strcmp(op, "pread") ? syscall(SYS_pread64, fd, readbuf, n, (long)num(&save)) : syscall(SYS_read, fd, readbuf, n);
    err = r < 0 ? errno : 0;
    if (r > 0 && r <= 64) {
      out(",\"x\":");
      json_str(readbuf, (size_t)r);
    } else if (r > 64) out(",\"x\":\"#%u\"", fnv(readbuf, (size_t)r));
  } else if (!strcmp(op, "write") || !strcmp(op, "pwrite")) {
    /* write fd n c | pwrite fd n c off: n bytes of the alphabet from letter c */
    long fd = (long)num(&save), n = (long)num(&save), c = (long)num(&save);
    if (n > (long)sizeof databuf) n = sizeof databuf;
    for (long i = 0; i < n; i++) databuf[i] = (char)('a' + (c + i) % 26);
    r = !strcmp(op, "pwrite") ? syscall(SYS_pwrite64, fd, databuf, n, (long)num(&save)) : syscall(SYS_write, fd, databuf, n);
  } else if (!strcmp(op, "sendfile")) {
    /* offset -2: NULL (the in-file's f_pos) */
    long out_fd = (long)num(&save), in_fd = (long)num(&save), off = (long)num(&save), n = (long)num(&save);
    off_t o = off;
    r = syscall(SYS_sendfile, out_fd, in_fd, off == -2 ? NULL : &o, n);
  } else if (!strcmp(op, "copy_file_range")) {
    /* offsets -2: NULL (the file's f_pos) */
    long in_fd = (long)num(&save), off_in = (long)num(&save), out_fd = (long)num(&save), off_out = (long)num(&save);
    long n = (long)num(&save), fl = (long)num(&save);
    loff_t oi = off_in, oo = off_out;
    r = syscall(SYS_copy_file_range, in_fd, off_in == -2 ? NULL : &oi, out_fd, off_out == -2 ? NULL : &oo, n, fl);
  } else if (!strcmp(op, "splice")) {
    /* splice in off_in out off_out n flags; offsets -2: NULL (the file's f_pos) */
    long in_fd = (long)num(&save), off_in = (long)num(&save), out_fd = (long)num(&save), off_out = (long)num(&save);
    long n = (long)num(&save), fl = (long)num(&save);
    loff_t oi = off_in, oo = off_out;
    r = syscall(SYS_splice, in_fd, off_in == -2 ? NULL : &oi, out_fd, off_out == -2 ? NULL : &oo, n, fl);
  } else if (!strcmp(op, "lseek")) {
    long fd = (long)num(&save), off = (long)num(&save), wh = (long)num(&save);
    r = syscall(SYS_lseek, fd, off, wh);
  } else if (!strcmp(op, "getdents")) {
    long fd = (long)num(&save);
    r = syscall(SYS_getdents64, fd, readbuf, sizeof readbuf);
    err = r < 0 ? errno : 0;
    if (r >= 0) {
      /* names other than . and .., sorted: the order is the filesystem's */
      char *names[512];
      int n = 0;
      for (long off = 0; off < r && n < 512;) {
        struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *)(readbuf + off);
        if (strcmp(d->name, ".") && strcmp(d->name, "..")) names[n++] = d->name;
        off += d->reclen;
      }
      for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
          char *t = names[j];
          names[j] = names[j - 1];
          names[j - 1] = t;
        }
      out(",\"x\":[");
      for (int i = 0; i < n; i++) {
        out(i ? "," : "");
        json_str((unsigned char *)names[i], strlen(names[i]));
      }
      out("]");
    }
  } else if (!strcmp(op, "prlimit")) {
    struct rlimit rl = {(rlim_t)num(&save), HARD_NOFILE};
    r = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL);
  } else if (!strcmp(op, "fork")) {
    int child = (int)num(&save);
    r = syscall(SYS_fork);
    if (r == 0) {
      setitimer(ITIMER_REAL, &zero, NULL);
      role_id = child;
      outlen = 0;
      out("{\"op\":\"start\",\"r\":%d,\"e\":0", (int)getpid());
      report_table();
      out("}\n");
      write_all(CHAN_BASE + 2 * role_id + 1, outbuf, outlen);
      return;
    }
  } else if (!strcmp(op, "exit")) {
    out(",\"r\":0,\"e\":0}\n");
    write_all(res_fd, outbuf, outlen);
    _exit(0);
  } else if (!strcmp(op, "wait")) {
    long pid = (long)num(&save), nohang = (long)num(&save);
    int status = 0;
    r = syscall(SYS_wait4, pid, &status, nohang ? WNOHANG : 0, NULL);
  } else if (!strcmp(op, "exec")) {
    char role[16], scan[16];
    snprintf(role, sizeof role, "%d", role_id);
    snprintf(scan, sizeof scan, "%d", scan_limit);
    char *argv[] = {self_exe, (char *)"--exec", role, scan, NULL};
    setitimer(ITIMER_REAL, &zero, NULL);
    r = syscall(SYS_execve, self_exe, argv, environ);
  } else if (!strcmp(op, "pidfd_open")) {
    long pid = (long)num(&save), f = (long)num(&save);
    r = syscall(SYS_pidfd_open, pid, f);
  } else if (!strcmp(op, "pidfd_getfd")) {
    long pfd = (long)num(&save), tfd = (long)num(&save), f = (long)num(&save);
    r = syscall(SYS_pidfd_getfd, pfd, tfd, f);
  } else if (!strcmp(op, "kcmp")) {
    /* kcmp pid1 pid2 type idx1 idx2 tfd toff: for KCMP_EPOLL_TFD idx2 is the epoll fd of the
       slot {idx2, tfd, toff}; unequal (1 or 2, by obfuscated pointers) reports as 1 */
    long p1 = (long)num(&save), p2 = (long)num(&save), type = (long)num(&save), i1 = (long)num(&save), i2 = (long)num(&save);
    struct kcmp_epoll_slot slot = {(__u32)i2, (__u32)num(&save), (__u32)num(&save)};
    r = syscall(SYS_kcmp, p1, p2, type, i1, type == KCMP_EPOLL_TFD ? (long)&slot : i2);
    if (r > 0) r = 1;
  } else if (!strcmp(op, "umount2")) {
    char *path = word(&save);
    long flags = (long)num(&save);
    /* The program's tree has no mount, and a path must never unmount one of the host's:
       refuse (and fail the run) if the path is the root of any filesystem. */
    if (is_mount_root(rel(path))) {
      fprintf(stderr, "runner: refusing umount2 of %s: it is a mount point\n", path);
      _exit(6);
    }
    r = syscall(SYS_umount2, rel(path), flags);
  } else if (!strcmp(op, "socket")) {
    long t = (long)num(&save);
    r = syscall(SYS_socket, AF_UNIX, t, 0);
  } else if (!strcmp(op, "bind") || !strcmp(op, "connect")) {
    long fd = (long)num(&save);
    struct sockaddr_un a;
    socklen_t len = sun_of(&a, word(&save));
    r = syscall(!strcmp(op, "bind") ? SYS_bind : SYS_connect, fd, &a, len);
  } else if (!strcmp(op, "listen")) {
    long fd = (long)num(&save), backlog = (long)num(&save);
    r = syscall(SYS_listen, fd, backlog);
  } else if (!strcmp(op, "accept4")) {
    long fd = (long)num(&save), f = (long)num(&save);
    r = syscall(SYS_accept4, fd, NULL, NULL, f);
  } else if (!strcmp(op, "socketpair")) {
    int sv[2] = {-1, -1};
    long t = (long)num(&save);
    r = syscall(SYS_socketpair, AF_UNIX, t, 0, sv);
    err = r < 0 ? errno : 0;
    if (r == 0) out(",\"x\":[%d,%d]", sv[0], sv[1]);
  } else if (!strcmp(op, "sendmsg") || !strcmp(op, "sendto")) {
    /* sendmsg fd n fd1 .. fdn | sendto fd addr n fd1 .. fdn: one byte 'm' and n fds in one
       SCM_RIGHTS cmsg, non-blocking; sendto names `addr` in msg_name (as sendto(2) would) */
    long fd = (long)num(&save);
    struct sockaddr_un to;
    socklen_t tolen = !strcmp(op, "sendto") ? sun_of(&to, word(&save)) : 0;
    long n = (long)num(&save);
    static int passfds[300];
    static union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 300)]; } ctl;
    if (n > 300) n = 300;
    for (long i = 0; i < n; i++) passfds[i] = (int)num(&save);
    struct iovec iov = {.iov_base = "m", .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (tolen > 0) {
      m.msg_name = &to;
      m.msg_namelen = tolen;
    }
    if (n > 0) {
      memset(&ctl, 0, sizeof ctl);
      m.msg_control = ctl.b;
      m.msg_controllen = CMSG_LEN(sizeof(int) * n);
      struct cmsghdr *c = CMSG_FIRSTHDR(&m);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * n);
      memcpy(CMSG_DATA(c), passfds, sizeof(int) * n);
    }
    r = syscall(SYS_sendmsg, fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  } else if (!strcmp(op, "recvmsg")) {
    /* recvmsg fd room flags: one byte, room for `room` fds (msg_controllen = CMSG_LEN(4 * room)),
       non-blocking; also reports the sender's address (msg_name), see name_of() */
    long fd = (long)num(&save), room = (long)num(&save), fl = (long)num(&save);
    static union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 300)]; } ctl;
    char data[1];
    struct sockaddr_un from;
    memset(&from, 0, sizeof from);
    struct iovec iov = {.iov_base = data, .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_name = &from, .msg_namelen = sizeof from};
    if (room > 300) room = 300;
    if (room > 0) {
      memset(&ctl, 0, sizeof ctl);
      m.msg_control = ctl.b;
      m.msg_controllen = CMSG_LEN(sizeof(int) * room);
    }
    r = syscall(SYS_recvmsg, fd, &m, fl | MSG_DONTWAIT);
    err = r < 0 ? errno : 0;
    if (r >= 0) {
      out(",\"x\":[");
      json_str((const unsigned char *)data, (size_t)r);
      out(",[");
      int k = 0;
      if (m.msg_controllen > 0) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
          if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
          int nf = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
          int *got = (int *)CMSG_DATA(c);
          for (int i = 0; i < nf; i++) out("%s%d", k++ ? "," : "", got[i]);
        }
      }
      out("],%d,", m.msg_flags & (MSG_CTRUNC | MSG_TRUNC));
      name_of(&from, m.msg_namelen);
      out("]");
    }
  } else if (!strcmp(op, "shutdown")) {
    long fd = (long)num(&save), how = (long)num(&save);
    r = syscall(SYS_shutdown, fd, how);
  } else if (!strcmp(op, "epoll_create1")) {
    r = syscall(SYS_epoll_create1, (long)num(&save));
  } else if (!strcmp(op, "epoll_ctl")) {
    /* the event's data is the target fd, as the model's is */
    long epfd = (long)num(&save), eop = (long)num(&save), fd = (long)num(&save), ev = (long)num(&save);
    struct epoll_event e = {.events = (uint32_t)ev, .data = {.u64 = (uint64_t)fd}};
    r = syscall(SYS_epoll_ctl, epfd, eop, fd, &e);
  } else if (!strcmp(op, "epoll_wait")) {
    /* timeout 0 only: a plain model call cannot sleep */
    long epfd = (long)num(&save), maxev = (long)num(&save);
    struct epoll_event evs[64];
    r = syscall(SYS_epoll_pwait, epfd, evs, maxev > 64 ? 64 : maxev, 0, NULL, 8);
    err = r < 0 ? errno : 0;
    if (r >= 0) {
      out(",\"x\":[");
      for (long i = 0; i < r; i++) out("%s[%llu,%u]", i ? "," : "", (unsigned long long)evs[i].data.u64, evs[i].events);
      out("]");
    }
  } else if (!strcmp(op, "eventfd")) {
    long init = (long)num(&save), f = (long)num(&save);
    r = syscall(SYS_eventfd2, init, f);
  } else if (!strcmp(op, "efd_write")) {
    /* efd_write fd value size: the value as 8 little-endian bytes, of which size are written */
    long fd = (long)num(&save);
    uint64_t v = (uint64_t)strtoull(word(&save), NULL, 0);
    long size = (long)num(&save);
    unsigned char b[16] = {0};
    memcpy(b, &v, 8);
    r = syscall(SYS_write, fd, b, size);
  } else if (!strcmp(op, "efd_read")) {
    /* efd_read fd size: the counter read, as a decimal string */
    long fd = (long)num(&save), size = (long)num(&save);
    unsigned char b[16] = {0};
    r = syscall(SYS_read, fd, b, size);
    err = r < 0 ? errno : 0;
    if (r == 8) {
      uint64_t v;
      memcpy(&v, b, 8);
      out(",\"x\":\"%llu\"", (unsigned long long)v);
    }
  } else if (!strcmp(op, "poll")) {
    /* poll n fd1 ev1 .. fdn evn, timeout 0 (ppoll with a zero timespec): the revents */
    long n = (long)num(&save);
    struct pollfd pfds[8];
    if (n > 8) n = 8;
    for (long i = 0; i < n; i++) {
      pfds[i].fd = (int)num(&save);
      pfds[i].events = (short)num(&save);
      pfds[i].revents = 0;
    }
    struct timespec ts = {0, 0};
    r = syscall(SYS_ppoll, pfds, n, &ts, NULL, 8);
    err = r < 0 ? errno : 0;
    if (r >= 0) {
      out(",\"x\":[");
      for (long i = 0; i < n; i++) out("%s%u", i ? "," : "", (unsigned)(unsigned short)pfds[i].revents);
      out("]");
    }
  } else if (!strcmp(op, "select")) {
    /* select nfds rmask wmask emask over fds 0..31, timeout 0 (pselect6): the three masks */
    long nfds = (long)num(&save);
    unsigned long masks[3];
    fd_set sets[3];
    for (int i = 0; i < 3; i++) {
      masks[i] = (unsigned long)num(&save);
      FD_ZERO(&sets[i]);
      for (int fd = 0; fd < 32; fd++)
        if (masks[i] >> fd & 1) FD_SET(fd, &sets[i]);
    }
    struct timespec ts = {0, 0};
    r = syscall(SYS_pselect6, nfds, &sets[0], &sets[1], &sets[2], &ts, NULL);
    err = r < 0 ? errno : 0;
    if (r >= 0) {
      out(",\"x\":[");
      for (int i = 0; i < 3; i++) {
        unsigned long m = 0;
        for (int fd = 0; fd < 32; fd++)
          if (FD_ISSET(fd, &sets[i])) m |= 1UL << fd;
        out("%s%lu", i ? "," : "", m);
      }
      out("]");
    }
  } else if (!strcmp(op, "table")) {
    r = 0;
  } else {
    r = -1;
    errno = ENOSYS;
  }
  if (r < 0 && err == 0) err = errno;
  setitimer(ITIMER_REAL, &zero, NULL);
  out(",\"r\":%ld,\"e\":%d", r < 0 ? -1 : r, r < 0 ? err : 0);
  report_table();
  out("}\n");
  write_all(res_fd, outbuf, outlen);
}

static char linebuf[LINE];

static int read_line(int fd, char *buf, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    ssize_t k = read(fd, buf + n, 1);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    if (buf[n] == '\n') break;
    n++;
  }
  buf[n] = 0;
  return (int)n;
}

/* A program process: read commands from its channel until exit. */
static void worker_loop(void) {
  for (;;) {
    int cmd = CHAN_BASE + 2 * role_id, res = CHAN_BASE + 2 * role_id + 1;
    if (read_line(cmd, linebuf, sizeof linebuf) < 0) _exit(0);
    run_call(linebuf, res);
  }
}

static void worker_setup(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked call returns EINTR */
  sigaction(SIGALRM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

/* After an exit reply, wait until the process is a zombie (or gone), so that the
   parent's next wait4(WNOHANG) sees what the model sees. */
static void wait_zombie(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (int i = 0; i < 20000; i++) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    if (rp == NULL || rp[2] == 'Z' || rp[2] == 'X') return;
    usleep(50);
  }
}

/* ---- the scratch tree ---- */

static void rm_tree(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) {
    unlink(path);
    return;
  }
  struct dirent *e;
  char sub[4096];
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    struct stat st;
    if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
      rm_tree(sub);
      rmdir(sub);
    } else unlink(sub);
  }
  closedir(d);
}

/* Tree spec: entries separated by ';', "d:path" a directory, "f:path:hexdata" a file. */
static void build_tree(const char *root, char *spec) {
  mkdir(root, 0755);
  rm_tree(root);
  char *save;
  for (char *e = strtok_r(spec, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
    char path[4096];
    if (e[0] == 'd') {
      snprintf(path, sizeof path, "%s/%s", root, e + 2);
      mkdir(path, 0755);
    } else if (e[0] == 'f') {
      char *colon = strchr(e + 2, ':');
      if (colon == NULL) continue;
      *colon = 0;
      snprintf(path, sizeof path, "%s/%s", root, e + 2);
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) continue;
      char *hex = colon + 1;
      size_t n = strlen(hex) / 2;
      for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        databuf[i] = (char)v;
      }
      write_all(fd, databuf, n);
      close(fd);
    }
  }
}

int main(int argc, char **argv) {
  self_exe = realpath("/proc/self/exe", NULL);
  if (argc >= 4 && !strcmp(argv[1], "--exec")) {
    /* the image a program process execs: report the survivors, then go on serving */
    role_id = atoi(argv[2]);
    scan_limit = atoi(argv[3]);
    worker_setup();
    outlen = 0;
    out("{\"op\":\"exec\",\"r\":0,\"e\":0");
    report_table();
    out("}\n");
    write_all(CHAN_BASE + 2 * role_id + 1, outbuf, outlen);
    worker_loop();
  }
  if (argc < 2) {
    fprintf(stderr, "usage: runner ROOT < programs\n");
    return 2;
  }
  const char *root = argv[1];
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  static char line[LINE];
  FILE *in = stdin;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  int cmdw[MAXP], resr[MAXP];
  pid_t pids[MAXP];
  FILE *resf[MAXP];
  while (fgets(line, sizeof line, in)) {
    if (strncmp(line, "BEGIN ", 6)) continue;
    char *save;
    strtok_r(line, " \n", &save);
    scan_limit = atoi(strtok_r(NULL, " \n", &save));
    char *spec = strtok_r(NULL, " \n", &save);
    build_tree(root, spec ? spec : (char *)"");
    {
      /* A fresh tag per program: a socket an earlier program left in flight in a cycle
         keeps its abstract name until the host's collector runs, which may be never. */
      static unsigned long nprog;
      char tag[48];
      snprintf(tag, sizeof tag, "%d.%lu", (int)getpid(), nprog++);
      setenv("FDLAB_TAG", tag, 1);
    }
    int chans[MAXP][2][2];
    for (int i = 0; i < MAXP; i++) {
      if (pipe2(chans[i][0], O_CLOEXEC) < 0 || pipe2(chans[i][1], O_CLOEXEC) < 0) return 4;
    }
    fflush(stdout);
    pid_t p0 = fork();
    if (p0 == 0) {
      /* The first program process: channels to CHAN_BASE.., everything else closed. */
      if (chdir(root) < 0) _exit(5);
      struct rlimit big = {CHAN_BASE + 2 * MAXP + 16, CHAN_BASE + 2 * MAXP + 16};
      setrlimit(RLIMIT_NOFILE, &big);
      for (int i = 0; i < MAXP; i++) {
        dup2(chans[i][0][0], CHAN_BASE + 2 * i);
        dup2(chans[i][1][1], CHAN_BASE + 2 * i + 1);
      }
      syscall(SYS_close_range, 0, CHAN_BASE - 1, 0);
      struct rlimit rl = {SOFT_NOFILE, HARD_NOFILE};
      setrlimit(RLIMIT_NOFILE, &rl);
      worker_setup();
      role_id = 0;
      worker_loop();
    }
    for (int i = 0; i < MAXP; i++) {
      close(chans[i][0][0]);
      close(chans[i][1][1]);
      cmdw[i] = chans[i][0][1];
      resr[i] = chans[i][1][0];
      resf[i] = fdopen(resr[i], "r");
    }
    for (int i = 0; i < MAXP; i++) pids[i] = 0;
    pids[0] = p0;
    printf("{\"op\":\"begin\",\"r\":%d}\n", (int)p0);
    /* The program's calls; consecutive calls of one process go in one write (up to
       GROUP of them, and a fork or an exit ends a group), saving a round trip each. */
    static char *calls[4096];
    int ncalls = 0;
    while (fgets(line, sizeof line, in) && strncmp(line, "END", 3)) {
      if (ncalls < 4096) calls[ncalls++] = strdup(line);
    }
    for (int ci = 0; ci < ncalls;) {
      int role = atoi(calls[ci]);
      if (role < 0 || role >= MAXP || strchr(calls[ci], ' ') == NULL) {
        ci++;
        continue;
      }
      int n = 0;
      static char cmdbuf[LINE * 2];
      size_t cl = 0;
      while (ci + n < ncalls && n < GROUP && atoi(calls[ci + n]) == role) {
        const char *sp = strchr(calls[ci + n], ' ') + 1;
        /* %N stands for the pid of role N */
        for (const char *q = sp; *q && cl < sizeof cmdbuf - 16; q++) {
          if (*q == '%' && q[1] >= '0' && q[1] <= '9') {
            int rr = atoi(q + 1);
            cl += (size_t)snprintf(cmdbuf + cl, 16, "%d", rr >= 0 && rr < MAXP ? (int)pids[rr] : 0);
            while (q[1] >= '0' && q[1] <= '9') q++;
          } else cmdbuf[cl++] = *q;
        }
        n++;
        if (!strncmp(sp, "fork ", 5) || !strncmp(sp, "exit", 4)) break;
      }
      write_all(cmdw[role], cmdbuf, cl);
      for (int k = 0; k < n; k++) {
        const char *sp = strchr(calls[ci + k], ' ') + 1;
        static char resp[1 << 20];
        if (fgets(resp, sizeof resp, resf[role]) == NULL) {
          printf("{\"op\":\"lost\",\"r\":-1,\"e\":-1}\n");
          continue;
        }
        fputs(resp, stdout);
        char *rp = strstr(resp, "\"r\":");
        int ret = rp ? atoi(rp + 4) : -1;
        if (!strncmp(sp, "fork ", 5) && ret > 0) {
          int child = atoi(sp + 5);
          if (child < 0 || child >= MAXP) continue;
          /* the child's first report follows on its own channel */
          if (fgets(resp, sizeof resp, resf[child]) == NULL) printf("{\"op\":\"lost\",\"r\":-1,\"e\":-1}\n");
          else {
            fputs(resp, stdout);
            rp = strstr(resp, "\"r\":");
            if (rp) pids[child] = (pid_t)atoi(rp + 4);
          }
        }
        if (!strncmp(sp, "exit", 4)) {
          wait_zombie(pids[role]);
          /* orphans come to the coordinator (a subreaper): reap them at once, as init would */
          while (waitpid(-1, NULL, WNOHANG) > 0) {
          }
        }
      }
      ci += n;
    }
    for (int i = 0; i < ncalls; i++) free(calls[i]);
    for (int i = 0; i < MAXP; i++) {
      close(cmdw[i]); /* every program process sees EOF and exits */
      fclose(resf[i]);
    }
    /* reap p0 and, as subreaper, every orphaned descendant */
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
    }
    printf("END\n");
    fflush(stdout);
  }
  return 0;
}
