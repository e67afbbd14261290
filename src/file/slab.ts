import type { Engine } from '../sim/engine.js';
import { KernelError } from '../sim/kernel-error.js';
import { access } from '../sim/step.js';
import type { Lock } from '../sim/lock.js';
import type { FileOperations } from './file-operations.js';
import { FileTarget } from './file-target.js';
import { fputTeardown } from './fput.js';
import type { Inode } from './inode.js';
import type { Mount } from './mount.js';
import { F_COUNT, RefFile } from './ref-file.js';
import type { FilePolicy } from './world.js';

/**
 * The `filp` cache: allocates struct file objects and takes them back, re-using freed
 * objects (last freed, first reused, as SLUB does).
 *
 * Models `filp_cachep` in fs/file_table.c: alloc_empty_file() / init_file() (which sets
 * f_count *last*, "We're SLAB_TYPESAFE_BY_RCU so initialize f_ref last") and
 * file_free(). With the `slabTypesafeByRcu` policy a freed object is reusable at once;
 * without it, only after an RCU grace period.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * const k = new Kernel();
 * const a = k.vfs.openFile('/data/log', O_RDONLY);
 * a.fput();
 * const b = k.vfs.openFile('/srv', O_RDONLY);
 * a === b;    // true: the same memory...
 * b.name;     // 'file#1@2': ...holding a new file
 * ```
 */
export class FileSlab {
  /** Files whose `__fput()` has begun but not finished. */
  readonly dying = new Set<RefFile>();
  /** Rarely used per-file state kept outside the objects (f_pos_lock, private_data). @internal */
  readonly side = { posLock: new Map<RefFile, Lock>(), privateData: new Map<RefFile, unknown>() };
  /** Files currently allocated. */
  allocated = 0;
  /**
   * Every object the slab ever created, by `num - 1`; the object with engine id
   * `base + i` is `objects[i]` (the engine resolves the slab's id range here and keeps no
   * entry per file).
   */
  readonly objects: RefFile[] = [];
  /** Engine id of `objects[0]`: the first id of the slab's range. @internal */
  readonly base: number;
  /**
   * The numeric fields of the struct files, by `simId - base` (struct-of-arrays: no
   * 8-byte field per number in each object). Replaced by larger copies as the slab grows,
   * so read them through the slab each time. f_count needs doubles (it counts to 2^53-1,
   * then saturates at Infinity), as does f_pos (a 64-bit offset); generation, FMODE_* and
   * O_* bits are int32 (every flag the model sets is below 2^31, and f_flags is built
   * with bitwise operators). @internal
   */
  gens: Int32Array;
  /** @internal */
  counts: Float64Array;
  /** @internal */
  modes: Int32Array;
  /** @internal */
  flagWords: Int32Array;
  /** @internal */
  positions: Float64Array;
  private readonly freeList: RefFile[] = [];
  /**
   * Engine object id of the cache's free list. Allocation and free write it; a lookup
   * that touches a struct file it holds no reference on (the speculative inc-not-zero of
   * fget) reads it, because an allocation may hand that very object to someone else.
   */
  readonly simId: number;
  private readonly engine: Engine;
  private readonly policy: FilePolicy;

  /** @param engine - the engine @param policy - the file policy */
  constructor(engine: Engine, policy: FilePolicy) {
    this.engine = engine;
    this.policy = policy;
    this.simId = engine.register({ simName: () => 'filp_cachep' });
    this.base = engine.registerRange((i) => this.objects[i]);
    // Eight files' worth: typed arrays this small live on the JS heap, cheap to make for
    // the explorer's fresh kernel per run.
    this.gens = new Int32Array(8);
    this.counts = new Float64Array(8);
    this.modes = new Int32Array(8);
    this.flagWords = new Int32Array(8);
    this.positions = new Float64Array(8);
  }

  /** The access an allocating or freeing step declares. */
  allocAccess(): number {
    return access(this.simId, 0, true);
  }

  /** The access a speculative, reference-less touch of a struct file declares. */
  speculativeAccess(): number {
    return access(this.simId, 0, false);
  }

  /** Allocates an opened file with one reference (the caller's). */
  alloc(ops: FileOperations, inode: Inode, mount: Mount, mode: number, flags: number): RefFile {
    this.engine.write(this.simId, 0);
    const t = this.target(ops, inode, mount);
    let f = this.freeList.pop();
    if (f === undefined) {
      const n = this.objects.length;
      if (n === this.engine.rangeSize) throw new KernelError('ENFILE', 'alloc_empty_file', `the model's limit of ${n} struct file objects`);
      if (n === this.gens.length) this.grow();
      f = new RefFile(this.base + n, t);
      this.objects.push(f);
    } else {
      f.t = t;
    }
    const i = f.simId - this.base;
    this.gens[i]!++;
    this.modes[i] = mode;
    this.flagWords[i] = flags;
    this.positions[i] = 0;
    f.privateData = null;
    this.counts[i] = 1;
    this.allocated++;
    if (this.engine.tracing) this.engine.effect('alloc_file', f.simId, F_COUNT, 0, 1, { path: inode.path });
    return f;
  }

  /**
   * The shared {@link FileTarget} for a file opened on `inode` through `mount` with
   * `ops`: the inode's last one if it matches, else a new one the inode then keeps.
   * @internal
   */
  target(ops: FileOperations, inode: Inode, mount: Mount): FileTarget {
    const c = inode.fileTarget;
    if (c !== null && c.ops === ops && c.mount === mount && c.slab === this) return c;
    return (inode.fileTarget = new FileTarget(ops, inode, mount, this));
  }

  /** Doubles the field arrays. */
  private grow(): void {
    const n = this.gens.length * 2;
    const gens = new Int32Array(n);
    gens.set(this.gens);
    this.gens = gens;
    const counts = new Float64Array(n);
    counts.set(this.counts);
    this.counts = counts;
    const modes = new Int32Array(n);
    modes.set(this.modes);
    this.modes = modes;
    const flagWords = new Int32Array(n);
    flagWords.set(this.flagWords);
    this.flagWords = flagWords;
    const positions = new Float64Array(n);
    positions.set(this.positions);
    this.positions = positions;
  }

  /** `__fput()` to completion. */
  release(f: RefFile): void {
    fputTeardown(f);
  }

  /** file_free(): the memory goes back to the cache. */
  free(f: RefFile): void {
    this.engine.write(this.simId, 0);
    this.dying.delete(f);
    this.side.privateData.delete(f);
    this.gens[f.simId - this.base]!++;
    this.allocated--;
    // gen is even now; the name still shows the incarnation that just ended.
    if (this.engine.tracing) this.engine.effect('file_free', f.simId, undefined, undefined, undefined, { note: 'memory back to filp_cachep' });
    if (this.policy.slabTypesafeByRcu) this.freeList.push(f);
    else this.engine.rcu.callRcu(() => this.freeList.push(f));
  }
}
