import { O_CLOEXEC, O_NONBLOCK, O_RDWR } from '../../file/constants.js';
import { openEventfd } from '../../file/eventfd.js';
import { KernelError } from '../../sim/kernel-error.js';
import type { KernelPath } from '../../sim/step.js';
import type { Task } from '../task.js';
import { flagsWithin } from '../../sim/validate.js';
import { allocStep, installStep } from './steps.js';

/** EFD_SEMAPHORE. @internal */
export const EFD_SEMAPHORE = 1;

/**
 * eventfd2(initval, flags) as a kernel path: EINVAL for unknown flags or a bad initial
 * value, then reserve an fd, create the file, install. Models do_eventfd() in
 * fs/eventfd.c. @internal
 */
export function* eventfdSteps(t: Task, initval: number, flags: number): KernelPath<number> {
  if (!flagsWithin(flags, O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) throw new KernelError('EINVAL', 'eventfd2', `bad flags ${flags}`);
  if (!Number.isSafeInteger(initval) || initval < 0 || initval > 0xffffffff) throw new KernelError('EINVAL', 'eventfd2', `bad initval ${initval}`);
  const files = t.filesOrThrow('eventfd2');
  yield allocStep(files, ...t.world.vfs.anonFileAccesses());
  const fd = files.allocFd(0, t.process.rlimitNofile, (flags & O_CLOEXEC) !== 0);
  const f = openEventfd(t.world.vfs, initval, (flags & EFD_SEMAPHORE) !== 0, O_RDWR | (flags & O_NONBLOCK));
  yield installStep(files, fd);
  files.fdInstall(fd, f);
  return fd;
}
