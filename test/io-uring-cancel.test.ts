/*
 * Requests in flight when their ring goes or their submitter exits: io_ring_exit_work()
 * and io_uring_files_cancel() cancel them. Checked on the host (Linux 6.18) with a READ of
 * an empty pipe: after the ring's last reference went (its fd closed and its mmaps gone) or
 * the submitting task exited, a byte written to the pipe stays there.
 */
import { describe, expect, it } from 'vitest';
import { O_NONBLOCK, parkedThreads, type Sys } from '../src/index.js';
import { IORING_OP_READ, ioUring } from '../src/plugins/io-uring/index.js';
import { newKernel } from './helpers.js';

/** A ring whose READ of an empty pipe waits in an io-wq worker. */
function pendingRead() {
  const k = newKernel();
  const u = k.use(ioUring());
  const p = k.spawnProcess({ name: 'P1' });
  const ring = u.setup(p, 8);
  const [r, w] = p.pipe(O_NONBLOCK);
  u.enter(p, ring, [{ opcode: IORING_OP_READ, fd: r!, len: 1 }], 0, 0);
  return { k, u, p, ring, r: r!, w: w! };
}

describe('io_uring cancellation', () => {
  it("the ring's last close cancels a READ waiting for an empty pipe: a byte written later stays in the pipe", () => {
    const { k, u, p, ring, r, w } = pendingRead();
    k.run(); // the io-wq worker arms the pipe's poll and waits
    expect(u.rings[0]!.inflight).toBe(1);
    p.close(ring);
    expect(k.run().completed).toBe(true); // the worker was cancelled, the ring freed
    expect(u.rings[0]!.inflight).toBe(0);
    p.write(w, 'x');
    expect(p.read(r, 1)).toBe('x');
    p.closeRange(0, 10);
    k.assertAudit();
  });

  it('the submitter exiting cancels its request, though the ring lives on in another process', () => {
    const k = newKernel();
    const u = k.use(ioUring());
    const parent = k.spawnProcess({ name: 'P1' });
    const ring = u.setup(parent, 8);
    const [r, w] = parent.pipe(O_NONBLOCK);
    const child = parent.fork();
    child.thread(function* (sys: Sys) {
      yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, fd: r, len: 1 }], 0, 0);
      yield* sys.exit();
    });
    expect(k.run().completed).toBe(true);
    parent.write(w, 'y');
    expect(parent.read(r, 1)).toBe('y');
    expect(u.rings[0]!.inflight).toBe(0);
    // Nothing is posted for the cancelled request (none appeared on the host).
    expect(u.enter(parent, ring, [], 0, 0x1).cqes).toEqual([]);
    parent.closeRange(0, 10);
    k.assertAudit();
  });

  it('without either, the request waits: a READ of a pipe nobody writes is a program that waits, not a deadlock', () => {
    const { k, p, ring } = pendingRead();
    expect(k.run().completed).toBe(false);
    expect(parkedThreads(k.engine).map((x) => x.reason)).toEqual(['waits']);
    p.close(ring);
    expect(k.run().completed).toBe(true);
    p.closeRange(0, 10);
    k.assertAudit();
  });
});
