import type { Engine } from './engine.js';
import type { Blocker, Step } from './step.js';
import { access } from './step.js';
import type { SimThread } from './thread.js';

interface Pending {
  readonly since: number;
  readonly cb: () => void;
}

/**
 * Read-copy-update: read-side sections, grace periods and deferred callbacks.
 *
 * Models rcu_read_lock(), rcu_read_unlock(), synchronize_rcu() and call_rcu() of
 * kernel/rcu/. A grace period that starts at step `s` ends when every thread that was
 * inside a read-side section at `s` has left it. Deferred callbacks run as soon as
 * their grace period ends — the earliest moment the kernel may run them, which is the
 * moment that exposes the most use-after-free bugs.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * let freed = false;
 * k.engine.rcu.callRcu(() => { freed = true; });
 * freed; // true: no reader was inside a section
 * ```
 */
export class Rcu {
  private readonly engine: Engine;
  private readonly callbacks: Pending[] = [];
  private readonly simId: number;
  private readonly lockS: Step;
  private readonly unlockS: Step;

  /** @param engine - the engine whose threads are the readers */
  constructor(engine: Engine) {
    this.engine = engine;
    this.simId = engine.register(this);
    // Readers only read the RCU state; the grace-period machinery writes it.
    this.lockS = { fn: 'rcu_read_lock', acc: access(this.simId, 0, false) };
    this.unlockS = { fn: 'rcu_read_unlock', acc: access(this.simId, 0, false) };
  }

  /** The step before {@link readLock}. */
  readLockStep(): Step {
    return this.lockS;
  }

  /** The step before {@link readUnlock}. */
  readUnlockStep(): Step {
    return this.unlockS;
  }

  /** rcu_read_lock() for the current thread. */
  readLock(): void {
    const t = this.engine.current;
    if (t.rcuDepth++ === 0) t.rcuSince = this.engine.stepCount;
  }

  /** rcu_read_unlock() for the current thread; may end grace periods. */
  readUnlock(): void {
    const t = this.engine.current;
    if (t.rcuDepth === 0) {
      this.engine.report('lock-misuse', `${t.name} calls rcu_read_unlock outside a read-side section`, 'rcu');
      return;
    }
    if (--t.rcuDepth === 0) {
      t.rcuSince = -1;
      if (this.callbacks.length > 0) this.runExpired();
    }
  }

  /** True if a reader that entered at or before step `since` is still inside. */
  readersSince(since: number): boolean {
    for (const t of this.engine.threads) if (t.rcuDepth > 0 && t.rcuSince <= since) return true;
    return false;
  }

  /**
   * A blocker for synchronize_rcu() started now: it blocks until the pre-existing
   * readers have left their sections.
   */
  gracePeriod(): Blocker & Step {
    const since = this.engine.stepCount;
    const gp: Blocker & { fn: string; acc: number; blocker?: Blocker } = {
      name: 'synchronize_rcu',
      fn: 'synchronize_rcu',
      acc: access(this.simId, 0, true),
      blocks: (t: SimThread) => t.rcuDepth === 0 && this.readersSince(since),
    };
    gp.blocker = gp;
    return gp;
  }

  /** call_rcu(): run `cb` after a grace period that starts now. */
  callRcu(cb: () => void): void {
    const since = this.engine.stepCount;
    if (!this.readersSince(since)) {
      cb();
      return;
    }
    this.callbacks.push({ since, cb });
  }

  private runExpired(): void {
    for (let i = 0; i < this.callbacks.length; ) {
      const p = this.callbacks[i]!;
      if (this.readersSince(p.since)) i++;
      else {
        this.callbacks.splice(i, 1);
        p.cb();
      }
    }
  }

  /** For traces. @internal */
  simName(): string {
    return 'rcu';
  }
}
