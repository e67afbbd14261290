import type { Engine } from '../sim/engine.js';
import { access } from '../sim/step.js';
import type { Lock } from '../sim/lock.js';
import type { FileOperations } from './file-operations.js';
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
  /** Every object the slab ever created, by `num - 1`. */
  readonly objects: RefFile[] = [];
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
    let f = this.freeList.pop();
    if (f === undefined) {
      f = new RefFile(-1, this.objects.length + 1, ops, inode, mount);
      (f as { simId: number }).simId = this.engine.register(f);
      this.objects.push(f);
    } else {
      f.ops = ops;
      f.inode = inode;
      f.mount = mount;
    }
    f.gen++;
    f.mode = mode;
    f.flags = flags;
    f.pos = 0;
    f.privateData = null;
    f.count = 1;
    this.allocated++;
    if (this.engine.tracing) this.engine.effect('alloc_file', f.simId, F_COUNT, 0, 1, { path: inode.path });
    return f;
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
    f.gen++;
    this.allocated--;
    // gen is even now; the name still shows the incarnation that just ended.
    if (this.engine.tracing) this.engine.effect('file_free', f.simId, undefined, undefined, undefined, { note: 'memory back to filp_cachep' });
    if (this.policy.slabTypesafeByRcu) this.freeList.push(f);
    else this.engine.rcu.callRcu(() => this.freeList.push(f));
  }
}
