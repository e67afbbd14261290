/**
 * The long profile of the DPOR-vs-naive-DFS soundness property (issue 7):
 * `npm run fuzz:dpor [-- programs [seed [naiveCap]] [--sample]]`, default 20,000 programs. Prints
 * how many scenarios were compared (naive search exhaustive within its cap), the runs of
 * each search, and every mismatch; exits 1 on any. Of every eight programs, one races
 * umount with opens and final fputs (test/dpor-syscalls.ts MOUNT_POOL), one is socket I/O
 * (SOCKET_POOL: read and write on sockets, recvmsg, sendmsg, shutdown, close), one is
 * io_uring READ and WRITE of sockets (URING_SOCKET_POOL, one call per thread), one
 * connects to a full backlog (LISTEN_POOL), one sends datagrams by address (SENDTO_POOL),
 * one splices between a file and two pipes (SPLICE_POOL), and two draw from every call. With `--sample`, a program naive search cannot finish is checked by
 * ten random schedules, each of which must fall in a Mazurkiewicz class DPOR explored.
 */
import { Random } from '../src/index.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { scenarioSource } from '../src/explore/world.js';
import { sampledMisses, searchTraces } from '../test/dpor-programs.js';
import { callScenario, compareOnProgram, MOUNT_DOMAINS, MOUNT_POOL, randomCallProgram, randomListenProgram, randomSendtoProgram, randomSpliceProgram, SOCKET_DOMAINS, SOCKET_POOL, URING_SOCKET_DOMAINS, URING_SOCKET_POOL, type SyscallProgram } from '../test/dpor-syscalls.js';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const programs = Number(positional[0] ?? 20_000);
const seed = Number(positional[1] ?? 1);
const cap = Number(positional[2] ?? 1_500);
// `--sample`: programs naive search cannot finish are checked by random schedules instead.
const sampleBeyond = process.argv.includes('--sample');
let sampled = 0;
const r = new Random(seed);
const t0 = Date.now();
let compared = 0;
let naiveRuns = 0;
let dporRuns = 0;
const misses: string[] = [];
function programAt(i: number): SyscallProgram {
  switch (i % 8) {
    case 0: return randomCallProgram(r, MOUNT_POOL, MOUNT_DOMAINS);
    case 3: return randomCallProgram(r, SOCKET_POOL, SOCKET_DOMAINS);
    case 1: return randomCallProgram(r, URING_SOCKET_POOL, URING_SOCKET_DOMAINS, 1);
    case 5: return randomListenProgram(r);
    case 6: return randomSendtoProgram(r);
    case 7: return randomSpliceProgram(r);
    default: return randomCallProgram(r);
  }
}
for (let i = 1; i <= programs; i++) {
  const prog = programAt(i);
  const c = compareOnProgram(prog, cap);
  if (!c.compared && sampleBeyond) {
    // Beyond naive search: random schedules must fall in Mazurkiewicz classes DPOR
    // explored (DPOR searches past 3,000 runs are left out).
    const s = callScenario(prog);
    const src = scenarioSource(s, scenarioPolicy(s, 'current'));
    const dpor = searchTraces(src, 'dpor', 3000);
    if (dpor.exhaustive) {
      sampled++;
      const missed = sampledMisses(src, dpor.traces, 10, i);
      if (missed > 0) {
        misses.push(`${JSON.stringify(prog)}: ${missed} sampled schedules outside DPOR's classes`);
        console.error(`mismatch at program ${i}: ${misses[misses.length - 1]}`);
      }
    }
  }
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
console.log(JSON.stringify({ programs, seed, naiveCap: cap, compared, sampled, naiveRuns, dporRuns, reduction: +(naiveRuns / Math.max(1, dporRuns)).toFixed(1), mismatches: misses.length, seconds: Math.round((Date.now() - t0) / 1000) }));
for (const m of misses) console.log(m);
process.exit(misses.length > 0 ? 1 : 0);
