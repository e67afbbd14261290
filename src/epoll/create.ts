import { O_RDWR } from '../file/constants.js';
import { KernelError } from '../sim/kernel-error.js';
import type { KernelPath } from '../sim/step.js';
import type { Task } from '../task/task.js';
import { allocStep, installStep } from '../task/syscalls/steps.js';
import { EPOLL_CLOEXEC } from './constants.js';
import type { RefFile } from '../file/ref-file.js';
import { Eventpoll, type EpollRegistry, type EpollWorld } from './eventpoll.js';
import { eventpollOperations } from './file-ops.js';
import { eventpollReleaseFile } from './release-file.js';

/** The epoll world of a task's kernel. @internal */
export function epollWorld(t: Task): EpollWorld {
  const w = t.world as Partial<EpollWorld>;
  if (w.epoll === undefined) throw new KernelError('ENOSYS', 'epoll', 'this world has no epoll layer');
  const ew = w as EpollWorld;
  if (!ew.epoll.hooked) {
    ew.epoll.hooked = true;
    ew.fputHooks.eventpollRelease.add((f) => eventpollReleaseFile(ew.epoll, f));
    ew.owners.add(() => epollHeldFiles(ew.epoll));
  }
  return ew;
}

/**
 * epoll_create1(flags) as a kernel path: EINVAL for flags other than EPOLL_CLOEXEC, then
 * reserve an fd, allocate the instance and its "[eventpoll]" file, install.
 * Models do_epoll_create() in fs/eventpoll.c. @internal
 */
export function* epollCreateSteps(t: Task, flags: number): KernelPath<number> {
  if (!Number.isInteger(flags) || (flags & ~EPOLL_CLOEXEC) !== 0) throw new KernelError('EINVAL', 'epoll_create1', `bad flags ${flags}`);
  const w = epollWorld(t);
  const files = t.filesOrThrow('epoll_create1');
  yield allocStep(files, ...w.vfs.anonFileAccesses());
  const fd = files.allocFd(0, t.process.rlimitNofile, (flags & EPOLL_CLOEXEC) !== 0);
  const ep = new Eventpoll(w.engine, ++w.epoll.count, t.process.creds.uid);
  w.epoll.instances.push(ep);
  const f = w.vfs.openAnon('[eventpoll]', eventpollOperations, O_RDWR);
  f.privateData = ep;
  ep.file = f;
  yield installStep(files, fd);
  files.fdInstall(fd, f);
  return fd;
}
// Module-level, not a generator closure per kernel (docs/architecture.md, "Generator closures").
function* epollHeldFiles(reg: EpollRegistry): Generator<readonly [RefFile, string]> {
  for (const [f, who] of reg.held) for (const h of who) yield [f, h] as const;
}
