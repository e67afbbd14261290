import { testBit } from '../fdtable/bitmap.js';
import type { Fdtable } from '../fdtable/fdtable.js';
import { posixLocksOf } from '../task/posix-locks.js';
import type { Kernel } from './kernel.js';

/**
 * A plain-data picture of a kernel's state: processes, fd tables (slot by slot), live
 * files with counts and positions, mounts, POSIX locks. Two snapshots are equal exactly
 * when the states are (next_fd, an allocation hint, is left out).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * const before = JSON.stringify(k.snapshot());
 * try { p.close(3); } catch {}
 * JSON.stringify(k.snapshot()) === before; // true: a failed call changes nothing
 * ```
 */
export interface KernelSnapshot {
  /** Processes with their tasks. */
  readonly processes: readonly SnapshotProcess[];
  /** Every fd table in use. */
  readonly tables: readonly SnapshotTable[];
  /** Every live file. */
  readonly files: readonly SnapshotFile[];
  /** Mounts with their counts. */
  readonly mounts: readonly SnapshotMount[];
  /** POSIX locks. */
  readonly locks: readonly SnapshotLock[];
  /** Objects allocated in the file slab. */
  readonly slabObjects: number;
}

/**
 * A process in a {@link KernelSnapshot}.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.spawnProcess();
 * k.snapshot().processes[0]!.tasks[0]!.files; // 'P1.files'
 * ```
 */
export interface SnapshotProcess {
  /** Process id. */
  readonly pid: number;
  /** Display name. */
  readonly name: string;
  /** Its tasks: tid, the name of its fd table (null after exit) and whether it exited. */
  readonly tasks: ReadonlyArray<{
    /** Thread id. */
    readonly tid: number;
    /** Name of the task's files_struct, null after exit_files(). */
    readonly files: string | null;
    /** True once exited. */
    readonly exited: boolean;
  }>;
}

/**
 * An fd table in a {@link KernelSnapshot}: its count and its used slots.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.spawnProcess().open('/data/log', 0);
 * k.snapshot().tables[0]!.slots[0]!.state; // 'installed'
 * ```
 */
export interface SnapshotTable {
  /** Table name. */
  readonly name: string;
  /** files_struct.count. */
  readonly count: number;
  /** max_fds. */
  readonly maxFds: number;
  /** Reserved and installed slots. */
  readonly slots: ReadonlyArray<{
    /** The fd number. */
    readonly fd: number;
    /** `'reserved'` or `'installed'`. */
    readonly state: string;
    /** The installed file's name, null when reserved. */
    readonly file: string | null;
    /** The close-on-exec bit. */
    readonly cloexec: boolean;
  }>;
}

/**
 * A live struct file in a {@link KernelSnapshot}.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.spawnProcess().open('/data/log', 0);
 * k.snapshot().files[0]!.count; // 1
 * ```
 */
export interface SnapshotFile {
  /** File name, e.g. `file#1`. */
  readonly name: string;
  /** f_count, or `'saturated'`. */
  readonly count: number | 'saturated';
  /** f_pos. */
  readonly pos: number;
  /** FMODE_* bits. */
  readonly mode: number;
  /** f_flags. */
  readonly flags: number;
  /** The inode's path. */
  readonly path: string;
}

/**
 * A mount in a {@link KernelSnapshot}.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * new Kernel().snapshot().mounts.map((m) => m.path); // ['/', 'anon_inode:', 'pipe:']
 * ```
 */
export interface SnapshotMount {
  /** Mount point. */
  readonly path: string;
  /** Files pinning it. */
  readonly count: number;
  /**
   * Present (true) for a mount a lazy umount (MNT_DETACH) took out of the namespace that
   * files still keep alive: no path reaches it any more, but it is not gone.
   */
  readonly detached?: true;
}

/**
 * A POSIX lock in a {@link KernelSnapshot}.
 *
 * @example
 * ```ts
 * import type { SnapshotLock } from 'fdlab';
 * const l: SnapshotLock = { path: '/data/log', owner: 'P1.files', type: 1, start: 0, end: 'eof' };
 * ```
 */
export interface SnapshotLock {
  /** The inode's path. */
  readonly path: string;
  /** The owning table. */
  readonly owner: string;
  /** F_RDLCK or F_WRLCK. */
  readonly type: number;
  /** First byte. */
  readonly start: number;
  /** Last byte, or `'eof'`. */
  readonly end: number | 'eof';
}

/** @internal */
export function takeSnapshot(k: Kernel): KernelSnapshot {
  const tables = new Set<Fdtable>();
  const processes = [...k.processes.values()].map((p) => ({
    pid: p.pid,
    name: p.name,
    tasks: p.tasks.map((t) => {
      if (t.files) tables.add(t.files);
      return { tid: t.tid, files: t.files ? t.files.name : null, exited: t.exited };
    }),
  }));
  const tbls = [...tables].map((t) => {
    const fdt = t.fdt;
    const slots = [];
    for (let fd = 0; fd < fdt.maxFds; fd++) {
      const f = fdt.fd[fd];
      const open = testBit(fdt.openFds, fd);
      if (!f && !open) continue;
      slots.push({ fd, state: f ? 'installed' : 'reserved', file: f ? f.name : null, cloexec: testBit(fdt.closeOnExec, fd) });
    }
    return { name: t.name, count: t.count, maxFds: fdt.maxFds, slots };
  });
  const files = k.slab.objects
    .filter((f) => f.live)
    .map((f) => ({ name: f.name, count: f.count === Infinity ? ('saturated' as const) : f.count, pos: f.pos, mode: f.mode, flags: f.flags, path: f.inode.path }));
  const mountSet = new Set([k.vfs.root, k.vfs.anon, k.vfs.pipefs]);
  for (const f of k.slab.objects) mountSet.add(f.mount);
  const mounts = [...mountSet]
    .filter((m) => m.mounted || m.count > 0)
    .map((m): SnapshotMount => (m.mounted ? { path: m.path, count: m.count } : { path: m.path, count: m.count, detached: true }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const locks = [];
  const seen = new Set<unknown>();
  for (const f of k.slab.objects) {
    if (seen.has(f.inode)) continue;
    seen.add(f.inode);
    for (const l of posixLocksOf(f.inode)) locks.push({ path: f.inode.path, owner: l.owner.name, type: l.type, start: l.start, end: l.end === Infinity ? ('eof' as const) : l.end });
  }
  return { processes, tables: tbls, files, mounts, locks, slabObjects: k.slab.objects.length };
}
