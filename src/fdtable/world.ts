import type { FilePolicy, FileWorld } from '../file/world.js';
import type { FdtablePolicy } from './policy.js';

/**
 * What the fd-table layer needs from its world. `Kernel` implements it.
 *
 * @example
 * ```ts
 * import { Kernel, type FdtableWorld } from 'fdlab';
 * const w: FdtableWorld = new Kernel();
 * w.nrOpen; // 1048576 (fs.nr_open)
 * ```
 */
export interface FdtableWorld extends FileWorld {
  /** Behaviour switches of the file and fd-table layers. */
  readonly policy: FilePolicy & FdtablePolicy;
  /** fs.nr_open: the most slots a table may grow to. */
  readonly nrOpen: number;
}
