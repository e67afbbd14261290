import type { Engine } from '../sim/engine.js';
import { accsConflict } from './conflict.js';
import { bit, lowest, MAX_THREADS, popcount } from './masks.js';
import { RaceDetector } from './races.js';
import type { Shard } from './options.js';
import { reportDeadlock, reportStepLimit } from './report.js';
import type { RunWorld, WorldSource } from './world.js';

/**
 * The executed event's accesses as the race analysis sees them: the declaration ∪ the
 * recorded accesses (`rec[0..n)`). The declaration itself when it covers them, which it
 * does whenever checked mode could have passed, so the common case allocates nothing.
 */
function withRecorded(declared: number | readonly number[], rec: readonly number[], n: number): number | readonly number[] {
  let extra: number[] | null = null;
  for (let k = 0; k < n; k++) {
    const a = rec[k]!;
    const w = a % 2 === 0 ? a + 1 : a; // the write of the same location covers a read
    if (typeof declared === 'number' ? declared === a || declared === w : declared.includes(a) || declared.includes(w)) continue;
    (extra ??= []).push(a);
  }
  if (extra === null) return declared;
  return typeof declared === 'number' ? [declared, ...extra] : [...declared, ...extra];
}

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
  /**
   * With a shard: the prefixes of the tree are explored exhaustively, and partitioned among
   * the shards, until the product of their nodes' branching widths reaches `split`.
   */
  readonly split: number;
}

function mix(h: number, c: number): number {
  h = Math.imul(h ^ (c + 0x9e37), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * Stateless depth-first search over the schedules of a world: naive (every enabled
 * thread at every node) or source-DPOR with sleep sets (Abdulla, Aronis, Jonsson,
 * Sagonas, "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1; the races
 * are {@link RaceDetector}'s), with an optional preemption bound and deterministic
 * sharding. Each call of {@link next} re-runs the world from scratch along a prefix of
 * the current path and extends it.
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
  private dpor: boolean;
  private bound: number;
  private readonly maxSteps: number;
  private readonly shard: Shard | null;
  private readonly split: number;

  // The tree: node i is the state before the i-th step of the current path.
  private depth = 0;
  private started = false;
  private finished = false;
  private replayTo = 0;
  private readonly chosen: number[] = [];
  /** Per node: enabled threads. */
  readonly enabledAt: number[] = [];
  /** Per node: sleep set. */
  readonly sleepAt: number[] = [];
  private readonly doneAt: number[] = [];
  /** Per node: backtrack set (threads to explore). */
  readonly backtrack: number[] = [];
  private readonly preemptAt: number[] = [];
  /** Per node: the product of the branching widths of the nodes before it, capped at `split`. */
  private readonly widthAt: number[] = [];
  private readonly hashAt: number[] = [];
  private readonly threadsAt: number[] = [];
  /** Per node: how many threads it may choose (its branching width). */
  private readonly branchingAt: number[] = [];

  private readonly accs: Array<number | readonly number[]> = [];
  private readonly hb: RaceDetector;
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
    this.widthAt[0] = 1;
    this.hashAt[0] = 0x811c9dc5;
    this.hb = new RaceDetector(this);
  }

  /**
   * Starts the search over with another preemption bound (and with or without DPOR),
   * keeping the buffers (for iterative preemption bounding).
   */
  restart(bound: number, dpor: boolean): void {
    this.bound = bound;
    this.dpor = dpor;
    this.depth = 0;
    this.started = false;
    this.finished = false;
    this.replayTo = 0;
    this.runs = 0;
    this.steps = 0;
    this.sleepBlocked = 0;
    this.pruned = false;
    this.stepLimited = false;
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
    if (dpor) this.hb.reset();
    let known = this.checkThreads(engine, 0, -1);
    let i = 0;
    // The previous event's accesses (declared ∪ recorded), kept rather than its Step:
    // a dynamic declaration would be re-evaluated in the state after the event.
    let prevAcc: number | readonly number[] = [];
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
          this.hb.afterEvent(engine, i - 1, prevTid, prevAcc, flips, mask);
          let s = (this.sleepAt[i - 1]! | this.doneAt[i - 1]!) & ~bit(prevTid);
          while (s !== 0) {
            const q = lowest(s);
            s &= s - 1;
            const pq = engine.threads[q]!.pending;
            if (pq !== null && (flips & bit(q)) === 0 && !accsConflict(prevAcc, pq.acc)) nextSleep |= bit(q);
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
        const shallow = this.widthAt[i]! < this.split;
        this.backtrack[i] = !dpor || shallow ? allowed : bit(p);
        this.doneAt[i] = bit(p);
        this.chosen[i] = p;
        this.depth = i + 1;
        this.branchingAt[i] = popcount(allowed);
        this.nodeAfter(i, p);
      }
      if (this.split > 0 && this.widthAt[i]! >= this.split && (i === 0 || this.widthAt[i - 1]! < this.split)) {
        if (this.hashAt[i]! % this.shard!.count !== this.shard!.index) {
          this.backtrack[i] = this.doneAt[i]!; // no sibling here is ours either
          end = 'skipped';
          break;
        }
      }
      const pending = engine.threads[p]!.pending!;
      const declared = pending.acc;
      engine.step(p, declared);
      // The event's accesses: what the step declared when it began, plus anything it
      // recorded beyond that (only possible with checked mode off, e.g. in benchmarks).
      const acc = withRecorded(declared, engine.recorded, engine.recordedCount);
      this.accs[i] = acc;
      if (dpor) this.hb.event(i, p, acc, pending.blocker !== undefined, i >= j);
      prevAcc = acc;
      prevTid = p;
      i++;
    }
    if (end !== 'skipped' && this.widthAt[i]! < this.split) {
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

  /** Records node i + 1's preemption count, branching width product and shard hash after choosing p at node i. */
  private nodeAfter(i: number, p: number): void {
    const width = this.branchingAt[i]!;
    this.preemptAt[i + 1] = this.preemptAt[i]! + this.cost(i, p);
    const before = this.widthAt[i]!;
    const shallow = before < this.split;
    // The partition point of a path is its first node where the product reaches `split`:
    // the product only grows along a path, so every path meets exactly one such node (or
    // ends before it), and the prefixes partitioned form a cut of the tree.
    this.widthAt[i + 1] = shallow ? Math.min(this.split, before * width) : before;
    this.hashAt[i + 1] = shallow && width > 1 ? mix(this.hashAt[i]!, p) : this.hashAt[i]!;
  }

  private checkThreads(engine: Engine, from: number, spawner: number): number {
    const len = engine.threads.length;
    if (len > MAX_THREADS) throw new RangeError(`explore: at most ${MAX_THREADS} threads are supported (the scenario has ${len})`);
    if (this.dpor) this.hb.spawned(from, len, spawner);
    return len;
  }

  /** Adds one of `cands` (preferably `prefer`) to the backtrack set of `node`, within the preemption bound. */
  addBacktrack(node: number, cands: number, prefer: number): void {
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
}
