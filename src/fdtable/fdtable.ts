import { FMODE_ATOMIC_POS, FMODE_PATH } from '../file/constants.js';
import type { RefFile } from '../file/ref-file.js';
import type { Engine, Traceable } from '../sim/engine.js';
import { access } from '../sim/step.js';
import { KernelError } from '../sim/kernel-error.js';
import { Lock } from '../sim/lock.js';
import { clearBit, findNextZero, setBit, testBit, WORD } from './bitmap.js';
import { FdArrays } from './fdt.js';
import { EMPTY_FD, FDPUT_FPUT, FDPUT_POS_UNLOCK } from './fd-word.js';
import type { FdgetPosRule } from './policy.js';
import type { FdtableWorld } from './world.js';

/** Field of files_struct.count. @internal */
export const FILES_COUNT = 0;
/** Field of the files->fdt pointer. @internal */
export const FILES_FDT = 1;
/** Field of the allocation state (bitmaps, next_fd). @internal */
export const FILES_ALLOC = 2;
/**
 * Field of slot 0; slot `fd` is field `FILES_SLOT0 + fd` of the files_struct. Slots are
 * keyed by the table, not by the fdtable arrays, so a slot keeps its identity across
 * expand_files() (a declaration made before a resize still names the slot written after it).
 * @internal
 */
export const FILES_SLOT0 = 3;
/** Highest fd number with a location of its own (fs.nr_open's ceiling). @internal */
const SLOT_LOCATIONS = 2 ** 20;

/**
 * The memory location of slot `fd` of `files` as an encoded access (see `access()`).
 * An fd beyond any possible table has no slot: the lookup reads only max_fds (files->fdt).
 *
 * @example
 * ```ts
 * import { Kernel, slotAccess, accessIsWrite } from 'fdlab';
 * const files = new Kernel().spawnProcess().files;
 * accessIsWrite(slotAccess(files, 3, true)); // true
 * ```
 */
export function slotAccess(files: Fdtable, fd: number, write: boolean): number {
  return fd >>> 0 === fd && fd < SLOT_LOCATIONS ? access(files.simId, FILES_SLOT0 + fd, write) : access(files.simId, FILES_FDT, false);
}

/**
 * The accesses of a step that loads slot `fd` through files->fdt.
 *
 * @example
 * ```ts
 * import { Kernel, slotReadAccesses } from 'fdlab';
 * slotReadAccesses(new Kernel().spawnProcess().files, 0).length; // 2
 * ```
 */
export function slotReadAccesses(files: Fdtable, fd: number): number[] {
  return [slotAccess(files, fd, false), access(files.simId, FILES_FDT, false)];
}

/** NR_OPEN_DEFAULT: slots of a new table (BITS_PER_LONG on 64-bit). */
const NR_OPEN_DEFAULT = 64;

/**
 * The state of one fd slot: free, reserved (allocated by get_unused_fd_flags() but not
 * yet installed — the "larval" state) or installed.
 *
 * @example
 * ```ts
 * import type { SlotState } from 'fdlab';
 * const s: SlotState = 'reserved';
 * ```
 */
export type SlotState = 'free' | 'reserved' | 'installed';

/**
 * Decides whether fdget_pos() takes f_pos_lock for `file` under `rule`.
 * Models file_needs_f_pos_lock() (fs/file.c) and its history.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, fileNeedsPosLock } from 'fdlab';
 * const f = new Kernel().vfs.openFile('/data/log', O_RDONLY);
 * fileNeedsPosLock('when-shared', f); // false: count is 1
 * fileNeedsPosLock('always', f);      // true
 * ```
 */
export function fileNeedsPosLock(rule: FdgetPosRule, file: RefFile): boolean {
  if (!(file.mode & FMODE_ATOMIC_POS)) return false;
  switch (rule) {
    case 'when-shared':
      return file.count > 1;
    case 'always':
      return true;
    case 'when-shared-or-dir':
      return file.count > 1 || file.inode.kind === 'dir';
    case 'when-shared-or-iterate':
      return file.count > 1 || file.ops.iterateShared !== undefined;
    case 'raw-count-or-iterate':
      return file.count !== 1 || file.ops.iterateShared !== undefined;
  }
}

/**
 * A file descriptor table: `struct files_struct` with its current `struct fdtable`.
 *
 * Models include/linux/fdtable.h and fs/file.c: slots that are free, reserved or
 * installed; lowest-free allocation through word bitmaps (alloc_fd(), find_next_fd());
 * fd_install(); close (file_close_fd_locked()); do_dup2() with EBUSY on a reserved
 * target; dup_fd() for fork; and the lookups fget() / fdget() / fdget_pos() with their
 * borrowed ("light") path when the table is not shared. `count` is files_struct.count:
 * the number of tasks using the table.
 *
 * These methods are the atomic effects; concurrent paths in src/task compose them with
 * preemption points between.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const fd = p.open('/data/log', O_RDONLY);
 * const w = p.files.fdget(fd);   // borrowed: the table is not shared
 * p.files.fileOfWord(w).count;   // still 1
 * p.files.fdput(w);
 * ```
 */
export class Fdtable implements Traceable {
  /** Engine object id. */
  readonly simId: number;
  /** Display name, e.g. `P1.files`. */
  readonly name: string;
  /** files_struct.count: tasks sharing this table. */
  count = 1;
  /** The current fd arrays (files->fdt). */
  fdt: FdArrays;
  /** next_fd: a lower bound of the lowest free fd (an allocation hint). */
  nextFd = 0;
  /** The world the table lives in. */
  readonly world: FdtableWorld;
  private lockObj: Lock | null = null;

  /**
   * @param world - the kernel world
   * @param name - display name
   * @param maxFds - initial slots
   */
  constructor(world: FdtableWorld, name: string, maxFds = NR_OPEN_DEFAULT) {
    this.world = world;
    this.name = name;
    this.simId = world.engine.register(this);
    this.fdt = new FdArrays(world.engine, name, maxFds, this.simId);
  }

  /** files->file_lock (a spinlock). */
  get fileLock(): Lock {
    return (this.lockObj ??= new Lock(this.world.engine, `${this.name}.file_lock`, false, this.simId));
  }

  /** The state of slot `fd`. */
  slotState(fd: number): SlotState {
    const t = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      this.recSlot(e, fd, false);
      e.read(this.simId, FILES_ALLOC);
    }
    if (!isFd(fd) || fd >= t.maxFds) return 'free';
    if (t.fd[fd] !== null) return 'installed';
    return testBit(t.openFds, fd) ? 'reserved' : 'free';
  }

  /** files_lookup_fd_raw(): the file in slot `fd`, or null. No reference is taken. */
  lookupRaw(fd: number): RefFile | null {
    const t = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      this.recSlot(e, fd, false);
    }
    return fd >>> 0 === fd && fd < t.maxFds ? t.fd[fd]! : null;
  }

  /** Installed fds in ascending order. */
  installedFds(): number[] {
    const out: number[] = [];
    const t = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      for (let i = 0; i < t.maxFds; i++) e.read(this.simId, FILES_SLOT0 + i);
    }
    for (let i = 0; i < t.maxFds; i++) if (t.fd[i] !== null) out.push(i);
    return out;
  }

  /**
   * The accesses of a step that scans every slot (installedFds(), dup_fd()): each slot
   * that exists now, plus files->fdt and the allocation state. @internal
   */
  scanAccesses(): number[] {
    const out = [access(this.simId, FILES_FDT, false), access(this.simId, FILES_ALLOC, false)];
    for (let i = 0; i < this.fdt.maxFds; i++) out.push(access(this.simId, FILES_SLOT0 + i, false));
    return out;
  }

  private recSlot(e: Engine, fd: number, write: boolean): void {
    if (fd >>> 0 === fd && fd < SLOT_LOCATIONS) {
      if (write) e.write(this.simId, FILES_SLOT0 + fd);
      else e.read(this.simId, FILES_SLOT0 + fd);
    }
  }

  /** get_close_on_exec(). */
  getCloexec(fd: number): boolean {
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      e.read(this.simId, FILES_ALLOC);
    }
    return isFd(fd) && fd < this.fdt.maxFds && testBit(this.fdt.closeOnExec, fd);
  }

  /** set_close_on_exec(). */
  setCloexec(fd: number, on: boolean): void {
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      e.write(this.simId, FILES_ALLOC);
    }
    if (!isFd(fd) || fd >= this.fdt.maxFds) return;
    if (on) setBit(this.fdt.closeOnExec, fd);
    else clearBit(this.fdt.closeOnExec, fd);
    if (this.world.engine.tracing) this.world.engine.effect('set_close_on_exec', this.fdt.simId, fd, undefined, undefined, { note: on ? 'FD_CLOEXEC' : '0' });
  }

  /**
   * alloc_fd(start, end, flags): reserves the lowest free fd ≥ `start` (and ≥ next_fd).
   * Throws EMFILE if it would be ≥ `end` (RLIMIT_NOFILE) or the table cannot grow.
   */
  allocFd(start: number, end: number, cloexec: boolean): number {
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      e.write(this.simId, FILES_ALLOC);
    }
    let fd = start < this.nextFd ? this.nextFd : start;
    let t = this.fdt;
    if (fd < t.maxFds) fd = findNextZero(t.openFds, t.fullFdsBits, fd, t.maxFds);
    if (fd >= end) throw new KernelError('EMFILE', 'alloc_fd', `no free fd below RLIMIT_NOFILE ${end}`);
    if (fd >= t.maxFds) {
      this.expand(fd);
      t = this.fdt;
    }
    if (start <= this.nextFd) this.nextFd = fd + 1;
    this.setOpen(fd, cloexec);
    if (this.world.engine.tracing) this.world.engine.effect('alloc_fd', this.fdt.simId, fd, undefined, undefined, { note: 'reserved' });
    return fd;
  }

  /** put_unused_fd(): releases a reserved fd that was never installed. */
  putUnusedFd(fd: number): void {
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      e.write(this.simId, FILES_ALLOC);
    }
    this.clearOpen(fd);
    if (this.world.engine.tracing) this.world.engine.effect('put_unused_fd', this.fdt.simId, fd, undefined, undefined, { note: 'free' });
  }

  /**
   * fd_install(): publishes `file` in the reserved slot `fd`. Consumes the caller's
   * reference ("treat it as if they had called fput(file)").
   */
  fdInstall(fd: number, file: RefFile): void {
    const t = this.fdt;
    if (t.fd[fd] !== null || !testBit(t.openFds, fd)) {
      throw new Error(`BUG: fd_install into ${this.slotState(fd)} slot ${fd} of ${this.name}`);
    }
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      this.recSlot(e, fd, true);
    }
    t.fd[fd] = file;
    if (this.world.engine.tracing) this.world.engine.effect('fd_install', t.simId, fd, undefined, undefined, { file: file.simId, fileGen: file.gen });
  }

  /**
   * file_close_fd_locked(): empties slot `fd` and frees the number at once; returns the
   * file (whose slot reference now belongs to the caller), or null for a free or
   * reserved slot.
   */
  closeFdLocked(fd: number): RefFile | null {
    const t = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      this.recSlot(e, fd, true);
      e.write(this.simId, FILES_ALLOC);
    }
    if (!isFd(fd) || fd >= t.maxFds) return null;
    const f = t.fd[fd]!;
    if (f === null) return null;
    t.fd[fd] = null;
    this.clearOpen(fd);
    if (this.world.engine.tracing) this.world.engine.effect('file_close_fd', t.simId, fd, undefined, undefined, { file: f.simId, fileGen: f.gen });
    return f;
  }

  /**
   * do_dup2(): installs `file` at `fd` (taking a reference), replacing what was there.
   * Throws EBUSY if `fd` is reserved by an open in progress. Returns the replaced file,
   * which the caller must filp_close(). `fd` must be below maxFds (see {@link expand}).
   */
  doDup2(file: RefFile, fd: number, cloexec: boolean): RefFile | null {
    const t = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      this.recSlot(e, fd, true);
      e.write(this.simId, FILES_ALLOC);
    }
    const tofree = t.fd[fd]!;
    if (tofree === null && testBit(t.openFds, fd)) {
      throw new KernelError('EBUSY', 'dup2', `fd ${fd} is reserved by an open in progress`);
    }
    file.getFile();
    t.fd[fd] = file;
    this.setOpen(fd, cloexec);
    if (this.world.engine.tracing) this.world.engine.effect('do_dup2', t.simId, fd, undefined, undefined, { file: file.simId, fileGen: file.gen });
    return tofree;
  }

  /**
   * expand_files(): grows the table so slot `nr` exists, publishing a new fdtable (old
   * readers keep the old arrays). Throws EMFILE beyond fs.nr_open.
   */
  expand(nr: number): void {
    const old = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) e.read(this.simId, FILES_FDT);
    if (nr < old.maxFds) return;
    const cap = Math.floor(this.world.nrOpen / WORD) * WORD;
    if (nr >= cap) throw new KernelError('EMFILE', 'expand_files', `fd ${nr} beyond fs.nr_open ${this.world.nrOpen}`);
    let size = old.maxFds * 2;
    while (size <= nr) size *= 2;
    if (size > cap) size = cap;
    const t = new FdArrays(this.world.engine, this.name, size, this.simId);
    for (let i = 0; i < old.maxFds; i++) t.fd[i] = old.fd[i]!;
    for (let i = 0; i < old.openFds.length; i++) {
      t.openFds[i] = old.openFds[i]!;
      t.closeOnExec[i] = old.closeOnExec[i]!;
    }
    for (let i = 0; i < old.fullFdsBits.length; i++) t.fullFdsBits[i] = old.fullFdsBits[i]!;
    // The copy reads every old slot: a concurrent fd_install writes the slot through
    // whichever arrays files->fdt names when it runs, so the slot locations (keyed by the
    // table) order it against this step.
    if (e.rec !== null) {
      e.write(this.simId, FILES_FDT);
      e.write(this.simId, FILES_ALLOC);
      for (let i = 0; i < old.maxFds; i++) e.read(this.simId, FILES_SLOT0 + i);
    }
    this.fdt = t;
    old.retire();
    if (this.world.engine.tracing) this.world.engine.effect('expand_fdtable', this.simId, FILES_FDT, old.maxFds, size);
  }

  /**
   * dup_fd(): a private copy of this table for fork(): every installed file gains a
   * reference; reserved slots are not copied ("a sibling thread is partway through
   * open()"); close-on-exec bits are kept.
   */
  dupFd(name: string): Fdtable {
    const old = this.fdt;
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_FDT);
      e.read(this.simId, FILES_ALLOC);
      for (let i = 0; i < old.maxFds; i++) e.read(this.simId, FILES_SLOT0 + i);
    }
    let last = -1;
    for (let i = old.maxFds - 1; i >= 0; i--) {
      if (testBit(old.openFds, i)) {
        last = i;
        break;
      }
    }
    let size = NR_OPEN_DEFAULT;
    while (size <= last) size *= 2;
    const copy = new Fdtable(this.world, name, size);
    const t = copy.fdt;
    for (let i = 0; i <= last; i++) {
      const f = old.fd[i]!;
      if (f === null) continue;
      f.getFile();
      t.fd[i] = f;
      copy.setOpen(i, testBit(old.closeOnExec, i));
    }
    if (this.world.engine.tracing) this.world.engine.effect('dup_fd', copy.simId, undefined, undefined, undefined, { from: this.simId });
    return copy;
  }

  /** The file a packed struct fd refers to. */
  fileOfWord(w: number): RefFile {
    return this.world.engine.objectAt(Math.floor(w / 4)) as RefFile;
  }

  /**
   * fdget(): the file at `fd` as a packed struct fd (0 if none or O_PATH). When the table
   * is not shared (count 1) the file is *borrowed* — no reference taken, because only
   * this thread can change the table; otherwise fget() takes one (FDPUT_FPUT set).
   * Allocates nothing.
   */
  fdget(fd: number): number {
    const e = this.world.engine;
    if (e.rec !== null) {
      e.read(this.simId, FILES_COUNT);
      e.read(this.simId, FILES_FDT);
      this.recSlot(e, fd, false);
    }
    if (this.count === 1) {
      const t = this.fdt;
      const f = fd >>> 0 === fd && fd < t.maxFds ? t.fd[fd]! : null;
      if (f === null || (f.mode & FMODE_PATH) !== 0) return EMPTY_FD;
      return f.simId * 4;
    }
    const f = this.fgetMask(fd, FMODE_PATH);
    return f === null ? EMPTY_FD : f.simId * 4 + FDPUT_FPUT;
  }

  /** fdget_raw(): fdget() that also returns O_PATH files. */
  fdgetRaw(fd: number): number {
    this.world.engine.read(this.simId, FILES_COUNT);
    if (this.count === 1) {
      const f = this.lookupRaw(fd);
      return f === null ? EMPTY_FD : f.simId * 4;
    }
    const f = this.fgetMask(fd, 0);
    return f === null ? EMPTY_FD : f.simId * 4 + FDPUT_FPUT;
  }

  /** fdput(): drops the reference of a cloned struct fd. */
  fdput(w: number): void {
    if ((w & FDPUT_FPUT) !== 0) this.fileOfWord(w).fput();
  }

  /** fdget_pos(): fdget() plus f_pos_lock when the `fdgetPos` policy says so. */
  fdgetPos(fd: number): number {
    let w = this.fdget(fd);
    if (w === EMPTY_FD) return w;
    const f = this.fileOfWord(w);
    if (fileNeedsPosLock(this.world.policy.fdgetPos, f)) {
      f.posLock.lock();
      w += FDPUT_POS_UNLOCK;
    }
    return w;
  }

  /** fdput_pos(): unlocks f_pos_lock if fdget_pos() took it, then fdput(). */
  fdputPos(w: number): void {
    if ((w & FDPUT_POS_UNLOCK) !== 0) this.fileOfWord(w).posLock.unlock();
    this.fdput(w);
  }

  /** fget(): the file at `fd` with a new reference, or null (O_PATH files are invisible). */
  fget(fd: number): RefFile | null {
    return this.fgetMask(fd, FMODE_PATH);
  }

  /** fget_raw(): fget() that also returns O_PATH files. */
  fgetRaw(fd: number): RefFile | null {
    return this.fgetMask(fd, 0);
  }

  /**
   * __fget_files() run to completion: nothing can change the slot between the load and
   * the increment here, so the recheck policy cannot matter; the stepped path
   * (fgetSteps) is where it does.
   */
  private fgetMask(fd: number, mask: number): RefFile | null {
    const f = this.lookupRaw(fd);
    if (f === null || !f.fileRefGet()) return null;
    if ((f.mode & mask) !== 0) {
      f.fput();
      return null;
    }
    return f;
  }

  /** __set_open_fd(). @internal */
  setOpen(fd: number, cloexec: boolean): void {
    const t = this.fdt;
    setBit(t.openFds, fd);
    if (cloexec) setBit(t.closeOnExec, fd);
    else clearBit(t.closeOnExec, fd);
    const w = fd >>> 5;
    if (t.openFds[w] === -1) setBit(t.fullFdsBits, w);
  }

  /** __put_unused_fd(): __clear_open_fd() and lower next_fd. @internal */
  clearOpen(fd: number): void {
    const t = this.fdt;
    clearBit(t.openFds, fd);
    clearBit(t.fullFdsBits, fd >>> 5);
    if (fd < this.nextFd) this.nextFd = fd;
  }

  /** @internal */
  simName(field: number): string {
    if (field >= FILES_SLOT0) return `${this.name}.fd[${field - FILES_SLOT0}]`;
    return field === FILES_COUNT ? `${this.name}.count` : field === FILES_FDT ? `${this.name}.fdt` : `${this.name}.open_fds`;
  }

  /** @internal */
  simCount(field: number): number | undefined {
    if (field >= FILES_SLOT0) {
      const f = this.fdt.fd[field - FILES_SLOT0];
      return f ? f.count : undefined;
    }
    return field === FILES_COUNT ? this.count : undefined;
  }

  /** @internal */
  simKind(): 'fdtable' {
    return 'fdtable';
  }

  /** @internal */
  simLabel(): string {
    return this.name;
  }
}

/** A valid fd number: a non-negative integer below 2^31. @internal */
export function isFd(fd: number): boolean {
  return Number.isInteger(fd) && fd >= 0 && fd < 2 ** 31;
}
