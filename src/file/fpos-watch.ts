import type { Engine } from '../sim/engine.js';
import type { SimThread } from '../sim/thread.js';
import type { RefFile } from './ref-file.js';

interface Inside {
  readonly t: SimThread;
  readonly why: string;
}

/**
 * The f_pos race detector: tracks which threads are inside the read-modify-write of a
 * file's position (between reading f_pos and writing it back) and reports a
 * `fpos-race` when two are inside at once while at least one does not hold
 * f_pos_lock — the condition FMODE_ATOMIC_POS exists to prevent (9c225f2655e3,
 * "vfs: atomic f_pos accesses as per POSIX").
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.fpos.insideCount(); // 0
 * ```
 */
export class FposWatch {
  private readonly inside = new Map<RefFile, Inside[]>();
  private readonly engine: Engine;

  /** @param engine - the engine whose current thread enters and leaves */
  constructor(engine: Engine) {
    this.engine = engine;
  }

  /**
   * The current thread starts the f_pos read-modify-write on `file`. `why` says how the
   * thread came to hold or skip f_pos_lock (for the report).
   */
  enter(file: RefFile, why: string): void {
    const t = this.engine.current;
    let list = this.inside.get(file);
    if (list === undefined) this.inside.set(file, (list = []));
    const mine = file.posLocked && file.posLock.owner === t;
    for (const o of list) {
      const theirs = file.posLocked && file.posLock.owner === o.t;
      if (!mine || !theirs) {
        const skipped = !theirs ? `${o.t.name} ${o.why}` : `${t.name} ${why}`;
        this.engine.report(
          'fpos-race',
          `f_pos of ${file.name} updated by ${o.t.name} and ${t.name} concurrently; ${skipped}`,
          file.name,
        );
      }
    }
    list.push({ t, why });
  }

  /** The current thread finished its f_pos update on `file`. */
  exit(file: RefFile): void {
    const list = this.inside.get(file);
    if (list === undefined) return;
    const t = this.engine.current;
    const i = list.findIndex((x) => x.t === t);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.inside.delete(file);
  }

  /** Threads currently inside some f_pos update. */
  insideCount(): number {
    let n = 0;
    for (const l of this.inside.values()) n += l.length;
    return n;
  }
}
