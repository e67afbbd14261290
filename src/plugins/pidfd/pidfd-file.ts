import { EPOLLHUP, EPOLLIN, EPOLLRDNORM, type FileOperations, type Kernel, type Process, type RefFile, type Task } from '../../index.js';
import { access, pollWait } from '../../extend.js';

/**
 * What a pidfd's struct file refers to: the pid and whether it was opened with
 * PIDFD_THREAD. Models the `struct pid` stored in a pidfs file's private data.
 *
 * @example
 * ```ts
 * import type { PidRef } from 'fdlab/pidfd';
 * const r: PidRef = { pid: 1, thread: false };
 * ```
 */
export interface PidRef {
  /** The pid (or tid with PIDFD_THREAD). */
  readonly pid: number;
  /** Opened with PIDFD_THREAD. */
  readonly thread: boolean;
}

/**
 * The file operations of a pidfd (pidfs_file_operations / pidfd_fops): poll reports
 * EPOLLIN once the process has exited, EPOLLHUP too once it is reaped; no read or write.
 *
 * @example
 * ```ts
 * import { pidfdFileOperations } from 'fdlab/pidfd';
 * pidfdFileOperations.name; // 'pidfd'
 * ```
 */
export const pidfdFileOperations: FileOperations = {
  name: 'pidfd',
  stream: true,
  // pidfs opens pidfds with dentry_open(), which sets FMODE_PREAD | FMODE_PWRITE: pread
  // and pwrite reach vfs_read()/vfs_write() and fail there (EINVAL: no ->read), where
  // lseek is ESPIPE (no ->llseek). Checked on Linux 6.18.
  positionalIo: true,
  // pidfd_poll(): readable once the thread group is exiting, and hung up once it is
  // reaped (no task left: EPOLLIN | EPOLLRDNORM | EPOLLHUP, host, 6.18); the model brings
  // do_notify_pidfd() forward to PF_EXITING of the last thread.
  poll: (file, pt) => {
    const p = processOf(file);
    if (p === null) return EPOLLIN | EPOLLRDNORM | EPOLLHUP;
    pollWait(file, p.exitWait, pt);
    if (p.reaped) return EPOLLIN | EPOLLRDNORM | EPOLLHUP;
    return p.allExiting ? EPOLLIN | EPOLLRDNORM : 0;
  },
  pollAccess: (file) => {
    const p = processOf(file);
    return p === null ? [] : [access(p.simId, 1, false)];
  },
  waitQueues: (file) => {
    const p = processOf(file);
    return p === null ? [] : [p.exitWait];
  },
};

function processOf(file: RefFile): Process | null {
  const ref = file.privateData as PidRef | null;
  if (ref === null) return null;
  const k = file.mount.world as unknown as Kernel;
  for (const p of k.processes.values()) if (p.tasks.some((t) => t.tid === ref.pid)) return p;
  return null;
}

/**
 * The PidRef of a pidfd file, or null if `file` is not a pidfd. Models pidfd_pid() in
 * kernel/pid.c (which returns ERR_PTR(-EBADF) for other files).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { pidfd, pidfdPid } from 'fdlab/pidfd';
 * const k = new Kernel();
 * const pf = k.use(pidfd());
 * const p = k.spawnProcess();
 * pidfdPid(p.fileOf(pf.pidfdOpen(p, p.pid, 0))); // { pid: 1, thread: false }
 * ```
 */
export function pidfdPid(file: RefFile): PidRef | null {
  return file.ops === pidfdFileOperations ? (file.privateData as PidRef) : null;
}

/** Finds a live task by pid/tid (find_get_pid() + pid_task()). @internal */
export function findTask(k: Kernel, pid: number): { process: Process; task: Task } | null {
  k.engine.touch(k.pidNsAccess(false));
  for (const p of k.processes.values()) {
    // A zombie's pid stays attached until its parent reaps it (release_task()), so the
    // leader of an exited, unreaped process is still found.
    for (const t of p.tasks) if (t.tid === pid && (!t.exited || (t === p.main && !p.reaped))) return { process: p, task: t };
  }
  return null;
}
