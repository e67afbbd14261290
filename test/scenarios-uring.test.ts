/*
 * Issue 11's scenarios: seed 000's fixed-file f_pos race, seed 003's registration error
 * paths, seed 004's FIXED_FD_INSTALL locking and hidden pin. The verdicts are also checked
 * generically by scenarios-seed.test.ts; here are the specifics.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, explore, O_NONBLOCK, replay, SOCK_DGRAM, Unix, verdictOf, type Sys } from '../src/index.js';
import { IORING_ENTER_GETEVENTS, IORING_OP_READ, IOSQE_ASYNC, ioUring } from '../src/plugins/io-uring/index.js';
import { uringFixedFpos, uringFixedInstall, uringHiddenPin, uringHiddenPinLazy, uringHiddenPinUnregister, uringRegisterErrorPath, uringScmGcUaf } from '../src/scenarios/index.js';

const outcomes = (r: ReturnType<typeof explore>) => [...new Set(r.outcomes.map((o) => o.outcome))].sort();

describe('uring-fixed-fpos (seed 000)', () => {
  it("'when-shared': two io-wq workers iterate the directory without f_pos_lock; the minimal schedule replays", () => {
    const r = explore(uringFixedFpos, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(verdictOf(r)).toEqual(['fpos-race']);
    const v = r.violations[0]!;
    expect(v.message).toMatch(/iou-wrk-\d+ skipped f_pos_lock because f_count was 1 \(uringPosLock: when-shared/);
    expect(replay(uringFixedFpos, v.minimalSchedule, { policy: 'before' }).violations.map((x) => x.kind)).toContain('fpos-race');
  });

  it("'always': exhaustive and clean", () => {
    const r = explore(uringFixedFpos, { policy: 'after' });
    expect(r.exhaustive && r.violations.length === 0).toBe(true);
  });
});

describe('uring-register-error-path (seed 003)', () => {
  it("'scm-as-posted': the leak names the holder the references were taken for, and the lookup reads past user_files", () => {
    const r = explore(uringRegisterErrorPath, { policy: 'before' });
    expect(verdictOf(r)).toEqual(['leak', 'out-of-bounds']);
    const leak = r.violations.find((v) => v.kind === 'leak')!;
    expect(leak.message).toMatch(/a reference taken for ring#1\.user_files\[0\] was never put/);
    expect(r.violations.find((v) => v.kind === 'out-of-bounds')!.message).toMatch(/nr_user_files is 5 but user_files holds 1/);
  });

  it("'scm': the same calls are clean (EBADF for the slot past the table)", () => {
    const r = explore(uringRegisterErrorPath, { policy: 'after' });
    expect(r.exhaustive && r.violations.length === 0).toBe(true);
    expect(outcomes(r)).toEqual(['[["EBADF",0,0,0,"EBADF"]]']);
  });
});

describe('uring-fixed-install (seed 004)', () => {
  it('clean under the old f_count > 1 rule and the current one; the worker and the installed fd share the position', () => {
    for (const policy of ['before', 'after'] as const) {
      const r = explore(uringFixedInstall, { policy });
      expect(r.exhaustive && r.violations.length === 0).toBe(true);
      // The GETDENTS on io-wq ran before or after getdents(2) on the installed fd.
      expect(outcomes(r)).toEqual(['["a","b"]', '["c","d"]']);
    }
  });
});

describe('uring-hidden-pin (seed 004)', () => {
  it('umount is EBUSY until the ring is closed or the files unregistered, never after', () => {
    for (const s of [uringHiddenPin, uringHiddenPinUnregister]) {
      const r = explore(s);
      expect(r.exhaustive && r.violations.length === 0).toBe(true);
      const o = outcomes(r);
      expect(o.some((x) => x.endsWith('umount EBUSY'))).toBe(true);
      expect(o.some((x) => x.endsWith('umount umounted'))).toBe(true);
    }
  });

  it('umount -l (MNT_DETACH) always succeeds; before the ring goes, the detached filesystem lives on, pinned by the fixed slot alone', () => {
    const r = explore(uringHiddenPinLazy);
    expect(r.exhaustive && r.violations.length === 0).toBe(true);
    expect(outcomes(r)).toEqual(['close: umount detached and freed', 'close: umount detached, still pinned by 1 file(s)']);
  });
});

describe('uring-scm-gc-uaf (seed 003)', () => {
  it("'scm' with the classic collector: the collector purges ring_sock's message while the worker still uses fixed slot 0", () => {
    const r = explore(uringScmGcUaf, { policy: 'before' });
    expect(r.exhaustive).toBe(true);
    expect(verdictOf(r)).toEqual(['use-after-free']);
    const v = r.violations[0]!;
    expect(v.message).toMatch(/ring#1 request uses file#\d+ of fixed slot 0 after it was freed \(the slot's node borrowed the reference\)/);
    expect(replay(uringScmGcUaf, v.minimalSchedule, { policy: 'before' }).violations.map((x) => x.kind)).toContain('use-after-free');
    // Some schedules collect the ring and the socket (2), others nothing (the worker or the fds still hold them).
    expect(outcomes(r)).toEqual(['[1,0,null]', '[1,2,null]']);
  });

  it("'plain' (v6.7+): the ring fd cannot be sent (EINVAL), the cycle is never built, every schedule is clean", () => {
    const r = explore(uringScmGcUaf, { policy: 'after' });
    expect(r.exhaustive && r.violations.length === 0).toBe(true);
    expect(outcomes(r)).toEqual(['[1,0,null]']);
  });
});

describe('an io-wq worker waiting on a pipe or a socket', () => {
  // The worker joins the file's wait queue (a blocking pipe) or registers its poll (a
  // socket, an O_NONBLOCK pipe) in the step that found the file not ready: a write
  // between the check and a later registration would wake nobody, and the model once
  // reported a deadlock here that Linux (which arms its poll before it re-checks) cannot have.
  const scenario = (kind: 'pipe' | 'nonblocking pipe' | 'socket', sqeFlags: number) => defineScenario({
    name: 'uring-read-waits',
    title: `io_uring READ on an empty ${kind}, waiting in io-wq, and a write(2)`,
    source: 'test',
    plugins: [ioUring()],
    setup(k) {
      const u = k.use(ioUring());
      const p = k.spawnProcess({ name: 'P' });
      const ring = u.setup(p, 4);
      const [r, w] = kind === 'socket' ? Unix.socketpair(p, SOCK_DGRAM) : p.pipe(kind === 'pipe' ? 0 : O_NONBLOCK);
      p.thread(function* (sys: Sys) {
        return (yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, fd: r, len: 1, flags: sqeFlags, userData: 1 }], 1, IORING_ENTER_GETEVENTS)).cqes;
      });
      p.thread((sys: Sys) => sys.write(w, 'x'));
    },
  });

  it.each([
    ['pipe', 0], ['nonblocking pipe', 0], ['socket', 0], ['socket', IOSQE_ASYNC],
  ] as const)('is woken by every interleaving of the write: no lost wake-up, no deadlock (%s, sqe flags %d)', (kind, flags) => {
    const s = scenario(kind, flags);
    const r = explore(s);
    expect(r.exhaustive).toBe(true);
    expect(r.violations.map((v) => v.kind)).toEqual([]);
    expect(r.outcomes.length).toBeGreaterThan(0);
    expect(r.outcomes.every((o) => o.outcome.startsWith('[[{"userData":1,"res":1,"data":"x"}],1'))).toBe(true);
    // Naive search, bounded, finds no other outcome either.
    const naive = explore(s, { strategy: 'dfs', maxRuns: 3000 });
    expect(naive.violations).toEqual([]);
  });
});
