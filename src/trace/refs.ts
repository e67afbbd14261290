import type { TraceEvent, TraceObjects } from '../sim/events.js';
import { NO_OBJECTS, objectsFor, traceKindOf, traceName, traceRootOf } from './names.js';

/**
 * What a trace says about one struct file at some point: its count, the fd slots that
 * point to it, and whether it is open, in `__fput()` or freed.
 *
 * @example
 * ```ts
 * import type { FileRefs } from 'fdlab';
 * const unowned = (f: FileRefs) => (f.count ?? 0) - f.slots.length;
 * ```
 */
export interface FileRefs {
  /** File name, e.g. `file#1` or `file#1@2`. */
  readonly name: string;
  /** f_count after the latest count effect (undefined if the trace never showed one). */
  readonly count: number | undefined;
  /** Path (or anon-inode name) given at allocation, when the trace shows it. */
  readonly path: string | undefined;
  /** f_pos after the latest f_pos effect. */
  readonly pos: number | undefined;
  /** `open`, `dying` once `__fput()` began, `freed` once the memory went back to the cache. */
  readonly state: 'open' | 'dying' | 'freed';
  /** Names of the fd slots (`P1.files.fd[3]`) that hold the file, sorted. */
  readonly slots: readonly string[];
  /** References no visible holder accounts for: count − slots (threads, kernel objects); ≥ 0. */
  readonly unowned: number;
  /** Slots that hold the file beyond its count: slots − count; > 0 means a use-after-free waits. */
  readonly missing: number;
}

/**
 * One fd slot of a table: installed (naming its file) or reserved by an open in progress.
 *
 * @example
 * ```ts
 * import type { SlotRefs } from 'fdlab';
 * const show = (s: SlotRefs) => `fd ${s.fd} → ${s.file ?? 'reserved'}`;
 * ```
 */
export interface SlotRefs {
  /** The fd number. */
  readonly fd: number;
  /** The slot's name, e.g. `P1.files.fd[3]` (as its fd array names it). */
  readonly name: string;
  /** The installed file, undefined for a reserved slot. */
  readonly file: string | undefined;
}

/**
 * One fd table (files_struct) with its used slots.
 *
 * @example
 * ```ts
 * import type { TableRefs } from 'fdlab';
 * const installed = (t: TableRefs) => t.slots.filter((s) => s.file !== undefined).length;
 * ```
 */
export interface TableRefs {
  /** Table name, e.g. `P1.files`. */
  readonly name: string;
  /** files_struct count (tasks sharing the table) when the trace showed it. */
  readonly count: number | undefined;
  /** Used slots, by fd. */
  readonly slots: readonly SlotRefs[];
}

/**
 * A counted object that is not a file: a mount (`mnt:/`).
 *
 * @example
 * ```ts
 * import type { CountedRefs } from 'fdlab';
 * const c: CountedRefs = { name: 'mnt:/', count: 2 };
 * ```
 */
export interface CountedRefs {
  /** Object name. */
  readonly name: string;
  /** Its count after the latest effect. */
  readonly count: number | undefined;
}

/**
 * A held lock and its holder.
 *
 * @example
 * ```ts
 * import type { LockRefs } from 'fdlab';
 * const l: LockRefs = { name: 'f_pos_lock of file#1', holder: 'P2.T1' };
 * ```
 */
export interface LockRefs {
  /** Lock name, e.g. `f_pos_lock of file#1`. */
  readonly name: string;
  /** Thread holding it. */
  readonly holder: string;
  /** The file the lock belongs to (f_pos_lock), if any. */
  readonly file?: string | undefined;
}

/**
 * Who holds references to what, reconstructed from a trace's effect events.
 *
 * @example
 * ```ts
 * import type { ReferenceSnapshot } from 'fdlab';
 * const leaks = (s: ReferenceSnapshot) => s.files.filter((f) => f.state === 'open' && f.unowned > 0);
 * ```
 */
export interface ReferenceSnapshot {
  /** Files in order of first appearance. */
  readonly files: readonly FileRefs[];
  /** Fd tables in order of first appearance (released tables excluded). */
  readonly tables: readonly TableRefs[];
  /** Mounts with their counts. */
  readonly mounts: readonly CountedRefs[];
  /** Locks held. */
  readonly locks: readonly LockRefs[];
}

interface FileState {
  count: number | undefined;
  path: string | undefined;
  pos: number | undefined;
  state: 'open' | 'dying' | 'freed';
}

interface LockState {
  holder: string;
  owner: number | undefined;
}

interface TableState {
  count: number | undefined;
  slots: Map<number, string | undefined>;
  /** The fd array the latest slot effect of this table was on. */
  slotArray: number | undefined;
}

/**
 * Replays effect events into a model of who references what: fd slots (filled by
 * `fd_install` / `do_dup2`, emptied by `file_close_fd`, reserved by `alloc_fd`, copied by
 * `dup_fd`), file counts (latest `before→after` of `alloc_file`, `get_file`,
 * `file_ref_get`, `fput`), file states (`__fput`, `file_free`), table and mount counts and
 * held locks. It reads the structured records — object ids, kinds, fields, the file a
 * slot received — and builds names through `objects` only to key and show them; no
 * name is parsed. Step events are ignored; feed events in log order.
 *
 * @example
 * ```ts
 * import { Kernel, ReferenceTracker } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p = k.spawnProcess();
 * p.dup(p.open('/srv', 0));
 * const t = new ReferenceTracker(k.engine);
 * for (const e of k.engine.events) t.apply(e);
 * t.snapshot().files.map((f) => `${f.name} ${f.count} ${f.slots.join(',')}`);
 * ```
 */
export class ReferenceTracker {
  private readonly files = new Map<string, FileState>();
  private readonly tables = new Map<string, TableState>();
  private readonly mounts = new Map<string, number | undefined>();
  private readonly locks = new Map<string, LockState>();
  /** Latest generation seen of each file object, to name the file a lock belongs to. */
  private readonly fileGen = new Map<number, number | undefined>();
  private readonly objects: TraceObjects;

  /** @param objects - the object table the events' ids refer to (e.g. the engine) */
  constructor(objects: TraceObjects = NO_OBJECTS) {
    this.objects = objects;
  }

  /** Applies one event (effects only; other kinds are ignored). */
  apply(e: TraceEvent): void {
    if (e.kind !== 'effect' || e.objId === undefined) return;
    const o = this.objects;
    const id = e.objId;
    switch (traceKindOf(o, id)) {
      case 'fdt':
        if (e.field !== undefined) this.applySlot(e, traceName(o, traceRootOf(o, id)), id, e.field);
        return;
      case 'file': {
        this.fileGen.set(id, e.gen);
        const name = traceName(o, id, undefined, e.gen);
        if (e.fn === 'f_pos') this.file(name).pos = e.after;
        else this.applyFile(e, name);
        return;
      }
      case 'lock': {
        const name = traceName(o, id);
        if (e.fn === 'lock') this.locks.set(name, { holder: e.thread, owner: o.objectAt(id)?.simOwner?.() });
        else if (e.fn === 'unlock') this.locks.delete(name);
        return;
      }
      case 'fdtable': {
        const name = traceName(o, id);
        if (e.fn === 'dup_fd') {
          const copy = this.table(name);
          const from = e.detail?.from;
          const src = from === undefined ? undefined : this.tables.get(traceName(o, from));
          if (src !== undefined) {
            for (const [fd, file] of src.slots) if (file !== undefined) copy.slots.set(fd, file);
          }
          return;
        }
        // A change of a counted field (files_struct.count), not of files->fdt.
        if (e.after !== undefined && e.field !== undefined && o.objectAt(id)?.simCount?.(e.field) !== undefined) {
          const t = this.table(name);
          t.count = e.after;
          if (e.after === 0 && [...t.slots.values()].every((f) => f === undefined)) this.tables.delete(name);
        }
        return;
      }
      case 'mount': {
        const name = traceName(o, id);
        if (e.fn === 'umount') this.mounts.delete(name);
        else this.mounts.set(name, e.after);
        return;
      }
      default:
        return;
    }
  }

  /** The model as it stands after the events applied so far. */
  snapshot(): ReferenceSnapshot {
    const holders = new Map<string, string[]>();
    const tables: TableRefs[] = [];
    for (const [name, t] of this.tables) {
      const arr = t.slotArray;
      const slotName = (fd: number): string => (arr === undefined ? `${name}.fd[${fd}]` : traceName(this.objects, arr, fd));
      const slots = [...t.slots].sort((a, b) => a[0] - b[0]).map(([fd, file]) => ({ fd, name: slotName(fd), file }));
      for (const s of slots) {
        if (s.file === undefined) continue;
        let h = holders.get(s.file);
        if (h === undefined) holders.set(s.file, (h = []));
        h.push(s.name);
      }
      tables.push({ name, count: t.count, slots });
    }
    const all = new Map(this.files);
    for (const name of holders.keys()) {
      if (!all.has(name)) all.set(name, { count: undefined, path: undefined, pos: undefined, state: 'open' });
    }
    const files: FileRefs[] = [];
    for (const [name, f] of all) {
      const slots = (holders.get(name) ?? []).sort();
      const count = f.state === 'freed' ? (f.count ?? 0) : f.count;
      const c = count === undefined ? slots.length : count;
      files.push({
        name,
        count,
        path: f.path,
        pos: f.pos,
        state: f.state,
        slots,
        unowned: c === Infinity ? 0 : Math.max(0, c - slots.length),
        missing: Math.max(0, slots.length - c),
      });
    }
    const mounts = [...this.mounts].map(([name, count]) => ({ name, count }));
    const locks = [...this.locks].map(([name, l]) => {
      const file = l.owner !== undefined && traceKindOf(this.objects, l.owner) === 'file' ? traceName(this.objects, l.owner, undefined, this.fileGen.get(l.owner)) : undefined;
      return { name, holder: l.holder, file };
    });
    return { files, tables, mounts, locks };
  }

  private file(name: string): FileState {
    let f = this.files.get(name);
    if (f === undefined) {
      f = { count: undefined, path: undefined, pos: undefined, state: 'open' };
      this.files.set(name, f);
    }
    return f;
  }

  private table(name: string): TableState {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = { count: undefined, slots: new Map(), slotArray: undefined };
      this.tables.set(name, t);
    }
    return t;
  }

  private applySlot(e: TraceEvent, table: string, arr: number, fd: number): void {
    const t = this.table(table);
    t.slotArray = arr;
    const d = e.detail;
    switch (e.fn) {
      case 'fd_install':
      case 'do_dup2':
        if (d?.file !== undefined) t.slots.set(fd, traceName(this.objects, d.file, undefined, d.fileGen));
        break;
      case 'alloc_fd':
        t.slots.set(fd, undefined);
        break;
      case 'file_close_fd':
      case 'put_unused_fd':
        t.slots.delete(fd);
        break;
      default:
        break;
    }
  }

  private applyFile(e: TraceEvent, name: string): void {
    const f = this.file(name);
    switch (e.fn) {
      case 'alloc_file':
        f.state = 'open';
        f.pos = 0;
        if (e.detail?.path !== undefined) f.path = e.detail.path;
        break;
      case 'anon_inode_getfile':
        if (e.detail?.path !== undefined) f.path = e.detail.path;
        break;
      case '__fput':
        if (f.state === 'open') f.state = 'dying';
        break;
      case 'file_free':
        f.state = 'freed';
        break;
      default:
        break;
    }
    if (e.after !== undefined) f.count = e.after;
  }
}

/**
 * Who references which file at the end of step `atStep` (default: the end of the trace):
 * the trace's effects with step number ≤ `atStep` replayed through a {@link ReferenceTracker}
 * over `objects` (default: the log's own object table).
 *
 * @example
 * ```ts
 * import { Kernel, referencesAt } from 'fdlab';
 * const k = new Kernel({ trace: true });
 * const p = k.spawnProcess();
 * p.dup(p.open('/srv', 0));
 * referencesAt(k.engine.events).files[0]?.slots; // ['P1.files.fd[0]', 'P1.files.fd[1]']
 * ```
 */
export function referencesAt(events: readonly TraceEvent[], atStep?: number, objects?: TraceObjects): ReferenceSnapshot {
  const t = new ReferenceTracker(objectsFor(events, objects));
  for (const e of events) {
    if (atStep !== undefined && e.step > atStep) continue;
    t.apply(e);
  }
  return t.snapshot();
}
