import { ERRNO, FMODE_PATH, KernelError, ModelError, O_CLOEXEC, O_RDWR, type Kernel, type KernelPath, type Process, type RefFile, type Task } from '../../index.js';
import { access, checkNumbers, describeValue, flagsWithin, hasOwnKey, hasSyscalls, requireSyscall, fgetSteps, fputDeferredSteps, receiveFdReplaceSteps, receiveFdSteps, type Blocker } from '../../extend.js';
import { SECCOMP_ADDFD_FLAG_SEND, SECCOMP_ADDFD_FLAG_SETFD } from './constants.js';

/**
 * The arguments of SECCOMP_IOCTL_NOTIF_ADDFD (struct seccomp_notif_addfd).
 *
 * @example
 * ```ts
 * import { SECCOMP_ADDFD_FLAG_SETFD, type SeccompAddfd } from 'fdlab/pidfd';
 * const req: SeccompAddfd = { id: 1, srcfd: 3, newfd: 7, flags: SECCOMP_ADDFD_FLAG_SETFD };
 * ```
 */
export interface SeccompAddfd {
  /** Notification id from notifRecv. */
  readonly id: number;
  /** The supervisor's fd to copy into the target. */
  readonly srcfd: number;
  /** With SECCOMP_ADDFD_FLAG_SETFD: the fd number to install at; otherwise must be 0. */
  readonly newfd?: number;
  /** O_CLOEXEC or 0. */
  readonly newfdFlags?: number;
  /** SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND. */
  readonly flags?: number;
}

interface AddfdRequest {
  readonly file: RefFile;
  readonly newfd: number;
  readonly setfd: boolean;
  readonly send: boolean;
  readonly oflags: number;
  done: boolean;
  result: number | KernelError;
}

interface Notification {
  readonly id: number;
  readonly task: Task;
  readonly syscall: string;
  state: 'init' | 'sent' | 'replied';
  readonly addfd: AddfdRequest[];
  reply: { val: number; error?: string | undefined } | null;
}

/**
 * A seccomp user-notification listener: the filter installed on a target process with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER and the notifications its trapped syscalls raise.
 * Models struct notification / struct seccomp_knotif / struct seccomp_kaddfd in
 * kernel/seccomp.c.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { pidfd } from 'fdlab/pidfd';
 * const k = new Kernel();
 * const pf = k.use(pidfd());
 * const target = k.spawnProcess();
 * const sup = k.spawnProcess();
 * const lfd = pf.seccompListen(sup, target);
 * ```
 */
export class SeccompListener {
  /** The process whose syscalls are intercepted. */
  readonly target: Process;
  /** The listener's struct file (an anonymous inode, "seccomp notify"). */
  readonly file: RefFile;
  /** Engine object id of the notification state. */
  readonly simId: number;
  /** Notifications by id. @internal */
  readonly notifs = new Map<number, Notification>();
  private nextId = 1;

  /** @internal */
  constructor(k: Kernel, target: Process, file: RefFile) {
    this.target = target;
    this.file = file;
    this.simId = k.engine.register({ simName: () => `seccomp_notify(${target.name})` });
  }

  /** @internal */
  newNotification(task: Task, syscall: string): Notification {
    const n: Notification = { id: this.nextId++, task, syscall, state: 'init', addfd: [], reply: null };
    this.notifs.set(n.id, n);
    return n;
  }

  /** Files held by queued add-fd requests (for the audit). @internal */
  *heldFiles(): Iterable<readonly [RefFile, string]> {
    for (const n of this.notifs.values()) for (const r of n.addfd) yield [r.file, `seccomp addfd request of notification ${n.id}`] as const;
  }
}

const notifAcc = (l: SeccompListener) => access(l.simId, 0, true);

/**
 * The target side: a syscall intercepted by the filter. Raises a notification and
 * waits in seccomp_do_user_notification(); while it waits it performs queued add-fd
 * requests *in its own context* (seccomp_handle_addfd(): receive_fd() or, with SETFD,
 * receive_fd_replace(), so RLIMIT_NOFILE, EBUSY and EBADF are the target's). Returns the
 * supervisor's reply value, or throws its errno.
 *
 * @example
 * ```ts
 * import { seccompTrapSteps, type SeccompListener, type Task } from 'fdlab/pidfd';
 * function* connect(l: SeccompListener, t: Task) { return yield* seccompTrapSteps(l, t, 'connect'); }
 * ```
 */
export function* seccompTrapSteps(l: SeccompListener, t: Task, syscall: string): KernelPath<number> {
  yield { fn: `seccomp: ${syscall} trapped`, acc: notifAcc(l) };
  const n = l.newNotification(t, syscall);
  const waiting: Blocker = { name: `seccomp notification ${n.id}`, blocks: () => n.addfd.length === 0 && n.state !== 'replied' };
  for (;;) {
    yield { fn: 'seccomp_do_user_notification', acc: notifAcc(l), blocker: waiting };
    const req = n.addfd[0];
    if (req !== undefined) {
      try {
        req.result = req.setfd ? yield* receiveFdReplaceSteps(t, req.newfd, req.file, req.oflags) : yield* receiveFdSteps(t, req.file, req.oflags);
        if (req.send) {
          n.state = 'replied';
          n.reply = { val: req.result };
        }
      } catch (e) {
        if (!KernelError.is(e)) throw e;
        req.result = e;
        // seccomp_handle_addfd(): a failed SEND request puts the notification back to
        // SENT, so the supervisor can still reply.
        if (req.send) n.state = 'sent';
      }
      n.addfd.shift();
      req.done = true;
      continue;
    }
    l.notifs.delete(n.id);
    const r = n.reply!;
    if (r.error !== undefined) throw new KernelError(r.error as never, syscall, 'reply from the seccomp supervisor');
    return r.val;
  }
}

/**
 * SECCOMP_IOCTL_NOTIF_RECV: waits for a notification and returns its id (it moves to
 * SECCOMP_NOTIFY_SENT).
 *
 * @example
 * ```ts
 * import { notifRecvSteps, type SeccompListener } from 'fdlab/pidfd';
 * function* sup(l: SeccompListener) { return yield* notifRecvSteps(l); }
 * ```
 */
export function* notifRecvSteps(l: SeccompListener): KernelPath<number> {
  const pending = () => [...l.notifs.values()].find((n) => n.state === 'init');
  yield { fn: 'SECCOMP_IOCTL_NOTIF_RECV', acc: notifAcc(l), blocker: { name: 'a seccomp notification', blocks: () => pending() === undefined } };
  const n = pending()!;
  n.state = 'sent';
  return n.id;
}

/**
 * SECCOMP_IOCTL_NOTIF_ADDFD in the supervisor task `t`: validates (EINVAL for unknown
 * flags, newfd without SETFD, newfd_flags other than O_CLOEXEC), takes a reference on
 * `srcfd` (EBADF), finds the notification (ENOENT), requires it to be SENT
 * (EINPROGRESS), refuses SEND while other requests are pending (EBUSY), queues the
 * request and waits until the target has installed it. Returns the fd in the target or
 * throws the target's errno (EMFILE, EBUSY, EBADF).
 *
 * @example
 * ```ts
 * import { notifAddfdSteps, type SeccompListener, type Task } from 'fdlab/pidfd';
 * function* give(l: SeccompListener, t: Task, id: number) { return yield* notifAddfdSteps(l, t, { id, srcfd: 3 }); }
 * ```
 */
export function* notifAddfdSteps(l: SeccompListener, t: Task, a: SeccompAddfd): KernelPath<number> {
  // copy_from_user() of struct seccomp_notif_addfd.
  if (typeof a !== 'object' || a === null) throw new KernelError('EFAULT', 'SECCOMP_IOCTL_NOTIF_ADDFD', 'no struct seccomp_notif_addfd');
  checkNumbers('SECCOMP_IOCTL_NOTIF_ADDFD', 'id', a.id, 'srcfd', a.srcfd, 'newfd', a.newfd ?? 0, 'newfdFlags', a.newfdFlags ?? 0, 'flags', a.flags ?? 0);
  const flags = a.flags ?? 0;
  const newfd = a.newfd ?? 0;
  const oflags = a.newfdFlags ?? 0;
  if (!flagsWithin(oflags, O_CLOEXEC)) throw new KernelError('EINVAL', 'SECCOMP_IOCTL_NOTIF_ADDFD', 'newfd_flags other than O_CLOEXEC');
  // SECCOMP_ADDFD_FLAG_SEND came in v5.14 (policy `syscalls` 'v5.15').
  const known = SECCOMP_ADDFD_FLAG_SETFD | (hasSyscalls(t.world.policy, 'v5.15') ? SECCOMP_ADDFD_FLAG_SEND : 0);
  if (!flagsWithin(flags, known)) throw new KernelError('EINVAL', 'SECCOMP_IOCTL_NOTIF_ADDFD', `bad flags ${flags}`);
  if (newfd !== 0 && !(flags & SECCOMP_ADDFD_FLAG_SETFD)) throw new KernelError('EINVAL', 'SECCOMP_IOCTL_NOTIF_ADDFD', 'newfd without SECCOMP_ADDFD_FLAG_SETFD');
  const files = t.filesOrThrow('SECCOMP_IOCTL_NOTIF_ADDFD');
  // fget(), not fget_raw(): an O_PATH srcfd is EBADF.
  const file = Number.isInteger(a.srcfd) && a.srcfd >= 0 ? yield* fgetSteps(t, files, a.srcfd, FMODE_PATH) : null;
  if (file === null) throw new KernelError('EBADF', 'SECCOMP_IOCTL_NOTIF_ADDFD', `srcfd ${a.srcfd} is not open`);
  yield { fn: 'seccomp_notify_addfd: mutex_lock(notify_lock)', acc: notifAcc(l) };
  const n = l.notifs.get(a.id);
  let err: KernelError | null = null;
  if (n === undefined) err = new KernelError('ENOENT', 'SECCOMP_IOCTL_NOTIF_ADDFD', `no notification ${a.id}`);
  else if (n.state !== 'sent') err = new KernelError('EINPROGRESS', 'SECCOMP_IOCTL_NOTIF_ADDFD', `notification ${a.id} not in SENT state`);
  else if (flags & SECCOMP_ADDFD_FLAG_SEND && n.addfd.length > 0) err = new KernelError('EBUSY', 'SECCOMP_IOCTL_NOTIF_ADDFD', 'SEND with add-fd requests pending');
  if (err !== null || n === undefined) {
    yield* fputDeferredSteps(t, file);
    throw err!;
  }
  const req: AddfdRequest = { file, newfd, setfd: (flags & SECCOMP_ADDFD_FLAG_SETFD) !== 0, send: (flags & SECCOMP_ADDFD_FLAG_SEND) !== 0, oflags, done: false, result: -1 };
  // With SEND the notification counts as replied before the request is even queued
  // ("Allow exactly only one reply"): a concurrent SEND or ADDFD now gets EINPROGRESS.
  if (req.send) n.state = 'replied';
  n.addfd.push(req);
  yield { fn: 'seccomp_notify_addfd: wait_for_completion', acc: notifAcc(l), blocker: { name: `add-fd into ${n.task.name}`, blocks: () => !req.done } };
  yield* fputDeferredSteps(t, file);
  if (typeof req.result !== 'number') throw req.result;
  return req.result;
}

/**
 * SECCOMP_IOCTL_NOTIF_SEND: replies to a SENT notification with a value or an errno.
 * ENOENT for an unknown id, EINPROGRESS if it was not received.
 *
 * @example
 * ```ts
 * import { notifSendSteps, type SeccompListener } from 'fdlab/pidfd';
 * function* reply(l: SeccompListener, id: number) { yield* notifSendSteps(l, { id, val: 0 }); }
 * ```
 */
export function* notifSendSteps(l: SeccompListener, r: { id: number; val: number; error?: string }): KernelPath {
  if (typeof r !== 'object' || r === null) throw new KernelError('EFAULT', 'SECCOMP_IOCTL_NOTIF_SEND', 'no struct seccomp_notif_resp');
  checkNumbers('SECCOMP_IOCTL_NOTIF_SEND', 'id', r.id, 'val', r.val);
  if (r.error !== undefined && !(typeof r.error === 'string' && hasOwnKey(ERRNO, r.error))) {
    throw new ModelError('bad-argument', `SECCOMP_IOCTL_NOTIF_SEND: error must be an errno name, got ${describeValue(r.error)}`);
  }
  yield { fn: 'SECCOMP_IOCTL_NOTIF_SEND', acc: notifAcc(l) };
  const n = l.notifs.get(r.id);
  if (n === undefined) throw new KernelError('ENOENT', 'SECCOMP_IOCTL_NOTIF_SEND', `no notification ${r.id}`);
  if (n.state !== 'sent') throw new KernelError('EINPROGRESS', 'SECCOMP_IOCTL_NOTIF_SEND', `notification ${r.id} not in SENT state`);
  n.state = 'replied';
  n.reply = { val: r.val, error: r.error };
}

/** Creates the listener file for `target`, installed in `supervisor`'s table. @internal */
export function createListener(k: Kernel, supervisor: Task, target: Process): { listener: SeccompListener; fd: number } {
  // seccomp(2) came in v3.17, its user notification in v5.0 and ADDFD in v5.9.
  requireSyscall(k.policy, 'seccomp', 'v5.11');
  // The filter is installed by the target itself (seccomp(2)): a process that has
  // exited installs nothing.
  if (target.exited || target.exiting) throw new KernelError('ESRCH', 'seccomp', `${target.name} has exited`);
  const files = supervisor.filesOrThrow('seccomp');
  const fd = files.allocFd(0, supervisor.process.rlimitNofile, true);
  const file = k.vfs.openAnon('seccomp notify', { name: 'seccomp_notify', stream: true }, O_RDWR);
  const listener = new SeccompListener(k, target, file);
  file.privateData = listener;
  files.fdInstall(fd, file);
  return { listener, fd };
}
