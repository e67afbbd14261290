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
  readonly processes: ReadonlyArray<{ pid: number; name: string; tasks: ReadonlyArray<{ tid: number; files: string | null; exited: boolean }> }>;
  /** Every fd table in use. */
  readonly tables: ReadonlyArray<{ name: string; count: number; maxFds: number; slots: ReadonlyArray<{ fd: number; state: string; file: string | null; cloexec: boolean }> }>;
  /** Every live file. */
  readonly files: ReadonlyArray<{ name: string; count: number | 'saturated'; pos: number; mode: number; flags: number; path: string }>;
  /** Mounts with their counts. */
  readonly mounts: ReadonlyArray<{ path: string; count: number }>;
  /** POSIX locks. */
  readonly locks: ReadonlyArray<{ path: string; owner: string; type: number; start: number; end: number | 'eof' }>;
  /** Objects allocated in the file slab. */
  readonly slabObjects: number;
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
  const mounts = [...mountSet].filter((m) => m.mounted).map((m) => ({ path: m.path, count: m.count })).sort((a, b) => a.path.localeCompare(b.path));
  const locks = [];
  const seen = new Set<unknown>();
  for (const f of k.slab.objects) {
    if (seen.has(f.inode)) continue;
    seen.add(f.inode);
    for (const l of posixLocksOf(f.inode)) locks.push({ path: f.inode.path, owner: l.owner.name, type: l.type, start: l.start, end: l.end === Infinity ? ('eof' as const) : l.end });
  }
  return { processes, tables: tbls, files, mounts, locks, slabObjects: k.slab.objects.length };
}
