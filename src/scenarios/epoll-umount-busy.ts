import { Epoll, EPOLL_CTL_ADD, EPOLLIN, kernfsFileOperations, O_RDONLY, type KernelPath, type Sys, type Task } from '../index.js';
import { defineScenario } from '../explore/scenario.js';
import { umountStep } from './umount-step.js';

function* waiter(sys: Sys, ep: number): KernelPath<number> {
  const got = yield* Epoll.on(sys).wait(ep, 4, 0);
  return got.length;
}

function* closeAndUmount(sys: Sys, fd: number): KernelPath<string> {
  yield* sys.close(fd);
  return yield* umountStep(sys, '/mnt');
}

/**
 * What the epoll-umount-busy scenario's setup hands its check.
 *
 * @example
 * ```ts
 * import type { EpollUmountBusyContext } from 'fdlab/scenarios';
 * const busy = (c: EpollUmountBusyContext) => c.unmounter.sim.result === 'EBUSY';
 * ```
 */
export interface EpollUmountBusyContext {
  /** The thread that closes the file and unmounts. */
  readonly unmounter: Task;
}

/**
 * Christian Brauner's objection in seed 002: with epi_fget() (v6.9) an epoll_wait() that
 * pins a watched file for its `->poll` makes the owner's close() not the last fput, so an
 * umount() right after fails with EBUSY — a regular file of a mountable filesystem
 * (sysfs-like, with a `->poll`) is enough. The variant he proposed, pinning only files of
 * SB_NOUSER filesystems ('epi-fget-nouser'), never pins a mountable filesystem.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { epollUmountBusy } from 'fdlab/scenarios';
 * explore(epollUmountBusy, { policy: 'before' }).outcomes; // some runs end with "EBUSY"
 * ```
 */
export const epollUmountBusy = /* @__PURE__ */ defineScenario<EpollUmountBusyContext>({
  name: 'epoll-umount-busy',
  title: 'epi_fget() in epoll_wait() makes a close-then-umount fail with EBUSY',
  source: 'seed 002: Christian Brauner, "epoll() will now temporarily pin filesystems" (SB_NOUSER variant)',
  description:
    'T1 re-polls a level-triggered item for a sysfs-like regular file on /mnt; T2 closes the only fd and unmounts /mnt. If T1\'s epi_fget() reference is held across the close, the mount is still busy.',
  before: { epollItemPoll: 'epi-fget' },
  after: { epollItemPoll: 'epi-fget-nouser' },
  expected: { before: ['assertion'], after: 'clean' },
  setup(k) {
    k.vfs.mount('/mnt', 'sysfs', { fileOperations: kernfsFileOperations });
    k.vfs.writeFile('/mnt/state', '1');
    const p = k.spawnProcess({ name: 'P1', creds: { uid: 0 } }); // umount2 needs CAP_SYS_ADMIN
    const ep = Epoll.create1(p, 0);
    const fd = p.open('/mnt/state', O_RDONLY);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, fd, { events: EPOLLIN, data: fd });
    p.thread((sys) => waiter(sys, ep));
    const unmounter = p.thread((sys) => closeAndUmount(sys, fd));
    return { unmounter };
  },
  check(_k, { unmounter }) {
    if (unmounter.sim.result === 'EBUSY') throw new Error('umount("/mnt") failed with EBUSY right after the last close: epoll_wait() pinned the file');
  },
});
