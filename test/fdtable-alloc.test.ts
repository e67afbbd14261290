import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F_DUPFD, O_CLOEXEC, O_RDONLY, type Fdtable } from '../src/index.js';
import { errnoOf, newKernel, state } from './helpers.js';

/** §10 invariants: fd[n] ⇒ open bit; full_fds_bits[w] ⇔ word w of open_fds is all ones; next_fd ≤ lowest free. */
function checkInvariants(files: Fdtable): void {
  const t = files.fdt;
  let lowestFree = t.maxFds;
  for (let fd = 0; fd < t.maxFds; fd++) {
    const open = ((t.openFds[fd >>> 5]! >>> (fd & 31)) & 1) === 1;
    if (t.fd[fd] !== null) expect(open, `fd ${fd} installed without its open bit`).toBe(true);
    if (!open && lowestFree === t.maxFds) lowestFree = fd;
  }
  for (let w = 0; w < t.openFds.length; w++) {
    const full = ((t.fullFdsBits[w >>> 5]! >>> (w & 31)) & 1) === 1;
    expect(full, `full_fds_bits of word ${w}`).toBe((t.openFds[w]! | 0) === -1); // all 32 bits set
  }
  expect(files.nextFd).toBeLessThanOrEqual(lowestFree);
}

describe('alloc_fd: lowest free fd, next_fd, limits (kernel-file.md §4.1, §4.2)', () => {
  it('open returns the lowest free fd; a closed fd is reused first', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fds = [0, 1, 2, 3, 4].map(() => p.open('/data/log', O_RDONLY));
    expect(fds).toEqual([0, 1, 2, 3, 4]);
    p.close(3);
    p.close(1);
    expect(p.files.nextFd).toBe(1); // __put_unused_fd lowers next_fd
    expect(p.open('/data/log', O_RDONLY)).toBe(1);
    expect(p.open('/data/log', O_RDONLY)).toBe(3);
    expect(p.open('/data/log', O_RDONLY)).toBe(5);
    checkInvariants(p.files);
    p.closeRange(0, 100);
  });

  it('a reserved (larval) fd counts as used and is skipped', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const r = p.files.allocFd(0, 1024, false);
    expect(r).toBe(0);
    expect(p.files.slotState(0)).toBe('reserved');
    expect(p.open('/data/log', O_RDONLY)).toBe(1);
    p.files.putUnusedFd(r);
    expect(p.files.slotState(0)).toBe('free');
    expect(p.open('/data/log', O_RDONLY)).toBe(0);
    p.closeRange(0, 1);
  });

  it('F_DUPFD with a start above next_fd does not move next_fd; a start at or below it does', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    expect(p.files.nextFd).toBe(1);
    expect(p.fcntl(0, F_DUPFD, 10)).toBe(10);
    expect(p.files.nextFd).toBe(1);
    expect(p.fcntl(0, F_DUPFD, 1)).toBe(1);
    expect(p.files.nextFd).toBe(2);
    expect(p.fcntl(0, F_DUPFD, 10)).toBe(11);
    expect(p.files.nextFd).toBe(2);
    p.closeRange(0, 20);
  });

  it('close-on-exec is set or cleared by allocation, whatever the slot had before', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDONLY | O_CLOEXEC);
    expect(p.files.getCloexec(a)).toBe(true);
    p.close(a);
    expect(p.files.getCloexec(a)).toBe(true); // __clear_open_fd leaves the bit alone
    const b = p.open('/data/log', O_RDONLY);
    expect(b).toBe(a);
    expect(p.files.getCloexec(b)).toBe(false); // __set_open_fd clears it
    p.close(b);
  });

  it('RLIMIT_NOFILE: an fd at or above the soft limit is EMFILE, and nothing changes', () => {
    const k = newKernel({ rlimitNofile: 3 });
    const p = k.spawnProcess();
    for (let i = 0; i < 3; i++) p.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.open('/data/log', O_RDONLY))).toBe('EMFILE');
    expect(errnoOf(() => p.dup(0))).toBe('EMFILE');
    expect(errnoOf(() => p.pipe())).toBe('EMFILE');
    expect(state(k)).toBe(before);
    p.close(1);
    expect(p.open('/data/log', O_RDONLY)).toBe(1);
    p.rlimitNofile = 5; // raising the limit takes effect at the next call
    expect(p.open('/data/log', O_RDONLY)).toBe(3);
    p.closeRange(0, 10);
  });

  it('pipe needs two free fds: with one left it is EMFILE and the first is released', () => {
    const k = newKernel({ rlimitNofile: 2 });
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.pipe())).toBe('EMFILE');
    expect(state(k)).toBe(before);
    expect(p.files.slotState(1)).toBe('free');
    p.close(0);
  });

  it('the table grows 64 → 128 → 256, copying slots and bitmaps', () => {
    const k = newKernel({ rlimitNofile: 4096 });
    const p = k.spawnProcess();
    expect(p.files.fdt.maxFds).toBe(64);
    const first = p.files.fdt;
    for (let i = 0; i < 64; i++) p.open('/data/log', i % 2 === 0 ? O_RDONLY | O_CLOEXEC : O_RDONLY);
    expect(p.files.fdt).toBe(first);
    expect(p.open('/data/log', O_RDONLY)).toBe(64);
    expect(p.files.fdt.maxFds).toBe(128);
    expect(p.files.fdt).not.toBe(first); // a new fdtable; lockless readers of the old one keep it
    expect(first.fd[10]).toBe(p.files.fdt.fd[10]);
    expect(p.files.getCloexec(10)).toBe(true);
    expect(p.files.getCloexec(11)).toBe(false);
    expect(p.dup2(0, 200)).toBe(200);
    expect(p.files.fdt.maxFds).toBe(256);
    expect(p.dup2(0, 1500)).toBe(1500);
    expect(p.files.fdt.maxFds).toBe(2048);
    checkInvariants(p.files);
    p.closeRange(0, 4095);
    expect(p.files.fdt.maxFds).toBe(2048); // tables never shrink
  });

  it('fs.nr_open caps growth: past it allocation is EMFILE even below RLIMIT_NOFILE', () => {
    const k = newKernel({ nrOpen: 128, rlimitNofile: 1024 });
    const p = k.spawnProcess();
    for (let i = 0; i < 128; i++) p.open('/data/log', O_RDONLY);
    expect(p.files.fdt.maxFds).toBe(128);
    const before = state(k);
    expect(errnoOf(() => p.open('/data/log', O_RDONLY))).toBe('EMFILE');
    expect(errnoOf(() => p.fcntl(0, F_DUPFD, 0))).toBe('EMFILE');
    expect(errnoOf(() => p.dup2(0, 500))).toBe('EBADF'); // dup3 maps expand_files' EMFILE to EBADF
    expect(state(k)).toBe(before);
    p.closeRange(0, 200);
  });

  it('word bitmaps: full words are skipped through full_fds_bits', () => {
    const k = newKernel({ rlimitNofile: 4096 });
    const p = k.spawnProcess();
    for (let i = 0; i < 300; i++) p.open('/data/log', O_RDONLY);
    const t = p.files.fdt;
    expect(t.fullFdsBits[0]! & 0xff).toBe(0xff); // words 0..7 (fds 0..255) are full
    p.close(77);
    expect((t.fullFdsBits[0]! >>> 2) & 1).toBe(0); // word 2 (fds 64..95) no longer full
    checkInvariants(p.files);
    expect(p.open('/data/log', O_RDONLY)).toBe(77);
    expect(p.open('/data/log', O_RDONLY)).toBe(300);
    p.closeRange(0, 4095);
  });

  it('property: allocFd always returns the lowest free fd ≥ start (against a reference set)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('alloc' as const), start: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 })) }),
            fc.record({ op: fc.constant('free' as const), pick: fc.nat() }),
          ),
          { maxLength: 400 },
        ),
        (ops) => {
          const k = newKernel({ trace: false });
          const files = k.spawnProcess().files;
          const used = new Set<number>();
          for (const o of ops) {
            if (o.op === 'alloc') {
              let want = o.start;
              while (used.has(want)) want++;
              const fd = files.allocFd(o.start, 100_000, false);
              expect(fd).toBe(want);
              used.add(fd);
            } else if (used.size > 0) {
              const list = [...used];
              const fd = list[o.pick % list.length]!;
              files.putUnusedFd(fd);
              used.delete(fd);
            }
          }
          checkInvariants(files);
          for (const fd of used) files.putUnusedFd(fd);
        },
      ),
      { numRuns: 200 },
    );
  });
});
