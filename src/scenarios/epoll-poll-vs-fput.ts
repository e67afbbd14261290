import { Epoll, EPOLL_CTL_ADD, EPOLLIN, type Sys, type KernelPath } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

function* waiter(sys: Sys, ep: number): KernelPath<number> {
  const got = yield* Epoll.on(sys).wait(ep, 4, 0);
  return got.length;
}

function* closer(sys: Sys, fd: number): KernelPath {
  yield* sys.close(fd);
}

/**
 * Seed 002, "epoll: try to be a _bit_ better about file lifetimes" (Linus Torvalds,
 * May 2024; CVE-2024-38580): thread T1 is in epoll_wait() re-polling a ready dma-buf,
 * thread T2 closes the dma-buf's last fd. Polling the epitem's borrowed pointer ('borrow',
 * before v6.9), dma_buf_poll()'s get_file() can run after the count dropped to 0 — the
 * file is on its way through `__fput()`, held up only by ep->mtx — and resurrect it:
 * `refcount-inc-on-zero`, then a second `__fput()` when the poll's callback drops the
 * reference (`double-release`). With epi_fget() (v6.9) a dying file is not polled.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { epollPollVsFput } from 'fdlab/scenarios';
 * explore(epollPollVsFput, { policy: 'before' }).violations.map((v) => v.kind); // ['refcount-inc-on-zero', ...]
 * ```
 */
export const epollPollVsFput = /* @__PURE__ */ defineScenario({
  name: 'epoll-poll-vs-fput',
  title: 'epoll_wait() polls a dma-buf whose last fd is being closed',
  source: 'seed 002: 4efaa5acf0a1 "epoll: be better about file lifetimes" (v6.9, CVE-2024-38580)',
  description:
    'T1 re-polls a level-triggered dma-buf item under ep->mtx; T2 closes the last fd. With a borrowed pointer the poll\'s get_file() can see f_count 0 while __fput() waits for ep->mtx in eventpoll_release_file().',
  before: { epollItemPoll: 'borrow' },
  after: 'current',
  expected: { before: ['refcount-inc-on-zero', 'double-release'], after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const ep = Epoll.create1(p, 0);
    const buf = Epoll.dmaBuf(p);
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, buf, { events: EPOLLIN, data: buf });
    p.thread((sys) => waiter(sys, ep));
    p.thread((sys) => closer(sys, buf));
  },
});
