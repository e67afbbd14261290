/**
 * DPOR against naive DFS on random small scenarios of every listed system call: whenever
 * naive search is exhaustive, both see the same outcomes (thread results and the final
 * kernel snapshot) and the same violation kinds. `npm run fuzz:dpor` runs the long profile.
 */
import { Random } from 'fdlab';
import { describe, expect, it } from 'vitest';
import { scenarioPolicy } from '../src/explore/policy.js';
import { scenarioSource } from '../src/explore/world.js';
import { sampledMisses, searchTraces } from './dpor-programs.js';
import { callScenario, compareOnProgram, MOUNT_DOMAINS, MOUNT_POOL, randomCallProgram, randomListenProgram, randomSpliceProgram, randomSendtoProgram, SOCKET_DOMAINS, SOCKET_POOL, URING_POOL, URING_SOCKET_DOMAINS, URING_SOCKET_POOL, type SyscallProgram } from './dpor-syscalls.js';

const PROGRAMS = 500;

/**
 * DPOR against naive DFS on `prog` where naive search finishes within 400 runs; beyond it,
 * random schedules must fall in Mazurkiewicz classes DPOR explored (20 of them, seeded
 * with `seed`). A DPOR search past `dporCap` runs is left out ('skipped'); below it, one
 * that is not exhaustive is a miss. Misses are pushed onto `misses`.
 */
function againstNaiveOrSampled(prog: SyscallProgram, seed: number, dporCap: number, misses: string[]): { how: 'compared' | 'sampled' | 'skipped'; outcomes: ReadonlySet<string> } {
  const c = compareOnProgram(prog, 400);
  if (c.compared) {
    if (c.missing.length > 0) misses.push(`${JSON.stringify(prog)}: ${c.missing.join('; ')}`);
    return { how: 'compared', outcomes: new Set(c.outcomes) };
  }
  const s = callScenario(prog);
  const src = scenarioSource(s, scenarioPolicy(s, 'current'));
  const dpor = searchTraces(src, 'dpor', dporCap);
  if (!dpor.exhaustive) {
    if (dporCap !== Infinity) return { how: 'skipped', outcomes: new Set() };
    misses.push(`${JSON.stringify(prog)}: DPOR not exhaustive`);
  }
  const missed = sampledMisses(src, dpor.traces, 20, seed);
  if (missed > 0) misses.push(`${JSON.stringify(prog)}: ${missed} sampled schedules outside DPOR's classes`);
  return { how: 'sampled', outcomes: dpor.outcomes };
}

describe('DPOR = naive DFS on random syscall scenarios (core, epoll, pidfd, io_uring)', () => {
  it(`${PROGRAMS} scenarios, zero mismatches`, () => {
    const r = new Random(20261130);
    let compared = 0;
    let naiveRuns = 0;
    let dporRuns = 0;
    const misses: string[] = [];
    for (let i = 0; i < PROGRAMS; i++) {
      const prog = randomCallProgram(r);
      const c = compareOnProgram(prog, 400);
      if (!c.compared) continue;
      compared++;
      naiveRuns += c.naiveRuns;
      dporRuns += c.dporRuns;
      if (c.missing.length > 0) misses.push(`${JSON.stringify(prog)}: ${c.missing.join('; ')}`);
    }
    expect(misses).toEqual([]);
    // Most scenarios are small enough for the naive reference; the comparison must not be vacuous.
    expect(compared).toBeGreaterThan(PROGRAMS * 0.4);
    expect(dporRuns).toBeLessThan(naiveRuns);
  }, 600_000);
});

describe('DPOR = naive DFS on io_uring-heavy programs (rings, fixed files, io-wq workers)', () => {
  it('150 scenarios, zero mismatches', () => {
    const r = new Random(11);
    let compared = 0;
    const misses: string[] = [];
    for (let i = 0; i < 150; i++) {
      const prog = randomCallProgram(r, URING_POOL);
      const c = compareOnProgram(prog, 400);
      if (!c.compared) continue;
      compared++;
      if (c.missing.length > 0) misses.push(`${JSON.stringify(prog)}: ${c.missing.join('; ')}`);
    }
    expect(misses).toEqual([]);
    expect(compared).toBeGreaterThan(40);
  }, 600_000);
});

describe('DPOR = naive DFS on programs that race umount2 with opens and final fputs (mnt_count)', () => {
  it('300 scenarios, zero mismatches, and umount both fails and succeeds within single programs, racing mount too', () => {
    const r = new Random(7);
    let compared = 0;
    let raced = 0;
    let expired = 0;
    let mountRaced = 0;
    const misses: string[] = [];
    for (let i = 0; i < 300; i++) {
      const prog = randomCallProgram(r, MOUNT_POOL, MOUNT_DOMAINS);
      const c = compareOnProgram(prog, 400);
      if (!c.compared) continue;
      compared++;
      if (c.outcomes.some((o) => o.includes('"EBUSY"')) && c.outcomes.some((o) => o.includes('"umounted"'))) raced++;
      if (c.outcomes.some((o) => o.includes('"EAGAIN"')) && c.outcomes.some((o) => !o.includes('"EAGAIN"'))) expired++;
      const names = prog.threads.flatMap((t) => t.calls.map((x) => x.name));
      if (names.includes('mount(/mnt)') && names.includes('umount2(/mnt)') && new Set(c.outcomes).size > 1) mountRaced++;
      if (c.missing.length > 0) misses.push(`${JSON.stringify(prog)}: ${c.missing.join('; ')}`);
    }
    expect(misses).toEqual([]);
    expect(compared).toBeGreaterThan(150);
    // Not vacuous: in some programs the order decides whether /mnt is still pinned (it
    // takes a umount and a close of fd 0, or an exec, in different threads of one process).
    expect(raced).toBeGreaterThan(8);
    // ...and in some the order decides whether MNT_EXPIRE's mark survives (EAGAIN or not).
    expect(expired).toBeGreaterThan(3);
    // ...and in some a mount(2) on /mnt races the umount2 of it.
    expect(mountRaced).toBeGreaterThan(3);
  }, 600_000);
});

/**
 * `n` programs from `gen` (seeded with `seed`) against naive DFS or random schedules (see
 * againstNaiveOrSampled(); `dporCap` Infinity: none is skipped): how many were compared,
 * sampled, and — among those `calls(name, args)` picks — had more than one outcome.
 */
function poolRun(n: number, seed: number, gen: (r: Random) => SyscallProgram, dporCap: number, picks: (name: string, args: readonly unknown[]) => boolean) {
  const r = new Random(seed);
  let compared = 0;
  let sampled = 0;
  let raced = 0;
  const misses: string[] = [];
  for (let i = 0; i < n; i++) {
    const prog = gen(r);
    const c = againstNaiveOrSampled(prog, i, dporCap, misses);
    if (c.how === 'skipped') continue;
    if (c.how === 'compared') compared++;
    else sampled++;
    if (prog.threads.some((t) => t.calls.some((x) => picks(x.name, x.args))) && c.outcomes.size > 1) raced++;
  }
  return { compared, sampled, raced, misses };
}

const BOTH = 'DPOR = naive DFS where naive search finishes, and random schedules land in DPOR classes where it does not';

describe('DPOR on socket I/O (read and write on sockets racing recvmsg, sendmsg, shutdown, close)', () => {
  it(`300 scenarios: ${BOTH}`, () => {
    // Two socket reads are ~22 steps: mostly beyond naive search.
    const t = poolRun(300, 13, (r) => randomCallProgram(r, SOCKET_POOL, SOCKET_DOMAINS), Infinity, (name, a) => name === 'read' && (a[0] === 4 || a[0] === 5));
    expect(t.misses).toEqual([]);
    expect(t.compared).toBeGreaterThan(50);
    expect(t.sampled).toBeGreaterThan(100);
    // Not vacuous: in many programs what a socket read gets (data, EOF, an errno) depends on the order.
    expect(t.raced).toBeGreaterThan(20);
  }, 600_000);
});

describe('DPOR on io_uring READ and WRITE of sockets (inline attempts, io-wq poll waits and retries)', () => {
  it(`100 scenarios: ${BOTH}`, () => {
    // One call per thread: each io_uring_enter brings an io-wq worker, and two calls per
    // thread put most programs past any search a test can afford. Programs past 1,500
    // DPOR runs (about one in ten) are left out.
    const t = poolRun(100, 17, (r) => randomCallProgram(r, URING_SOCKET_POOL, URING_SOCKET_DOMAINS, 1), 1500, (name) => name.startsWith('io_uring_enter'));
    expect(t.misses).toEqual([]);
    expect(t.compared).toBeGreaterThan(15);
    expect(t.sampled).toBeGreaterThan(50);
    // Not vacuous: in some programs what an io_uring READ or WRITE completes with depends on the order.
    expect(t.raced).toBeGreaterThan(8);
  }, 600_000);
});

describe('DPOR on connect() to a full backlog (the sleep on peer_wait racing accept, listen, shutdown and close)', () => {
  it(`300 scenarios: ${BOTH}`, () => {
    const t = poolRun(300, 19, randomListenProgram, 1500, (name, a) => name === 'connect' && a[0] === 6);
    expect(t.misses).toEqual([]);
    expect(t.compared).toBeGreaterThan(50);
    expect(t.sampled).toBeGreaterThan(100);
    // Not vacuous: in some programs whether a blocking connect succeeds, sleeps on or is refused depends on the order.
    expect(t.raced).toBeGreaterThan(10);
  }, 600_000);
});

describe('DPOR on datagrams sent by address (sendto sleeping for room at a full receiver, racing recvmsg, close, connect and bind)', () => {
  it(`200 scenarios: ${BOTH}`, () => {
    const t = poolRun(200, 23, randomSendtoProgram, 1500, (name) => name === 'sendto');
    expect(t.misses).toEqual([]);
    // Seed 23: 31 compared, 164 sampled, 5 skipped, 34 with more than one outcome.
    expect(t.compared).toBeGreaterThan(20);
    expect(t.sampled).toBeGreaterThan(100);
    // Not vacuous: in some programs whether a sendto is queued, sleeps, is refused or fails depends on the order.
    expect(t.raced).toBeGreaterThan(20);
  }, 600_000);
});

describe('DPOR on splice(2) (file to pipe, pipe to file, pipe to pipe, racing read, write, pwrite and close)', () => {
  it(`300 scenarios: ${BOTH}`, () => {
    const t = poolRun(300, 23, randomSpliceProgram, 1500, (name) => name === 'splice');
    expect(t.misses).toEqual([]);
    expect(t.compared).toBeGreaterThan(50);
    expect(t.sampled).toBeGreaterThan(50);
    // Not vacuous: in some programs what a splice moves, or where, depends on the order.
    expect(t.raced).toBeGreaterThan(20);
  }, 600_000);
});
