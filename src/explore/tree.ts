import type { Engine } from '../sim/engine.js';
import type { Step } from '../sim/step.js';
import { accessesConflict, stepsConflict } from './conflict.js';
import type { Shard } from './options.js';
import { reportDeadlock, reportStepLimit } from './report.js';
import type { RunWorld, WorldSource } from './world.js';

/**
 * How one run of the tree search ended. `sleep-blocked`: every runnable thread was in the
 * sleep set (the run is redundant); `pruned`: the preemption bound allowed no choice;
 * `skipped`: the run's prefix belongs to another shard.
 * @internal
 */
export type TreeEnd = 'complete' | 'deadlock' | 'step-limit' | 'sleep-blocked' | 'pruned' | 'skipped';

/** @internal */
export interface TreeConfig {
  /** Source-DPOR with sleep sets (true) or every interleaving (false). */
  readonly dpor: boolean;
  /** Preemption bound (Infinity: none). */
  readonly bound: number;
  /** Step limit of one run. */
  readonly maxSteps: number;
  /** Run only this part of the tree. */
  readonly shard: Shard | null;
  /** With a shard: the first `split` branching decisions are explored exhaustively and partitioned. */
  readonly split: number;
}

/** Per-run state of one memory location: the last write and the reads since. */
interface Loc {
  gen: number;
  lastWrite: number;
  nReads: number;
  readonly reads: number[];
}

/** Thread masks are 31-bit integers. @internal */
export const MAX_THREADS = 31;

const bit = (t: number): number => 1 << t;

function lowest(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

function popcount(m: number): number {
  let n = 0;
  while (m !== 0) {
    m &= m - 1;
    n++;
  }
  return n;
}

function mix(h: number, c: number): number {
  h = Math.imul(h ^ (c + 0x9e37), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * Stateless depth-first search over the schedules of a world: naive (every enabled
 * thread at every node) or source-DPOR with sleep sets (Abdulla, Aronis, Jonsson,
 * Sagonas, "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1), with an
 * optional preemption bound and deterministic sharding.
 *
 * Each call of {@link next} re-runs the world from scratch along a prefix of the
 * current path and extends it. The DPOR part keeps, for every executed event, a vector
 * clock of the happens-before relation induced by the steps' declared accesses (two
 * steps are dependent iff they touch one location and one writes; steps of one thread
 * are always ordered). After each fresh event it checks every direct race of the
 * event — each earlier event it depends on that neither happens before the thread's
 * previous event nor before another such event — and, for each blocked thread whose
 * pending step could be affected, every direct race of that pending step (so the
 * acquisition of a lock races with the acquisition that parked the waiter, as
 * Flanagan–Godefroid's co-enabledness demands). For a race (e, e') it computes
 * v = notdep(e, E).e' and the initials I(v); unless an initial is already in the
 * backtrack or sleep set of the node before e, it adds one enabled initial (the racing
 * thread if possible). A race whose racing thread is an initial of v but is not enabled
 * before e cannot be reversed (e released what it waits for) and is skipped. An event that changes another thread's enabledness
 * is recorded as a write of that thread's virtual location, so blockers that read
 * undeclared state still order the steps they release or park.
 * @internal
 */
export class TreeSearch {
  /** Runs executed (not counting skipped probes of other shards). */
  runs = 0;
  /** Steps executed over all runs (including probes). */
  steps = 0;
  /** Runs that ended sleep-set blocked. */
  sleepBlocked = 0;
  /** True once the preemption bound removed some choice. */
  pruned = false;
  /** True once some run hit the step limit. */
  stepLimited = false;
  /** The last run's world. */
  world: RunWorld | null = null;
  /** How the last run ended. */
  end: TreeEnd = 'complete';
  /** Steps of the last run. */
  length = 0;
  /** Preemptions of the last run. */
  preemptions = 0;

  private readonly source: WorldSource;
  private readonly dpor: boolean;
  private readonly bound: number;
  private readonly maxSteps: number;
  private readonly shard: Shard | null;
  private readonly split: number;

  // The tree: node i is the state before the i-th step of the current path.
  private depth = 0;
  private started = false;
  private finished = false;
  private replayTo = 0;
  private readonly chosen: number[] = [];
  private readonly enabledAt: number[] = [];
  private readonly sleepAt: number[] = [];
  private readonly doneAt: number[] = [];
  private readonly backtrack: number[] = [];
  private readonly preemptAt: number[] = [];
  private readonly branchesAt: number[] = [];
  private readonly hashAt: number[] = [];
  private readonly threadsAt: number[] = [];
  private readonly branchingAt: boolean[] = [];

  // Per run (DPOR): events and their vector clocks.
  private width = 4;
  private readonly evTid: number[] = [];
  private readonly evLocal: number[] = [];
  private readonly clocks: Int32Array[] = [];
  private lastEv = new Int32Array(MAX_THREADS);
  private count = new Int32Array(MAX_THREADS);
  private spawnEv = new Int32Array(MAX_THREADS);
  private readonly locs = new Map<number, Loc>();
  private gen = 0;
  private scratch = new Int32Array(4);
  private firstLocal = new Int32Array(MAX_THREADS).fill(-1);
  private cand = new Int32Array(64);
  private nCand = 0;
  private readonly seen = new Int32Array(MAX_THREADS);
  private readonly accs: Array<number | readonly number[]> = [];
  /** For a release event: the same thread's last acquire of that location (else -1). */
  private readonly relAcq: number[] = [];
  /** Per run: location * 32 + thread → the thread's last acquire of the location. */
  private readonly lastAcq = new Map<number, number>();
  /** True while the event or pending step being examined acquires a lock-like location. */
  private acquiring = false;
  private readonly buf: number[] = [];

  /** @param source - fresh worlds @param cfg - search configuration */
  constructor(source: WorldSource, cfg: TreeConfig) {
    this.source = source;
    this.dpor = cfg.dpor;
    this.bound = cfg.bound;
    this.maxSteps = cfg.maxSteps;
    this.shard = cfg.shard !== null && cfg.shard.count > 1 ? cfg.shard : null;
    this.split = this.shard !== null ? cfg.split : 0;
    this.preemptAt[0] = 0;
    this.branchesAt[0] = 0;
    this.hashAt[0] = 0x811c9dc5;
  }

  /** The engine of the last run. */
  get engine(): Engine {
    return this.world!.engine;
  }

  /**
   * Runs the next schedule of the search. Returns false when the tree is exhausted (no
   * run was made).
   */
  next(): boolean {
    if (this.finished) return false;
    if (this.started) {
      let j = this.depth - 1;
      for (; j >= 0; j--) {
        const avail = this.backtrack[j]! & ~this.doneAt[j]! & ~this.sleepAt[j]!;
        if (avail !== 0) {
          const q = lowest(avail);
          this.chosen[j] = q;
          this.doneAt[j]! |= bit(q);
          this.replayTo = j;
          this.depth = j + 1;
          break;
        }
      }
      if (j < 0) {
        this.finished = true;
        return false;
      }
    } else {
      this.started = true;
      this.replayTo = 0;
      this.depth = 0;
    }
    this.run();
    return true;
  }

  /** The accesses of step `i` of the last run (for canonical trace keys in tests). */
  accessesOf(i: number): number | readonly number[] {
    return this.accs[i]!;
  }

  /**
   * Length of the shortest prefix of the last run's schedule that replays it when the
   * rest is filled in without preemption (the last thread while it can run, else the
   * lowest runnable one).
   */
  trimmedLength(): number {
    let keep = 0;
    for (let i = 0; i < this.length; i++) {
      const en = this.enabledAt[i]!;
      const last = i > 0 ? this.chosen[i - 1]! : -1;
      const dflt = last >= 0 && (en & bit(last)) !== 0 ? last : lowest(en);
      if (this.chosen[i] !== dflt) keep = i + 1;
    }
    return keep;
  }

  private cost(i: number, q: number): number {
    if (i === 0) return 0;
    const prev = this.chosen[i - 1]!;
    return prev !== q && (this.enabledAt[i]! & bit(prev)) !== 0 ? 1 : 0;
  }

  private run(): void {
    const world = this.source.start(false);
    this.world = world;
    const engine = world.engine;
    const dpor = this.dpor;
    const j = this.replayTo;
    const oldDepth = this.depth;
    const buf = this.buf;
    if (dpor) this.resetRun();
    let known = this.checkThreads(engine, 0, -1);
    let i = 0;
    let prevStep: Step | null = null;
    let prevTid = -1;
    let nextSleep = 0;
    let end: TreeEnd;
    for (;;) {
      const n = engine.enabled(buf);
      let mask = 0;
      for (let k = 0; k < n; k++) mask |= bit(buf[k]!);
      if (engine.threads.length !== known) known = this.checkThreads(engine, known, i - 1);
      if (i > 0 && i > j) {
        // State i is new: finish the bookkeeping of event i - 1.
        const before = this.enabledAt[i - 1]!;
        const flips = (before ^ mask) & ~bit(prevTid) & ((1 << this.threadsAt[i - 1]!) - 1);
        nextSleep = 0;
        if (dpor) {
          this.afterEvent(engine, i - 1, prevTid, prevStep!, flips, mask);
          let s = (this.sleepAt[i - 1]! | this.doneAt[i - 1]!) & ~bit(prevTid);
          while (s !== 0) {
            const q = lowest(s);
            s &= s - 1;
            const pq = engine.threads[q]!.pending;
            if (pq !== null && (flips & bit(q)) === 0 && !stepsConflict(prevStep!, pq)) nextSleep |= bit(q);
          }
        }
      }
      if (mask === 0) {
        if (engine.allDone()) end = 'complete';
        else {
          reportDeadlock(engine);
          end = 'deadlock';
        }
        break;
      }
      if (i >= this.maxSteps) {
        reportStepLimit(engine, this.maxSteps);
        this.stepLimited = true;
        end = 'step-limit';
        break;
      }
      let p: number;
      if (i < oldDepth) {
        p = this.chosen[i]!;
        if ((mask & bit(p)) === 0) {
          throw new Error(`explore: the scenario is not deterministic: at step ${i} thread ${p} was runnable in an earlier run and is not now (enabled: ${buf.slice(0, n).join(', ')})`);
        }
        if (i === j) this.nodeAfter(i, p);
      } else {
        // A new node.
        this.enabledAt[i] = mask;
        this.sleepAt[i] = nextSleep;
        this.threadsAt[i] = known;
        const cands = mask & ~nextSleep;
        if (cands === 0) {
          end = 'sleep-blocked';
          break;
        }
        let allowed = cands;
        if (this.bound !== Infinity) {
          const base = this.preemptAt[i]!;
          let s = cands;
          while (s !== 0) {
            const q = lowest(s);
            s &= s - 1;
            if (base + this.cost(i, q) > this.bound) allowed &= ~bit(q);
          }
          if (allowed !== cands) this.pruned = true;
          if (allowed === 0) {
            end = 'pruned';
            break;
          }
        }
        const last = i > 0 ? this.chosen[i - 1]! : -1;
        p = last >= 0 && (allowed & bit(last)) !== 0 ? last : lowest(allowed);
        const shallow = this.split > 0 && this.branchesAt[i]! < this.split;
        this.backtrack[i] = !dpor || shallow ? allowed : bit(p);
        this.doneAt[i] = bit(p);
        this.chosen[i] = p;
        this.depth = i + 1;
        this.branchingAt[i] = popcount(allowed) > 1;
        this.nodeAfter(i, p);
      }
      if (this.split > 0 && this.branchesAt[i]! >= this.split && (i === 0 || this.branchesAt[i - 1]! < this.split)) {
        if (this.hashAt[i]! % this.shard!.count !== this.shard!.index) {
          this.backtrack[i] = this.doneAt[i]!; // no sibling here is ours either
          end = 'skipped';
          break;
        }
      }
      const step = engine.threads[p]!.pending!;
      this.accs[i] = step.acc;
      if (dpor) this.event(i, p, step, i >= j);
      engine.step(p);
      prevStep = step;
      prevTid = p;
      i++;
    }
    if (end !== 'skipped' && this.split > 0 && this.branchesAt[i]! < this.split) {
      // The run ended before the partition point: it belongs to the shard its prefix hashes to.
      if (this.hashAt[i]! % this.shard!.count !== this.shard!.index) end = 'skipped';
    }
    this.steps += i;
    this.length = i;
    this.end = end;
    this.preemptions = this.preemptAt[i] ?? 0;
    if (end === 'skipped') return;
    this.runs++;
    if (end === 'sleep-blocked') this.sleepBlocked++;
  }

  /** Records node i + 1's preemption count, branching count and shard hash after choosing p at node i. */
  private nodeAfter(i: number, p: number): void {
    const br = this.branchingAt[i]!;
    this.preemptAt[i + 1] = this.preemptAt[i]! + this.cost(i, p);
    const shallow = this.split > 0 && this.branchesAt[i]! < this.split;
    this.branchesAt[i + 1] = this.branchesAt[i]! + (br ? 1 : 0);
    this.hashAt[i + 1] = shallow && br ? mix(this.hashAt[i]!, p) : this.hashAt[i]!;
  }

  private checkThreads(engine: Engine, from: number, spawner: number): number {
    const len = engine.threads.length;
    if (len > MAX_THREADS) throw new RangeError(`explore: at most ${MAX_THREADS} threads are supported (the scenario has ${len})`);
    if (this.dpor) {
      if (len > this.width) this.widen(len);
      for (let t = from; t < len; t++) this.spawnEv[t] = spawner;
    }
    return len;
  }

  private widen(w: number): void {
    let nw = this.width;
    while (nw < w) nw *= 2;
    nw = Math.min(nw, MAX_THREADS);
    for (let k = 0; k < this.clocks.length; k++) {
      const c = new Int32Array(nw);
      c.set(this.clocks[k]!);
      this.clocks[k] = c;
    }
    this.scratch = new Int32Array(nw);
    this.width = nw;
  }

  private resetRun(): void {
    this.gen++;
    this.lastAcq.clear();
    this.lastEv.fill(-1);
    this.count.fill(0);
    this.spawnEv.fill(-1);
  }

  private loc(l: number): Loc {
    let st = this.locs.get(l);
    if (st === undefined) {
      st = { gen: this.gen, lastWrite: -1, nReads: 0, reads: [] };
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
   * Computes event i (thread p, step s): its vector clock, the location state, and —
   * when fresh — its direct races.
   */
  private event(i: number, p: number, s: Step, fresh: boolean): void {
    const w = this.width;
    let c = this.clocks[i];
    if (c === undefined || c.length !== w) this.clocks[i] = c = new Int32Array(w);
    const prev = this.baseClock(p);
    if (prev !== null) c.set(prev);
    else c.fill(0);
    const lp = this.count[p]!;
    c[p] = lp + 1;
    this.evTid[i] = p;
    this.evLocal[i] = lp;
    this.nCand = 0;
    const acc = s.acc;
    // Lock-like steps: an acquire blocks and writes one location; a release writes it
    // without blocking. A release never races with the next acquire (the waiter cannot
    // go first); the acquire races with the releaser's own acquire instead.
    this.acquiring = false;
    this.relAcq[i] = -1;
    if (typeof acc === 'number' && acc % 2 === 1) {
      const key = Math.floor(acc / 2) * 32 + p;
      if (s.blocker !== undefined) {
        this.acquiring = true;
        this.lastAcq.set(key, i);
      } else {
        this.relAcq[i] = this.lastAcq.get(key) ?? -1;
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
    const en = this.enabledAt[e]!;
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
    if ((initials & (this.backtrack[e]! | this.sleepAt[e]!)) !== 0) return;
    const cands = initials & en;
    if (cands === 0) return;
    this.addBacktrack(e, cands, p);
  }

  private addBacktrack(node: number, cands: number, prefer: number): void {
    if (this.bound === Infinity) {
      this.backtrack[node]! |= bit((cands & bit(prefer)) !== 0 ? prefer : lowest(cands));
      return;
    }
    const base = this.preemptAt[node]!;
    let ok = 0;
    let s = cands;
    while (s !== 0) {
      const q = lowest(s);
      s &= s - 1;
      if (base + this.cost(node, q) <= this.bound) ok |= bit(q);
    }
    if (ok !== 0) {
      this.backtrack[node]! |= bit((ok & bit(prefer)) !== 0 ? prefer : lowest(ok));
      return;
    }
    // Out of bound here: branch earlier, where switching to the thread is cheaper
    // (conservative branching of bounded POR, Coons, Musuvathi, McKinley, OOPSLA 2013).
    this.pruned = true;
    const q = (cands & bit(prefer)) !== 0 ? prefer : lowest(cands);
    for (let k = node - 1; k >= 0; k--) {
      if ((this.enabledAt[k]! & bit(q)) === 0) continue;
      if (this.preemptAt[k]! + this.cost(k, q) <= this.bound) {
        if (((this.backtrack[k]! | this.sleepAt[k]!) & bit(q)) === 0) this.backtrack[k]! |= bit(q);
        return;
      }
    }
  }

  /**
   * After event i of thread p (step s): records enabledness flips as writes of the
   * flipped threads' virtual locations, then checks the races of every blocked thread's
   * pending step that the event may have changed.
   */
  private afterEvent(engine: Engine, i: number, p: number, s: Step, flips: number, enabledNow: number): void {
    let f = flips;
    while (f !== 0) {
      const q = lowest(f);
      f &= f - 1;
      const st = this.loc(-1 - q);
      st.lastWrite = i;
      st.nReads = 0;
    }
    const ts = engine.threads;
    for (let q = 0; q < ts.length; q++) {
      if ((enabledNow & bit(q)) !== 0) continue;
      const pq = ts[q]!.pending;
      if (pq === null) continue;
      if (q !== p && (flips & bit(q)) === 0 && !stepsConflict(s, pq)) continue;
      this.pendingRaces(i + 1, q, pq);
    }
  }

  /** Races of thread q's pending step as if it ran at position `at`. */
  private pendingRaces(at: number, q: number, s: Step): void {
    const c = this.scratch;
    const prev = this.baseClock(q);
    if (prev !== null) c.set(prev);
    else c.fill(0);
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

/** Whether two encoded accesses conflict (re-exported for tests). @internal */
export { accessesConflict };
