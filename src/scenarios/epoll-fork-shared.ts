import { Epoll, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLLIN, KernelError, type EpollEvent, type Kernel, type KernelPath, type Process, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

function* child(sys: Sys, ep: number, r1: number): KernelPath {
  yield* Epoll.on(sys).ctl(ep, EPOLL_CTL_DEL, r1);
  yield* sys.exit();
}

function* parent(sys: Sys, ep: number, r2: number, w2: number): KernelPath<string> {
  const e = Epoll.on(sys);
  // Close r2 while a dup keeps the file: the item stays, keyed by the old fd number.
  const d = yield* sys.dup(r2);
  yield* sys.close(r2);
  yield* sys.write(w2, 'x');
  const got: EpollEvent[] = yield* e.wait(ep, 4, 0);
  let del = 'ok';
  try {
    yield* e.ctl(ep, EPOLL_CTL_DEL, r2);
  } catch (err) {
    if (!KernelError.is(err)) throw err;
    del = err.code;
  }
  yield* sys.close(d);
  return `${got.map((x) => x.data).join(',')}|DEL(closed fd): ${del}`;
}

/**
 * What the epoll-fork-shared scenario's setup hands its check.
 *
 * @example
 * ```ts
 * import type { EpollForkSharedContext } from 'fdlab/scenarios';
 * const parentOf = (c: EpollForkSharedContext) => c.p;
 * ```
 */
export interface EpollForkSharedContext {
  /** The parent process. */
  readonly p: Process;
  /** The epoll fd (the same number in parent and child). */
  readonly ep: number;
  /** The kernel, for its f_ep lists. */
  readonly k: Kernel;
}

/**
 * epoll(7) Q6 and the fork rules: items belong to the epoll file, which fork() shares, so
 * the child's EPOLL_CTL_DEL removes the parent's item; the child exiting without closing
 * removes nothing (its fds are not the last references); and closing an fd while a dup
 * keeps the file leaves the item reporting for the old fd number, which EPOLL_CTL_DEL can
 * no longer name (EBADF). The same under every policy: an invariant, not a fix.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { epollForkShared } from 'fdlab/scenarios';
 * explore(epollForkShared, { policy: 'after' }).violations; // []
 * ```
 */
export const epollForkShared = /* @__PURE__ */ defineScenario<EpollForkSharedContext>({
  name: 'epoll-fork-shared',
  title: "a forked child's EPOLL_CTL_DEL removes the parent's item; its exit does not",
  source: 'epoll(7) Q6; fs/eventpoll.c ep_find() keyed by (file, fd); eventpoll_release_file() at the final fput only',
  before: { epollItemPoll: 'borrow' },
  after: 'current',
  expected: { before: 'clean', after: 'clean' },
  setup(k) {
    const p = k.spawnProcess({ name: 'P' });
    const ep = Epoll.create1(p, 0);
    const [r1] = p.pipe();
    const [r2, w2] = p.pipe();
    const [r3] = p.pipe();
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r1, { events: EPOLLIN, data: 1 });
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r2, { events: EPOLLIN, data: 2 });
    Epoll.ctl(p, ep, EPOLL_CTL_ADD, r3, { events: EPOLLIN, data: 3 });
    const c = p.fork();
    c.thread((sys) => child(sys, ep, r1));
    p.thread((sys) => parent(sys, ep, r2, w2));
    return { p, ep, k };
  },
  check(_k, { p, ep }) {
    const inst = Epoll.of(p, ep);
    const data = [...inst.items.values()].map((i) => i.data).sort();
    // r1: deleted by the child; r2: gone with its last reference (the parent's dup or the
    // child's copy, whichever closed last); r3: the child's exit closed only a copy.
    if (data.join() !== '3') throw new Error(`interest set after the child's DEL and exit should be the r3 item only, not [${data.join()}]`);
    const result = p.main.sim.result as string;
    if (!result.startsWith('2|') || !result.endsWith('EBADF')) throw new Error(`parent saw ${result}`);
  },
});
