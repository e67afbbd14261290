/**
 * The long profile of the DPOR-vs-naive-DFS soundness property (issue 7):
 * `npm run fuzz:dpor [-- programs [seed [naiveCap]]]`, default 20,000 programs. Prints
 * how many scenarios were compared (naive search exhaustive within its cap), the runs of
 * each search, and every mismatch; exits 1 on any. Every fifth program races umount with
 * opens and final fputs (test/dpor-syscalls.ts MOUNT_POOL), and every fifth another is
 * socket I/O (SOCKET_POOL: read and write on sockets, recvmsg, sendmsg, shutdown, close),
 * and every fifth a third is io_uring READ and WRITE of sockets (URING_SOCKET_POOL, one
 * call per thread).
 */
import { Random } from '../src/index.js';
import { compareOnProgram, MOUNT_DOMAINS, MOUNT_POOL, randomCallProgram, SOCKET_DOMAINS, SOCKET_POOL, URING_SOCKET_DOMAINS, URING_SOCKET_POOL, type SyscallProgram } from '../test/dpor-syscalls.js';

const programs = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? 1);
const cap = Number(process.argv[4] ?? 1_500);
const r = new Random(seed);
const t0 = Date.now();
let compared = 0;
let naiveRuns = 0;
let dporRuns = 0;
const misses: string[] = [];
function programAt(i: number): SyscallProgram {
  switch (i % 5) {
    case 0: return randomCallProgram(r, MOUNT_POOL, MOUNT_DOMAINS);
    case 3: return randomCallProgram(r, SOCKET_POOL, SOCKET_DOMAINS);
    case 1: return randomCallProgram(r, URING_SOCKET_POOL, URING_SOCKET_DOMAINS, 1);
    default: return randomCallProgram(r);
  }
}
for (let i = 1; i <= programs; i++) {
  const prog = programAt(i);
  const c = compareOnProgram(prog, cap);
  if (c.compared) {
    compared++;
    naiveRuns += c.naiveRuns;
    dporRuns += c.dporRuns;
    if (c.missing.length > 0) {
      // Printed at once too: a long run is worth stopping at its first mismatch.
      misses.push(`${JSON.stringify(prog)}: ${c.missing.join('; ')}`);
      console.error(`mismatch at program ${i}: ${misses[misses.length - 1]}`);
    }
  }
  if (i % 1000 === 0) console.error(`${i} programs, ${compared} compared, ${misses.length} mismatches, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
console.log(JSON.stringify({ programs, seed, naiveCap: cap, compared, naiveRuns, dporRuns, reduction: +(naiveRuns / Math.max(1, dporRuns)).toFixed(1), mismatches: misses.length, seconds: Math.round((Date.now() - t0) / 1000) }));
for (const m of misses) console.log(m);
process.exit(misses.length > 0 ? 1 : 0);
