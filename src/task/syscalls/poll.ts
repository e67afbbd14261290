import { EMPTY_FD } from '../../fdtable/fd-word.js';
import { fdgetSteps, fdputSteps } from '../../fdtable/fget.js';
import { FILES_ALLOC, FILES_FDT, slotAccess } from '../../fdtable/fdtable.js';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLNVAL, EPOLLOUT, EPOLLPRI, EPOLLRDNORM, EPOLLWRNORM, PollWaiters, vfsPoll, vfsPollStep } from '../../file/poll.js';
import type { RefFile } from '../../file/ref-file.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import type { Task } from '../task.js';

/**
 * One entry of poll(2)'s array: the fd and the events asked for (struct pollfd).
 *
 * @example
 * ```ts
 * import { EPOLLIN, type PollFd } from 'fdlab';
 * const pfd: PollFd = { fd: 3, events: EPOLLIN };
 * ```
 */
export interface PollFd {
  /** The fd; negative entries are skipped (revents 0). */
  readonly fd: number;
  /** Requested events (POLLIN, POLLOUT, ...); POLLERR and POLLHUP are always reported. */
  readonly events: number;
}

/**
 * What poll(2) returns: the number of entries with events, and each entry's revents.
 *
 * @example
 * ```ts
 * import { Kernel, EPOLLOUT } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [, w] = p.pipe();
 * p.poll([{ fd: w, events: EPOLLOUT }]).count; // 1
 * ```
 */
export interface PollResult {
  /** Entries with a non-zero revents. */
  readonly count: number;
  /** revents per entry, in order. */
  readonly revents: readonly number[];
}

/**
 * What select(2) returns: the number of bits set, and the three result sets.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [r, w] = p.pipe();
 * p.select(w + 1, [r], [w], []).writefds; // [w]
 * ```
 */
export interface SelectResult {
  /** Bits set over the three sets. */
  readonly count: number;
  /** Ready for reading. */
  readonly readfds: readonly number[];
  /** Ready for writing. */
  readonly writefds: readonly number[];
  /** With an exceptional condition (EPOLLPRI). */
  readonly exceptfds: readonly number[];
}

// fs/select.c's sets: EPOLLNVAL is in all three, so an fd that fdget() does not give (an
// O_PATH one, or one closed under us) is reported in every set asked for (host, 6.18).
const POLLIN_SET = EPOLLRDNORM | 0x80 | EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLNVAL;
const POLLOUT_SET = 0x200 | EPOLLWRNORM | EPOLLOUT | EPOLLERR | EPOLLNVAL;
const POLLEX_SET = EPOLLPRI | EPOLLNVAL;

interface Item {
  readonly fd: number;
  readonly key: number;
}

/**
 * The loop of do_poll()/do_select(): poll every fd (fdget, ->poll, fdput), registering
 * on the files' wait queues during the first pass only; if nothing is ready and the
 * timeout is not 0, sleep until a registered queue is woken and poll again; at the end
 * unregister everything (poll_freewait()). Returns each item's mask, or -1 for an fd
 * that is not open. A positive timeout is treated as infinite: the model has no clock.
 */
function* pollLoopSteps(t: Task, items: readonly Item[], timeout: number, name: string): KernelPath<number[]> {
  const files = t.filesOrThrow(name);
  const pw = new PollWaiters('poll_schedule_timeout');
  let register = timeout !== 0;
  const masks: number[] = new Array<number>(items.length).fill(0);
  let freed = false;
  try {
    for (;;) {
      let count = 0;
      for (let i = 0; i < items.length; i++) {
        const { fd, key } = items[i]!;
        if (fd < 0) continue;
        const w = yield* fdgetSteps(t, files, fd);
        if (w === EMPTY_FD) {
          masks[i] = -1;
          count++;
          continue;
        }
        const f: RefFile = files.fileOfWord(w);
        yield vfsPollStep(f);
        const m = vfsPoll(f, register ? pw.table(key, t) : { key, queue: null, ctx: t }) & key;
        masks[i] = m;
        yield* fdputSteps(t, files, w);
        if (m !== 0) {
          count++;
          register = false; // the kernel stops registering once something is ready
        }
      }
      register = false;
      if (count > 0 || timeout === 0) break;
      // With no queue registered nothing can wake us: the kernel would sleep until the timeout.
      yield { fn: 'poll_schedule_timeout', acc: pw.queueAccesses(), blocker: pw };
      pw.triggered = false;
      if (t.sim.killed) throw new KernelError('EINTR', name, 'fatal signal while polling');
    }
    if (pw.entries.length > 0) {
      yield { fn: 'poll_freewait', acc: pw.queueAccesses() };
      pw.removeAll();
    }
    freed = true;
    return masks;
  } finally {
    // Left early (EINTR, or a plain call unwound): unregister without a step of its own —
    // the last step declared every queue. No yield here: this generator runs under yield*.
    if (!freed) pw.removeAll();
  }
}

/**
 * poll(2) / ppoll(2) as a kernel path: each entry's revents is `->poll() & (events |
 * POLLERR | POLLHUP)`, POLLNVAL for an fd that is not open (or O_PATH), 0 for a
 * negative fd. timeout 0 polls once; negative sleeps until something is ready.
 * Models do_sys_poll() / do_poll() / do_pollfd() in fs/select.c. @internal
 */
export function* pollSteps(t: Task, fds: readonly PollFd[], timeout: number): KernelPath<PollResult> {
  if (!Array.isArray(fds) || fds.length > t.process.rlimitNofile) throw new KernelError('EINVAL', 'poll', `nfds ${fds.length} exceeds RLIMIT_NOFILE`);
  const items = fds.map((p) => ({ fd: p.fd, key: ((p.events & 0xffff) | EPOLLERR | EPOLLHUP) >>> 0 }));
  const masks = yield* pollLoopSteps(t, items, timeout, 'poll');
  const revents = masks.map((m) => (m === -1 ? EPOLLNVAL : m));
  return { count: revents.filter((r) => r !== 0).length, revents };
}

/**
 * select(2) / pselect6(2) as a kernel path over fd lists: EINVAL for a negative nfds,
 * EBADF if any listed fd below nfds is not open (max_select_fd()), then the poll loop;
 * fds at or above nfds are ignored. Models core_sys_select() / do_select(). @internal
 */
export function* selectSteps(t: Task, nfds: number, readfds: readonly number[], writefds: readonly number[], exceptfds: readonly number[], timeout: number): KernelPath<SelectResult> {
  if (!Number.isInteger(nfds) || nfds < 0) throw new KernelError('EINVAL', 'select', `bad nfds ${nfds}`);
  const files = t.filesOrThrow('select');
  const n = Math.min(nfds, files.fdt.maxFds);
  const wanted = new Map<number, number>();
  const addSet = (set: readonly number[], bits: number) => {
    for (const fd of set) if (fd >= 0 && fd < n) wanted.set(fd, (wanted.get(fd) ?? 0) | bits);
  };
  addSet(readfds, 1);
  addSet(writefds, 2);
  addSet(exceptfds, 4);
  const fds = [...wanted.keys()].sort((a, b) => a - b);
  yield { fn: 'max_select_fd', acc: [access(files.simId, FILES_FDT, false), access(files.simId, FILES_ALLOC, false), ...fds.map((fd) => slotAccess(files, fd, false))] };
  for (const fd of fds) if (files.slotState(fd) !== 'installed') throw new KernelError('EBADF', 'select', `fd ${fd} is not open`);
  const items = fds.map((fd) => {
    const b = wanted.get(fd)!;
    return { fd, key: POLLEX_SET | (b & 1 ? POLLIN_SET : 0) | (b & 2 ? POLLOUT_SET : 0) };
  });
  const masks = yield* pollLoopSteps(t, items, timeout, 'select');
  const r: number[] = [];
  const w: number[] = [];
  const x: number[] = [];
  fds.forEach((fd, i) => {
    // An fd that fdget() does not give polls as EPOLLNVAL (select_poll_one()).
    const m = masks[i] === -1 ? EPOLLNVAL : masks[i]!;
    const b = wanted.get(fd)!;
    if (b & 1 && m & POLLIN_SET) r.push(fd);
    if (b & 2 && m & POLLOUT_SET) w.push(fd);
    if (b & 4 && m & POLLEX_SET) x.push(fd);
  });
  return { count: r.length + w.length + x.length, readfds: r, writefds: w, exceptfds: x };
}
