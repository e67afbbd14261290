import type { Engine } from '../sim/engine.js';
import type { HookList } from '../sim/hooks.js';

import type { FposWatch } from './fpos-watch.js';
import type { RefFile } from './ref-file.js';
import type { FileSlab } from './slab.js';

/**
 * The behaviour switches the file layer reads.
 *
 * @example
 * ```ts
 * import type { FilePolicy } from 'fdlab';
 * const p: FilePolicy = { slabTypesafeByRcu: true, fileRefMax: 2 ** 53 - 1 };
 * ```
 */
export interface FilePolicy {
  /**
   * `true`: a freed struct file goes straight back to the slab and the next allocation
   * may reuse it while RCU readers still hold its pointer (0ede61d8589c, "file: convert
   * to SLAB_TYPESAFE_BY_RCU", v6.7). `false`: it is freed after a grace period
   * (call_rcu, before v6.7).
   */
  readonly slabTypesafeByRcu: boolean;
  /** The count at which f_count saturates (file_ref_t saturation zone; 2^53-1 by default). */
  readonly fileRefMax: number;
}

/**
 * Hooks a higher layer registers to run inside `__fput()`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.fputHooks.eventpollRelease.add((file) => console.log('eventpoll_release', file.name));
 * ```
 */
export interface FputHooks {
  /**
   * eventpoll_release(file): "should be the first called in the file cleanup chain". A
   * hook may return a kernel path (anything else it returns is ignored), which the stepped `__fput()` runs as steps (it may
   * sleep on a mutex) and the plain one runs to completion.
   */
  readonly eventpollRelease: HookList<(file: RefFile) => unknown>;
  /** locks_remove_file(file): OFD locks, flock locks, leases. */
  readonly locksRemoveFile: HookList<(file: RefFile) => void>;
}

/**
 * What the file layer needs from the world it lives in. `Kernel` implements it.
 *
 * @example
 * ```ts
 * import { Kernel, type FileWorld } from 'fdlab';
 * const w: FileWorld = new Kernel();
 * ```
 */
export interface FileWorld {
  /** The step engine. */
  readonly engine: Engine;
  /** Behaviour switches. */
  readonly policy: FilePolicy;
  /** The struct file cache. */
  readonly slab: FileSlab;
  /** Hooks of __fput. */
  readonly fputHooks: FputHooks;
  /** The f_pos race detector. */
  readonly fpos: FposWatch;
}

/**
 * The per-thread state a kernel path needs for deferred work: files whose last
 * reference was dropped in a syscall and whose `__fput()` runs on return to user space
 * (task_work, `____fput`).
 *
 * @example
 * ```ts
 * import type { FputContext } from 'fdlab';
 * const ctx: FputContext = { taskWork: [] };
 * ```
 */
export interface FputContext {
  /** Files queued for `__fput()` at return to user space. */
  readonly taskWork: RefFile[];
}
