/*
 * fdlab conformance: umount2(2) and what a mount covers, on the host kernel. Runs in a
 * private mount namespace of its own (unshare(CLONE_NEWNS); exit 2 if the host refuses),
 * so nothing it mounts is seen outside and everything goes when it exits.
 *
 * Usage: umount ROOT < script
 *
 * ROOT holds the model's default tree (conformance/umount.ts builds it afresh for each
 * case). The script is one case, a call per line, paths relative to ROOT, run in a child
 * process whose fd table starts empty:
 *   mount P | mkdir P | creat P | umount2 P FLAGS | open P FLAGS | close FD | dup FD |
 *   write FD DATA | pread FD | getdents FD | setuid UID
 * Output: one line per call, "<result>" or "-<ERRNO>"; getdents prints the sorted names
 * without "." and "..", pread the bytes read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The case's output: a stream on a high fd, so that the case's own fds start at 0. */
static FILE *out;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void result(long r) {
  if (r < 0) fprintf(out, "-%s\n", strerrorname_np(errno));
  else fprintf(out, "%ld\n", r);
}

static void run_case(char **lines, int n) {
  for (int i = 0; i < n; i++) {
    char op[32] = "", a[4096] = "", b[4096] = "";
    sscanf(lines[i], "%31s %4095s %4095s", op, a, b);
    errno = 0;
    if (!strcmp(op, "mount")) result(mount("none", a, "tmpfs", 0, NULL));
    else if (!strcmp(op, "mkdir")) result(mkdir(a, 0755));
    else if (!strcmp(op, "creat")) {
      int fd = open(a, O_CREAT | O_RDWR, 0644);
      result(fd < 0 ? fd : close(fd));
    } else if (!strcmp(op, "umount2")) result(syscall(SYS_umount2, a, strtol(b, NULL, 0)));
    else if (!strcmp(op, "open")) result(syscall(SYS_openat, AT_FDCWD, a, strtol(b, NULL, 0), 0644));
    else if (!strcmp(op, "close")) result(close(atoi(a)));
    else if (!strcmp(op, "dup")) result(dup(atoi(a)));
    else if (!strcmp(op, "write")) result(write(atoi(a), b, strlen(b)));
    else if (!strcmp(op, "setuid")) result(setuid(atoi(a)));
    else if (!strcmp(op, "pread")) {
      char buf[256];
      long r = pread(atoi(a), buf, sizeof buf - 1, 0);
      if (r < 0) result(r);
      else fprintf(out, "%.*s\n", (int)r, buf);
    } else if (!strcmp(op, "getdents")) {
      char buf[8192];
      long r = syscall(SYS_getdents64, atoi(a), buf, sizeof buf);
      if (r < 0) {
        result(r);
        continue;
      }
      char *names[256];
      int k = 0;
      for (long off = 0; off < r && k < 256;) {
        struct dirent64 *d = (struct dirent64 *)(buf + off);
        if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) names[k++] = d->d_name;
        off += d->d_reclen;
      }
      qsort(names, k, sizeof names[0], cmp);
      for (int j = 0; j < k; j++) fprintf(out, "%s%s", j ? "," : "", names[j]);
      fprintf(out, "[%d]\n", k);
    } else fprintf(out, "?%s\n", op);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 1;
  if (unshare(CLONE_NEWNS) < 0) {
    fprintf(stderr, "unshare(CLONE_NEWNS): %s\n", strerror(errno));
    return 2;
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    fprintf(stderr, "making / private: %s\n", strerror(errno));
    return 2;
  }
  if (chdir(argv[1]) < 0) return 1;
  static char *lines[1024];
  static char line[8192];
  int n = 0;
  while (n < 1024 && fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    lines[n++] = strdup(line);
  }
  /* The case runs in a child whose fds start at 0; what it mounts goes with this
     process's mount namespace. */
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    if (dup2(1, 900) < 0) _exit(1);
    for (int fd = 0; fd < 900; fd++) close(fd);
    out = fdopen(900, "w");
    setvbuf(out, NULL, _IONBF, 0);
    run_case(lines, n);
    _exit(0);
  }
  int status = 0;
  waitpid(c, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
