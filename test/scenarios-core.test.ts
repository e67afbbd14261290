/**
 * The acceptance scenarios of issue 2, each driven by an explicit schedule string (a
 * thread id per scheduler step; after the string the run continues without preemption).
 */
import { describe, expect, it } from 'vitest';
import { F_SETLK, F_WRLCK, O_RDONLY, O_RDWR, formatSchedule, posixLocksOf, runEngine, type FdgetPosRule, type FgetRecheck, type Kernel, type Process } from '../src/index.js';
import { receiveFdSteps } from '../src/extend.js';
import { catching, newKernel, stepLog, stepToEnd, stepUntil, violations } from './helpers.js';

describe('reserved slots (kernel-file.md §1.2, §9.6)', () => {
  function build() {
    const k = newKernel();
    const p = k.spawnProcess();
    const x = p.open('/data/log', O_RDONLY); // fd 0
    const out: { opened?: unknown; dup2?: unknown; child?: Process; childSlot?: string; close?: unknown } = {};
    const t1 = p.thread(function* (sys) {
      out.opened = yield* sys.open('/srv', O_RDONLY); // reserves fd 1, then sleeps in do_filp_open
    });
    const t2 = p.thread(function* (sys) {
      out.dup2 = yield* catching(sys.dup2(x, 1));
      out.child = yield* sys.fork();
      const child = out.child;
      out.childSlot = k.engine.peek(() => child.files.slotState(1));
      out.close = yield* catching(sys.close(1));
    });
    return { k, p, t1, t2, out };
  }

  it('T1 open() reserves fd 1 and is preempted; T2: dup2(x, 1) → EBUSY, fork() → child has fd 1 free, close(1) → EBADF', () => {
    const { k, p, t1, t2, out } = build();
    expect([t1.sim.id, t2.sim.id]).toEqual([0, 1]);
    const r = k.run('0.1.1.1');
    expect(r.completed).toBe(true);
    expect(stepLog(k)).toEqual([
      'P1.T1:get_unused_fd_flags', // fd 1 RESERVED
      'P1.T2:do_dup2', // EBUSY
      'P1.T2:dup_fd', // fork: the child's table skips fd 1
      'P1.T2:file_close_fd', // EBADF: nothing installed yet
      'P1.T1:do_filp_open',
      'P1.T1:fd_install',
    ]);
    expect(out.dup2).toBe('EBUSY');
    expect(out.childSlot).toBe('free');
    expect(out.close).toBe('EBADF');
    expect(out.opened).toBe(1);
    expect(p.files.slotState(1)).toBe('installed');
    expect(p.fileOf(1).inode.path).toBe('/srv');
    // The parent's later fd_install touched only the parent's table.
    const child = out.child!;
    expect(child.files.installedFds()).toEqual([0]);
    expect(child.open('/data/log', O_RDONLY)).toBe(1);
    expect(k.engine.violations).toEqual([]);
  });

  it('without the preemption the same calls see an installed fd 1 (dup2 replaces it, close succeeds)', () => {
    const { k, out } = build();
    k.run('0.0.0.1');
    expect(out.opened).toBe(1);
    expect(out.dup2).toBe(1);
    expect(out.childSlot).toBe('installed');
    expect(out.close).toBeUndefined();
  });
});

describe('the stale-pointer race: fget vs close + a re-open that recycles the struct file (§2.3, §3.1, §9.7)', () => {
  /**
   * P1 has two threads (a shared table, so lookups take the RCU path): A dup()s fd 0,
   * B closes it. `reopen` says who then opens a file and so receives the recycled object:
   * another process (P2), or B itself in P1.
   */
  function build(fgetRecheck: FgetRecheck, reopen: 'other process' | 'same process', slabTypesafeByRcu = true) {
    const k = newKernel({ policy: { fgetRecheck, slabTypesafeByRcu } });
    const p1 = k.spawnProcess();
    const p2 = k.spawnProcess();
    const fd = p1.open('/data/log', O_RDWR);
    const old = p1.fileOf(fd);
    const out: { dup?: unknown } = {};
    const a = p1.thread(function* (sys) {
      out.dup = yield* catching(sys.dup(fd));
    });
    const b = p1.thread(function* (sys) {
      yield* sys.close(fd);
      if (reopen === 'same process') yield* sys.open('/srv', O_RDONLY);
    });
    const c = p2.thread(function* (sys) {
      if (reopen === 'other process') yield* sys.open('/srv', O_RDONLY);
    });
    return { k, p1, p2, fd, old, out, ids: [a.sim.id, b.sim.id, c.sim.id] };
  }

  // A: rcu_read_lock, load files->fdt, load fdt->fd[0]           → 0.0.0
  // B: close(0) to the end, __fput and file_free included        → 2 × 9
  // P2: open('/srv'), which gets the freed object                → 1 × 3
  // then A continues: file_ref_get on the recycled object, ...
  const OTHER = '0.0.0.2.2.2.2.2.2.2.2.2.1.1.1';
  // B: close(0) and open('/srv') in P1 (the new file lands at fd 0 again)
  const SAME = '0.0.0.2.2.2.2.2.2.2.2.2.2.2.2';

  it('the schedule does what it says', () => {
    const { k, ids } = build('none', 'other process');
    expect(ids).toEqual([0, 2, 1]);
    k.run(OTHER);
    const log = stepLog(k);
    expect(log.slice(0, 3)).toEqual(['P1.T1:rcu_read_lock', 'P1.T1:rcu_dereference(files->fdt)', 'P1.T1:rcu_dereference(fdt->fd[fd])']);
    expect(log.slice(3, 12).at(-1)).toBe('P1.T2:file_free');
    expect(log.slice(12, 15)).toEqual(['P2.T1:get_unused_fd_flags', 'P2.T1:do_filp_open', 'P2.T1:fd_install']);
    expect(log[15]).toBe('P1.T1:file_ref_get');
  });

  it("fgetRecheck 'none': A takes a reference on P2's new file and installs it — stale-file is reported", () => {
    const { k, p1, p2, old, out } = build('none', 'other process');
    expect(k.run(OTHER).completed).toBe(true);
    expect(p2.fileOf(0)).toBe(old); // the same memory...
    expect(old.name).toBe('file#1@2'); // ...now a different file: /srv of P2
    expect(out.dup).toBe(0);
    expect(p1.fileOf(0)).toBe(old); // P1 now holds P2's file
    expect(p1.fileOf(0).inode.path).toBe('/srv');
    const v = violations(k, 'stale-file');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ thread: 'P1.T1', object: 'file#1@2', fn: 'rcu_read_unlock' });
    expect(v[0]!.message).toMatch(/fgetRecheck: none/);
  });

  for (const recheck of ['slot', 'slot+fdt'] as const) {
    it(`fgetRecheck '${recheck}': the same schedule prefix retries, finds the slot empty and returns EBADF`, () => {
      const { k, p1, p2, old, out } = build(recheck, 'other process');
      expect(k.run(OTHER).completed).toBe(true);
      expect(out.dup).toBe('EBADF');
      expect(p1.files.installedFds()).toEqual([]);
      expect(p2.fileOf(0)).toBe(old);
      expect(old.count).toBe(1); // the speculative reference was given back
      const log = stepLog(k).slice(15);
      expect(log.slice(0, 3)).toEqual(['P1.T1:file_ref_get', `P1.T1:${recheck === 'slot' ? 'recheck files_lookup_fd_raw(files, fd)' : 'recheck fdt->fd[fd] and files->fdt'}`, 'P1.T1:fput']);
      expect(k.engine.violations).toEqual([]);
    });

    it(`fgetRecheck '${recheck}': when the recycled file lands in the same slot the recheck accepts it — the right file`, () => {
      const { k, p1, out } = build(recheck, 'same process');
      expect(k.run(SAME).completed).toBe(true);
      expect(out.dup).toBe(1);
      expect(p1.fileOf(1)).toBe(p1.fileOf(0)); // a dup of what fd 0 holds now
      expect(p1.fileOf(0).inode.path).toBe('/srv');
      expect(k.engine.violations).toEqual([]);
    });
  }

  it("fgetRecheck 'none' in the same slot: the file is right by luck, but the stale pointer is still reported", () => {
    const { k, out } = build('none', 'same process');
    k.run(SAME);
    expect(out.dup).toBe(1);
    expect(violations(k, 'stale-file')).toHaveLength(1);
  });

  it('before v6.7 (free after a grace period) the object is not recycled under the reader: EBADF even without the recheck', () => {
    const { k, p2, old, out } = build('none', 'other process', false);
    expect(k.run(OTHER).completed).toBe(true);
    expect(p2.fileOf(0)).not.toBe(old); // A's RCU section kept the memory from being reused
    expect(out.dup).toBe('EBADF'); // file_ref_get failed on count 0, the retry found the slot empty
    expect(stepLog(k)[15]).toBe('P1.T1:file_ref_get');
    expect(k.engine.violations).toEqual([]);
  });
});

describe("fdgetPos 'when-shared' (v3.14–v6.4): two threads of one process are race-free because fdget clones", () => {
  function build() {
    const k = newKernel({ policy: { fdgetPos: 'when-shared' } });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const got: string[][] = [[], []];
    for (const i of [0, 1]) {
      p.thread(function* (sys) {
        got[i]!.push(yield* sys.read(fd, 7));
        got[i]!.push(yield* sys.read(fd, 7));
      });
    }
    return { k, p, fd, got };
  }

  it('the table is shared (count 2): the borrowed path is never taken', () => {
    const { k, p } = build();
    expect(p.files.count).toBe(2);
    expect(p.tasks[1]!.files).toBe(p.files);
    k.run();
  });

  // T1: fdget (cloned: count 1→2), decides to lock, takes f_pos_lock, reads f_pos   → 10 steps
  // T2: fdget (cloned: count 2→3), decides to lock, parks on f_pos_lock             → 8 steps
  // T1 finishes its read (releases the lock, drops its clone)                     → 4 steps
  // T2 gets the lock and reads.
  const SCHEDULE = '0.0.0.0.0.0.0.0.0.0.1.1.1.1.1.1.1.1.0.0.0.0.1';

  it('scripted: T2 reaches the lock decision while T1 is inside the f_pos update — it waits, no race', () => {
    const { k, p, fd, got } = build();
    const r = k.run(SCHEDULE);
    expect(r.completed).toBe(true);
    const log = stepLog(k);
    expect(log[9]).toBe('P1.T1:f_pos:read');
    expect(log.slice(10, 18)).toContain('P1.T2:file_needs_f_pos_lock');
    expect(log[17]).toBe('P1.T2:file_needs_f_pos_lock');
    expect(log[18]).toBe('P1.T1:vfs_read');
    expect(log[22]).toBe('P1.T2:mutex_lock(f_pos_lock of file#1)');
    expect(k.engine.violations).toEqual([]);
    expect([...got[0]!, ...got[1]!].sort()).toEqual(['', 'line 1\n', 'line 2\n', 'line 3\n']);
    expect(p.fileOf(fd).pos).toBe(21);
    // Both decisions saw count 2 (their own clone plus the slot), so both locked.
    const lockEffects = k.engine.events.filter((e) => e.kind === 'effect' && e.fn === 'lock');
    expect(lockEffects.map((e) => e.thread)).toEqual(['P1.T1', 'P1.T2', 'P1.T2', 'P1.T1']);
  });

  it('1,000 seeded random schedules: no f_pos race, every byte read exactly once', () => {
    let contended = 0;
    const seen = new Set<string>();
    for (let seed = 1; seed <= 1000; seed++) {
      const { k, p, fd, got } = build();
      const r = runEngine(k.engine, { kind: 'random', seed });
      const s = formatSchedule(k.engine.schedule);
      expect(r.completed, `seed ${seed}`).toBe(true);
      expect(k.engine.violations, `seed ${seed}: ${s}`).toEqual([]);
      expect([...got[0]!, ...got[1]!].join('')).toHaveLength(21);
      expect(p.fileOf(fd).pos).toBe(21);
      seen.add(s);
      // Contention: one thread decided about f_pos_lock while the other held it.
      let holder: string | null = null;
      let waited = false;
      for (const e of k.engine.events) {
        if (e.kind !== 'step') continue;
        if (e.fn.startsWith('mutex_lock')) holder = e.thread;
        else if (e.fn.startsWith('mutex_unlock')) holder = null;
        else if (e.fn === 'file_needs_f_pos_lock' && holder !== null && holder !== e.thread) waited = true;
      }
      if (waited) contended++;
    }
    // The runs really interleave: many distinct schedules, hundreds with a thread parked on the lock.
    expect(seen.size).toBeGreaterThan(900);
    expect(contended).toBeGreaterThan(500);
  });
});

describe('a real f_pos race is detected when it exists (kernel-file.md §3.4, §9.4)', () => {
  /**
   * P1 (single-threaded, count 1) reads fd 0; P2 obtains a reference to the same file
   * (receive_fd, as pidfd_getfd or SCM_RIGHTS would) after P1's fdget_pos decided, then
   * reads it too.
   */
  function build(rule: FdgetPosRule, path = '/data/log') {
    const k = newKernel({ policy: { fdgetPos: rule } });
    const p1 = k.spawnProcess();
    const p2 = k.spawnProcess();
    const fd = p1.open(path, O_RDONLY);
    const file = p1.fileOf(fd);
    const dir = path === '/srv';
    const t1 = p1.thread(function* (sys) {
      if (dir) yield* sys.getdents(fd, 2);
      else yield* sys.read(fd, 7);
    });
    const t2 = p2.thread(function* (sys) {
      const nfd = yield* receiveFdSteps(sys.task, file, 0);
      if (dir) yield* sys.getdents(nfd, 2);
      else yield* sys.read(nfd, 7);
    });
    return { k, p1, p2, file, t1, t2 };
  }

  // P1: fdget_pos (borrowed, count 1 → no lock), reads f_pos        → 0.0.0.0
  // P2: receive_fd (count 2), read: fdget_pos locks, reads f_pos     → 1 × 10
  // P1 continues its read-modify-write without the lock.
  const SCHEDULE = '0.0.0.0.1.1.1.1.1.1.1.1.1.1';

  it("'when-shared': P1 skipped f_pos_lock at count 1; P2's later reference does not change that — fpos-race", () => {
    const { k, p2, file } = build('when-shared');
    expect(k.run(SCHEDULE).completed).toBe(true);
    const log = stepLog(k);
    expect(log.slice(0, 4)).toEqual(['P1.T1:__fget_light:files->count', 'P1.T1:files_lookup_fd_raw', 'P1.T1:file_needs_f_pos_lock', 'P1.T1:f_pos:read']);
    expect(log.slice(4, 6)).toEqual(['P2.T1:get_unused_fd_flags', 'P2.T1:fd_install(get_file)']);
    const v = violations(k, 'fpos-race');
    expect(v).toHaveLength(1);
    expect(v[0]!.object).toBe('file#1');
    expect(v[0]!.thread).toBe('P2.T1');
    expect(v[0]!.message).toMatch(/P1\.T1 skipped f_pos_lock because f_count was 1 at fdget_pos \(fdgetPos: when-shared, borrowed fd\)/);
    // Both read from position 0: the lost update POSIX forbids.
    expect(file.pos).toBe(7);
    expect(p2.fileOf(0)).toBe(file);
  });

  it("'always' (20ea1e7d13c1): P1 holds f_pos_lock, P2 waits — no race", () => {
    const { k, file, t1, t2 } = build('always');
    stepUntil(k, t1.sim, 'vfs_read');
    stepUntil(k, t2.sim, /^mutex_lock/);
    expect(k.engine.isEnabled(t2.sim.id)).toBe(false);
    stepToEnd(k, t1.sim);
    stepToEnd(k, t2.sim);
    expect(k.engine.violations).toEqual([]);
    expect(file.pos).toBe(14);
  });

  function raceUnder(rule: FdgetPosRule, path: string): boolean {
    const { k, t1, t2 } = build(rule, path);
    stepUntil(k, t1.sim, /^(vfs_read|iterate_dir)$/);
    while (t2.sim.pending !== null && k.engine.isEnabled(t2.sim.id)) k.engine.step(t2.sim.id);
    stepToEnd(k, t1.sim);
    stepToEnd(k, t2.sim);
    return violations(k, 'fpos-race').length > 0;
  }

  it('regular files: every rule but always skips the lock at count 1 (POSIX semantics only)', () => {
    const rules: FdgetPosRule[] = ['when-shared', 'always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'];
    expect(rules.map((r) => [r, raceUnder(r, '/data/log')])).toEqual([
      ['when-shared', true], ['always', false], ['when-shared-or-dir', true], ['when-shared-or-iterate', true], ['raw-count-or-iterate', true],
    ]);
  });

  it('directories (seed 000, getdents): only the v3.14–v6.4 rule races; 797964253d35 and later lock directories', () => {
    const rules: FdgetPosRule[] = ['when-shared', 'always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'];
    expect(rules.map((r) => [r, raceUnder(r, '/srv')])).toEqual([
      ['when-shared', true], ['always', false], ['when-shared-or-dir', false], ['when-shared-or-iterate', false], ['raw-count-or-iterate', false],
    ]);
  });
});

describe('seed 001: POSIX locks lost on a multithreaded exec (kernel-file.md §5.4, §9.5)', () => {
  function build(execUnshare: 'before-de_thread' | 'after-de_thread'): { k: Kernel; p: Process; inode: ReturnType<Process['fileOf']>['inode']; t2: ReturnType<Process['thread']> } {
    const k = newKernel({ policy: { execUnshare } });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const inode = p.fileOf(fd).inode;
    p.thread(function* (sys) {
      yield* sys.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 0 }); // T1 takes the lock
    });
    const t2 = p.thread(function* (sys) {
      yield* sys.exec(); // T2 execs
    });
    return { k, p, inode, t2 };
  }

  // T1: F_SETLK to the end (fget, posix_lock_file, recheck, fput) → 10 steps; then T2 execs.
  const SCHEDULE = '0.0.0.0.0.0.0.0.0.0.1';

  it("'before-de_thread': exec copies the still-shared table; T1's death drops the old one and the lock with it", () => {
    const { k, p, inode, t2 } = build('before-de_thread');
    const oldFiles = p.files;
    expect(k.run(SCHEDULE).completed).toBe(true);
    expect(stepLog(k).slice(10)).toEqual([
      'P1.T2:unshare_fd:files->count', 'P1.T2:dup_fd', 'P1.T2:task_lock: task->files = copy', 'P1.T2:put_files_struct',
      'P1.T2:de_thread: zap_other_threads', 'P1.T2:de_thread: wait for the other threads to leave the kernel', 'P1.T2:put_files_struct', 'P1.T2:close_files', 'P1.T2:filp_flush', 'P1.T2:fput', 'P1.T2:close_files', 'P1.T2:de_thread: release_task',
      'P1.T2:do_close_on_exec',
    ]);
    expect(posixLocksOf(inode)).toEqual([]); // lost, although POSIX says locks survive exec
    expect(t2.files!.name).toBe('P1.files2');
    expect(k.engine.events.some((e) => e.kind === 'effect' && e.fn === 'locks_remove_posix' && e.detail?.owner === oldFiles.simId)).toBe(true);
  });

  it("'after-de_thread' (v5.11 fix): the count is 1 after de_thread, no copy — the lock survives", () => {
    const { k, p, inode, t2 } = build('after-de_thread');
    expect(k.run(SCHEDULE).completed).toBe(true);
    expect(stepLog(k).slice(10)).toEqual(['P1.T2:de_thread: zap_other_threads', 'P1.T2:de_thread: wait for the other threads to leave the kernel', 'P1.T2:put_files_struct', 'P1.T2:de_thread: release_task', 'P1.T2:unshare_fd:files->count', 'P1.T2:do_close_on_exec']);
    expect(posixLocksOf(inode).map((l) => [l.owner.name, l.pid])).toEqual([['P1.files', p.pid]]);
    expect(t2.files!.name).toBe('P1.files');
  });
});
