/*
 * io_uring READ and WRITE of files whose ->read_iter / ->write_iter is a kernel path of
 * its own: AF_UNIX sockets (sock_read_iter() / sock_write_iter()) and a custom stepped type.
 * The socket results were checked on the host (Linux 6.18); conformance/uring.c runs them
 * there in every conformance test.
 */
import { describe, expect, it } from 'vitest';
import { F_SETFL, KernelError, O_NONBLOCK, O_RDWR, SOCK_DGRAM, SOCK_STREAM, Unix, type FileOperations } from '../src/index.js';
import type { Kiocb, SteppedFileOperations } from '../src/extend.js';
import { IORING_ENTER_GETEVENTS, IORING_OP_READ, IORING_OP_WRITE, IOSQE_ASYNC, ioUring, type Cqe, type Sqe } from '../src/plugins/io-uring/index.js';
import { newKernel } from './helpers.js';

function world(policy?: 'linux-5.11') {
  const k = newKernel(policy === undefined ? undefined : { policy });
  const u = k.use(ioUring());
  const p = k.spawnProcess({ name: 'P1' });
  const ring = u.setup(p, 8);
  const submit = (sqe: Sqe): Cqe => u.enter(p, ring, [sqe], 1, IORING_ENTER_GETEVENTS).cqes[0]!;
  // A request that waits: submitted, then the kernel's threads (its io-wq worker) run, then the CQ is reaped.
  const reap = (): readonly Cqe[] => {
    k.run();
    return u.enter(p, ring, [], 0, IORING_ENTER_GETEVENTS).cqes;
  };
  return { k, u, p, ring, submit, reap };
}

describe('io_uring READ and WRITE of a socket', () => {
  it('read what is queued and write to the peer, at offset 0 or -1 (a stream has no f_pos)', () => {
    const { k, p, submit } = world();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    p.write(b, 'hello');
    expect(submit({ opcode: IORING_OP_READ, fd: a, len: 8, userData: 1 })).toEqual({ userData: 1, res: 5, data: 'hello' });
    p.write(b, 'ab');
    expect(submit({ opcode: IORING_OP_READ, fd: a, len: 8, off: -1 }).data).toBe('ab');
    expect(submit({ opcode: IORING_OP_WRITE, fd: a, addr: 'xyz', off: -1 }).res).toBe(3);
    expect(p.read(b, 64)).toBe('xyz');
    expect(submit({ opcode: IORING_OP_READ, fd: a, len: 0 }).res).toBe(0);
    k.assertAudit();
  });

  it('any other offset is ESPIPE (sock_read_iter / sock_write_iter), before anything is read', () => {
    const { k, p, submit } = world();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    p.write(b, 'data');
    expect(submit({ opcode: IORING_OP_READ, fd: a, len: 8, off: 5 }).error).toBe('ESPIPE');
    expect(submit({ opcode: IORING_OP_WRITE, fd: a, addr: 'x', off: 1 }).error).toBe('ESPIPE');
    expect(p.read(a, 8)).toBe('data');
    k.assertAudit();
  });

  it('datagrams are cut to the length; connection errors are the socket calls\' own', () => {
    const { k, p, submit } = world();
    const [d0, d1] = Unix.socketpair(p, SOCK_DGRAM);
    p.write(d1, 'abcdef');
    expect(submit({ opcode: IORING_OP_READ, fd: d0, len: 3 }).data).toBe('abc');
    const lone = Unix.socket(p, SOCK_STREAM);
    expect(submit({ opcode: IORING_OP_READ, fd: lone, len: 3 }).error).toBe('EINVAL');
    expect(submit({ opcode: IORING_OP_WRITE, fd: lone, addr: 'a' }).error).toBe('ENOTCONN');
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    p.close(b);
    expect(submit({ opcode: IORING_OP_READ, fd: a, len: 8 }).res).toBe(0);
    expect(submit({ opcode: IORING_OP_WRITE, fd: a, addr: 'a' }).error).toBe('EPIPE');
    k.assertAudit();
  });

  it('a READ drops the files passed with the message, as read(2) does', () => {
    const { k, p, submit } = world();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    const [r, w] = p.pipe();
    Unix.sendmsg(p, b, 'Z', [w]);
    p.close(w);
    const pipeFile = p.fileOf(r);
    expect(submit({ opcode: IORING_OP_READ, fd: a, len: 8 }).data).toBe('Z');
    // The write end is gone: the pipe has no writers left, so a read sees end of file.
    expect(p.read(r, 8)).toBe('');
    expect(pipeFile.live).toBe(true);
    k.assertAudit();
  });

  it.each([
    ['blocking', 0, 0],
    ['O_NONBLOCK (still waits: sockets support IOCB_NOWAIT, so REQ_F_NOWAIT is not set)', O_NONBLOCK, 0],
    ['IOSQE_ASYNC', 0, IOSQE_ASYNC],
  ])('an empty socket: the READ waits in io-wq for the poll, then completes with what was written (%s)', (_name, fl, sqeFlags) => {
    const { k, u, p, ring, reap } = world();
    const [a, b] = Unix.socketpair(p, SOCK_STREAM);
    if (fl) p.fcntl(a, F_SETFL, fl);
    u.enter(p, ring, [{ opcode: IORING_OP_READ, fd: a, len: 8, flags: sqeFlags, userData: 9 }]);
    expect(reap()).toEqual([]);
    p.write(b, 'later');
    expect(reap()).toEqual([{ userData: 9, res: 5, data: 'later' }]);
    k.assertAudit();
  });
});

describe('O_NONBLOCK files under io_uring, before and after 5d329e1286b0 (v5.15)', () => {
  it.each([['a socket', 'sock'], ['a pipe', 'pipe']] as const)('%s: EAGAIN at once on linux-5.11 (REQ_F_NOWAIT); from v5.15 the request waits for the poll', (_name, kind) => {
    for (const policy of ['linux-5.11', undefined] as const) {
      const { k, u, p, ring, reap } = world(policy);
      let r: number, w: number;
      if (kind === 'sock') [r, w] = Unix.socketpair(p, SOCK_STREAM);
      else [r, w] = p.pipe();
      p.fcntl(r, F_SETFL, O_NONBLOCK);
      u.enter(p, ring, [{ opcode: IORING_OP_READ, fd: r, len: 8, userData: 3 }]);
      if (policy === 'linux-5.11') {
        expect(reap()).toEqual([{ userData: 3, res: -11, error: 'EAGAIN' }]);
      } else {
        expect(reap()).toEqual([]);
        p.write(w, 'ok');
        expect(reap()).toEqual([{ userData: 3, res: 2, data: 'ok' }]);
      }
      k.assertAudit();
    }
  });

  it('a reader that took the data first sends the request back to wait (the poll is re-armed)', () => {
    const { k, u, p, ring, reap } = world();
    const [r, w] = p.pipe();
    p.fcntl(r, F_SETFL, O_NONBLOCK);
    u.enter(p, ring, [{ opcode: IORING_OP_READ, fd: r, len: 8, userData: 4 }]);
    expect(reap()).toEqual([]);
    // The write wakes the worker, but read(2) empties the pipe before the worker runs.
    p.write(w, 'a');
    expect(p.read(r, 8)).toBe('a');
    expect(reap()).toEqual([]);
    p.write(w, 'b');
    expect(reap()).toEqual([{ userData: 4, res: 1, data: 'b' }]);
    k.assertAudit();
  });
});

describe('io_uring READ of file types without ->poll', () => {
  /** A stream whose read is a kernel path and that cannot poll: it reports each kiocb it is given. */
  function deviceOps(seen: Array<Kiocb | undefined>): SteppedFileOperations {
    return {
      name: 'slowdev',
      stream: true,
      *readSteps(_t, _f, count, iocb) {
        yield { fn: 'slowdev_read', acc: [] };
        seen.push(iocb);
        return 'z'.repeat(Math.min(count, 1));
      },
    };
  }

  it('inline there is nothing to try: it is issued blocking in io-wq (no IOCB_NOWAIT)', () => {
    const { k, u, p, ring, reap } = world();
    const seen: Array<Kiocb | undefined> = [];
    k.vfs.mknod('/tmp/dev', deviceOps(seen));
    const fd = p.open('/tmp/dev', O_RDWR);
    const r = u.enter(p, ring, [{ opcode: IORING_OP_READ, fd, len: 4, userData: 2 }]);
    expect(r.submitted).toBe(1);
    expect(seen).toEqual([]);
    expect(reap()).toEqual([{ userData: 2, res: 1, data: 'z' }]);
    expect(seen).toEqual([{ pos: 0, nowait: false }]);
    k.assertAudit();
  });

  it('a one-step type that answers EAGAIN and cannot poll: nothing is tried inline, io-wq tries once, blocking, and its EAGAIN is the answer', () => {
    const { k, u, p, ring, reap } = world();
    let reads = 0;
    const ops: FileOperations = {
      name: 'busy',
      stream: true,
      read: () => {
        reads++;
        throw new KernelError('EAGAIN', 'busy_read', 'never ready');
      },
    };
    k.vfs.mknod('/tmp/busy', ops);
    const fd = p.open('/tmp/busy', O_RDWR);
    u.enter(p, ring, [{ opcode: IORING_OP_READ, fd, len: 1, userData: 5 }]);
    expect(reap()).toEqual([{ userData: 5, res: -11, error: 'EAGAIN' }]);
    expect(reads).toBe(1); // the worker's: no poll to wait for, no loop
    k.assertAudit();
  });

  it('O_NONBLOCK without IOCB_NOWAIT support is REQ_F_NOWAIT: EAGAIN at once, the type never called', () => {
    const { k, p, submit } = world();
    const seen: Array<Kiocb | undefined> = [];
    k.vfs.mknod('/tmp/dev', deviceOps(seen));
    const fd = p.open('/tmp/dev', O_RDWR | O_NONBLOCK);
    expect(submit({ opcode: IORING_OP_READ, fd, len: 4 }).error).toBe('EAGAIN');
    expect(seen).toEqual([]);
    k.assertAudit();
  });
});

describe('the kiocb of read(2) and write(2)', () => {
  it('a stepped type is called without one from read(2), so a socket takes no position from it', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const seen: Array<Kiocb | undefined> = [];
    const ops: SteppedFileOperations = {
      name: 'd',
      stream: true,
      *readSteps(_t, _f, _n, iocb) {
        yield { fn: 'd', acc: [] };
        seen.push(iocb);
        return 'q';
      },
    };
    k.vfs.mknod('/tmp/dev', ops);
    const fd = p.open('/tmp/dev', O_RDWR);
    expect(p.read(fd, 1)).toBe('q');
    expect(seen).toEqual([undefined]);
    k.assertAudit();
  });
});
