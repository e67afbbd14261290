/**
 * Scenarios for the explorer's tests and benchmarks. The synthetic ones run on a fresh
 * kernel's engine with hand-written steps (declared accesses + plain JS state), the
 * kernel ones on the real syscall paths.
 */
import { defineScenario, O_RDWR, type Kernel, type KernelPath, type Scenario } from 'fdlab';
import { access, Lock, receiveFdSteps, syscallSteps, type Step } from 'fdlab/extend';

/** State of the synthetic f_pos race. */
export interface FposState {
  pos: number;
  count: number;
  inside: Array<{ tid: number; locked: boolean }>;
}

interface FposRun {
  readonly e: Kernel['engine'];
  readonly st: FposState;
  readonly lock: Lock | null;
  readonly pad: number;
  readonly steps: readonly Step[];
}

const FDGET = 0;
const NEEDS = 1;
const POS_READ = 2;
const VFS_READ = 3;
const POS_WRITE = 4;
const FDPUT = 5;

// Thread bodies are module-level generator functions: a generator function *expression*
// created per run costs V8 ~1.5 µs per call (a fresh closure needs a fresh generator map).
function* fposBody(r: FposRun, i: number, exit: Step, padStep: Step): KernelPath<number> {
  const { e, st, lock, steps } = r;
  yield steps[FDGET]!;
  st.count++;
  yield steps[NEEDS]!;
  const locked = lock !== null && st.count > 0;
  if (locked) {
    yield lock.lockStep();
    lock.lock();
  }
  yield steps[POS_READ]!;
  for (const o of st.inside) {
    if (!o.locked || !locked) e.report('fpos-race', `f_pos of file#1 updated by T${o.tid} and T${i} concurrently`, 'file#1');
  }
  const mine = { tid: i, locked };
  st.inside.push(mine);
  const before = st.pos;
  yield steps[VFS_READ]!;
  for (let p = 0; p < r.pad; p++) yield padStep;
  yield steps[POS_WRITE]!;
  st.pos = before + 1;
  st.inside.splice(st.inside.indexOf(mine), 1);
  if (locked) {
    yield lock.unlockStep();
    lock.unlock();
  }
  yield steps[FDPUT]!;
  st.count--;
  yield exit;
  return before;
}

const fileName = (f: number): string => (f === 0 ? 'file#1' : f === 1 ? 'file#1.f_count' : f === 2 ? 'file#1.f_pos' : 'inode#1');

/**
 * The two-thread f_pos race of the core issue, as the calibration prototype wrote it:
 * each thread takes a reference (fdget), reads f_count to decide on f_pos_lock, takes the
 * lock if `lock`, reads f_pos, calls ->read, writes f_pos back, unlocks, drops the
 * reference and returns to user space (7 steps, 9 with the lock). Violations: two
 * threads inside the f_pos read..write window while one of them does not hold the lock
 * (`fpos-race`), and a final f_pos other than the number of threads (`assertion`).
 */
export function fposRace(opts: { lock: boolean; threads?: number; pad?: number; name?: string }): Scenario<FposState> {
  const n = opts.threads ?? 2;
  const pad = opts.pad ?? 0;
  return defineScenario({
    name: opts.name ?? `fpos-race${opts.lock ? '-locked' : ''}${n !== 2 ? `-${n}t` : ''}${pad ? `-pad${pad}` : ''}`,
    title: `${n} threads update one file's f_pos ${opts.lock ? 'under' : 'without'} f_pos_lock`,
    source: '9c225f2655e3 vfs: atomic f_pos accesses as per POSIX',
    setup(k: Kernel): FposState {
      const e = k.engine;
      const st: FposState = { pos: 0, count: 1, inside: [] };
      const file = e.register({ simName: fileName });
      const steps: Step[] = [
        { fn: 'fdget', acc: access(file, 1, true) },
        { fn: 'file_needs_f_pos_lock', acc: access(file, 1, false) },
        { fn: 'f_pos:read', acc: access(file, 2, false) },
        { fn: 'vfs_read', acc: access(file, 3, false) },
        { fn: 'f_pos:write', acc: access(file, 2, true) },
        { fn: 'fdput', acc: access(file, 1, true) },
      ];
      const r: FposRun = { e, st, lock: opts.lock ? new Lock(e, 'f_pos_lock of file#1', true) : null, pad, steps };
      for (let i = 0; i < n; i++) {
        const t = e.spawn(`T${i}`);
        const own = e.register({ simName: () => `T${i}.stack` });
        e.startThread(t, fposBody(r, i, { fn: 'exit_to_user_mode', acc: access(own, 0, true) }, { fn: 'work', acc: access(own, 1, true) }));
      }
      return st;
    },
    check(_k, st) {
      if (st.pos !== n) throw new Error(`lost update: f_pos is ${st.pos}, expected ${n}`);
    },
    outcome: (_k, st) => `f_pos=${st.pos}`,
  });
}

/** ABBA: two threads take two locks in opposite order (a deadlock in some interleavings). */
export function abba(): Scenario<{ x: number }> {
  return defineScenario({
    name: 'abba',
    title: 'Two threads take two mutexes in opposite order',
    source: 'lockdep: possible circular locking dependency',
    setup(k) {
      const e = k.engine;
      const a = new Lock(e, 'A', true);
      const b = new Lock(e, 'B', true);
      const data = e.register({ simName: () => 'data' });
      const ctx = { x: 0 };
      const body = (first: Lock, second: Lock, v: number) =>
        function* (): KernelPath<number> {
          yield first.lockStep();
          first.lock();
          yield { fn: 'write data', acc: access(data, 0, true) };
          ctx.x = ctx.x * 10 + v;
          yield second.lockStep();
          second.lock();
          yield second.unlockStep();
          second.unlock();
          yield first.unlockStep();
          first.unlock();
          return v;
        };
      e.startThread(e.spawn('T0'), body(a, b, 1)());
      e.startThread(e.spawn('T1'), body(b, a, 2)());
      return ctx;
    },
    outcome: (_k, c) => `x=${c.x}`,
  });
}

/** Three threads: two increment a shared counter non-atomically, one reads it twice. */
export function counter3(): Scenario<{ c: number; seen: number[] }> {
  return defineScenario({
    name: 'counter3',
    title: 'Two non-atomic increments and a reader',
    source: 'synthetic',
    setup(k) {
      const e = k.engine;
      const id = e.register({ simName: () => 'counter' });
      const ctx = { c: 0, seen: [] as number[] };
      const inc = function* (): KernelPath<void> {
        yield { fn: 'load', acc: access(id, 0, false) };
        const v = ctx.c;
        yield { fn: 'store', acc: access(id, 0, true) };
        ctx.c = v + 1;
      };
      const reader = function* (): KernelPath<void> {
        yield { fn: 'load', acc: access(id, 0, false) };
        ctx.seen.push(ctx.c);
        yield { fn: 'load', acc: access(id, 0, false) };
        ctx.seen.push(ctx.c);
      };
      e.startThread(e.spawn('T0'), inc());
      e.startThread(e.spawn('T1'), inc());
      e.startThread(e.spawn('T2'), reader());
      return ctx;
    },
    check(_k, ctx) {
      if (ctx.c !== 2) throw new Error(`lost update: counter is ${ctx.c}`);
    },
    outcome: (_k, c) => `c=${c.c} seen=${c.seen.join(',')}`,
  });
}

/**
 * The f_pos race of seed 000 on the real syscall paths, without the pidfd permission
 * check: P1 reads a regular file whose count is 1 (fdget_pos may skip f_pos_lock under
 * 'when-shared'); P2 receives a reference to the same struct file (what pidfd_getfd
 * does) and reads through it.
 */
export const stealFpos = defineScenario({
  name: 'steal-fpos',
  title: 'A reference received while the owner reads races on f_pos',
  source: '20ea1e7d13c1 file: always lock position for FMODE_ATOMIC_POS',
  before: { fdgetPos: 'when-shared' },
  after: { fdgetPos: 'always' },
  expected: { before: ['fpos-race'], after: 'clean' },
  setup(k) {
    const p1 = k.spawnProcess();
    const fd = p1.open('/data/log', O_RDWR);
    const file = p1.fileOf(fd);
    const p2 = k.spawnProcess();
    p1.thread(function* (sys) {
      return yield* sys.read(fd, 1);
    });
    p2.thread(function* (sys) {
      const fd2 = yield* syscallSteps(p2.main, receiveFdSteps(p2.main, file, 0));
      return yield* sys.read(fd2, 1);
    });
    return { p1, fd };
  },
});

/** Two threads of two processes share one struct file through fork: every fdget_pos locks. */
export const forkShared = defineScenario({
  name: 'fork-shared-read',
  title: 'Parent and child read one struct file shared through fork',
  source: '9c225f2655e3 vfs: atomic f_pos accesses as per POSIX',
  before: 'linux-6.4',
  after: 'current',
  expected: { before: 'clean', after: 'clean' },
  setup(k) {
    const p1 = k.spawnProcess();
    const fd = p1.open('/data/log', O_RDWR);
    const p2 = p1.fork();
    p1.thread(function* (sys) {
      return yield* sys.read(fd, 2);
    });
    p2.thread(function* (sys) {
      return yield* sys.read(fd, 2);
    });
    return { p1, fd };
  },
  check(_k, { p1, fd }) {
    if (p1.fileOf(fd).pos !== 4) throw new Error(`f_pos is ${p1.fileOf(fd).pos}, expected 4`);
  },
});

/** close() racing dup() on one fd in two threads sharing a table (a small kernel scenario). */
export const closeVsDup = defineScenario({
  name: 'close-vs-dup',
  title: 'close and dup of one fd race in two threads sharing a table',
  source: 'fs/file.c',
  setup(k) {
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    p.thread(function* (sys) {
      yield* sys.close(fd);
    });
    p.thread(function* (sys) {
      return yield* sys.dup(fd);
    });
    return { p };
  },
});

interface SpawnRun {
  readonly e: Kernel['engine'];
  readonly id: number;
  readonly v: number[];
}

function* childBody(r: SpawnRun, c: number): KernelPath<number> {
  yield { fn: 'child read x', acc: access(r.id, 0, false) };
  const seen = r.v[0]!;
  yield { fn: 'child write y', acc: access(r.id, 1, true) };
  r.v[1] = 10 + c + seen;
  return seen;
}

function* parentBody(r: SpawnRun): KernelPath<number> {
  yield { fn: 'parent write x', acc: access(r.id, 0, true) };
  r.v[0] = 1;
  yield { fn: 'clone', acc: access(r.id, 2, true) };
  const t = r.e.spawn('child');
  r.e.startThread(t, childBody(r, 1));
  yield { fn: 'parent write x', acc: access(r.id, 0, true) };
  r.v[0] = 2;
  yield { fn: 'parent read y', acc: access(r.id, 1, false) };
  return r.v[1]!;
}

function* otherBody(r: SpawnRun): KernelPath<number> {
  yield { fn: 'other write y', acc: access(r.id, 1, true) };
  r.v[1] = 5;
  yield { fn: 'other read x', acc: access(r.id, 0, false) };
  return r.v[0]!;
}

/** A thread that starts another thread in the middle of its run (threads appear mid-run). */
export function spawner(): Scenario<SpawnRun> {
  return defineScenario({
    name: 'spawner',
    title: 'a thread clones a new thread mid-run',
    source: 'synthetic',
    setup(k) {
      const e = k.engine;
      const r: SpawnRun = { e, id: e.register({ simName: (f) => ['x', 'y', 'tasks'][f] ?? 'z' }), v: [0, 0] };
      e.startThread(e.spawn('parent'), parentBody(r));
      e.startThread(e.spawn('other'), otherBody(r));
      return r;
    },
    outcome: (k, r) => `${r.v.join(',')} ${k.engine.threads.map((t) => String(t.result)).join(',')}`,
  });
}
