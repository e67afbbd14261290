/*
 * Wait queues (kernel/sched/wait.c) and the blocking pipe paths built on them: a reader
 * of an empty pipe sleeps until a write, a writer of a full pipe until a read, EOF and
 * EPIPE when the other side is gone, exclusive wake-ups, and a fatal signal ending a
 * sleep with EINTR. Every blocking run is also explored, so each interleaving of the
 * wake-up against the sleep is checked.
 */
import { describe, expect, it } from 'vitest';
import { Engine, EPOLLIN, EPOLLOUT, explore, O_NONBLOCK, PIPE_CAPACITY, defineScenario, type KernelPath } from 'fdlab';
import { WaitEntry, WaitQueue } from 'fdlab/extend';
import { catching, errnoOf, newKernel } from './helpers.js';

describe('WaitQueue', () => {
  it('wakes every non-exclusive entry and one exclusive entry per wake-up, in queue order', () => {
    const q = new WaitQueue(new Engine(false), 'q');
    const log: string[] = [];
    const cb = (name: string, exclusive: boolean) => new WaitEntry(q, null, exclusive, (_e, key) => (log.push(`${name}:${key}`), true));
    const x1 = cb('x1', true);
    const x2 = cb('x2', true);
    const a = cb('a', false);
    q.add(x1);
    q.add(a);
    q.add(x2);
    expect(q.entries).toEqual([a, x1, x2]); // non-exclusive at the head, exclusive at the tail
    expect(q.wakeUp(EPOLLIN)).toBe(2);
    expect(log).toEqual(['a:1', 'x1:1']);
    log.length = 0;
    expect(q.wakeUp(EPOLLOUT, Infinity)).toBe(3);
    expect(log).toEqual(['a:4', 'x1:4', 'x2:4']);
  });

  it('an exclusive entry whose callback declines does not use up the wake-up', () => {
    const q = new WaitQueue(new Engine(false), 'q');
    const hits: string[] = [];
    q.add(new WaitEntry(q, null, true, (_e, key) => (key & EPOLLIN) !== 0 && (hits.push('in'), true)));
    q.add(new WaitEntry(q, null, true, () => (hits.push('any'), true)));
    q.wakeUp(EPOLLOUT);
    expect(hits).toEqual(['any']);
  });

  it('waitEventSteps sleeps until the condition holds and a wake-up comes', () => {
    const k = newKernel();
    const q = new WaitQueue(k.engine, 'flag');
    let flag = false;
    const p = k.spawnProcess();
    const waiter = p.thread(function* (sys) {
      yield* q.waitEventSteps(sys.task.sim, 'wait_flag', [], () => flag);
      return 'done';
    });
    p.thread(function* () {
      yield { fn: 'set_flag', acc: [q.writeAccess()] };
      flag = true;
      q.wakeUp(0);
    });
    k.engine.step(waiter.sim.id); // prepare_to_wait: flag is false
    expect(k.engine.isEnabled(waiter.sim.id)).toBe(false);
    expect(q.entries.length).toBe(1);
    const r = k.run();
    expect(r.completed).toBe(true);
    expect(waiter.sim.result).toBe('done');
    expect(q.active).toBe(false);
  });

  it('a waiter nobody wakes is a reported deadlock, and a fatal signal ends the wait with EINTR', () => {
    const k = newKernel();
    const q = new WaitQueue(k.engine, 'never');
    const p = k.spawnProcess();
    const t = p.thread(function* (sys) {
      return yield* catching(q.waitEventSteps(sys.task.sim, 'wait_never', [], () => false));
    });
    expect(k.run().deadlock).toBe(true);
    t.sim.killed = true; // what a fatal signal does to a sleeping task
    expect(k.engine.isEnabled(t.sim.id)).toBe(true);
    k.run();
    expect(t.sim.result).toBe('EINTR');
    expect(q.active).toBe(false);
  });
});

describe('blocking pipes', () => {
  it('a reader of an empty pipe sleeps until a writer writes', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const reader = p.thread(function* (sys) {
      return yield* sys.read(r, 10);
    });
    k.engine.step(reader.sim.id);
    while (k.engine.isEnabled(reader.sim.id)) k.engine.step(reader.sim.id);
    expect(reader.sim.pending!.fn).toMatch(/^schedule\(pipe:\[\d+\]\.rd_wait\)$/);
    p.thread(function* (sys) {
      return yield* sys.write(w, 'hi');
    });
    expect(k.run().completed).toBe(true);
    expect(reader.sim.result).toBe('hi');
    p.closeRange(0, 1);
  });

  it('closing the last write end wakes the reader with EOF; writing without readers is EPIPE', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    const reader = p.thread(function* (sys) {
      return yield* sys.read(r, 10);
    });
    p.thread(function* (sys) {
      yield* sys.close(w);
    });
    expect(k.run().completed).toBe(true);
    expect(reader.sim.result).toBe('');
    const [r2, w2] = p.pipe();
    p.close(r2);
    expect(errnoOf(() => p.write(w2, 'x'))).toBe('EPIPE');
    p.closeRange(0, 10);
  });

  it('non-blocking: an empty pipe is EAGAIN; with every page in use only a write that fits the last page goes in (as on Linux 6.18)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe(O_NONBLOCK);
    expect(errnoOf(() => p.read(r, 1))).toBe('EAGAIN');
    expect(p.write(w, 'x'.repeat(PIPE_CAPACITY - 10))).toBe(PIPE_CAPACITY - 10); // 16 pages, the last with 4086 bytes
    expect(errnoOf(() => p.write(w, 'y'.repeat(20)))).toBe('EAGAIN');
    expect(p.write(w, 'z'.repeat(10))).toBe(10); // merged into the last page
    expect(errnoOf(() => p.write(w, 'z'.repeat(5000)))).toBe('EAGAIN');
    p.closeRange(0, 1);
  });

  it('a writer of a full pipe sleeps until a reader makes room', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    p.write(w, 'a'.repeat(PIPE_CAPACITY));
    const writer = p.thread(function* (sys) {
      return yield* sys.write(w, 'bb');
    });
    k.engine.step(writer.sim.id);
    while (k.engine.isEnabled(writer.sim.id)) k.engine.step(writer.sim.id);
    expect(writer.sim.pending!.fn).toMatch(/wr_wait/);
    // Reading part of the first page frees no page: the whole page must go.
    p.thread(function* (sys) {
      return yield* sys.read(r, 4096);
    });
    expect(k.run().completed).toBe(true);
    expect(writer.sim.result).toBe(2);
    p.closeRange(0, 1);
  });

  it('every interleaving of two readers and a writer ends with all bytes read exactly once', () => {
    function* reader(sys: import('fdlab').Sys, fd: number): KernelPath<string> {
      return yield* sys.read(fd, 1);
    }
    const s = defineScenario({
      name: 'pipe-two-readers',
      title: 'two blocked readers, one writer of two bytes',
      source: 'fs/pipe.c wake_next_reader',
      setup(k) {
        const p = k.spawnProcess();
        const [r, w] = p.pipe();
        const a = p.thread((sys) => reader(sys, r));
        const b = p.thread((sys) => reader(sys, r));
        p.thread(function* (sys) {
          return yield* sys.write(w, 'xy');
        });
        return { p, a, b };
      },
      check(_k, { p, a, b }) {
        const got = [a.sim.result, b.sim.result].sort().join('');
        if (got !== 'xy') throw new Error(`readers got ${got}`);
        p.closeRange(0, 1);
      },
    });
    const res = explore(s);
    expect(res.exhaustive).toBe(true);
    expect(res.violations).toEqual([]);
    expect(res.runs).toBeGreaterThan(3);
  });
});
