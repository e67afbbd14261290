/**
 * How ep_item_poll() gets at the watched file before calling its `->poll`:
 *
 * - `'borrow'`: the epitem's borrowed pointer is polled as it is (v2.6.12 – v6.8), even
 *   when the file's count already dropped to 0 on its way to `__fput()`; a `->poll` that
 *   takes a reference (dma-buf) resurrects it — CVE-2024-38580.
 * - `'epi-fget'`: `epi_fget()` takes a reference with inc-not-zero first and a dying file
 *   reports no events (4efaa5acf0a1 "epoll: be better about file lifetimes", v6.9).
 * - `'epi-fget-nouser'`: the variant Christian Brauner proposed in seed 002: take the
 *   reference only for files on SB_NOUSER filesystems (anon inodes, pipefs, ...), so a
 *   poll never pins a mountable filesystem; other files are polled borrowed unless their
 *   count is 0.
 *
 * @example
 * ```ts
 * import type { EpollItemPoll } from 'fdlab';
 * const v: EpollItemPoll = 'epi-fget';
 * ```
 */
export type EpollItemPoll = 'borrow' | 'epi-fget' | 'epi-fget-nouser';

/**
 * The behaviour switches of the epoll layer.
 *
 * @example
 * ```ts
 * import type { EpollPolicy } from 'fdlab';
 * const p: EpollPolicy = { epollItemPoll: 'borrow', epollMaxUserWatches: 100 };
 * ```
 */
export interface EpollPolicy {
  /** How ep_item_poll() pins the polled file (see {@link EpollItemPoll}). */
  readonly epollItemPoll: EpollItemPoll;
  /** fs.epoll.max_user_watches: epitems one user may have; EPOLL_CTL_ADD beyond it is ENOSPC. */
  readonly epollMaxUserWatches: number;
}
