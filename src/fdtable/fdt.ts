import type { Engine, Traceable } from '../sim/engine.js';
import type { RefFile } from '../file/ref-file.js';
import { newBitmap, WORD } from './bitmap.js';

/**
 * The slots of a new default-sized table (NR_OPEN_DEFAULT, 64), never written: copying a
 * packed array is a few times faster than filling a new one, and the explorer builds a
 * table per process per run. (Built by push: `Array.from` and `fill` make holey arrays.)
 */
const EMPTY_SLOTS: Array<RefFile | null> = [];
for (let i = 0; i < 64; i++) EMPTY_SLOTS.push(null);

/**
 * The fd arrays of one table generation: the file pointers and the bitmaps. Replaced
 * as a whole when the table grows, so a lockless reader that loaded the old one keeps
 * reading the old arrays.
 *
 * Models `struct fdtable` in include/linux/fdtable.h (max_fds, fd[], open_fds,
 * close_on_exec, full_fds_bits).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const t = new Kernel().spawnProcess().files.fdt;
 * t.maxFds; // 64 (NR_OPEN_DEFAULT on 64-bit)
 * ```
 */
export class FdArrays {
  /** Engine object id; slot `fd` is field `fd` of this object. */
  readonly simId: number;
  /** Number of slots (max_fds). */
  readonly maxFds: number;
  /** fd[]: the installed files. */
  readonly fd: Array<RefFile | null>;
  /** open_fds: set for reserved and installed slots. */
  readonly openFds: number[];
  /** close_on_exec bits. */
  readonly closeOnExec: number[];
  /** full_fds_bits: one bit per entirely used word of open_fds. */
  readonly fullFdsBits: number[];
  private readonly handle: FdtHandle;

  /**
   * @param engine - engine to register with
   * @param owner - name of the files_struct, for traces
   * @param maxFds - slots (a multiple of 32)
   * @param ownerId - object id of the files_struct, for traces
   */
  constructor(engine: Engine, owner: string, maxFds: number, ownerId?: number) {
    this.maxFds = maxFds;
    this.fd = maxFds === EMPTY_SLOTS.length ? EMPTY_SLOTS.slice() : new Array<RefFile | null>(maxFds).fill(null);
    const words = Math.ceil(maxFds / WORD);
    this.openFds = newBitmap(words);
    this.closeOnExec = newBitmap(words);
    this.fullFdsBits = newBitmap(Math.ceil(words / WORD));
    this.handle = new FdtHandle(this, owner, ownerId);
    this.simId = engine.register(this.handle);
  }

  /**
   * The table was replaced by a larger one (expand_files()): the engine's registry lets
   * go of these arrays, as free_fdtable_rcu() frees them in the kernel. Readers that
   * loaded them still hold them; only their trace counts stop being reported.
   * @internal
   */
  retire(): void {
    this.handle.arrays = null;
  }
}

/**
 * What the engine's registry holds for an {@link FdArrays}: its names, and the arrays
 * only until a larger table replaces them — otherwise every table generation a growing
 * process ever had (64, 128, ... 2^19 slots before a 2^20-slot table) would stay alive.
 */
class FdtHandle implements Traceable {
  arrays: FdArrays | null;
  private readonly owner: string;
  private readonly ownerId: number | undefined;

  constructor(arrays: FdArrays, owner: string, ownerId: number | undefined) {
    this.arrays = arrays;
    this.owner = owner;
    this.ownerId = ownerId;
  }

  simName(field: number): string {
    return `${this.owner}.fd[${field}]`;
  }

  simCount(field: number): number | undefined {
    const f = this.arrays?.fd[field];
    return f ? f.count : undefined;
  }

  simKind(): 'fdt' {
    return 'fdt';
  }

  simLabel(): string {
    return `${this.owner}.fdt`;
  }

  simOwner(): number | undefined {
    return this.ownerId;
  }
}
