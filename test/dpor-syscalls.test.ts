/**
 * DPOR against naive DFS on random small scenarios of every listed system call: whenever
 * naive search is exhaustive, both see the same outcomes (thread results and the final
 * kernel snapshot) and the same violation kinds. `npm run fuzz:dpor` runs the long profile.
 */
import { Random } from 'fdlab';
import { describe, expect, it } from 'vitest';
import { compareOnProgram, MOUNT_DOMAINS, MOUNT_POOL, randomCallProgram, URING_POOL } from './dpor-syscalls.js';

const PROGRAMS = 500;

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
