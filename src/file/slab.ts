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

/** Files registered with the engine one by one before the slab's id range takes over. */
const LOW_FILES = 256;

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
  /** Every object the slab ever created, by `num - 1`. */
  readonly objects: RefFile[] = [];
  /**
   * Engine ids of the first {@link LOW_FILES} objects, registered with the engine as any
   * object is: small kernels (the explorer's) keep small ids, whose memory locations are
   * small integers in V8. Object `i` from then on has id `base + i` in the slab's own id
   * range, which the engine resolves here: no registry entry per file.
   */
  private readonly lowIds: number[] = [];
  /** First id of the slab's engine id range. */
  private readonly base: number;
  /**
   * The numeric fields of the struct files, struct-of-arrays (an object field would cost
   * 8 bytes per number): f_count and f_pos of the file at index `i` (`num - 1`) are
   * `f64[2i]` and `f64[2i + 1]` — doubles, since f_count counts to 2^53-1 and saturates at
   * Infinity, and f_pos is a 64-bit offset. Its generation, FMODE_* bits and f_flags are
   * `i32[3i]`, `i32[3i + 1]`, `i32[3i + 2]`: every mode and flag bit is below 2^31, and
   * f_flags is built with bitwise operators, so int32 holds each exactly. The first four
   * files' fields are in plain arrays: the explorer builds a kernel per run, and a typed
   * array costs ~50 ns to make, several array literals' worth. Replaced by larger (typed)
   * copies as the slab grows: read them through the slab each time. @internal
   */
  f64: Float64Array | number[];
  /** @internal */
  i32: Int32Array | number[];
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
    this.base = engine.registerRange((i) => (i >= LOW_FILES ? this.objects[i] : undefined));
    this.f64 = [0, 0, 0, 0, 0, 0, 0, 0];
    this.i32 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
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
      if (2 * n === this.f64.length) this.grow();
      f = new RefFile(n, t);
      if (n < LOW_FILES) this.lowIds.push(this.engine.register(f));
      this.objects.push(f);
    } else {
      f.t = t;
    }
    const i = f.slabIndex;
    const ints = this.i32;
    ints[3 * i]!++;
    ints[3 * i + 1] = mode;
    ints[3 * i + 2] = flags;
    this.f64[2 * i + 1] = 0;
    f.privateData = null;
    this.f64[2 * i] = 1;
    this.allocated++;
    if (this.engine.tracing) this.engine.effect('alloc_file', f.simId, F_COUNT, 0, 1, { path: inode.path });
    return f;
  }

  /** The engine id of the object at index `i`. @internal */
  idOf(i: number): number {
    return i < LOW_FILES ? this.lowIds[i]! : this.base + i;
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

  /** Doubles the field arrays, as typed arrays. */
  private grow(): void {
    const f64 = new Float64Array(this.f64.length * 2);
    f64.set(this.f64);
    this.f64 = f64;
    const i32 = new Int32Array(this.i32.length * 2);
    i32.set(this.i32);
    this.i32 = i32;
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
    this.i32[3 * f.slabIndex]!++;
    this.allocated--;
    // gen is even now; the name still shows the incarnation that just ended.
    if (this.engine.tracing) this.engine.effect('file_free', f.simId, undefined, undefined, undefined, { note: 'memory back to filp_cachep' });
    if (this.policy.slabTypesafeByRcu) this.freeList.push(f);
    else this.engine.rcu.callRcu(() => this.freeList.push(f));
  }
}
