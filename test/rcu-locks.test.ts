import { describe, expect, it } from 'vitest';
import { runEngine, type KernelPath, type Kernel } from '../src/index.js';
import { Lock } from '../src/extend.js';
import { newKernel, stepToEnd, stepUntil, violations } from './helpers.js';

function* locked(m: Lock, body: () => KernelPath<void>): KernelPath {
  yield m.lockStep();
  m.lock();
  yield* body();
  yield m.unlockStep();
  m.unlock();
}

function* nothing(k: Kernel): KernelPath {
  yield { fn: 'work', acc: [] };
  void k;
}

describe('Lock: mutex and spinlock (kernel/locking)', () => {
  it('a thread that takes a held lock is parked until the owner releases it', () => {
    const k = newKernel();
    const m = new Lock(k.engine, 'demo_mutex', true);
    const a = k.spawnProcess().thread(() => locked(m, () => nothing(k)));
    const b = k.spawnProcess().thread(() => locked(m, () => nothing(k)));
    k.engine.step(a.sim.id); // A takes the lock
    expect(m.owner).toBe(a.sim);
    expect(a.sim.held).toEqual([m]);
    expect(k.engine.isEnabled(b.sim.id)).toBe(false);
    const buf: number[] = [];
    expect(k.engine.enabled(buf)).toBe(1);
    expect(buf[0]).toBe(a.sim.id);
    stepToEnd(k, a.sim);
    expect(m.owner).toBeNull();
    expect(k.engine.isEnabled(b.sim.id)).toBe(true);
    stepToEnd(k, b.sim);
    expect(k.engine.violations).toEqual([]);
  });

  it('tryLock fails on a held lock and succeeds on a free one', () => {
    const k = newKernel();
    const m = new Lock(k.engine, 'm', true);
    expect(m.tryLock()).toBe(true);
    expect(m.owner).toBe(k.engine.setupThread);
    expect(m.tryLock()).toBe(false);
    m.unlock();
    expect(m.owner).toBeNull();
  });

  it('an AB/BA lock order is a reported deadlock naming both waits', () => {
    const k = newKernel();
    const A = new Lock(k.engine, 'lock_A', true);
    const B = new Lock(k.engine, 'lock_B', true);
    k.spawnProcess().thread(() => locked(A, () => locked(B, () => nothing(k))));
    k.spawnProcess().thread(() => locked(B, () => locked(A, () => nothing(k))));
    const r = k.run('0.1');
    expect(r).toEqual({ completed: false, deadlock: true, steps: 2 });
    const v = violations(k, 'deadlock');
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toBe('all live threads are parked: P1.T1 waits in mutex_lock(lock_B) for lock_B (lock-cycle); P2.T1 waits in mutex_lock(lock_A) for lock_A (lock-cycle)');
  });

  it('the same two threads without the bad interleaving complete', () => {
    const k = newKernel();
    const A = new Lock(k.engine, 'lock_A', true);
    const B = new Lock(k.engine, 'lock_B', true);
    k.spawnProcess().thread(() => locked(A, () => locked(B, () => nothing(k))));
    k.spawnProcess().thread(() => locked(B, () => locked(A, () => nothing(k))));
    expect(k.run().completed).toBe(true);
    expect(k.engine.violations).toEqual([]);
  });

  it('an explicit schedule that picks a parked thread is refused', () => {
    const k = newKernel();
    const m = new Lock(k.engine, 'm', true);
    k.spawnProcess().thread(() => locked(m, () => nothing(k)));
    k.spawnProcess().thread(() => locked(m, () => nothing(k)));
    expect(() => k.run('0.1')).toThrow(/thread 1 cannot run/);
    k.run();
  });

  it('misuse: unlocking a lock one does not hold, recursion, sleeping in a spinlock or an RCU section', () => {
    const k = newKernel();
    const m = new Lock(k.engine, 'm', true);
    const s = new Lock(k.engine, 's', false);
    m.unlock();
    expect(violations(k, 'lock-misuse').at(-1)!.message).toBe('setup releases m held by nobody');
    m.lock();
    m.lock();
    expect(violations(k, 'lock-misuse').at(-1)!.message).toMatch(/takes m which it already holds \(self-deadlock\)/);
    m.unlock();
    s.lock();
    m.lock();
    expect(violations(k, 'lock-misuse').at(-1)!.message).toBe('setup sleeps on m while holding spinlock s');
    m.unlock();
    s.unlock();
    k.engine.rcu.readLock();
    m.lock();
    expect(violations(k, 'lock-misuse').at(-1)!.message).toBe('setup sleeps on m inside an RCU read-side section');
    m.unlock();
    k.engine.rcu.readUnlock();
    s.lock(); // a spinlock inside RCU is fine
    s.unlock();
    expect(violations(k, 'lock-misuse')).toHaveLength(4);
  });

  it('a thread releasing a lock held by another thread is lock misuse and changes nothing', () => {
    const k = newKernel();
    const m = new Lock(k.engine, 'm', true);
    const a = k.spawnProcess().thread(function* () {
      yield m.lockStep();
      m.lock();
      yield { fn: 'hold', acc: [] };
      yield m.unlockStep();
      m.unlock();
    });
    k.spawnProcess().thread(function* () {
      yield m.unlockStep();
      m.unlock();
    });
    k.run('0.1');
    expect(violations(k, 'lock-misuse').map((v) => v.message)).toEqual(['P2.T1 releases m held by P1.T1']);
    expect(m.owner).toBeNull();
    expect(a.sim.done).toBe(true);
  });
});

describe('RCU: read-side sections, grace periods, call_rcu (kernel/rcu)', () => {
  function reader(k: Kernel) {
    return k.spawnProcess().thread(function* () {
      yield k.engine.rcu.readLockStep();
      k.engine.rcu.readLock();
      yield { fn: 'read', acc: [] };
      yield k.engine.rcu.readUnlockStep();
      k.engine.rcu.readUnlock();
    });
  }

  it('synchronize_rcu waits for readers that were inside when it started, not for later ones', () => {
    const k = newKernel();
    const r1 = reader(k);
    stepUntil(k, r1.sim, 'read'); // r1 inside its section
    const w = k.spawnProcess().thread(function* () {
      yield k.engine.rcu.gracePeriod();
      yield { fn: 'after-gp', acc: [] };
    });
    expect(k.engine.isEnabled(w.sim.id)).toBe(false);
    const r2 = reader(k);
    stepUntil(k, r2.sim, 'read'); // a later reader does not extend the grace period
    stepToEnd(k, r1.sim);
    expect(k.engine.isEnabled(w.sim.id)).toBe(true);
    stepToEnd(k, w.sim);
    stepToEnd(k, r2.sim);
  });

  it('synchronize_rcu with no reader returns at once', () => {
    const k = newKernel();
    const w = k.spawnProcess().thread(function* () {
      yield k.engine.rcu.gracePeriod();
    });
    expect(k.engine.isEnabled(w.sim.id)).toBe(true);
    k.run();
  });

  it('call_rcu runs its callback after the pre-existing readers leave; nested sections count as one', () => {
    const k = newKernel();
    const order: string[] = [];
    const r = k.spawnProcess().thread(function* () {
      yield k.engine.rcu.readLockStep();
      k.engine.rcu.readLock();
      yield k.engine.rcu.readLockStep();
      k.engine.rcu.readLock(); // nested
      yield { fn: 'read', acc: [] };
      yield k.engine.rcu.readUnlockStep();
      k.engine.rcu.readUnlock();
      order.push('inner unlock');
      yield k.engine.rcu.readUnlockStep();
      k.engine.rcu.readUnlock();
      order.push('outer unlock');
    });
    stepUntil(k, r.sim, 'read');
    k.engine.rcu.callRcu(() => order.push('callback'));
    expect(order).toEqual([]);
    stepToEnd(k, r.sim);
    expect(order).toEqual(['inner unlock', 'callback', 'outer unlock']);
    expect(r.sim.rcuDepth).toBe(0);
  });

  it('rcu_read_unlock outside a section is lock misuse', () => {
    const k = newKernel();
    k.engine.rcu.readUnlock();
    expect(violations(k, 'lock-misuse').map((v) => v.message)).toEqual(['setup calls rcu_read_unlock outside a read-side section']);
  });

  it('seeded random schedules are deterministic; round-robin alternates', () => {
    const runs = [7, 7, 8].map((seed) => {
      const k = newKernel();
      for (let i = 0; i < 3; i++) reader(k);
      runEngine(k.engine, { kind: 'random', seed });
      return k.engine.schedule.join('.');
    });
    expect(runs[0]).toBe(runs[1]);
    expect(runs[0]).not.toBe(runs[2]);
    const k = newKernel();
    for (let i = 0; i < 3; i++) reader(k);
    k.run({ kind: 'round-robin' });
    expect(k.engine.schedule.join('.')).toBe('0.1.2.0.1.2.0.1.2');
  });

  it('the step limit stops a livelock and reports it', () => {
    const k = newKernel();
    k.spawnProcess().thread(function* () {
      for (;;) yield { fn: 'spin', acc: [] };
    });
    const r = k.run(undefined, 50);
    expect(r).toEqual({ completed: false, deadlock: false, steps: 50 });
    expect(violations(k, 'step-limit')).toHaveLength(1);
  });
});
