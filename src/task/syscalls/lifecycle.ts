import { FILES_ALLOC, FILES_COUNT, FILES_FDT, slotAccess, type Fdtable } from '../../fdtable/fdtable.js';
import { F_COUNT } from '../../file/ref-file.js';
import { setBit } from '../../fdtable/bitmap.js';
import { EPOLLIN, EPOLLRDNORM } from '../../file/poll.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, dynamicStep, type KernelPath } from '../../sim/step.js';
import { CLONE_FILES, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE } from '../constants.js';
import type { Process, ThreadBody } from '../process.js';
import { requireSyscall } from '../syscall-table.js';
import { exitStateAccess, setTaskExiting, setTaskFiles, taskFilesAccess, type Task } from '../task.js';
import { filpCloseSteps } from './steps.js';
import { runTaskWorkSteps } from '../../file/fput.js';

/*
 * fork, unshare, exec, exit and close_range: the paths that create, swap and drop
 * files_structs. They are cold, so each is written once, as a kernel path; the plain
 * API runs it with Engine.runPlain().
 */

const countAcc = (files: Fdtable, write: boolean) => access(files.simId, FILES_COUNT, write);

/**
 * Closes, one at a time, the installed fds in `first..last` of `files` (those with
 * FD_CLOEXEC set if `cloexecOnly`): each step scans from where the last one stopped and
 * takes the next such file out of its slot, as __range_close(), do_close_on_exec() and
 * close_files() do under file_lock; then filp_close() runs outside it. The scan is part
 * of the step, so an fd installed meanwhile by another thread is seen or not, never
 * read against stale state.
 */
function* closeEachSteps(t: Task, files: Fdtable, first: number, last: number, cloexecOnly: boolean, fn: string): KernelPath {
  const e = t.world.engine;
  let from = first;
  for (;;) {
    const start = from;
    yield dynamicStep(e, fn, () => {
      const top = Math.min(last, files.fdt.maxFds - 1);
      const acc = [access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, false)];
      for (let fd = start; fd <= top; fd++) acc.push(slotAccess(files, fd, true));
      return acc;
    });
    const fd = nextToClose(files, from, last, cloexecOnly);
    if (fd < 0) return;
    const f = files.closeFdLocked(fd)!;
    yield* filpCloseSteps(t, f, files);
    from = fd + 1;
  }
}

/** The lowest installed fd in `from..last` (with FD_CLOEXEC if asked), or -1; recorded reads. */
function nextToClose(files: Fdtable, from: number, last: number, cloexecOnly: boolean): number {
  const top = Math.min(last, files.fdt.maxFds - 1);
  for (let fd = from; fd <= top; fd++) {
    if (files.lookupRaw(fd) === null) continue;
    if (cloexecOnly && !files.getCloexec(fd)) continue;
    return fd;
  }
  return -1;
}

/** put_files_struct(): drop a task's use of a table; the last one closes every file. @internal */
export function* putFilesStructSteps(t: Task, files: Fdtable): KernelPath {
  yield { fn: 'put_files_struct', acc: countAcc(files, true) };
  t.world.engine.touch(countAcc(files, true));
  const before = files.count;
  files.count = before - 1;
  if (t.world.engine.tracing) t.world.engine.effect('put_files_struct', files.simId, FILES_COUNT, before, files.count);
  if (files.count === 0) yield* closeEachSteps(t, files, 0, Infinity, false, 'close_files');
}

/** The declaration of dup_fd(): every slot, the allocation state, and the count of every file it will take a reference on. */
function dupFdStep(t: Task, files: Fdtable, fn: string) {
  return dynamicStep(t.world.engine, fn, () => {
    const acc = files.scanAccesses();
    acc.push(t.world.pidNsAccess(true)); // the new task's pid
    for (let fd = 0; fd < files.fdt.maxFds; fd++) {
      const f = files.fdt.fd[fd];
      if (f) acc.push(access(f.simId, F_COUNT, true));
    }
    return acc;
  });
}

/** fork(): copy_files() without CLONE_FILES → dup_fd(). Returns the child. @internal */
export function* forkSteps(t: Task): KernelPath<Process> {
  const files = t.filesOrThrow('fork');
  yield dupFdStep(t, files, 'dup_fd');
  const p = t.process;
  const child = p.world.spawnProcess({ creds: p.creds, parent: p, files: (name) => files.dupFd(name), rlimitNofile: p.rlimitNofile, rlimitNofileMax: p.rlimitNofileMax });
  return child;
}

/**
 * clone(CLONE_VM | CLONE_THREAD [| CLONE_FILES]) of a new thread running `body`: one
 * step, copy_files() — a share (files->count + 1) or a dup_fd() copy. The new thread's
 * body starts at once. @internal
 */
export function* cloneSteps(t: Task, body: ThreadBody, share: boolean): KernelPath<Task> {
  const files = t.filesOrThrow('clone');
  if (share) yield { fn: 'copy_files(CLONE_FILES)', acc: [countAcc(files, true), t.world.pidNsAccess(true)] };
  else yield dupFdStep(t, files, 'copy_files: dup_fd');
  const nt = t.process.cloneTask(t, share);
  t.world.engine.startThread(nt.sim, body(nt.sys));
  return nt;
}

/** unshare_files() / unshare(CLONE_FILES): a private copy if the table is shared. @internal */
export function* unshareFilesSteps(t: Task): KernelPath {
  const files = t.filesOrThrow('unshare');
  yield { fn: 'unshare_fd:files->count', acc: countAcc(files, false) };
  t.world.engine.touch(countAcc(files, false));
  if (files.count <= 1) return;
  yield dupFdStep(t, files, 'dup_fd');
  const copy = files.dupFd(t.world.nextFilesName(t.process));
  yield { fn: 'task_lock: task->files = copy', acc: [countAcc(copy, true), taskFilesAccess(t, true)] };
  setTaskFiles(t, copy);
  yield* putFilesStructSteps(t, files);
}

/** unshare(2) for CLONE_FILES (the only flag the model implements; others are EINVAL). @internal */
export function* unshareSteps(t: Task, flags: number): KernelPath {
  if (flags !== CLONE_FILES && flags !== 0) throw new KernelError('EINVAL', 'unshare', `the model implements CLONE_FILES only (flags ${flags})`);
  // A thread that has exited makes no more system calls, whatever the flags.
  t.filesOrThrow('unshare');
  if (flags === CLONE_FILES) yield* unshareFilesSteps(t);
}

/** exit_files() and the rest of do_exit() that concerns files. @internal */
export function* exitSteps(t: Task): KernelPath {
  const p = t.process;
  for (const hook of t.world.taskExitHooks.list) {
    const steps = hook(t);
    if (steps !== undefined) yield* steps;
  }
  yield { fn: 'exit_signals: PF_EXITING', acc: [countAcc(t.filesOrThrow('exit'), false), exitStateAccess(p, true), p.exitWait.writeAccess()] };
  setTaskExiting(t);
  // do_notify_pidfd(), brought forward to PF_EXITING of the last thread: pidfds poll readable.
  if (p.tasks.every((o) => o.exiting || o.exited)) p.exitWait.wakeUp(EPOLLIN | EPOLLRDNORM, Infinity);
  const files = t.files!;
  yield { fn: 'exit_files: task->files = NULL', acc: [countAcc(files, false), taskFilesAccess(t, true)] };
  setTaskFiles(t, null);
  yield* putFilesStructSteps(t, files);
  // exit_notify(): the task leaves the thread group, which de_thread() counts, and the pid
  // namespace (a pid lookup finds the task or not). The last one makes the process a
  // zombie, reaped at once if nobody will wait for it, and hands its own zombies to init
  // (release_task()). Which thread is last depends on the others' exit_notify(), which
  // writes the same thread-group state this step writes.
  yield dynamicStep(t.world.engine, 'exit_notify', () => {
    const acc = [access(p.simId, 0, true), t.world.pidNsAccess(true)];
    if (p.tasks.every((o) => o === t || o.exited)) acc.push(...exitNotifyAccesses(p));
    return acc;
  });
  t.world.engine.touch([access(p.simId, 0, true), t.world.pidNsAccess(true)]);
  t.exited = true;
  t.process.taskExited(t);
}

/** What exit_notify() touches: the process's exit state, its parent's, its children's. */
function exitNotifyAccesses(p: Process): number[] {
  const acc = [access(p.simId, 1, true)];
  if (p.parent !== null) acc.push(access(p.parent.simId, 1, false));
  for (const c of p.world.processes.values()) if (c.parent === p && !c.reaped) acc.push(access(c.simId, 1, true));
  return acc;
}

/**
 * de_thread(): signal every other thread at once (zap_other_threads()), wait until none
 * is inside a system call, then reap them. A sibling inside the kernel finishes its call
 * through its normal exit path (dropping what it holds); a killed thread never enters
 * the kernel again (its next system call's entry reads the signal). The exec'ing thread
 * releases the table use of each. A second exec in the group answers EAGAIN
 * (signal_group_exit()).
 */
function* deThreadSteps(t: Task): KernelPath {
  const p = t.process;
  const e = t.world.engine;
  const signal = access(p.simId, 0, true);
  // The thread list is the group's signal state: exit_notify() writes it too.
  yield { fn: 'de_thread: zap_other_threads', acc: [signal, countAcc(t.filesOrThrow('execve'), false)] };
  e.touch(signal);
  if (p.execing !== null && p.execing !== t) throw new KernelError('EAGAIN', 'execve', `${p.execing.name} is already exec'ing this thread group`);
  const others = p.tasks.filter((o) => o !== t && !o.exited);
  if (others.length === 0) return;
  p.execing = t;
  for (const o of others) {
    o.sim.killed = true;
    if (e.tracing) e.effect('de_thread', o.process.simId, undefined, undefined, undefined, { thread: o.sim.id, note: 'killed' });
  }
  yield {
    fn: 'de_thread: wait for the other threads to leave the kernel',
    acc: [signal, exitStateAccess(p, true), ...others.map((o) => taskFilesAccess(o, true))],
    blocker: { name: 'de_thread: sibling threads leaving the kernel', blocks: () => others.some((o) => o.sim.inKernel > 0) },
  };
  e.touch(signal);
  // Every reaped thread's task->files goes in this step (which declares them), the
  // tables' puts after it.
  const dropped: Fdtable[] = [];
  for (const o of others) {
    if (o.exited) continue;
    if (!o.sim.done) o.sim.finish(undefined, undefined);
    setTaskExiting(o);
    if (o.files !== null) dropped.push(o.files);
    setTaskFiles(o, null);
  }
  for (const files of dropped) yield* putFilesStructSteps(t, files);
  // release_task() of the reaped threads: they leave the thread group and the pid
  // namespace (a concurrent pid lookup finds them or not).
  const released = [access(p.simId, 0, true), t.world.pidNsAccess(true)];
  yield { fn: 'de_thread: release_task', acc: released };
  e.touch(released);
  for (const o of others) {
    if (o.exited) continue;
    o.exited = true;
    p.taskExited(o);
  }
  p.execing = null;
  // The exec'ing thread becomes the thread-group leader (de_thread() exchanges pids).
  p.becomeLeader(t);
}

/** do_close_on_exec(): close every close-on-exec fd. */
function* closeOnExecSteps(t: Task): KernelPath {
  yield* closeEachSteps(t, t.filesOrThrow('execve'), 0, Infinity, true, 'do_close_on_exec');
}

/**
 * execve() as far as files go: begin_new_exec()'s de_thread(), unshare_files() and
 * do_close_on_exec(), with the order of the first two set by the `execUnshare` policy.
 * @internal
 */
export function* execSteps(t: Task): KernelPath {
  const before = t.world.policy.execUnshare === 'before-de_thread';
  if (before) yield* unshareFilesSteps(t);
  yield* deThreadSteps(t);
  if (!before) yield* unshareFilesSteps(t);
  yield* closeOnExecSteps(t);
}

/**
 * close_range(2): `first`, `last` and `flags` are `unsigned int` in the kernel, so they
 * are converted as C converts them (`closeRange(3, ~0)` is `close_range(3, ~0U, 0)`:
 * from 3 up). With CLOSE_RANGE_UNSHARE and a shared table, the kernel makes a private
 * copy, closes (or marks close-on-exec) on the copy, and only then installs it and drops
 * the old table — the model does the same, in that order. @internal
 */
export function* closeRangeSteps(t: Task, first: number, last: number, flags: number): KernelPath {
  requireSyscall(t.world.policy, 'close_range', 'v5.11');
  const cInt = (x: number) => Number.isInteger(x) && x >= -0x80000000 && x <= 0xffffffff;
  if (!cInt(first) || !cInt(last) || !cInt(flags)) {
    throw new KernelError('EINVAL', 'close_range', `argument out of unsigned int range: ${first}, ${last}, ${flags}`);
  }
  const lo = first >>> 0, hi = last >>> 0, fl = flags >>> 0;
  if ((fl & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) !== 0) throw new KernelError('EINVAL', 'close_range', `bad flags ${flags}`);
  if (lo > hi) throw new KernelError('EINVAL', 'close_range', `bad range ${lo}..${hi}`);
  const cur = t.filesOrThrow('close_range');
  let files = cur;
  let copy: Fdtable | null = null;
  if (fl & CLOSE_RANGE_UNSHARE) {
    yield { fn: 'close_range:files->count', acc: countAcc(cur, false) };
    t.world.engine.touch(countAcc(cur, false));
    if (cur.count > 1) {
      yield dupFdStep(t, cur, 'dup_fd');
      copy = cur.dupFd(t.world.nextFilesName(t.process));
      files = copy;
    }
  }
  if (fl & CLOSE_RANGE_CLOEXEC) {
    yield { fn: '__range_cloexec', acc: [access(files.simId, FILES_ALLOC, true), access(files.simId, FILES_FDT, false)] };
    const top = Math.min(hi, files.fdt.maxFds - 1);
    // __range_cloexec(): bitmap_set() over the whole range — reserved slots too, so an
    // open() in progress ends up close-on-exec. Free slots get the bit silently (the
    // allocation that later takes them resets it), installed and reserved ones with an effect.
    t.world.engine.peek(() => {
      for (let fd = lo; fd <= top; fd++) {
        if (files.slotState(fd) !== 'free') files.setCloexec(fd, true);
        else setBit(files.fdt.closeOnExec, fd);
      }
    });
  } else {
    yield* closeEachSteps(t, files, lo, hi, false, '__range_close');
  }
  if (copy !== null) {
    yield { fn: 'task_lock: task->files = copy', acc: [countAcc(copy, true), taskFilesAccess(t, true)] };
    t.world.engine.touch(countAcc(copy, true));
    setTaskFiles(t, copy);
    yield* putFilesStructSteps(t, cur);
  }
}

/**
 * The declaration of the step that creates an io thread of `parent`'s process
 * (create_io_thread()): the shared table's count and the pid namespace. @internal
 */
export function ioThreadAccesses(parent: Task): number[] {
  return [countAcc(parent.filesOrThrow('create_io_thread'), true), parent.world.pidNsAccess(true)];
}

/**
 * The life of an io thread: its work, the deferred `__fput()`s it queued, then the part
 * of do_exit() that concerns files (PF_EXITING, exit_files()). It counts as inside the
 * kernel from start to exit — it never returns to user space — so a sibling's exec
 * (de_thread()) waits for it; the exit step writes the thread group's signal state that
 * de_thread() reads. @internal
 */
export function* ioThreadLife(t: Task, body: (t: Task) => KernelPath<unknown>): KernelPath<unknown> {
  t.sim.inKernel = 1;
  const r = yield* body(t);
  if (t.taskWork.length > 0) yield* runTaskWorkSteps(t);
  const files = t.filesOrThrow('exit_files');
  const signal = access(t.process.simId, 0, true);
  yield { fn: 'io_worker_exit: exit_files', acc: [countAcc(files, false), signal, exitStateAccess(t.process, true), taskFilesAccess(t, true)] };
  t.world.engine.touch(signal);
  setTaskExiting(t);
  setTaskFiles(t, null);
  t.exited = true;
  t.sim.inKernel = 0;
  yield* putFilesStructSteps(t, files);
  // The last user of the table closed its files: their final __fput()s (delayed_fput for a
  // kernel thread) run here.
  if (t.taskWork.length > 0) yield* runTaskWorkSteps(t);
  return r;
}
