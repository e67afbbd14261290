/**
 * The invariants of research/kernel-file.md §10, checked on a live kernel: after every
 * scheduler step (what must hold even while threads are inside system calls) and at
 * quiescent points (what holds once no thread is in the kernel).
 */
import type { Fdtable, Kernel, RefFile } from '../../src/index.js';
import { posixLocksOf } from '../../src/index.js';

/** Every table some task uses. */
function liveTables(k: Kernel): Map<Fdtable, number> {
  const tables = new Map<Fdtable, number>();
  for (const p of k.processes.values()) for (const t of p.tasks) if (t.files !== null) tables.set(t.files, (tables.get(t.files) ?? 0) + 1);
  return tables;
}

const bit = (words: readonly number[], i: number) => ((words[i >>> 5]! >>> (i & 31)) & 1) === 1;

/** Watches __fput: it must run exactly once per incarnation of a struct file. */
export function watchFput(k: Kernel): { problems: string[] } {
  const seen = new Set<string>();
  const out = { problems: [] as string[] };
  k.fputHooks.locksRemoveFile.add((f: RefFile) => {
    const key = `${f.num}/${f.gen}`;
    if (seen.has(key)) out.problems.push(`__fput ran twice for ${f.name} (generation ${f.gen})`);
    seen.add(key);
  });
  return out;
}

/** What holds after every step. Returns the broken invariants (empty if none). */
export function stepInvariants(k: Kernel): string[] {
  const bad: string[] = [];
  const tables = liveTables(k);
  const slots = new Map<RefFile, number>();
  for (const [tbl, users] of tables) {
    const t = tbl.fdt;
    // files->count counts every task using the table, plus transient copies being set up.
    if (tbl.count < users) bad.push(`${tbl.name}: files->count ${tbl.count} < ${users} task(s) using it`);
    let lowestFree = t.maxFds;
    for (let fd = 0; fd < t.maxFds; fd++) {
      const f = t.fd[fd];
      const open = bit(t.openFds, fd);
      if (f !== null && f !== undefined) {
        if (!open) bad.push(`${tbl.name}: fd ${fd} installed without its open_fds bit`);
        if (!f.live) bad.push(`${tbl.name}: fd ${fd} points at freed ${f.name}`);
        slots.set(f, (slots.get(f) ?? 0) + 1);
      }
      if (!open && lowestFree === t.maxFds) lowestFree = fd;
    }
    for (let w = 0; w < t.openFds.length; w++) {
      if (bit(t.fullFdsBits, w) !== ((t.openFds[w]! | 0) === -1)) bad.push(`${tbl.name}: full_fds_bits word ${w} disagrees with open_fds`);
    }
    if (tbl.nextFd > lowestFree) bad.push(`${tbl.name}: next_fd ${tbl.nextFd} above the lowest free fd ${lowestFree}`);
  }
  // f_count counts every fd slot (plus in-flight and plugin holders): never fewer.
  for (const [f, n] of slots) if (f.count < n) bad.push(`${f.name}: f_count ${f.count} < ${n} fd slot(s)`);
  for (const f of k.slab.objects) {
    if (f.live !== (f.gen % 2 === 1)) bad.push(`${f.name}: live but generation ${f.gen} is even (or the reverse)`);
    if (f.count < 0) bad.push(`${f.name}: negative f_count`);
  }
  return bad;
}

/** What holds when no thread is inside a system call. */
export function quiescentInvariants(k: Kernel): string[] {
  const bad = stepInvariants(k);
  const tables = liveTables(k);
  for (const [tbl, users] of tables) if (tbl.count !== users) bad.push(`${tbl.name}: files->count ${tbl.count} but ${users} task(s) use it`);
  // POSIX locks belong to a live table that still has an fd open on the inode.
  for (const inode of new Set(k.slab.objects.map((f) => f.inode))) {
    for (const l of posixLocksOf(inode)) {
      const owner = l.owner as Fdtable;
      if (!tables.has(owner)) bad.push(`POSIX lock on ${inode.path} owned by dead table ${owner.name}`);
      else if (!owner.installedFds().some((fd) => owner.lookupRaw(fd)?.inode === inode)) bad.push(`POSIX lock on ${inode.path} outlived ${owner.name}'s last fd on it`);
    }
  }
  const a = k.audit();
  if (!a.ok) bad.push(...a.problems.map((p) => `audit: ${p}`));
  // The explorer's counting pass against the named audit (they must agree on every state).
  if (k.auditClean() !== a.ok) bad.push(`audit: auditClean() says ${a.ok ? 'not clean' : 'clean'}, audit() ${a.ok ? 'ok' : 'not ok'}`);
  return bad;
}
