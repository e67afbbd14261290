import type { Engine } from '../sim/engine.js';
import type { Step } from '../sim/step.js';
import { accsConflict } from './conflict.js';
import { bit, lowest, MAX_THREADS } from './masks.js';

/** Per-run state of one memory location: the last write and the reads since. */
interface Loc {
  gen: number;
  lastWrite: number;
  nReads: number;
  readonly reads: number[];
  /**
   * For lock-like steps: the event at which each thread last acquired the location, valid
   * where `acqGen[thread]` is the current run (created on a location's first acquire).
   */
  acq: number[] | null;
  acqGen: number[] | null;
}

/**
 * `c := prev` (zeros for null). A loop: clocks are a few threads wide, where the
 * `set`/`fill` builtins cost more than the copy.
 */
function copyClock(c: Int32Array, prev: Int32Array | null, w: number): void {
  if (prev !== null) for (let t = 0; t < w; t++) c[t] = prev[t]!;
  else for (let t = 0; t < w; t++) c[t] = 0;
}

/**
 * What the race detector needs from the search tree: per node (the state before the
 * i-th event), the enabled threads, the backtrack set and the sleep set, and a way to
 * add a thread to a node's backtrack set.
 * @internal
 */
export interface RaceHost {
  readonly enabledAt: readonly number[];
  readonly backtrack: readonly number[];
  readonly sleepAt: readonly number[];
  addBacktrack(node: number, cands: number, prefer: number): void;
}

/**
 * The happens-before and race bookkeeping of source-DPOR (Abdulla, Aronis, Jonsson,
 * Sagonas, POPL 2014) for one run: a vector clock per event, induced by the steps'
 * declared accesses (two steps are dependent iff they touch one location and one
 * writes; steps of one thread are always ordered), the last write and the reads since
 * of every location, and the races.
 *
 * After each fresh event it checks every direct race of the event — each earlier event
 * it depends on that neither happens before the thread's previous event nor before
 * another such event — and, for each blocked thread whose pending step could be
 * affected, every direct race of that pending step (so the acquisition of a lock races
 * with the acquisition that parked the waiter, as Flanagan–Godefroid's co-enabledness
 * demands). For a race (e, e') it computes v = notdep(e, E).e' and the initials I(v);
 * unless an initial is already in the backtrack or sleep set of the node before e, it
 * adds one enabled initial (the racing thread if possible). A race whose racing thread
 * is an initial of v but is not enabled before e cannot be reversed (e released what it
 * waits for) and is skipped; lock-like steps (an acquire blocks and writes one
 * location, a release writes it without blocking) race acquire against acquire. An
 * event that changes another thread's enabledness is recorded as a write of that
 * thread's virtual location, so blockers that read undeclared state still order the
 * steps they release or park; an event that disables another thread (parks it, or ends
 * its body as de_thread() does) races with that thread's pending step.
 * @internal
 */
export class RaceDetector {
  private readonly host: RaceHost;
  private width = 4;
  private readonly evTid: number[] = [];
  private readonly evLocal: number[] = [];
  private readonly clocks: Int32Array[] = [];
  // Per-thread arrays are `width` long and grow with it: a search is made per explore()
  // call, and V8 keeps a typed array of more than 64 bytes off the heap, which costs an
  // ArrayBuffer allocation and finalisation each.
  private lastEv = new Int32Array(4);
  private count = new Int32Array(4);
  private spawnEv = new Int32Array(4);
  private readonly locs = new Map<number, Loc>();
  private gen = 0;
  private scratch = new Int32Array(4);
  private firstLocal = new Int32Array(4).fill(-1);
  private cand = new Int32Array(16);
  private nCand = 0;
  private seen = new Int32Array(4);
  /** For a release event: the same thread's last acquire of that location (else -1). */
  private readonly relAcq: number[] = [];
  /** True while the event or pending step being examined acquires a lock-like location. */
  private acquiring = false;

  /** @param host - the search tree the races add backtrack points to */
  constructor(host: RaceHost) {
    this.host = host;
  }

  /** Forgets the previous run. */
  reset(): void {
    this.gen++;
    for (let t = 0; t < this.width; t++) {
      this.lastEv[t] = -1;
      this.count[t] = 0;
      this.spawnEv[t] = -1;
    }
  }

  /** Threads `from..len-1` appeared; `spawner` is the event that started them (-1: setup). */
  spawned(from: number, len: number, spawner: number): void {
    if (len > this.width) this.widen(len);
    for (let t = from; t < len; t++) this.spawnEv[t] = spawner;
  }

  /** Makes room for `w` threads in every clock. */
  widen(w: number): void {
    let nw = this.width;
    while (nw < w) nw *= 2;
    nw = Math.min(nw, MAX_THREADS);
    for (let k = 0; k < this.clocks.length; k++) {
      const c = new Int32Array(nw);
      c.set(this.clocks[k]!);
      this.clocks[k] = c;
    }
    this.scratch = new Int32Array(nw);
    const grow = (a: Int32Array, fill: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(nw).fill(fill);
      b.set(a);
      return b;
    };
    this.lastEv = grow(this.lastEv, -1);
    this.count = grow(this.count, 0);
    this.spawnEv = grow(this.spawnEv, -1);
    this.firstLocal = new Int32Array(nw).fill(-1);
    this.seen = new Int32Array(nw);
    this.width = nw;
  }

  private loc(l: number): Loc {
    let st = this.locs.get(l);
    if (st === undefined) {
      st = { gen: this.gen, lastWrite: -1, nReads: 0, reads: [], acq: null, acqGen: null };
      this.locs.set(l, st);
    } else if (st.gen !== this.gen) {
      st.gen = this.gen;
      st.lastWrite = -1;
      st.nReads = 0;
    }
    return st;
  }

  /** The clock a thread's next event starts from: its last event's, or its spawner's. */
  private baseClock(t: number): Int32Array | null {
    const e = this.lastEv[t]!;
    if (e >= 0) return this.clocks[e]!;
    const s = this.spawnEv[t]!;
    return s >= 0 ? this.clocks[s]! : null;
  }

  /**
   * Computes event i (thread p; its accesses `acc`, and whether its step had a blocker):
   * its vector clock, the location state, and — when fresh — its direct races.
   */
  event(i: number, p: number, acc: number | readonly number[], blocking: boolean, fresh: boolean): void {
    const w = this.width;
    let c = this.clocks[i];
    if (c === undefined || c.length !== w) this.clocks[i] = c = new Int32Array(w);
    const prev = this.baseClock(p);
    copyClock(c, prev, this.width);
    const lp = this.count[p]!;
    c[p] = lp + 1;
    this.evTid[i] = p;
    this.evLocal[i] = lp;
    this.nCand = 0;
    // Lock-like steps: an acquire blocks and writes one location; a release writes it
    // without blocking. A release never races with the next acquire (the waiter cannot
    // go first); the acquire races with the releaser's own acquire instead.
    this.acquiring = false;
    this.relAcq[i] = -1;
    if (typeof acc === 'number' && acc % 2 === 1) {
      // Kept on the location (looked up by touch() next anyway), not in a map keyed by
      // location and thread: that key is a heap number, hashed on every such step.
      const st = this.loc(Math.floor(acc / 2));
      if (blocking) {
        this.acquiring = true;
        const acq = (st.acq ??= []);
        const g = (st.acqGen ??= []);
        while (acq.length <= p) {
          acq.push(-1);
          g.push(-1);
        }
        acq[p] = i;
        g[p] = this.gen;
      } else {
        this.relAcq[i] = st.acqGen !== null && st.acqGen[p] === this.gen ? st.acq![p]! : -1;
      }
    }
    if (typeof acc === 'number') this.touch(i, p, c, prev, Math.floor(acc / 2), acc % 2 === 1, fresh, true);
    else for (let k = 0; k < acc.length; k++) this.touch(i, p, c, prev, Math.floor(acc[k]! / 2), acc[k]! % 2 === 1, fresh, true);
    this.acquiring = false;
    this.touch(i, p, c, prev, -1 - p, true, fresh, true);
    this.lastEv[p] = i;
    this.count[p] = lp + 1;
    if (fresh && this.nCand > 0) this.races(i, p, c);
  }

  /** One access of an event (or of a pending step when `commit` is false). */
  private touch(i: number, p: number, c: Int32Array, prev: Int32Array | null, l: number, write: boolean, collect: boolean, commit: boolean): void {
    const st = this.loc(l);
    if (write) {
      if (st.nReads > 0) for (let r = 0; r < st.nReads; r++) this.consider(st.reads[r]!, i, p, c, prev, collect);
      else if (st.lastWrite >= 0) this.consider(st.lastWrite, i, p, c, prev, collect);
      if (commit) {
        st.lastWrite = i;
        st.nReads = 0;
      }
    } else {
      if (st.lastWrite >= 0) this.consider(st.lastWrite, i, p, c, prev, collect);
      if (commit) st.reads[st.nReads++] = i;
    }
  }

  private consider(e: number, i: number, p: number, c: Int32Array, prev: Int32Array | null, collect: boolean): void {
    if (e === i) return;
    const ce = this.clocks[e]!;
    const w = this.width;
    for (let t = 0; t < w; t++) if (ce[t]! > c[t]!) c[t] = ce[t]!;
    if (!collect) return;
    if (this.acquiring && this.relAcq[e]! >= 0) e = this.relAcq[e]!;
    const te = this.evTid[e]!;
    if (te === p) return;
    if (prev !== null && prev[te]! > this.evLocal[e]!) return;
    let cand = this.cand;
    const n = this.nCand;
    for (let k = 0; k < n; k++) if (cand[k] === e) return;
    if (n === cand.length) {
      cand = new Int32Array(n * 2);
      cand.set(this.cand);
      this.cand = cand;
    }
    cand[n] = e;
    this.nCand = n + 1;
  }

  /** Handles every direct race among the collected candidates of event/pending step at `at`. */
  private races(at: number, p: number, c: Int32Array): void {
    const cand = this.cand;
    const n = this.nCand;
    for (let a = 0; a < n; a++) {
      const e = cand[a]!;
      const te = this.evTid[e]!;
      const le = this.evLocal[e]!;
      let direct = true;
      for (let b = 0; b < n && direct; b++) if (b !== a && this.clocks[cand[b]!]![te]! > le) direct = false;
      if (direct) this.race(e, at, c, p);
    }
  }

  /** The race (e, e'), where e' is thread p's event at position `at` with clock `c`. */
  private race(e: number, at: number, c: Int32Array, p: number): void {
    const en = this.host.enabledAt[e]!;
    const te = this.evTid[e]!;
    const le = this.evLocal[e]!;
    const first = this.firstLocal;
    const seen = this.seen;
    let nSeen = 0;
    let initials = 0;
    for (let k = e + 1; k < at; k++) {
      const ck = this.clocks[k]!;
      if (ck[te]! > le) continue; // happens after e: not in notdep(e, E)
      const r = this.evTid[k]!;
      if (first[r] !== -1) continue;
      let init = true;
      for (let s = 0; s < nSeen; s++) {
        const r2 = seen[s]!;
        if (ck[r2]! > first[r2]!) {
          init = false;
          break;
        }
      }
      first[r] = this.evLocal[k]!;
      seen[nSeen++] = r;
      if (init) initials |= bit(r);
    }
    if (first[p] === -1) {
      let init = true;
      for (let s = 0; s < nSeen; s++) {
        const r2 = seen[s]!;
        if (c[r2]! > first[r2]!) {
          init = false;
          break;
        }
      }
      if (init) initials |= bit(p);
    }
    for (let s = 0; s < nSeen; s++) first[seen[s]!] = -1;
    // p's first event of v has nothing before it in v yet cannot run before e: e is what
    // enabled it (released the lock it waits for), so the race cannot be reversed.
    if ((initials & bit(p)) !== 0 && (en & bit(p)) === 0) return;
    if ((initials & (this.host.backtrack[e]! | this.host.sleepAt[e]!)) !== 0) return;
    const cands = initials & en;
    if (cands === 0) return;
    this.host.addBacktrack(e, cands, p);
  }

  /**
   * After event i of thread p (accesses `acc`): records enabledness flips as writes of the
   * flipped threads' virtual locations, then checks the races of every blocked thread's
   * pending step that the event may have changed.
   */
  afterEvent(engine: Engine, i: number, p: number, acc: number | readonly number[], flips: number, enabledNow: number): void {
    let f = flips;
    const en = this.host.enabledAt[i]!;
    while (f !== 0) {
      const q = lowest(f);
      f &= f - 1;
      const st = this.loc(-1 - q);
      st.lastWrite = i;
      st.nReads = 0;
      // Event i disabled q (parked it, or killed it: de_thread() ends the siblings'
      // bodies): q's step could have gone first, whatever the declared accesses say.
      if ((en & bit(q)) !== 0 && ((this.host.backtrack[i]! | this.host.sleepAt[i]!) & bit(q)) === 0) this.host.addBacktrack(i, bit(q), q);
    }
    const ts = engine.threads;
    for (let q = 0; q < ts.length; q++) {
      if ((enabledNow & bit(q)) !== 0) continue;
      const pq = ts[q]!.pending;
      if (pq === null) continue;
      if (q !== p && (flips & bit(q)) === 0 && !accsConflict(acc, pq.acc)) continue;
      this.pendingRaces(i + 1, q, pq);
    }
  }

  /** Races of thread q's pending step as if it ran at position `at`. */
  private pendingRaces(at: number, q: number, s: Step): void {
    const c = this.scratch;
    const prev = this.baseClock(q);
    copyClock(c, prev, this.width);
    c[q] = this.count[q]! + 1;
    this.nCand = 0;
    const acc = s.acc;
    this.acquiring = s.blocker !== undefined && typeof acc === 'number' && acc % 2 === 1;
    if (typeof acc === 'number') this.touch(at, q, c, prev, Math.floor(acc / 2), acc % 2 === 1, true, false);
    else for (let k = 0; k < acc.length; k++) this.touch(at, q, c, prev, Math.floor(acc[k]! / 2), acc[k]! % 2 === 1, true, false);
    this.acquiring = false;
    this.touch(at, q, c, prev, -1 - q, true, true, false);
    if (this.nCand > 0) this.races(at, q, c);
  }
}
