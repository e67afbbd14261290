import { describe, expect, it } from 'vitest';
import {
  defineScenario, explore, O_APPEND, O_CREAT, O_DIRECTORY, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_SET,
  SHUT_RD, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM, Unix,
  type Kernel, type KernelPath, type Process, type Sys,
} from '../src/index.js';
import { scenarioPolicy } from '../src/explore/policy.js';
import { scenarioSource } from '../src/explore/world.js';
import { sampledMisses, searchTraces } from './dpor-programs.js';
import { errnoOf, newKernel, state, stepLog } from './helpers.js';

/** A file of `data` at `path`, written and closed. */
function fileOf(p: Process, path: string, data: string): void {
  const fd = p.open(path, O_WRONLY | O_CREAT | O_TRUNC);
  p.write(fd, data);
  p.close(fd);
}

/** A non-blocking pipe whose first `n` buffers are full pages; returns its write end. */
function pipeWithUsed(p: Process, n: number): number {
  const [, w] = p.pipe(O_NONBLOCK);
  for (let i = 0; i < n; i++) p.write(w!, 'y'.repeat(4096));
  return w!;
}

describe('sendfile (do_sendfile in fs/read_write.c)', () => {
  it('copies from f_pos and advances both positions, or from an offset leaving in f_pos alone', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    fileOf(p, '/tmp/in', '0123456789');
    const i = p.open('/tmp/in', O_RDONLY);
    const o = p.open('/tmp/out', O_RDWR | O_CREAT);
    expect(p.sendfile(o, i, null, 4)).toBe(4);
    expect([p.lseek(i, 0, SEEK_CUR), p.lseek(o, 0, SEEK_CUR)]).toEqual([4, 4]);
    expect(p.sendfile(o, i, 2, 3)).toBe(3);
    expect([p.lseek(i, 0, SEEK_CUR), p.lseek(o, 0, SEEK_CUR)]).toEqual([4, 7]);
    expect(k.vfs.lookup('/tmp/out').inode.data).toBe('0123234');
    // At the end of the in-file nothing moves and neither position changes.
    p.lseek(i, 10, SEEK_SET);
    expect(p.sendfile(o, i, null, 5)).toBe(0);
    expect([p.lseek(i, 0, SEEK_CUR), p.lseek(o, 0, SEEK_CUR)]).toEqual([10, 7]);
    // One open file on both sides: its f_pos ends where the copy ended.
    expect(p.sendfile(o, o, 0, 2)).toBe(2);
    expect(p.lseek(o, 0, SEEK_CUR)).toBe(9);
    // Copying a file's tail past its end reads back what the copy wrote (Linux 6.18:
    // 'abcde', sendfile(fd, fd, &3, 3) → 3 and 'abcdeded').
    const self = p.open('/tmp/self', O_RDWR | O_CREAT);
    p.write(self, 'abcde');
    expect(p.sendfile(self, self, 3, 3)).toBe(3);
    expect(k.vfs.lookup('/tmp/self').inode.data).toBe('abcdeded');
    expect(p.lseek(self, 0, SEEK_CUR)).toBe(8);
    p.closeRange(0, 10);
  });

  it("answers the host's errno in the host's order", () => {
    // Each line was run on Linux 6.18 (Python's os.sendfile on ext4).
    const k = newKernel();
    const p = k.spawnProcess();
    fileOf(p, '/tmp/in', '0123456789');
    const i = p.open('/tmp/in', O_RDONLY);
    const o = p.open('/tmp/out', O_RDWR | O_CREAT);
    const wo = p.open('/tmp/in', O_WRONLY);
    const app = p.open('/tmp/out', O_WRONLY | O_APPEND);
    const [r, w] = p.pipe();
    const dir = p.open('/tmp', O_RDONLY | O_DIRECTORY);
    const efd = p.eventfd(0);
    const path = p.open('/tmp/in', O_PATH);
    const before = state(k);
    const cases: Array<[() => unknown, string]> = [
      [() => p.sendfile(o, 99, null, 1), 'EBADF'],
      [() => p.sendfile(99, i, null, 1), 'EBADF'],
      [() => p.sendfile(o, wo, null, 1), 'EBADF'],
      [() => p.sendfile(99, wo, null, 1), 'EBADF'], // the in-file is checked first
      [() => p.sendfile(i, i, null, 1), 'EBADF'],
      [() => p.sendfile(app, i, null, 1), 'EINVAL'],
      [() => p.sendfile(app, i, null, 0), 'EINVAL'], // O_APPEND before the zero count
      [() => p.sendfile(o, r, null, 1), 'EINVAL'],
      [() => p.sendfile(o, r, null, 0), 'EINVAL'],
      [() => p.sendfile(o, r, 0, 1), 'ESPIPE'],
      [() => p.sendfile(99, r, 0, 1), 'ESPIPE'], // before the out fd is looked up
      [() => p.sendfile(o, dir, null, 1), 'EINVAL'],
      [() => p.sendfile(dir, i, null, 1), 'EBADF'],
      [() => p.sendfile(o, i, -1, 1), 'EINVAL'],
      [() => p.sendfile(99, i, -1, 1), 'EINVAL'],
      [() => p.sendfile(o, efd, null, 8), 'EINVAL'],
      [() => p.sendfile(efd, i, 0, 8), 'EINVAL'],
      [() => p.sendfile(w, r, null, 1), 'EINVAL'],
      [() => p.sendfile(w, efd, null, 1), 'EINVAL'],
      [() => p.sendfile(w, dir, null, 1), 'EINVAL'],
      [() => p.sendfile(o, path, null, 1), 'EBADF'],
      [() => p.sendfile(path, i, null, 1), 'EBADF'],
      [() => p.sendfile(o, i, 2 ** 62, 1), 'EOVERFLOW'],
      [() => p.sendfile(o, i, 2 ** 63 - 1, 1), 'EINVAL'],
    ];
    for (const [call, errno] of cases) expect(errnoOf(call)).toBe(errno);
    // Zero bytes: 0 wherever the checks before the copy pass — the in-file need only be
    // seekable (a directory, an eventfd), the out-file need take no splice.
    expect(p.sendfile(efd, i, null, 0)).toBe(0);
    expect(p.sendfile(w, r, null, 0)).toBe(0);
    expect(p.sendfile(o, dir, null, 0)).toBe(0);
    expect(p.sendfile(o, efd, null, 0)).toBe(0);
    // At the end of the in-file nothing reaches the out-file, which is then never asked.
    expect(p.sendfile(efd, i, 10, 5)).toBe(0);
    expect(state(k)).toBe(before);
    p.closeRange(0, 100);
  });

  it('into a pipe: EPIPE without readers, EAGAIN when every buffer is used, never merged into the last buffer', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    fileOf(p, '/tmp/big', 'a'.repeat(9000));
    const i = p.open('/tmp/big', O_RDONLY);
    const [r0, w0] = p.pipe();
    p.close(r0!);
    expect(errnoOf(() => p.sendfile(w0!, i, null, 3))).toBe('EPIPE');
    expect(errnoOf(() => p.sendfile(w0!, i, null, 0))).toBe('EPIPE'); // wait_for_space() comes first
    expect(p.lseek(i, 0, SEEK_CUR)).toBe(0);
    expect(errnoOf(() => p.sendfile(pipeWithUsed(p, 16), i, 0, 3))).toBe('EAGAIN');
    // One buffer per page of the file: from offset 0, one free slot takes 4096 bytes;
    // from offset 100, the first page's 3996.
    expect(p.sendfile(pipeWithUsed(p, 15), i, 0, 5000)).toBe(4096);
    expect(p.sendfile(pipeWithUsed(p, 15), i, 100, 5000)).toBe(3996);
    expect(p.sendfile(pipeWithUsed(p, 14), i, 100, 5000)).toBe(5000);
    // 15 full buffers and a short one: write(2) merges into the short one, a splice needs a slot.
    const w = pipeWithUsed(p, 15);
    p.write(w, 'z'.repeat(10));
    expect(errnoOf(() => p.sendfile(w, i, 0, 3))).toBe('EAGAIN');
    expect(p.write(w, 'q'.repeat(5))).toBe(5);
    // Nor does write(2) append to a spliced page (it lacks PIPE_BUF_FLAG_CAN_MERGE): after
    // three bytes spliced, 70,000 written take 15 new pages, not 15 and the page's tail
    // (host, Linux 6.18: 61440; the conformance generator found it).
    const [, w2] = p.pipe(O_NONBLOCK);
    expect(p.sendfile(w2!, i, 0, 3)).toBe(3);
    expect(p.write(w2!, 'x'.repeat(70000))).toBe(61440);
    p.closeRange(0, 100);
  });

  it("links the file's pages into the pipe: later writes show, a truncation keeps a dropped page as it was and zeroes a cut one (host, tmpfs)", () => {
    // Each case as alias.c ran it on Linux 6.18 (/dev/shm): "abcdefghij", bytes 2..6
    // spliced into a pipe, then the change, then the pipe read.
    const cases: [string, (p: Process, f: number) => void, string][] = [
      ['pwrite over', (p, f) => p.pwrite(f, 'XY', 3), 'cXYfg'],
      ['truncate to 0', (p) => p.close(p.open('/tmp/alias', O_RDWR | O_TRUNC)), 'cdefg'],
      ['truncate to 0, then write', (p, f) => { p.close(p.open('/tmp/alias', O_RDWR | O_TRUNC)); p.pwrite(f, 'QQQQQQQQ', 0); }, 'cdefg'],
      ['write past the end', (p, f) => p.pwrite(f, 'W', 20), 'cdefg'],
    ];
    for (const [name, change, want] of cases) {
      const k = newKernel();
      const p = k.spawnProcess();
      fileOf(p, '/tmp/alias', 'abcdefghij');
      const f = p.open('/tmp/alias', O_RDWR);
      const [r, w] = p.pipe(O_NONBLOCK);
      expect(p.sendfile(w!, f, 2, 5)).toBe(5);
      change(p, f);
      expect([name, p.read(r!, 64)]).toEqual([name, want]);
      p.closeRange(0, 100);
      k.assertAudit();
    }
    // Read in part first: the rest still shows a later write; a drained buffer lets go.
    const k = newKernel();
    const p = k.spawnProcess();
    fileOf(p, '/tmp/alias', 'abcdefghij');
    const f = p.open('/tmp/alias', O_RDWR);
    const [r, w] = p.pipe(O_NONBLOCK);
    p.sendfile(w!, f, 2, 5);
    expect(p.read(r!, 2)).toBe('cd');
    p.pwrite(f, '12345678', 0);
    expect(p.read(r!, 64)).toBe('567');
    expect(p.fileOf(f).inode.spliced?.size ?? 0).toBe(0);
  });

  it.each([
    ['a pwrite over the spliced bytes', (sys: Sys, f: number) => sys.pwrite(f, 'XY', 3)],
    ['a pwrite, then a truncating open', function* (sys: Sys, f: number): KernelPath<unknown> {
      yield* sys.pwrite(f, 'XY', 3);
      return yield* sys.open('/tmp/alias', O_RDWR | O_TRUNC);
    }],
  ] as const)('DPOR sees every class random schedules reach: a pipe read of spliced pages racing %s', (_name, change) => {
    const s = defineScenario({
      name: 'splice-alias',
      title: 'a pipe read of spliced pages racing a change of the file',
      source: 'test',
      setup(kk) {
        const p = kk.spawnProcess();
        fileOf(p, '/tmp/alias', 'abcdefghij');
        const f = p.open('/tmp/alias', O_RDWR);
        const [r, w] = p.pipe(O_NONBLOCK);
        p.sendfile(w!, f, 2, 5);
        p.thread((sys: Sys) => sys.read(r!, 64));
        p.thread((sys: Sys) => change(sys, f));
      },
      outcome: (kk) => JSON.stringify(kk.engine.threads.map((t) => t.result ?? null)),
    });
    const dpor = explore(s);
    expect(dpor.exhaustive).toBe(true);
    expect(dpor.violations).toEqual([]);
    // The read sees the bytes before the write or after it (a truncation keeps them).
    expect(new Set(dpor.outcomes.map((o) => JSON.parse(o.outcome)[0]))).toEqual(new Set(['cdefg', 'cXYfg']));
    // Naive search is too big here (process teardown): sample it instead.
    const src = scenarioSource(s, scenarioPolicy(s, 'current'));
    expect(sampledMisses(src, searchTraces(src, 'dpor').traces, 200, 3)).toBe(0);
  });

  it('a blocking sendfile into a full pipe sleeps until a reader makes room', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    fileOf(p, '/tmp/in', '0123456789');
    const i = p.open('/tmp/in', O_RDONLY);
    const [r, w] = p.pipe();
    for (let n = 0; n < 16; n++) p.write(w!, 'y'.repeat(4096));
    const sender = p.thread(function* (sys) {
      return yield* sys.sendfile(w!, i, null, 4);
    });
    const drainer = p.thread(function* (sys) {
      return (yield* sys.read(r!, 4096)).length;
    });
    const run = k.run();
    expect(run.completed).toBe(true);
    expect([sender.sim.result, drainer.sim.result]).toEqual([4, 4096]);
    expect(stepLog(k).some((s) => s.includes('schedule(pipe'))).toBe(true);
    expect(p.lseek(i, 0, SEEK_CUR)).toBe(4);
    p.closeRange(0, 10);
  });

  it('into an AF_UNIX socket: sent as sendmsg sends (splice_to_socket), a 64 KiB chunk per message', () => {
    // Host (Linux 6.18, Python's os.sendfile): 25 bytes arrive as one message, 9,000 as one;
    // a socket as the in-file is EINVAL; the peer's SHUT_RD is EPIPE; unconnected ENOTCONN.
    const k = newKernel();
    const p = k.spawnProcess();
    fileOf(p, '/tmp/in', 'abcdefghij'.repeat(7000));
    for (const type of [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET]) {
      const [a, b] = Unix.socketpair(p, type | SOCK_NONBLOCK);
      const i = p.open('/tmp/in', O_RDONLY);
      expect(p.sendfile(a, i, null, 25)).toBe(25);
      expect(p.lseek(i, 0, SEEK_CUR)).toBe(25);
      expect(p.read(b, 100)).toBe('abcdefghijabcdefghijabcde');
      expect(errnoOf(() => p.read(b, 100))).toBe('EAGAIN');
      expect(p.sendfile(a, i, 3, 4)).toBe(4);
      expect(p.read(b, 100)).toBe('defg');
      // 70,000 bytes: a datagram per 16-page chunk of the internal pipe.
      expect(p.sendfile(a, i, 0, 70_000)).toBe(70_000);
      // Host: [65536, 4464] for a datagram or seqpacket socket, [70000] for a stream.
      expect(p.read(b, 100_000).length).toBe(type === SOCK_STREAM ? 70_000 : 65_536);
      if (type !== SOCK_STREAM) expect(p.read(b, 100_000).length).toBe(4_464);
      const o = p.open('/tmp/out', O_WRONLY | O_CREAT);
      expect(errnoOf(() => p.sendfile(o, b, null, 5))).toBe('EINVAL');
      Unix.shutdown(p, b, SHUT_RD);
      expect(errnoOf(() => p.sendfile(a, i, null, 5))).toBe('EPIPE');
      for (const fd of [a, b, i, o]) p.close(fd);
    }
    const s = Unix.socket(p, SOCK_STREAM);
    expect(errnoOf(() => p.sendfile(s, p.open('/tmp/in', O_RDONLY), null, 4))).toBe('ENOTCONN');
  });

  it('takes no f_pos_lock: with read() on the same open file it races on f_pos even in the current kernel', () => {
    function* sender(sys: Sys, out: number, fd: number): KernelPath<number> {
      return yield* sys.sendfile(out, fd, null, 2);
    }
    function* reader(sys: Sys, fd: number): KernelPath<string> {
      return yield* sys.read(fd, 2);
    }
    const race = (viaSendfile: boolean) => defineScenario({
      name: 'sendfile-vs-read',
      title: 'sendfile and read share one open file',
      source: 'test',
      setup(k: Kernel) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', O_RDONLY);
        const out = p.open('/tmp/out', O_WRONLY | O_CREAT);
        // Two threads: f_count is 2 at fdget_pos, so read() takes f_pos_lock under every rule.
        p.thread((sys) => (viaSendfile ? sender(sys, out, fd) : reader(sys, fd)));
        p.thread((sys) => reader(sys, fd));
      },
    });
    const found = explore(race(true), { policy: 'current' });
    expect(found.violations.map((v) => v.kind)).toEqual(['fpos-race']);
    expect(found.violations[0]!.message).toMatch(/takes no f_pos_lock \(sendfile\(\)/);
    const locked = explore(race(false), { policy: 'current' });
    expect(locked.exhaustive).toBe(true);
    expect(locked.violations).toEqual([]);
  });
});
