/*
 * The AF_UNIX benchmark group (issue 10): one collector run over N in-flight sockets that
 * form one garbage ring (socket i's file in flight in socket i-1's queue, every fd of the
 * ring closed), for N = 10^3, 10^4, 10^5, under both collectors: time per in-flight
 * socket, including the purge that releases them. The ring is built with
 * queueFilesInFlight() (a send past UNIX_INFLIGHT_TRIGGER_GC would run the collector at
 * every message). Checked mode off, as in every throughput figure.
 * Run as part of `npm run bench` (group `unix`) or alone: `npx tsx bench/unix.ts`.
 */
import { fileURLToPath } from 'node:url';
import { Kernel, queueFilesInFlight, SOCK_DGRAM, Unix } from 'fdlab';
import { median, record, type BenchEntry } from './results.js';

function ring(n: number, unixGc: 'classic' | 'scc', keepOne = false): Kernel {
  const k = new Kernel({ checked: false, rlimitNofile: 1 << 20, policy: { unixGc } });
  const p = k.spawnProcess();
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(Unix.socketpair(p, SOCK_DGRAM)[0]);
  for (let i = 0; i < n; i++) {
    const prev = Unix.sockOf(p, a[(i + n - 1) % n]!);
    k.engine.runPlain(p.main.sim, queueFilesInFlight(k, prev, [p.fileOf(a[i]!).getFile()], 1000));
  }
  for (const fd of keepOne ? a.slice(1) : a) p.close(fd);
  return k;
}

/**
 * Nanoseconds per in-flight socket of one collector run over a ring of `n`: garbage (the
 * run frees all of it), or kept alive by one open fd (the run scans and frees nothing).
 */
function perSocket(n: number, unixGc: 'classic' | 'scc', live = false): number {
  const reps = n >= 100_000 ? 3 : n >= 10_000 ? 5 : 9;
  const xs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const k = ring(n, unixGc, live);
    const t0 = process.hrtime.bigint();
    const run = k.unixGc();
    const dt = Number(process.hrtime.bigint() - t0);
    if (run.collected.length !== (live ? 0 : n) || (!live && k.unix.totInflight !== 0)) throw new Error(`${unixGc}: collected ${run.collected.length} of ${n}`);
    xs.push(dt / n);
  }
  return median(xs);
}

const tag = (n: number) => (n === 1000 ? '1e3' : n === 10000 ? '1e4' : '1e5');

/** Runs the AF_UNIX figures and merges them into bench/results.json. */
export function runUnix(): void {
  const entries: BenchEntry[] = [];
  // Warm the JIT on both collectors first, so 10^3 is not measured cold.
  for (const gc of ['classic', 'scc'] as const) for (let i = 0; i < 3; i++) perSocket(1_000, gc);
  for (const gc of ['classic', 'scc'] as const) {
    const t: Record<number, number> = {};
    for (const n of [1_000, 10_000, 100_000]) {
      t[n] = perSocket(n, gc);
      entries.push({ name: `unixgc.${gc}.ns-per-socket-${tag(n)}`, value: t[n]!, unit: 'ns', note: `one ${gc} collector run over a garbage ring of ${n} in-flight sockets, purge (their release) included, per socket (median)` });
      const s = perSocket(n, gc, true);
      entries.push({ name: `unixgc.${gc}.scan-ns-per-socket-${tag(n)}`, value: s, unit: 'ns', note: `one ${gc} collector run over a ring of ${n} in-flight sockets kept alive by one fd: the scan alone, nothing freed, per socket (median)` });
    }
    entries.push({
      name: `unixgc.${gc}.ratio-1e5-vs-1e3`,
      value: t[100_000]! / t[1_000]!,
      unit: 'x',
      ratio: t[100_000]! / t[1_000]!,
      target: gc === 'scc' ? '<= 1.5' : 'reported',
      note: `per-socket time at 10^5 ÷ at 10^3 (${gc}: ${gc === 'scc' ? 'O(V + E) walk' : 'O(S + F) scan plus restore passes'})`,
    });
  }
  record(entries);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) runUnix();
