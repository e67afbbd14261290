import type { RefFile } from '../file/ref-file.js';
import type { Eventpoll } from './eventpoll.js';

/** Brands Eventpoll instances, so that telling an epoll file needs no import of the class. @internal */
export const EVENTPOLL_BRAND: unique symbol = Symbol('eventpoll');

/**
 * The epoll instance behind `file`, or null if `file` is not an epoll. Models
 * is_file_epoll() in fs/eventpoll.c (`f_op == &eventpoll_fops`, then
 * `file->private_data`). It tests a brand rather than the class or the file operations,
 * so a plugin that only asks the question (kcmp(KCMP_EPOLL_TFD)) does not pull the
 * epoll layer into its bundle.
 *
 * @example
 * ```ts
 * import { Epoll, Kernel } from 'fdlab';
 * import { fileEventpoll } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * const efd = Epoll.create1(p, 0);
 * fileEventpoll(p.fileOf(efd)) === Epoll.of(p, efd); // true
 * ```
 */
export function fileEventpoll(file: RefFile): Eventpoll | null {
  const d = file.privateData;
  return typeof d === 'object' && d !== null && EVENTPOLL_BRAND in d ? (d as Eventpoll) : null;
}
