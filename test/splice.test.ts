/**
 * splice(2) as fs/splice.c has it, each value as s1.c and s2.c saw it on Linux 6.18
 * (ext4 /tmp): the errno order, file to pipe (pages linked), pipe to file, pipe to pipe
 * (whole buffers move with their flags, a split one does not merge), the waits, and the
 * unlocked f_pos.
 */
import { describe, expect, it } from 'vitest';
import {
  defineScenario, explore, ModelError, O_APPEND, O_CREAT, O_DIRECT, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR,
  SOCK_NONBLOCK, SOCK_STREAM, SPLICE_F_NONBLOCK, Unix, type Process,
} from '../src/index.js';
import { errnoOf, newKernel, state } from './helpers.js';

function fileOf(p: Process, path: string, data: string): number {
  const fd = p.open(path, O_RDWR | O_CREAT | O_TRUNC);
  p.write(fd, data);
  return fd;
}

describe('splice (do_splice in fs/splice.c)', () => {
  it('checks in the host\'s order: zero length, flags, EBADF, ESPIPE, access modes, one pipe at least', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const f = fileOf(p, '/tmp/f', 'hello world');
    p.lseek(f, 0, 0);
    const ro = p.open('/tmp/f', O_RDONLY);
    const wo = p.open('/tmp/f', O_WRONLY);
    const ap = p.open('/tmp/f', O_WRONLY | O_APPEND);
    const [pr, pw] = p.pipe(O_NONBLOCK);
    const [qr, qw] = p.pipe(O_NONBLOCK);
    const path = p.open('/tmp/f', O_PATH);
    const dir = p.open('/tmp', O_RDONLY);
    const before = state(k);
    expect(p.splice(f, null, pw, null, 0)).toBe(0);
    expect(p.splice(99, null, pw, null, 0)).toBe(0); // the length comes first
    expect(errnoOf(() => p.splice(99, null, pw, null, 5))).toBe('EBADF');
    expect(errnoOf(() => p.splice(f, null, 99, null, 5))).toBe('EBADF');
    expect(errnoOf(() => p.splice(f, null, pw, null, 5, 0x100))).toBe('EINVAL');
    expect(errnoOf(() => p.splice(pr, 5, f, null, 3))).toBe('ESPIPE');
    expect(errnoOf(() => p.splice(f, null, pw, 5, 3))).toBe('ESPIPE');
    expect(errnoOf(() => p.splice(pr, null, pw, null, 3))).toBe('EINVAL'); // a pipe into itself
    expect(errnoOf(() => p.splice(pr, null, qw, 5, 3))).toBe('ESPIPE');
    expect(errnoOf(() => p.splice(pw, null, qw, null, 3))).toBe('EBADF');
    expect(errnoOf(() => p.splice(pr, null, qr, null, 3))).toBe('EBADF');
    expect(errnoOf(() => p.splice(wo, null, pw, null, 3))).toBe('EBADF');
    expect(errnoOf(() => p.splice(pr, null, ro, null, 3))).toBe('EBADF');
    expect(errnoOf(() => p.splice(pr, null, ap, null, 3))).toBe('EINVAL');
    expect(errnoOf(() => p.splice(pr, null, f, -1, 3))).toBe('EINVAL');
    expect(errnoOf(() => p.splice(f, -1, pw, null, 3))).toBe('EINVAL');
    expect(errnoOf(() => p.splice(f, null, f, null, 3))).toBe('EINVAL'); // no pipe
    expect(errnoOf(() => p.splice(f, null, pw, null, -1))).toBe('EINVAL'); // (size_t)-1: rw_verify_area()
    expect(errnoOf(() => p.splice(path, null, pw, null, 3))).toBe('EBADF');
    expect(errnoOf(() => p.splice(f, null, path, null, 3))).toBe('EBADF');
    expect(errnoOf(() => p.splice(dir, null, pw, null, 3))).toBe('EINVAL'); // no ->splice_read
    expect(state(k)).toBe(before);
  });

  it('moves file to pipe from f_pos or an offset, pipe to pipe, pipe to file (s1.c)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const f = fileOf(p, '/tmp/f', 'hello world');
    p.lseek(f, 0, 0);
    const [pr, pw] = p.pipe(O_NONBLOCK);
    const [qr, qw] = p.pipe(O_NONBLOCK);
    expect(p.splice(f, null, pw, null, 5)).toBe(5);
    expect(p.lseek(f, 0, SEEK_CUR)).toBe(5);
    expect(p.splice(f, 2, pw, null, 3)).toBe(3); // the caller's offset becomes 5; f_pos stays
    expect(p.lseek(f, 0, SEEK_CUR)).toBe(5);
    expect(p.splice(pr, null, qw, null, 2)).toBe(2);
    expect(p.read(qr, 64)).toBe('he');
    expect(p.splice(pr, null, f, null, 100)).toBe(6); // at f_pos 5
    expect(p.lseek(f, 0, SEEK_CUR)).toBe(11);
    expect(p.pread(f, 64, 0)).toBe('hellollollo');
    expect(errnoOf(() => p.splice(pr, null, f, null, 100))).toBe('EAGAIN');
    expect(p.splice(f, 100, pw, null, 4)).toBe(0); // past the end
    p.write(pw, 'ww');
    expect(p.splice(pr, null, f, 20, 5)).toBe(2); // at an offset: f_pos stays
    expect(p.lseek(f, 0, SEEK_CUR)).toBe(11);
  });

  it('pipe to pipe moves whole buffers as they are and splits one without its merge flag (s2.c)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const f = fileOf(p, '/tmp/g', 'abcdefghij');
    const [pr, pw] = p.pipe(O_NONBLOCK);
    const [qr, qw] = p.pipe(O_NONBLOCK);
    // Spliced pages stay linked through the move: later writes to the file show.
    expect(p.splice(f, 0, pw, null, 6)).toBe(6);
    p.pwrite(f, 'XY', 1);
    expect(p.splice(pr, null, qw, null, 3)).toBe(3);
    p.pwrite(f, 'Z', 4);
    expect(p.read(qr, 200)).toBe('aXY');
    expect(p.read(pr, 200)).toBe('dZf');
    // A whole buffer keeps CAN_MERGE: a write merges into it.
    p.write(pw, '12');
    expect(p.splice(pr, null, qw, null, 10)).toBe(2);
    p.write(qw, '34');
    expect(p.read(qr, 200)).toBe('1234');
    // The front of a buffer is a new one that nothing merges into.
    p.write(pw, '56');
    expect(p.splice(pr, null, qw, null, 1)).toBe(1);
    p.write(qw, '78');
    expect(p.read(qr, 200)).toBe('578');
    expect(p.read(pr, 200)).toBe('6');
    // Packets move as packets; into a file they are bytes.
    const [dr, dw] = p.pipe(O_DIRECT | O_NONBLOCK);
    p.write(dw, 'aaa');
    p.write(dw, 'bbb');
    expect(p.splice(dr, null, qw, null, 100)).toBe(6);
    expect(p.read(qr, 200)).toBe('aaa');
    expect(p.read(qr, 200)).toBe('bbb');
    p.write(dw, 'ccc');
    p.write(dw, 'ddd');
    p.lseek(f, 10, 0);
    expect(p.splice(dr, null, f, null, 100)).toBe(6);
    expect(p.lseek(f, 0, SEEK_CUR)).toBe(16);
  });

  it('empty, closed and full pipes: EAGAIN, 0 and EPIPE as the host answers; SPLICE_F_NONBLOCK on blocking pipes (s2.c)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const f = fileOf(p, '/tmp/g', 'abcdefghij');
    const [pr, pw] = p.pipe(O_NONBLOCK);
    const [, qw] = p.pipe(O_NONBLOCK);
    expect(errnoOf(() => p.splice(pr, null, qw, null, 5))).toBe('EAGAIN');
    expect(errnoOf(() => p.splice(pr, null, f, null, 5))).toBe('EAGAIN');
    const [er, ew] = p.pipe();
    p.close(ew);
    expect(p.splice(er, null, qw, null, 5)).toBe(0);
    expect(p.splice(er, null, f, null, 5)).toBe(0);
    const [gr, gw] = p.pipe();
    p.close(gr);
    p.write(pw, 'x');
    expect(errnoOf(() => p.splice(pr, null, gw, null, 5))).toBe('EPIPE');
    expect(errnoOf(() => p.splice(f, 0, gw, null, 5))).toBe('EPIPE');
    expect(errnoOf(() => p.splice(er, null, gw, null, 5))).toBe('EPIPE');
    const [ar] = p.pipe();
    const [, bw] = p.pipe();
    expect(errnoOf(() => p.splice(ar, null, bw, null, 5, SPLICE_F_NONBLOCK))).toBe('EAGAIN');
    expect(errnoOf(() => p.splice(ar, null, f, null, 5, SPLICE_F_NONBLOCK))).toBe('EAGAIN');
    // Without it, a plain call would sleep: a ModelError, nothing changed.
    const before = state(k);
    expect(() => p.splice(ar, null, bw, null, 5)).toThrow(ModelError);
    expect(state(k)).toBe(before);
  });

  it('a socket on either side is beyond the model (ModelError model-limit), not a wrong errno', () => {
    const p = newKernel().spawnProcess();
    const [s, t] = Unix.socketpair(p, SOCK_STREAM | SOCK_NONBLOCK);
    const [pr, pw] = p.pipe(O_NONBLOCK);
    p.write(t, 'xyz');
    expect(() => p.splice(s, null, pw, null, 3)).toThrow(expect.objectContaining({ code: 'model-limit' }));
    p.write(pw, 'abc');
    expect(() => p.splice(pr, null, t, null, 3)).toThrow(expect.objectContaining({ code: 'model-limit' }));
    expect(p.read(pr, 8)).toBe('abc'); // nothing moved
  });

  it('a blocking splice sleeps on the pipe and a write wakes it; its f_pos update races with read() (no f_pos_lock)', () => {
    const s = defineScenario({
      name: 'splice-fpos',
      title: 'splice from f_pos against a read of the same file',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const f = fileOf(p, '/tmp/g', 'abcdefgh');
        p.lseek(f, 0, 0);
        const [, w] = p.pipe();
        p.thread((sys) => sys.splice(f, null, w, null, 4));
        p.thread((sys) => sys.read(f, 4));
      },
    });
    const r = explore(s);
    expect(r.exhaustive).toBe(true);
    expect(r.violations.map((v) => v.kind)).toContain('fpos-race');
    const sleeper = defineScenario({
      name: 'splice-waits',
      title: 'splices from empty pipes wait for their writers',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const f = fileOf(p, '/tmp/g', '');
        const [r2, w2] = p.pipe();
        const [r3, w3] = p.pipe();
        const [, w4] = p.pipe();
        p.thread((sys) => sys.splice(r2, null, f, 0, 10));
        p.thread((sys) => sys.write(w2, 'data'));
        p.thread((sys) => sys.splice(r3, null, w4, null, 10));
        p.thread((sys) => sys.write(w3, 'more'));
      },
    });
    const q = explore(sleeper);
    expect(q.exhaustive).toBe(true);
    expect(q.violations).toEqual([]);
    expect(q.outcomes.map((o) => JSON.parse(o.outcome) as unknown)).toEqual([[4, 4, 4, 4]]);
  });
});
