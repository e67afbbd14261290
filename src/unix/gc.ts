import type { RefFile } from '../file/ref-file.js';
import { access, dynamicStep, type KernelPath } from '../sim/step.js';
import { FILES_FDT, slotAccess } from '../fdtable/fdtable.js';
import { classicScan } from './gc-classic.js';
import { sccScan } from './gc-scc.js';
import { purgeSteps } from './purge.js';
import { GC_STATE, SK_QUEUE, unixSockOfFile, type Skb, type UnixGcReport, type UnixSock, type UnixWorld } from './sock.js';

/**
 * The sockets reachable from a user: every file in a live fd table, and — through the
 * messages queued on reachable sockets (and their embryos') — every file in flight
 * there. An oracle independent of both collectors' bookkeeping (it reads fd tables and
 * queues only), used as ghost state by the collector's detector. @internal
 */
export function reachableFromUsers(w: UnixWorld): Set<UnixSock> {
  markReachable(w);
  return new Set(w.unix.socks.filter((s) => reached(w, s)));
}

/** The oracle's walk: stamps every reachable socket with a new epoch (ghost fields, no allocation per socket) and returns them. @internal */
export function markReachable(w: UnixWorld): UnixSock[] {
  const reg = w.unix;
  const epoch = ++reg.reachEpoch;
  const seen: UnixSock[] = [];
  const work: UnixSock[] = [];
  const tables = new Set<{ readonly name: string; readonly fdt: { readonly maxFds: number; readonly fd: ReadonlyArray<RefFile | null> } }>();
  for (const p of w.processes.values()) for (const t of p.tasks) if (t.files !== null) tables.add(t.files);
  // Ghost fields on the sockets, not a map: the oracle runs on every collection that finds garbage.
  for (const tbl of tables) {
    const fdt = tbl.fdt;
    for (let fd = 0; fd < fdt.maxFds; fd++) {
      const f = fdt.fd[fd];
      if (!f) continue;
      const s = unixSockOfFile(f);
      if (s === null || s.reachEpoch === epoch) continue;
      s.reachEpoch = epoch;
      s.reachVia = null;
      s.reachTable = tbl.name;
      s.reachFd = fd;
      work.push(s);
      seen.push(s);
    }
  }
  const scan = (s: UnixSock, q: readonly Skb[]) => {
    for (const skb of q) {
      for (const f of skb.files) {
        const v = unixSockOfFile(f);
        if (v === null || v.reachEpoch === epoch) continue;
        v.reachEpoch = epoch;
        v.reachVia = s;
        v.reachSkb = skb.id;
        work.push(v);
        seen.push(v);
      }
    }
  };
  while (work.length > 0) {
    const s = work.pop()!;
    scan(s, s.queue);
    for (const e of s.acceptQ) scan(s, e.queue);
  }
  return seen;
}

/** The path by which the oracle's last run reached `s`, as text (built only for a report). @internal */
export function describeReach(s: UnixSock): string {
  const parts: string[] = [];
  for (let cur: UnixSock | null = s, n = 0; cur !== null && n < 64; n++) {
    if (cur.reachVia === null) {
      parts.unshift(`${cur.reachTable} fd ${cur.reachFd}`);
      break;
    }
    parts.unshift(`skb#${cur.reachSkb} on ${cur.reachVia.name}`);
    cur = cur.reachVia;
  }
  return parts.join(' → ');
}

/** Whether the oracle's last run reached `s`. @internal */
function reached(w: UnixWorld, s: UnixSock): boolean {
  return s.reachEpoch === w.unix.reachEpoch;
}

/** What {@link reachableFromUsers} reads: every slot of every live table, every live socket's queue. */
function oracleAccesses(w: UnixWorld): number[] {
  const acc: number[] = [];
  const seen = new Set<object>();
  for (const p of w.processes.values()) {
    for (const t of p.tasks) {
      const files = t.files;
      if (files === null || seen.has(files)) continue;
      seen.add(files);
      acc.push(access(files.simId, FILES_FDT, false));
      for (let fd = 0; fd < files.fdt.maxFds; fd++) acc.push(slotAccess(files, fd, false));
    }
  }
  for (const s of w.unix.socks) if (!s.dead) acc.push(s.acc(SK_QUEUE, false));
  return acc;
}

/**
 * The collector's detector: garbage still reachable from a user fd is a use-after-free to
 * be. It looks the run's garbage up among the reachable sockets (stamped with the run),
 * not the other way round: users reach few sockets, and a run may free 10^5.
 */
function checkGarbage(w: UnixWorld, run: number): void {
  const e = w.engine;
  const hits = e.peek(() => markReachable(w)).filter((u) => u.garbageRun === run);
  // In the order the run found them.
  hits.sort((a, b) => a.garbagePos - b.garbagePos);
  for (const u of hits) {
    const how = describeReach(u);
    e.report(
      'use-after-free',
      `unix_gc purges ${u.name} as garbage, but it is reachable from ${how}: its queued messages and the files they carry are freed under a live socket`,
      u.file?.name ?? u.name,
      'the AF_UNIX collector may purge only sockets no user can reach (no fd, no reference gained after the candidate decision)',
    );
  }
}

/**
 * One run of the AF_UNIX garbage collector (`unix_gc()`), under the `unixGc` policy, as
 * steps: take unix_gc_lock (a run already in progress makes this one return), scan
 * ('classic' or 'scc', each in its own steps), drop the lock, purge what was found.
 * Models unix_gc() / __unix_gc() in net/unix/garbage.c. The report is also kept in
 * `kernel.unix.lastGc` for the renderers.
 *
 * @example
 * ```ts
 * import { unixGcSteps, type UnixWorld } from 'fdlab/extend';
 * function* gc(w: UnixWorld) { return yield* unixGcSteps(w); }
 * ```
 */
export function* unixGcSteps(w: UnixWorld): KernelPath<UnixGcReport> {
  const reg = w.unix;
  const kind = w.policy.unixGc;
  yield reg.gcLock.lockStep();
  reg.gcLock.lock();
  yield { fn: 'gc_in_progress', acc: reg.acc(GC_STATE, true) };
  w.engine.write(reg.simId, GC_STATE);
  if (reg.gcInProgress) {
    yield reg.gcLock.unlockStep();
    reg.gcLock.unlock();
    return { kind, components: [], collected: [], skipped: true };
  }
  reg.gcInProgress = true;
  const scan = kind === 'classic' ? yield* classicScan(reg) : yield* sccScan(reg);
  const run = ++reg.gcRuns;
  for (let i = 0; i < scan.garbage.length; i++) {
    const u = scan.garbage[i]!;
    u.collected = true;
    u.garbageRun = run;
    u.garbagePos = i;
  }
  yield reg.gcLock.unlockStep();
  reg.gcLock.unlock();
  if (scan.garbage.length > 0) {
    // The detector reads every fd slot and every queue (ghost reads, declared so the
    // explorer orders it against installs and receives): garbage a user can reach now
    // was handed out after the decision, or never was garbage.
    yield dynamicStep(w.engine, '__skb_queue_purge(hitlist)', () => oracleAccesses(w));
    checkGarbage(w, run);
  }
  yield* purgeSteps(reg, scan.hitlist);
  yield { fn: 'gc_in_progress = false', acc: reg.acc(GC_STATE, true) };
  w.engine.write(reg.simId, GC_STATE);
  reg.gcInProgress = false;
  const report: UnixGcReport = {
    kind,
    components: scan.components.map((c) => c.map((u) => u.name)),
    collected: scan.garbage.map((u) => u.name),
    skipped: false,
  };
  reg.lastGc = report;
  return report;
}
