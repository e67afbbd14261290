import type { Engine } from './engine.js';
import type { Blocker, Step } from './step.js';
import { access } from './step.js';
import type { SimThread } from './thread.js';

/**
 * A lock of the model: a sleeping `struct mutex` or a `spinlock_t`.
 *
 * Models mutex_lock()/mutex_unlock() in kernel/locking/mutex.c and spin_lock()/
 * spin_unlock(). A thread that tries to take a held lock is parked (never scheduled)
 * until the owner releases it. Misuse — unlocking a lock one does not hold, taking a
 * sleeping lock inside a spinlock or an RCU read-side section, recursion — is reported
 * as a `lock-misuse` violation.
 *
 * @example
 * ```ts
 * import { Kernel, Lock } from 'fdlab';
 * const k = new Kernel();
 * const m = new Lock(k.engine, 'demo_mutex', true);
 * const p = k.spawnProcess();
 * p.thread(function* () { yield m.lockStep(); m.lock(); yield m.unlockStep(); m.unlock(); });
 * k.run();
 * m.owner; // null
 * ```
 */
export class Lock implements Blocker {
  /** Object id in the engine (the lock word's memory location). */
  readonly simId: number;
  /** The thread holding the lock, or null. */
  owner: SimThread | null = null;
  /** Display name, e.g. `f_pos_lock of file#3`. */
  readonly name: string;
  /** True for a sleeping mutex, false for a spinlock. */
  readonly sleeping: boolean;
  private readonly engine: Engine;
  private readonly ownerId: number | undefined;
  private lockS: Step | null = null;
  private unlockS: Step | null = null;

  /**
   * @param engine - the engine the lock lives in
   * @param name - display name
   * @param sleeping - true for a mutex, false for a spinlock
   * @param ownerId - object id of what the lock protects (f_pos_lock: its file), for traces
   */
  constructor(engine: Engine, name: string, sleeping: boolean, ownerId?: number) {
    this.engine = engine;
    this.name = name;
    this.sleeping = sleeping;
    this.ownerId = ownerId;
    this.simId = engine.register(this);
  }

  /** True while another thread holds the lock (the scheduler parks `t`). */
  blocks(t: SimThread): boolean {
    return this.owner !== null && this.owner !== t;
  }

  /** The step to yield before {@link lock}: blocks while the lock is held. */
  lockStep(): Step {
    return (this.lockS ??= {
      fn: this.sleeping ? `mutex_lock(${this.name})` : `spin_lock(${this.name})`,
      acc: access(this.simId, 0, true),
      blocker: this,
    });
  }

  /** The step to yield before {@link unlock}. */
  unlockStep(): Step {
    return (this.unlockS ??= {
      fn: this.sleeping ? `mutex_unlock(${this.name})` : `spin_unlock(${this.name})`,
      acc: access(this.simId, 0, true),
    });
  }

  /** Takes the lock for the current thread (the pending lockStep made sure it is free). */
  lock(): void {
    const t = this.engine.current;
    this.engine.write(this.simId, 0);
    if (this.owner === t) {
      this.engine.report('lock-misuse', `${t.name} takes ${this.name} which it already holds (self-deadlock)`, this.name);
      return;
    }
    if (this.owner !== null) {
      this.engine.report('lock-misuse', `${t.name} takes ${this.name} held by ${this.owner.name} without waiting`, this.name);
    }
    if (this.sleeping) {
      if (t.rcuDepth > 0) this.engine.report('lock-misuse', `${t.name} sleeps on ${this.name} inside an RCU read-side section`, this.name);
      for (const h of t.held) {
        if (!h.sleeping) {
          this.engine.report('lock-misuse', `${t.name} sleeps on ${this.name} while holding spinlock ${h.name}`, this.name);
          break;
        }
      }
    }
    this.owner = t;
    t.held.push(this);
    if (this.engine.tracing) this.engine.effect('lock', this.simId, 0, undefined, undefined, { note: this.sleeping ? 'mutex_lock' : 'spin_lock' });
  }

  /** Tries once to take the lock; returns false if held (mutex_trylock). */
  tryLock(): boolean {
    this.engine.write(this.simId, 0);
    if (this.owner !== null) return false;
    this.lock();
    return true;
  }

  /** Releases the lock; reports misuse if the current thread does not hold it. */
  unlock(): void {
    const t = this.engine.current;
    this.engine.write(this.simId, 0);
    if (this.owner !== t) {
      this.engine.report('lock-misuse', `${t.name} releases ${this.name} held by ${this.owner ? this.owner.name : 'nobody'}`, this.name);
      return;
    }
    this.owner = null;
    const i = t.held.lastIndexOf(this);
    if (i >= 0) t.held.splice(i, 1);
    if (this.engine.tracing) this.engine.effect('unlock', this.simId, 0, undefined, undefined, { note: this.sleeping ? 'mutex_unlock' : 'spin_unlock' });
  }

  /** For traces. @internal */
  simName(): string {
    return this.name;
  }

  /** For traces. @internal */
  simKind(): 'lock' {
    return 'lock';
  }

  /** For traces: what the lock protects. @internal */
  simOwner(): number | undefined {
    return this.ownerId;
  }
}
