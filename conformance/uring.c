/*
 * The io_uring part of the conformance harness: a fixed list of registration and
 * direct-descriptor cases run on the host kernel with raw syscalls (no liburing), one line
 * per case: `name result`, where result is a number, an errno name, or for an fd the
 * number followed by `cloexec` / `nocloexec`. conformance/uring.ts runs the same cases on
 * the model and compares. Exit status 2 (and the reason on stderr) when the host refuses
 * io_uring_setup (kernel.io_uring_disabled, seccomp, an old kernel).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IORING_OP_FIXED_FD_INSTALL
#define IORING_OP_FIXED_FD_INSTALL 54
#endif
#ifndef IORING_FIXED_FD_NO_CLOEXEC
#define IORING_FIXED_FD_NO_CLOEXEC (1U << 0)
#endif

static const char *ename(int e) {
  switch (e) {
  case EBADF: return "EBADF"; case EINVAL: return "EINVAL"; case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY"; case ENXIO: return "ENXIO"; case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE"; case ENOMEM: return "ENOMEM"; case EOPNOTSUPP: return "EOPNOTSUPP";
  case EOVERFLOW: return "EOVERFLOW"; case EPERM: return "EPERM"; case ENOENT: return "ENOENT";
  case ESPIPE: return "ESPIPE"; case ENOTCONN: return "ENOTCONN"; case EPIPE: return "EPIPE";
  case EAGAIN: return "EAGAIN";
  default: { static char b[32]; snprintf(b, sizeof b, "E%d", e); return b; }
  }
}

static void report(const char *name, long r) {
  if (r < 0) printf("%s %s\n", name, ename((int)-r));
  else printf("%s %ld\n", name, r);
  fflush(stdout);
}

static long sys_register(int fd, unsigned op, void *arg, unsigned nr) {
  long r = syscall(__NR_io_uring_register, fd, op, arg, nr);
  return r < 0 ? -errno : r;
}

struct ring {
  int fd;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
  /* The three mappings, which hold references to the ring's file as its fd does. */
  void *maps[3];
  size_t sizes[3];
};

static int ring_init(struct ring *r) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  r->fd = (int)syscall(__NR_io_uring_setup, 8, &p);
  if (r->fd < 0) return -errno;
  size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char *sq = mmap(0, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  char *cq = mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
  r->sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED) return -ENOMEM;
  r->maps[0] = sq, r->sizes[0] = sqsz;
  r->maps[1] = cq, r->sizes[1] = cqsz;
  r->maps[2] = r->sqes, r->sizes[2] = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->cq_head = (unsigned *)(cq + p.cq_off.head);
  r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  return 0;
}

/* Submits one SQE and waits for its CQE; returns cqe->res. */
static long submit1(struct ring *r, struct io_uring_sqe *in) {
  unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask;
  r->sqes[idx] = *in;
  r->sq_array[idx] = idx;
  __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
  long s = syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
  if (s < 0) return -1000 - errno;
  unsigned head = *r->cq_head;
  while (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {}
  struct io_uring_cqe c = r->cqes[head & *r->cq_mask];
  __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
  return c.res;
}

/* Submits one SQE without waiting for it. */
static void submit0(struct ring *r, struct io_uring_sqe *in) {
  unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask;
  r->sqes[idx] = *in;
  r->sq_array[idx] = idx;
  __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
  syscall(__NR_io_uring_enter, r->fd, 1, 0, 0, NULL, 0);
}

/* The res of a completion that arrives within 50 ms, or "none" (the request waits). */
static void report_pending(const char *name, struct ring *r) {
  for (int i = 0; i < 50; i++) {
    unsigned head = *r->cq_head;
    if (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
      struct io_uring_cqe c = r->cqes[head & *r->cq_mask];
      __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
      report(name, c.res);
      return;
    }
    usleep(1000);
  }
  printf("%s none\n", name);
  fflush(stdout);
}

static struct io_uring_sqe rw_sqe(int op, int fd, const void *buf, unsigned len, long off) {
  struct io_uring_sqe s;
  memset(&s, 0, sizeof s);
  s.opcode = (uint8_t)op; s.fd = fd; s.addr = (uint64_t)(uintptr_t)buf; s.len = len; s.off = (uint64_t)off;
  return s;
}

/*
 * A READ of an empty stream `fd` that waits: pending until a write to `peer`, then done;
 * the same with `fd` O_NONBLOCK (cleared again after). Lines `<kind>-read-empty`,
 * `-then-write`, `-nonblock-empty`, `-nonblock-then-write`.
 */
static void read_waits(struct ring *r, const char *kind, int fd, int peer, long off) {
  static char buf[64];
  char name[64];
  struct io_uring_sqe s = rw_sqe(IORING_OP_READ, fd, buf, 8, off);
  for (int nonblock = 0; nonblock < 2; nonblock++) {
    if (nonblock) fcntl(fd, F_SETFL, O_NONBLOCK);
    submit0(r, &s);
    snprintf(name, sizeof name, "%s-read-%sempty", kind, nonblock ? "nonblock-" : "");
    report_pending(name, r);
    write(peer, nonblock ? "yz" : "later", nonblock ? 2 : 5);
    snprintf(name, sizeof name, "%s-read-%sthen-write", kind, nonblock ? "nonblock-" : "empty-");
    report_pending(name, r);
  }
  fcntl(fd, F_SETFL, 0);
}

/*
 * READ and WRITE on AF_UNIX sockets (sock_read_iter() / sock_write_iter() under io_uring):
 * ready data, a read that waits for a later write (blocking and O_NONBLOCK alike), the
 * ESPIPE of an offset, datagram truncation, the connection errors, and the file passed
 * with a message that a READ drops. SIGPIPE is ignored (the model sends no signals).
 */
static void sockets(struct ring *r) {
  static char buf[64];
  signal(SIGPIPE, SIG_IGN);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  write(sv[1], "hello", 5);
  struct io_uring_sqe s = rw_sqe(IORING_OP_READ, sv[0], buf, 8, 0);
  report("sock-read-ready", submit1(r, &s));
  write(sv[1], "ab", 2);
  s = rw_sqe(IORING_OP_READ, sv[0], buf, 8, -1);
  report("sock-read-offset-minus-1", submit1(r, &s));
  s = rw_sqe(IORING_OP_WRITE, sv[0], "xyz", 3, 0);
  report("sock-write", submit1(r, &s));
  report("sock-peer-reads", read(sv[1], buf, sizeof buf));
  read_waits(r, "sock", sv[0], sv[1], 0);
  s = rw_sqe(IORING_OP_READ, sv[0], buf, 0, 0);
  report("sock-read-zero", submit1(r, &s));
  s = rw_sqe(IORING_OP_READ, sv[0], buf, 8, 5);
  report("sock-read-offset-5", submit1(r, &s));
  s = rw_sqe(IORING_OP_WRITE, sv[0], "a", 1, 5);
  report("sock-write-offset-5", submit1(r, &s));
  int d[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
  write(d[1], "abcdef", 6);
  s = rw_sqe(IORING_OP_READ, d[0], buf, 3, 0);
  report("dgram-read-truncates", submit1(r, &s));
  int q[2];
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
  write(q[1], "abcdef", 6);
  s = rw_sqe(IORING_OP_READ, q[0], buf, 3, 0);
  report("seqpacket-read-truncates", submit1(r, &s));
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  s = rw_sqe(IORING_OP_READ, u, buf, 3, 0);
  report("sock-unconnected-read", submit1(r, &s));
  s = rw_sqe(IORING_OP_WRITE, u, "a", 1, 0);
  report("sock-unconnected-write", submit1(r, &s));
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  memcpy(a.sun_path, "\0fdlab-uring", 12);
  bind(l, (struct sockaddr *)&a, (socklen_t)(sizeof a.sun_family + 12));
  listen(l, 1);
  s = rw_sqe(IORING_OP_READ, l, buf, 3, 0);
  report("sock-listening-read", submit1(r, &s));
  /* A message carrying the write end of a pipe: the READ drops the file, the pipe sees EOF. */
  int t[2], p[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, t);
  pipe(p);
  char cb[CMSG_SPACE(sizeof(int))];
  memset(cb, 0, sizeof cb);
  struct iovec io = { "Z", 1 };
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = &io; m.msg_iovlen = 1; m.msg_control = cb; m.msg_controllen = sizeof cb;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &p[1], sizeof(int));
  report("scm-sendmsg", sendmsg(t[1], &m, 0));
  close(p[1]);
  s = rw_sqe(IORING_OP_READ, t[0], buf, 8, 0);
  report("scm-read", submit1(r, &s));
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  report("scm-pipe-reads-eof", read(p[0], buf, sizeof buf));
  close(sv[1]);
  s = rw_sqe(IORING_OP_READ, sv[0], buf, 8, 0);
  report("sock-peer-closed-read", submit1(r, &s));
  s = rw_sqe(IORING_OP_WRITE, sv[0], "a", 1, 0);
  report("sock-peer-closed-write", submit1(r, &s));
}

/* READ and WRITE of a pipe: the offset is ignored (a stream), an empty pipe waits (O_NONBLOCK too). */
static void pipes(struct ring *r) {
  static char buf[64];
  int p[2];
  pipe(p);
  write(p[1], "hello", 5);
  struct io_uring_sqe s = rw_sqe(IORING_OP_READ, p[0], buf, 2, 5);
  report("pipe-read-offset-5", submit1(r, &s));
  s = rw_sqe(IORING_OP_WRITE, p[1], "ab", 2, 7);
  report("pipe-write-offset-7", submit1(r, &s));
  report("pipe-reads", read(p[0], buf, sizeof buf));
  s = rw_sqe(IORING_OP_READ, p[0], buf, 0, 0);
  report("pipe-read-zero", submit1(r, &s));
  s = rw_sqe(IORING_OP_READ, p[1], buf, 2, 0);
  report("pipe-read-write-end", submit1(r, &s));
  s = rw_sqe(IORING_OP_WRITE, p[0], "a", 1, 0);
  report("pipe-write-read-end", submit1(r, &s));
  read_waits(r, "pipe", p[0], p[1], -1);
  close(p[1]);
  s = rw_sqe(IORING_OP_READ, p[0], buf, 8, 0);
  report("pipe-read-no-writers", submit1(r, &s));
  /* More than the pipe holds: a short count at once (IOCB_NOWAIT stores what fits). */
  static char big[70000], out[70000];
  memset(big, 'a', sizeof big);
  pipe(p);
  s = rw_sqe(IORING_OP_WRITE, p[1], big, sizeof big, 0);
  report("pipe-write-past-capacity", submit1(r, &s));
  report("pipe-drain", read(p[0], out, sizeof out));
  write(p[1], "xyz", 3);
  s = rw_sqe(IORING_OP_WRITE, p[1], big, 65536, 0);
  report("pipe-write-after-3-bytes", submit1(r, &s));
  report("pipe-drain-again", read(p[0], out, sizeof out));
}

/* Requests in flight when their submitter exits or their ring goes are cancelled: a READ
   of an empty pipe then takes nothing written afterwards, and posts no CQE. */
static void cancels(struct ring *r) {
  static char buf[8];
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    struct io_uring_sqe s = rw_sqe(IORING_OP_READ, p[0], buf, 1, -1);
    submit0(r, &s);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  report_pending("cancel-submitter-exit-cqe", r);
  write(p[1], "y", 1);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  report("cancel-submitter-exit-pipe", read(p[0], buf, sizeof buf));
  close(p[0]);
  close(p[1]);
  struct ring r2;
  if (ring_init(&r2) < 0) return;
  pipe(p);
  struct io_uring_sqe s = rw_sqe(IORING_OP_READ, p[0], buf, 1, -1);
  submit0(&r2, &s);
  for (int i = 0; i < 3; i++) munmap(r2.maps[i], r2.sizes[i]);
  close(r2.fd);
  usleep(300000); /* io_ring_exit_work() runs on a workqueue */
  write(p[1], "x", 1);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  report("cancel-ring-close-pipe", read(p[0], buf, sizeof buf));
  close(p[0]);
  close(p[1]);
}

static void report_fd(const char *name, long r) {
  if (r < 0) { report(name, r); return; }
  int fl = fcntl((int)r, F_GETFD);
  printf("%s %ld %s\n", name, r, (fl & FD_CLOEXEC) ? "cloexec" : "nocloexec");
  fflush(stdout);
  close((int)r);
}

int main(void) {
  struct rlimit rl = { 1024, 4096 };
  setrlimit(RLIMIT_NOFILE, &rl);
  struct ring r;
  int e = ring_init(&r);
  if (e < 0) {
    fprintf(stderr, "io_uring_setup: %s\n", strerror(-e));
    return 2;
  }
  int file = open("data/log", O_RDWR);
  int dir = open("srv", O_RDONLY | O_DIRECTORY);
  if (file < 0 || dir < 0) { perror("open"); return 1; }
  int bad = 999;
  static int big[2000];
  for (int i = 0; i < 2000; i++) big[i] = -1;

  /* io_uring_register() on fds that are not rings */
  report("register-bad-fd", sys_register(bad, IORING_REGISTER_FILES, &file, 1));
  report("register-not-ring", sys_register(file, IORING_REGISTER_FILES, &file, 1));
  report("register-unknown-opcode", sys_register(r.fd, 200, NULL, 0));

  /* IORING_REGISTER_FILES */
  report("files-null-arg", sys_register(r.fd, IORING_REGISTER_FILES, NULL, 1));
  report("files-nr-0", sys_register(r.fd, IORING_REGISTER_FILES, &file, 0));
  report("files-over-rlimit", sys_register(r.fd, IORING_REGISTER_FILES, big, 2000));
  int withbad[2] = { file, bad };
  report("files-bad-fd", sys_register(r.fd, IORING_REGISTER_FILES, withbad, 2));
  int withring[2] = { file, r.fd };
  report("files-ring-fd", sys_register(r.fd, IORING_REGISTER_FILES, withring, 2));
  report("unregister-none", sys_register(r.fd, IORING_UNREGISTER_FILES, NULL, 0));
  struct io_uring_rsrc_update up0 = { 0, 0, (uint64_t)(uintptr_t)&file };
  report("update-none", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up0, 1));
  struct io_uring_file_index_range rng0 = { 0, 1, 0 };
  report("alloc-range-none", sys_register(r.fd, IORING_REGISTER_FILE_ALLOC_RANGE, &rng0, 0));
  int two[3] = { file, -1, dir };
  report("files-sparse-ok", sys_register(r.fd, IORING_REGISTER_FILES, two, 3));
  report("files-twice", sys_register(r.fd, IORING_REGISTER_FILES, two, 3));
  report("unregister-nr-1", sys_register(r.fd, IORING_UNREGISTER_FILES, NULL, 1));

  /* IORING_REGISTER_FILES_UPDATE */
  int upd[2] = { IORING_REGISTER_FILES_SKIP, file };
  struct io_uring_rsrc_update up = { 1, 0, (uint64_t)(uintptr_t)upd };
  report("update-skip-set", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up, 2));
  up.offset = 2;
  report("update-past-end", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up, 2));
  int updbad[2] = { bad, file };
  struct io_uring_rsrc_update up2 = { 0, 0, (uint64_t)(uintptr_t)updbad };
  report("update-bad-first", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up2, 2));
  int updbad2[2] = { -1, bad };
  up2.data = (uint64_t)(uintptr_t)updbad2;
  report("update-bad-second", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up2, 2));
  int updring[1] = { r.fd };
  up2.data = (uint64_t)(uintptr_t)updring;
  report("update-ring-fd", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up2, 1));
  report("update-nr-0", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE, &up2, 0));

  /* IORING_REGISTER_FILE_ALLOC_RANGE */
  struct io_uring_file_index_range rng = { 1, 2, 0 };
  report("alloc-range-nr-1", sys_register(r.fd, IORING_REGISTER_FILE_ALLOC_RANGE, &rng, 1));
  rng.len = 3;
  report("alloc-range-past-end", sys_register(r.fd, IORING_REGISTER_FILE_ALLOC_RANGE, &rng, 0));
  rng.len = 2; rng.resv = 1;
  report("alloc-range-resv", sys_register(r.fd, IORING_REGISTER_FILE_ALLOC_RANGE, &rng, 0));
  rng.resv = 0; rng.off = 2; rng.len = 1;
  report("alloc-range-ok", sys_register(r.fd, IORING_REGISTER_FILE_ALLOC_RANGE, &rng, 0));

  /* Direct open into an allocated slot: the range [2, 3) holds dir, so it is full. */
  struct io_uring_sqe sqe;
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_OPENAT; sqe.fd = AT_FDCWD; sqe.addr = (uint64_t)(uintptr_t)"data/log";
  sqe.open_flags = O_RDONLY; sqe.file_index = IORING_FILE_INDEX_ALLOC;
  report("openat-alloc-full", submit1(&r, &sqe));
  sqe.file_index = 2; sqe.open_flags = O_RDONLY | O_CLOEXEC;
  report("openat-direct-cloexec", submit1(&r, &sqe));
  sqe.file_index = 9; sqe.open_flags = O_RDONLY;
  report("openat-direct-past-end", submit1(&r, &sqe));
  sqe.file_index = 2;
  report("openat-direct-slot1", submit1(&r, &sqe));
  rng.off = 0; rng.len = 3;
  report("alloc-range-all", sys_register(r.fd, IORING_REGISTER_FILE_ALLOC_RANGE, &rng, 0));
  sqe.file_index = IORING_FILE_INDEX_ALLOC;
  report("openat-alloc-full-again", submit1(&r, &sqe));

  /* IORING_OP_CLOSE of a fixed slot */
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_CLOSE; sqe.file_index = 2;
  report("close-fixed", submit1(&r, &sqe));
  report("close-fixed-empty", submit1(&r, &sqe));
  sqe.file_index = 10;
  report("close-fixed-past-end", submit1(&r, &sqe));
  sqe.file_index = IORING_FILE_INDEX_ALLOC;
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_OPENAT; sqe.fd = AT_FDCWD; sqe.addr = (uint64_t)(uintptr_t)"data/log";
  sqe.open_flags = O_RDONLY; sqe.file_index = IORING_FILE_INDEX_ALLOC;
  report("openat-alloc", submit1(&r, &sqe));

  /* IORING_OP_FIXED_FD_INSTALL */
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_FIXED_FD_INSTALL; sqe.fd = 0; sqe.flags = IOSQE_FIXED_FILE;
  report_fd("install-default", submit1(&r, &sqe));
  sqe.rw_flags = IORING_FIXED_FD_NO_CLOEXEC;
  report_fd("install-no-cloexec", submit1(&r, &sqe));
  sqe.rw_flags = 2;
  report_fd("install-bad-flags", submit1(&r, &sqe));
  sqe.rw_flags = 0; sqe.flags = 0; sqe.fd = file;
  report_fd("install-not-fixed", submit1(&r, &sqe));
  sqe.flags = IOSQE_FIXED_FILE; sqe.fd = 7;
  report_fd("install-past-end", submit1(&r, &sqe));
  struct io_uring_sqe cl;
  memset(&cl, 0, sizeof cl);
  cl.opcode = IORING_OP_CLOSE; cl.file_index = 1;
  report("close-fixed-slot0", submit1(&r, &cl));
  sqe.fd = 0;
  report_fd("install-empty-slot", submit1(&r, &sqe));
  sqe.fd = 2; sqe.off = 1;
  report_fd("install-off-set", submit1(&r, &sqe));

  /* NOP, then unregister twice */
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_NOP;
  report("nop", submit1(&r, &sqe));
  report("unregister", sys_register(r.fd, IORING_UNREGISTER_FILES, NULL, 0));
  report("unregister-again", sys_register(r.fd, IORING_UNREGISTER_FILES, NULL, 0));

  /* IORING_REGISTER_FILES2 */
  struct io_uring_rsrc_register rr = { 4, IORING_RSRC_REGISTER_SPARSE, 0, 0, 0 };
  report("files2-bad-size", sys_register(r.fd, IORING_REGISTER_FILES2, &rr, 16));
  rr.data = (uint64_t)(uintptr_t)two;
  report("files2-sparse-with-data", sys_register(r.fd, IORING_REGISTER_FILES2, &rr, sizeof rr));
  rr.data = 0; rr.flags = 2;
  report("files2-unknown-flag", sys_register(r.fd, IORING_REGISTER_FILES2, &rr, sizeof rr));
  rr.flags = IORING_RSRC_REGISTER_SPARSE; rr.resv2 = 1;
  report("files2-resv2", sys_register(r.fd, IORING_REGISTER_FILES2, &rr, sizeof rr));
  rr.resv2 = 0; rr.nr = 0;
  report("files2-nr-0", sys_register(r.fd, IORING_REGISTER_FILES2, &rr, sizeof rr));
  rr.nr = 4;
  report("files2-sparse", sys_register(r.fd, IORING_REGISTER_FILES2, &rr, sizeof rr));
  struct io_uring_rsrc_update2 u2 = { 3, 0, (uint64_t)(uintptr_t)&file, 0, 1, 0 };
  report("update2-set", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE2, &u2, sizeof u2));
  report("update2-bad-size", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE2, &u2, 8));
  u2.offset = 4;
  report("update2-past-end", sys_register(r.fd, IORING_REGISTER_FILES_UPDATE2, &u2, sizeof u2));
  report("unregister-files2", sys_register(r.fd, IORING_UNREGISTER_FILES, NULL, 0));
  sockets(&r);
  pipes(&r);
  cancels(&r);
  return 0;
}
