/*
 * Why threads are parked when every live thread is: a program that waits forever (as on
 * Linux) against a lost wake-up, a lock cycle and a kill that did not end a wait.
 */
import { describe, expect, it } from 'vitest';
import { explore, isProgramWait, parkedThreads, RCV_SHUTDOWN, SOCK_DGRAM, SOCK_STREAM, Unix, UNIX_QUEUE_MAX, unixSockOfFile, type Kernel, type Process, type Scenario } from 'fdlab';
import { Lock, WaitQueue } from 'fdlab/extend';
import { newKernel } from './helpers.js';

describe('parkedThreads', () => {
  it('a read of an empty pipe whose write end the reader holds waits forever, as on Linux', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r] = p.pipe(0);
    p.thread(function* (sys) {
      yield* sys.read(r!, 1);
    });
    const res = k.run();
    expect(res.deadlock).toBe(true);
    const parked = parkedThreads(k.engine);
    expect(parked.map((x) => x.reason)).toEqual(['waits']);
    expect(parked[0]!.waitsFor).toMatch(/rd_wait/);
    expect(isProgramWait(parked)).toBe(true);
    expect(k.engine.violations[0]!.message).toMatch(/\(waits\)/);
    k.engine.violations.length = 0; // the deadlock is the point of this test
  });

  it('a condition that became true without a wake-up is a lost wake-up', () => {
    const k = newKernel();
    const q = new WaitQueue(k.engine, 'flag');
    let flag = false;
    const p = k.spawnProcess();
    p.thread(function* (sys) {
      yield* q.waitEventSteps(sys.task.sim, 'wait_flag', [], () => flag);
    });
    p.thread(function* () {
      yield { fn: 'set_flag_without_wake_up', acc: [q.writeAccess()] };
      flag = true;
    });
    k.run({ kind: 'schedule', schedule: [0, 1] });
    const parked = parkedThreads(k.engine);
    expect(parked.map((x) => x.reason)).toEqual(['lost-wakeup']);
    expect(isProgramWait(parked)).toBe(false);
    k.engine.violations.length = 0;
  });

  it('one sleep (sleepOnceSteps) tells a lost wake-up from a wait only when its caller names the condition', () => {
    const reasons = (cond?: () => boolean) => {
      const k = newKernel();
      const q = new WaitQueue(k.engine, 'flag');
      let flag = false;
      const p = k.spawnProcess();
      p.thread(function* (sys) {
        yield { fn: 'check_flag', acc: [q.writeAccess()] };
        if (!flag) yield* q.sleepOnceSteps(sys.task.sim, 'wait_flag', false, cond && (() => flag));
      });
      p.thread(function* () {
        yield { fn: 'set_flag_without_wake_up', acc: [q.writeAccess()] };
        flag = true;
      });
      k.run({ kind: 'schedule', schedule: [0, 1] });
      const r = parkedThreads(k.engine).map((x) => x.reason);
      k.engine.violations.length = 0;
      return r;
    };
    expect(reasons(() => true)).toEqual(['lost-wakeup']);
    // Without the condition the entry cannot know, and the sleep reads as a wait.
    expect(reasons()).toEqual(['waits']);
  });

  it('AF_UNIX receive, send and accept name their conditions: a wait, or a state change no wake-up announced', () => {
    // Each sleeper is parked; then the test changes the socket's state behind its back
    // (no kernel path does that without a wake-up), and the report calls it a lost wake-up.
    const park = (mk: (k: Kernel, p: Process) => () => void) => {
      const k = newKernel();
      const p = k.spawnProcess();
      const change = mk(k, p);
      k.run();
      const before = parkedThreads(k.engine).map((x) => x.reason);
      change();
      const after = parkedThreads(k.engine).map((x) => x.reason);
      k.engine.violations.length = 0; // the deadlock is the point of this test
      return [before, after];
    };
    // recvmsg on an empty socket whose peer stays: SHUT_RD would end it (end of stream).
    expect(park((_k, p) => {
      const [a] = Unix.socketpair(p, SOCK_STREAM);
      p.thread((sys) => sys.read(a, 1));
      return () => { unixSockOfFile(p.fileOf(a))!.shutdown |= RCV_SHUTDOWN; };
    })).toEqual([['waits'], ['lost-wakeup']]);
    // A send to a full peer: room would end it.
    expect(park((_k, p) => {
      const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
      for (let i = 0; i < UNIX_QUEUE_MAX; i++) p.write(a, 'x');
      p.thread((sys) => sys.write(a, 'y'));
      return () => { unixSockOfFile(p.fileOf(b))!.queueMut().length = 0; };
    })).toEqual([['waits'], ['lost-wakeup']]);
    // accept4 on a listener nobody connects to: a listener that stops listening would end it.
    expect(park((_k, p) => {
      const l = Unix.socket(p, SOCK_STREAM);
      Unix.bind(p, l, '\0parked');
      Unix.listen(p, l, 1);
      p.thread((sys) => Unix.on(sys).accept(l));
      return () => { unixSockOfFile(p.fileOf(l))!.state = 'closed'; };
    })).toEqual([['waits'], ['lost-wakeup']]);
  });

  it('two locks taken in opposite orders are a lock cycle', () => {
    const s: Scenario = {
      name: 'abba',
      title: 'two locks in opposite orders',
      source: 'test',
      setup: (k) => {
        const a = new Lock(k.engine, 'A', true);
        const b = new Lock(k.engine, 'B', true);
        const p = k.spawnProcess();
        const take = (x: Lock, y: Lock) => function* () {
          yield x.lockStep(); x.lock();
          yield y.lockStep(); y.lock();
          yield y.unlockStep(); y.unlock();
          yield x.unlockStep(); x.unlock();
        };
        p.thread(take(a, b));
        p.thread(take(b, a));
      },
    };
    const r = explore(s, { stopAtFirstViolation: true });
    const v = r.violations.find((x) => x.kind === 'deadlock');
    expect(v?.message).toMatch(/\(lock-cycle\).*\(lock-cycle\)/);
  });
});
