import type { Traceable } from '../sim/engine.js';
import { Lock } from '../sim/lock.js';
import { access } from '../sim/step.js';
import type { FileOperations } from './file-operations.js';
import type { FileTarget } from './file-target.js';
import type { Inode } from './inode.js';
import type { Mount } from './mount.js';

/** Field numbers of a RefFile's memory locations. @internal */
export const F_COUNT = 0;
/** @internal */
export const F_POS = 1;
/** @internal */
export const F_EP = 2;
/** @internal */
export const F_STATE = 3;

/**
 * A `struct file`: an open file description with a reference count.
 *
 * Models struct file (include/linux/fs.h) and its count, `f_ref`/`f_count`, with
 * refcount_t-style rules: {@link getFile} (get_file(): increment, warning if the count
 * was 0), {@link fileRefGet} (file_ref_get(): increment only if not zero; the
 * function {@link getFileActive} adds get_file_active()'s reload and recheck), {@link fput} (fput(): decrement, and the last put runs `__fput()`).
 *
 * The object is slab memory (SLAB_TYPESAFE_BY_RCU): after the last put it can be handed
 * to a later open as a different file with a new generation ({@link gen}), while a
 * stale pointer still refers to it. The object holds only its slab index and a pointer
 * to what it is open on; the numeric fields live in the slab's arrays, so that a million
 * open files fit in a modest heap (docs/architecture.md, "struct file memory").
 *
 * @example
 * ```ts
 * import { Kernel, O_RDWR } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const fd = p.open('/data/log', O_RDWR);
 * const f = p.fileOf(fd);
 * f.count;      // 1: the fd slot
 * f.getFile();  // 2
 * f.fput();     // 1
 * ```
 */
export class RefFile implements Traceable {
  /**
   * The object's index in its slab (`num - 1`): its numeric fields live in the slab's
   * arrays at this index rather than in the object, where ten fields made 104 bytes per
   * file. @internal
   */
  readonly slabIndex: number;
  /** What the file is open on (f_op, f_inode, f_path.mnt), and the slab. @internal */
  t: FileTarget;

  /** @internal Created by the slab only. */
  constructor(slabIndex: number, t: FileTarget) {
    this.slabIndex = slabIndex;
    this.t = t;
  }

  /** Engine object id (stable across reuse: it is the same memory). */
  get simId(): number {
    return this.t.slab.idOf(this.slabIndex);
  }

  /** Display number of the slab object, `file#<num>`. */
  get num(): number {
    return this.slabIndex + 1;
  }

  /** Allocation generation: odd while allocated, even while free. */
  get gen(): number {
    const s = this.t.slab;
    return s.i32[3 * this.slabIndex]!;
  }

  /** Sets the allocation generation (the slab does, on alloc and free). */
  set gen(v: number) {
    const s = this.t.slab;
    s.i32[3 * this.slabIndex] = v | 0;
  }

  /** Reference count (f_count). `Infinity` once saturated. */
  get count(): number {
    const s = this.t.slab;
    return s.f64[2 * this.slabIndex]!;
  }

  /** Sets f_count directly (models and tests; kernel paths use getFile, fileRefGet and put). */
  set count(v: number) {
    const s = this.t.slab;
    s.f64[2 * this.slabIndex] = v;
  }

  /** FMODE_* bits. */
  get mode(): number {
    const s = this.t.slab;
    return s.i32[3 * this.slabIndex + 1]!;
  }

  /** Sets the FMODE_* bits (a 32-bit value). */
  set mode(v: number) {
    const s = this.t.slab;
    s.i32[3 * this.slabIndex + 1] = v | 0;
  }

  /** O_* flags given to open (f_flags). */
  get flags(): number {
    const s = this.t.slab;
    return s.i32[3 * this.slabIndex + 2]!;
  }

  /** Sets f_flags (a 32-bit value), as F_SETFL does. */
  set flags(v: number) {
    const s = this.t.slab;
    s.i32[3 * this.slabIndex + 2] = v | 0;
  }

  /** File position (f_pos). */
  get pos(): number {
    const s = this.t.slab;
    return s.f64[2 * this.slabIndex + 1]!;
  }

  /** Sets f_pos. */
  set pos(v: number) {
    const s = this.t.slab;
    s.f64[2 * this.slabIndex + 1] = v;
  }

  /** File operations (f_op). */
  get ops(): FileOperations {
    return this.t.ops;
  }

  /** Points the file at other file operations (replace_fops()). */
  set ops(v: FileOperations) {
    this.t = this.t.slab.target(v, this.t.inode, this.t.mount);
  }

  /** The inode (f_inode). */
  get inode(): Inode {
    return this.t.inode;
  }

  /** Points the file at another inode. */
  set inode(v: Inode) {
    this.t = this.t.slab.target(this.t.ops, v, this.t.mount);
  }

  /** The mount the file pins (f_path.mnt). */
  get mount(): Mount {
    return this.t.mount;
  }

  /** Points the file at another mount. */
  set mount(v: Mount) {
    this.t = this.t.slab.target(this.t.ops, this.t.inode, v);
  }

  /** True while the object holds a file (between allocation and free). */
  get live(): boolean {
    const s = this.t.slab;
    return (s.i32[3 * this.slabIndex]! & 1) === 1;
  }

  /** Which file this object holds: 1 for its first allocation, 2 after one reuse, ... */
  get incarnation(): number {
    return (this.gen + 1) >> 1;
  }

  /** Display name: `file#3`, or `file#3@2` for the object's second incarnation. */
  get name(): string {
    const i = this.incarnation;
    return i > 1 ? `file#${this.num}@${i}` : `file#${this.num}`;
  }

  /**
   * f_pos_lock, the mutex fdget_pos() takes. Created on first use and kept beside the
   * object rather than in it: most files never need one, and a million open files should
   * not pay for a million locks.
   */
  get posLock(): Lock {
    const side = this.t.slab.side;
    let l = side.posLock.get(this);
    if (l === undefined) side.posLock.set(this, (l = new Lock(this.t.mount.world.engine, `f_pos_lock of file#${this.num}`, true, this.simId)));
    return l;
  }

  /** True if f_pos_lock exists and is held by someone. */
  get posLocked(): boolean {
    const l = this.t.slab.side.posLock.get(this);
    return l !== undefined && l.owner !== null;
  }

  /** Per-type data (private_data), e.g. the pid of a pidfd. Kept beside the object, as posLock is. */
  get privateData(): unknown {
    return this.t.slab.side.privateData.get(this) ?? null;
  }

  /** Sets the per-type data; null removes it. */
  set privateData(v: unknown) {
    const m = this.t.slab.side.privateData;
    if (v === null || v === undefined) m.delete(this);
    else m.set(this, v);
  }

  /**
   * get_file(): takes a reference the caller is entitled to (it already holds one, or a
   * lock keeps the file alive). Reports `refcount-inc-on-zero` if the count was 0
   * ("f_count incremented from zero; use-after-free condition present!").
   */
  getFile(): this {
    const w = this.t.mount.world;
    w.engine.write(this.simId, F_COUNT);
    const s = this.t.slab;
    const i = this.slabIndex;
    const before = s.f64[2 * i]!;
    if ((s.i32[3 * i]! & 1) !== 1) w.engine.report('use-after-free', `get_file on freed ${this.name}`, this.name);
    else if (before === 0) w.engine.report('refcount-inc-on-zero', `get_file on ${this.name} whose f_count is 0`, this.name);
    this.inc(before, i);
    if (w.engine.tracing) w.engine.effect('get_file', this.simId, F_COUNT, before, this.count);
    return this;
  }

  /**
   * file_ref_get() (atomic_long_inc_not_zero() before v6.13): takes a reference only if
   * the count is not zero. Returns false for a dying file. Note it succeeds on a
   * *recycled* object: only a recheck of the pointer's source tells that apart — which
   * is what {@link getFileActive} adds.
   */
  fileRefGet(): boolean {
    const w = this.t.mount.world;
    w.engine.write(this.simId, F_COUNT);
    const s = this.t.slab;
    const i = this.slabIndex;
    const before = s.f64[2 * i]!;
    if (before === 0) {
      if (w.engine.tracing) w.engine.effect('file_ref_get', this.simId, F_COUNT, 0, 0, { note: 'failed: count is 0' });
      return false;
    }
    this.inc(before, i);
    if (w.engine.tracing) w.engine.effect('file_ref_get', this.simId, F_COUNT, before, this.count);
    return true;
  }

  /**
   * The atomic decrement of fput()/file_ref_put(). Returns true if this dropped the last
   * reference: the caller must then run `__fput()` (see fput, or the deferred paths).
   */
  put(): boolean {
    const w = this.t.mount.world;
    w.engine.write(this.simId, F_COUNT);
    const s = this.t.slab;
    const i = 2 * this.slabIndex;
    const before = s.f64[i]!;
    if (before === 0) {
      w.engine.report(this.live ? 'refcount-underflow' : 'use-after-free', `fput on ${this.live ? '' : 'freed '}${this.name} whose f_count is 0`, this.name);
      return false;
    }
    const after = before === Infinity ? before : before - 1;
    s.f64[i] = after;
    if (w.engine.tracing) w.engine.effect('fput', this.simId, F_COUNT, before, after);
    return after === 0;
  }

  /** fput() run to completion: the last reference runs `__fput()` at once. */
  fput(): void {
    if (this.put()) this.t.slab.release(this);
  }

  /** The increment of get_file()/file_ref_get() on the file at slab index `i`. */
  private inc(before: number, i: number): void {
    if (before === Infinity) return;
    const s = this.t.slab;
    if (before >= this.t.mount.world.policy.fileRefMax) {
      s.f64[2 * i] = Infinity;
      this.t.mount.world.engine.report('refcount-saturated', `f_count of ${this.name} saturated at ${before}`, this.name);
    } else {
      s.f64[2 * i] = before + 1;
    }
  }

  /** @internal */
  simName(field: number, gen?: number): string {
    const n = gen === undefined ? `file#${this.num}` : this.simLabel(gen);
    return field === F_COUNT ? `${n}.f_count` : field === F_POS ? `${n}.f_pos` : field === F_EP ? `${n}.f_ep` : `${n}.state`;
  }

  /** @internal */
  simCount(field: number): number | undefined {
    return field === F_COUNT ? this.count : field === F_POS ? this.pos : undefined;
  }

  /** @internal */
  simKind(): 'file' {
    return 'file';
  }

  /**
   * The name of the incarnation of generation `gen` (`file#3@2`); without `gen`, of the
   * object whatever it holds (`file#3`), as {@link simName} without `gen`. @internal
   */
  simLabel(gen?: number): string {
    if (gen === undefined) return `file#${this.num}`;
    const i = (gen + 1) >> 1;
    return i > 1 ? `file#${this.num}@${i}` : `file#${this.num}`;
  }

  /** @internal */
  simGen(): number {
    return this.gen;
  }
}

/**
 * get_file_active(): loads a file pointer, takes a reference if the file is not dying,
 * then loads the pointer again; if it changed, the object was freed and recycled
 * (SLAB_TYPESAFE_BY_RCU) between the load and the increment, so the reference is dropped
 * and the answer is null — as is a NULL pointer or a dying file.
 *
 * Models get_file_active() / __get_file_rcu() in fs/file.c (v6.7, 0ede61d8589c). One
 * atomic step here; the stepped fget path (fgetSteps) splits the same loads apart.
 *
 * @param load - reads the pointer (e.g. a slot of an fd table, `mm->exe_file`)
 * @returns the file with a reference, or null
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, getFileActive } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const fd = p.open('/data/log', O_RDONLY);
 * const f = getFileActive(() => p.files.lookupRaw(fd)); // count 2
 * f?.fput();
 * ```
 */
export function getFileActive(load: () => RefFile | null): RefFile | null {
  const f = load();
  if (f === null || !f.fileRefGet()) return null;
  if (load() === f) return f;
  f.fput();
  return null;
}

/**
 * The memory location of a field of a struct file as an encoded access (see `access()`),
 * for code outside the core that declares and records its steps — a plugin's kernel path
 * that reads or writes `f_pos` as io_uring's `offset == -1` requests do, or that changes
 * the count. `'state'` is the file's teardown and flag state (f_flags, the `__fput`
 * stages), `'f_ep'` epoll's list head.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * import { accessIsWrite, fileAccess } from 'fdlab/extend';
 * const k = new Kernel();
 * const f = k.vfs.openFile('/data/log', O_RDONLY);
 * accessIsWrite(fileAccess(f, 'f_pos', true)); // true
 * k.engine.touch(fileAccess(f, 'f_pos', false)); // records a read (inside a step)
 * f.fput();
 * ```
 */
export function fileAccess(file: RefFile, field: 'f_count' | 'f_pos' | 'f_ep' | 'state', write: boolean): number {
  const n = field === 'f_count' ? F_COUNT : field === 'f_pos' ? F_POS : field === 'f_ep' ? F_EP : F_STATE;
  return access(file.simId, n, write);
}
