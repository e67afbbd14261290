/**
 * Pipes as fs/pipe.c has them, each value checked on Linux 6.18 (conformance/): EOF
 * without writers, EAGAIN with O_NONBLOCK, EPIPE without readers, 16 pages of capacity
 * with partial writes, and O_DIRECT packets.
 */
import { describe, expect, it } from 'vitest';
import { ModelError, O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_PATH, O_WRONLY, F_GETFL, F_GETPIPE_SZ, F_SETFL, F_SETPIPE_SZ } from '../src/index.js';
import { errnoOf, newKernel, state, stepToEnd } from './helpers.js';

const fill = (n: number) => 'x'.repeat(n);

describe('pipes', () => {
  it('a plain read on an empty pipe with a writer would block: a ModelError, nothing changes', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const before = state(k);
    expect(() => p.read(r, 1)).toThrow(ModelError);
    try {
      p.read(r, 1);
    } catch (e) {
      expect((e as ModelError).code).toBe('would-block');
    }
    expect(state(k)).toBe(before);
    expect(p.read(r, 0)).toBe(''); // a zero-length read returns at once
    p.close(w);
    expect(p.read(r, 1)).toBe(''); // no writer: EOF
    p.close(r);
  });

  it('O_NONBLOCK: EAGAIN on an empty pipe; a full pipe takes a partial write, then EAGAIN', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe(O_NONBLOCK);
    expect(errnoOf(() => p.read(r, 1))).toBe('EAGAIN');
    expect(p.write(w, fill(70000))).toBe(65536); // 16 pages
    expect(errnoOf(() => p.write(w, 'y'))).toBe('EAGAIN');
    expect(p.read(r, 10).length).toBe(10);
    // The first page now has 4086 bytes at offset 10; a page-sized write needs a free page.
    expect(errnoOf(() => p.write(w, fill(4096)))).toBe('EAGAIN');
    expect(p.read(r, 4086).length).toBe(4086);
    expect(p.write(w, fill(5000))).toBe(4096);
    p.closeRange(0, 1);
  });

  it('a write merges its sub-page remainder into the last page, as pipe_write() does', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [, w] = p.pipe(O_NONBLOCK);
    expect(p.write(w, fill(100))).toBe(100);
    expect(p.write(w, fill(3996))).toBe(3996); // merged: page 1 now holds 4096 bytes
    for (let i = 0; i < 15; i++) expect(p.write(w, fill(4096))).toBe(4096); // pages 2..16
    expect(errnoOf(() => p.write(w, 'z'))).toBe('EAGAIN');
    p.closeRange(0, 1);
  });

  it('EPIPE for a write without readers (after a zero-length write, which succeeds)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    p.close(r);
    expect(p.write(w, '')).toBe(0);
    expect(errnoOf(() => p.write(w, 'x'))).toBe('EPIPE');
    p.close(w);
  });

  it('the ends count struct files, not fds: a dup keeps the writer', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe(O_NONBLOCK);
    const w2 = p.dup(w);
    p.close(w);
    expect(errnoOf(() => p.read(r, 1))).toBe('EAGAIN'); // still a writer: not EOF
    p.close(w2);
    expect(p.read(r, 1)).toBe('');
    p.close(r);
  });

  it('pipe2(O_DIRECT): packets are read one per call, and what does not fit is dropped', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe(O_DIRECT | O_NONBLOCK);
    expect(p.fcntl(r, F_GETFL)).toBe(O_NONBLOCK); // the read end keeps only O_NONBLOCK
    expect(p.fcntl(w, F_GETFL)).toBe(O_WRONLY | O_NONBLOCK | O_DIRECT);
    p.write(w, 'abc');
    p.write(w, 'defg');
    expect(p.read(r, 100)).toBe('abc');
    expect(p.read(r, 2)).toBe('de');
    expect(errnoOf(() => p.read(r, 100))).toBe('EAGAIN'); // 'fg' went with its packet
    p.fcntl(w, F_SETFL, O_NONBLOCK); // packet mode off: writes merge again
    p.write(w, 'hi');
    p.write(w, 'jk');
    expect(p.read(r, 100)).toBe('hijk');
    p.closeRange(0, 1);
  });

  it('a thread blocks on an empty pipe until a writer writes', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe(O_CLOEXEC);
    const reader = p.thread(function* (sys) {
      return yield* sys.read(r, 5);
    });
    const writer = p.thread(function* (sys) {
      yield* sys.write(w, 'hello');
    });
    while (reader.sim.pending !== null && k.engine.isEnabled(reader.sim.id)) k.engine.step(reader.sim.id);
    expect(reader.sim.pending?.fn).toMatch(/rd_wait/); // parked: the pipe is empty
    expect(k.engine.isEnabled(reader.sim.id)).toBe(false);
    stepToEnd(k, writer.sim);
    stepToEnd(k, reader.sim);
    expect(reader.sim.result).toBe('hello');
    p.closeRange(0, 1);
  });
  it('a blocking write larger than the pipe writes what fits, sleeps, and finishes as a reader drains it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const before = state(k);
    expect(() => p.write(w, fill(70000))).toThrow(ModelError); // a plain call writes nothing
    expect(state(k)).toBe(before);
    const writer = p.thread(function* (sys) {
      return yield* sys.write(w, fill(70000));
    });
    while (k.engine.isEnabled(writer.sim.id)) k.engine.step(writer.sim.id);
    expect(writer.sim.pending?.fn).toMatch(/wr_wait/);
    expect(k.engine.peek(() => p.fileOf(r).inode.data.length)).toBe(65536); // it wrote what fit before sleeping
    let got = 0;
    p.thread(function* (sys) {
      while (got < 70000) got += (yield* sys.read(r, 65536)).length;
    });
    expect(k.run().completed).toBe(true);
    expect(writer.sim.result).toBe(70000);
    expect(got).toBe(70000);
    p.closeRange(0, 1);
  });

  it('F_GETPIPE_SZ and F_SETPIPE_SZ as the host answers them (ps.c, ps2.c, ps3.c on Linux 6.18, without CAP_SYS_RESOURCE)', () => {
    const k = newKernel();
    const p = k.spawnProcess({ creds: { uid: 0, caps: ['CAP_SYS_ADMIN'] } });
    const [r, w] = p.pipe(O_NONBLOCK);
    const set = (fd: number, n: number) => p.fcntl(fd, F_SETPIPE_SZ, n);
    expect([p.fcntl(r, F_GETPIPE_SZ), p.fcntl(w, F_GETPIPE_SZ)]).toEqual([65536, 65536]);
    expect([set(r, 0), set(r, 1), set(r, 4097), set(r, 12288)]).toEqual([4096, 4096, 8192, 16384]);
    expect(errnoOf(() => set(r, -1))).toBe('EINVAL'); // 0xffffffff > 2^31
    expect(errnoOf(() => set(r, 2 ** 31 + 1))).toBe('EINVAL');
    expect(errnoOf(() => set(r, 2 ** 31))).toBe('EPERM');
    expect(set(r, 1 << 20)).toBe(1 << 20);
    expect(errnoOf(() => set(r, (1 << 20) + 1))).toBe('EPERM');
    expect(set(r, 4096)).toBe(4096); // shrinking is always allowed
    // One slot: a write merges its sub-page part into the last page and stops there.
    expect(p.write(w, fill(100))).toBe(100);
    expect(p.write(w, fill(5000))).toBe(904);
    expect(set(r, 4096)).toBe(4096);
    expect(set(w, 8192)).toBe(8192);
    expect(p.write(w, fill(5000))).toBe(5000); // 904 more merged, one new page (ps3.c)
    const before = state(k);
    expect(errnoOf(() => set(r, 4096))).toBe('EBUSY'); // two buffers in use
    expect(state(k)).toBe(before);
    expect(p.read(r, 4096).length).toBe(4096); // the first buffer and part of the second
    expect(set(r, 4096)).toBe(4096);
    expect(p.read(r, 10000).length).toBe(1908);
    expect(p.fcntl(r, F_GETPIPE_SZ)).toBe(4096);
    // Anything but a pipe is EBADF; an O_PATH fd is EBADF before the command is looked at.
    expect(errnoOf(() => p.fcntl(p.open('/data/log', O_WRONLY), F_GETPIPE_SZ))).toBe('EBADF');
    expect(errnoOf(() => p.fcntl(p.open('/srv', O_PATH), F_SETPIPE_SZ, 4096))).toBe('EBADF');
    // O_DIRECT: each packet takes a slot of its own.
    const [, q] = p.pipe(O_DIRECT | O_NONBLOCK);
    expect(set(q, 4096)).toBe(4096);
    expect(p.write(q, fill(10))).toBe(10);
    expect(errnoOf(() => p.write(q, fill(10)))).toBe('EAGAIN');
  });

  it('with CAP_SYS_RESOURCE a pipe grows past pipe-max-size, up to the ring kmalloc() can allocate', () => {
    // Not checked on this host (its root lacks CAP_SYS_RESOURCE): read off pipe_set_size().
    const p = newKernel().spawnProcess({ creds: { uid: 0 } });
    const [r] = p.pipe();
    expect(p.fcntl(r, F_SETPIPE_SZ, 1 << 28)).toBe(1 << 28);
    expect(errnoOf(() => p.fcntl(r, F_SETPIPE_SZ, 1 << 29))).toBe('ENOMEM');
  });

  it('a resize wakes a writer that sleeps for room', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    p.fcntl(w, F_SETPIPE_SZ, 4096);
    p.write(w, fill(4096));
    const writer = p.thread((sys) => sys.write(w, 'more'));
    const resizer = p.thread((sys) => sys.fcntl(r, F_SETPIPE_SZ, 8192));
    while (k.engine.isEnabled(writer.sim.id)) k.engine.step(writer.sim.id);
    expect(writer.sim.pending?.fn).toMatch(/wr_wait/);
    stepToEnd(k, resizer.sim);
    expect(resizer.sim.result).toBe(8192);
    stepToEnd(k, writer.sim);
    expect(writer.sim.result).toBe(4);
    p.closeRange(0, 1);
  });
});
