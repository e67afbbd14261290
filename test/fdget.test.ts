import { describe, expect, it } from 'vitest';
import { O_PATH, O_RDONLY, O_RDWR, type FdgetPosRule, type FileOperations, type Kernel, type Process, type RefFile } from '../src/index.js';
import { EMPTY_FD, FDPUT_FPUT, FDPUT_POS_UNLOCK, fdWordId, fdgetSteps, fdputSteps, fileNeedsPosLock, fputTeardown, syscallSteps } from '../src/extend.js';
import { newKernel, stepLog } from './helpers.js';

const RULES: readonly FdgetPosRule[] = ['when-shared', 'always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'];

/** A second task sharing the table (clone(CLONE_FILES)): files_struct.count 2. */
function shareTable(p: Process): void {
  p.thread(function* (sys) {
    yield* sys.getpid();
  });
  p.thread(function* (sys) {
    yield* sys.getpid();
  });
}

describe('fdget: borrowed vs cloned on files_struct.count (kernel-file.md §3.3)', () => {
  it('single-threaded: fdget borrows — no reference, FDPUT_FPUT clear', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    expect(p.files.count).toBe(1);
    const w = p.files.fdget(fd);
    expect(w & FDPUT_FPUT).toBe(0);
    expect(p.files.fileOfWord(w)).toBe(f);
    expect(k.fdFile(w)).toBe(f);
    expect(fdWordId(w)).toBe(f.simId);
    expect(f.count).toBe(1);
    p.files.fdput(w);
    expect(f.count).toBe(1);
    p.close(fd);
    k.run();
  });

  it('shared table (count 2): fdget clones — takes a reference that fdput drops', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    shareTable(p);
    expect(p.files.count).toBe(2);
    const w = p.files.fdget(fd);
    expect(w & FDPUT_FPUT).toBe(FDPUT_FPUT);
    expect(p.files.fileOfWord(w)).toBe(f);
    expect(f.count).toBe(2);
    p.files.fdput(w);
    expect(f.count).toBe(1);
    k.run();
  });

  it('stepped fdget: one count read then a raw slot load when borrowed; the RCU fget path when shared', () => {
    for (const threads of [1, 2]) {
      const k = newKernel();
      const p = k.spawnProcess();
      const fd = p.open('/data/log', O_RDONLY);
      const f = p.fileOf(fd);
      const words: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < threads; i++) {
        p.thread(function* (sys) {
          const files = sys.task.files!;
          const w = yield* syscallSteps(sys.task, fdgetSteps(sys.task, files, fd));
          words.push(w);
          counts.push(f.count);
          yield* syscallSteps(sys.task, fdputSteps(sys.task, files, w));
        });
      }
      const t = p.main.sim;
      while (t.pending !== null) k.engine.step(t.id);
      const fns = stepLog(k).map((s) => s.slice(s.indexOf(':') + 1));
      if (threads === 1) {
        expect(fns).toEqual(['__fget_light:files->count', 'files_lookup_fd_raw']);
        expect(words[0]! & FDPUT_FPUT).toBe(0);
        expect(counts).toEqual([1]);
      } else {
        expect(fns).toEqual([
          '__fget_light:files->count', 'rcu_read_lock', 'rcu_dereference(files->fdt)', 'rcu_dereference(fdt->fd[fd])',
          'file_ref_get', 'recheck fdt->fd[fd] and files->fdt', 'rcu_read_unlock', 'fput',
        ]);
        expect(words[0]! & FDPUT_FPUT).toBe(FDPUT_FPUT);
        expect(counts).toEqual([2]);
      }
      expect(f.count).toBe(1);
      k.run();
    }
  });

  it('a fork child has its own table: count stays 1 and fdget borrows in both', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const c = p.fork();
    expect([p.files.count, c.files.count]).toEqual([1, 1]);
    expect(c.files.fdget(fd) & FDPUT_FPUT).toBe(0);
    expect(p.files.fdget(fd) & FDPUT_FPUT).toBe(0);
  });

  it('fdget of a free, reserved, out-of-range or O_PATH fd is EMPTY_FD; fdgetRaw sees O_PATH', () => {
    const k = newKernel();
    for (const shared of [false, true]) {
      const p = k.spawnProcess();
      const path = p.open('/srv', O_PATH);
      const reserved = p.files.allocFd(0, 1024, false);
      if (shared) shareTable(p);
      const f = p.fileOf(path);
      for (const fd of [reserved, 5, -1, 2 ** 40, 1.5, NaN]) {
        expect(p.files.fdget(fd)).toBe(EMPTY_FD);
        expect(p.files.fdgetRaw(fd)).toBe(EMPTY_FD);
      }
      expect(p.files.fdget(path)).toBe(EMPTY_FD);
      const w = p.files.fdgetRaw(path);
      expect(p.files.fileOfWord(w)).toBe(f);
      expect(w & FDPUT_FPUT).toBe(shared ? FDPUT_FPUT : 0);
      p.files.fdput(w);
      expect(f.count).toBe(1);
      // fget() hides O_PATH files; fget_raw() returns them with a reference.
      expect(p.files.fget(path)).toBeNull();
      expect(p.files.fgetRaw(path)).toBe(f);
      expect(f.count).toBe(2);
      f.fput();
      p.files.putUnusedFd(reserved);
    }
    k.run();
  });
});

/** A file with ->iterate_shared that is not a directory (inode kind 'anon'). */
const iterOps: FileOperations = { name: 'iterable', iterateShared: () => [] };

interface Case {
  readonly what: string;
  readonly make: (k: Kernel, p: Process) => number;
}

const CASES: readonly Case[] = [
  { what: 'regular file', make: (_k, p) => p.open('/data/log', O_RDWR) },
  { what: 'directory', make: (_k, p) => p.open('/srv', O_RDONLY) },
  {
    what: 'non-directory with ->iterate_shared',
    make: (k, p) => {
      const f = k.vfs.openAnon('iterable', iterOps);
      const fd = p.files.allocFd(0, 1024, false);
      p.files.fdInstall(fd, f);
      return fd;
    },
  },
  {
    what: 'pipe (stream, no FMODE_ATOMIC_POS)',
    make: (_k, p) => {
      const [r, w] = p.pipe();
      p.close(w);
      return r;
    },
  },
];

/** Whether f_pos_lock is taken, per rule, for [count 1 (borrowed), count 2 (a dup elsewhere)]. */
const EXPECTED: Record<string, Record<FdgetPosRule, [boolean, boolean]>> = {
  'regular file': {
    'when-shared': [false, true], always: [true, true], 'when-shared-or-dir': [false, true],
    'when-shared-or-iterate': [false, true], 'raw-count-or-iterate': [false, true],
  },
  directory: {
    'when-shared': [false, true], always: [true, true], 'when-shared-or-dir': [true, true],
    'when-shared-or-iterate': [true, true], 'raw-count-or-iterate': [true, true],
  },
  'non-directory with ->iterate_shared': {
    'when-shared': [false, true], always: [true, true], 'when-shared-or-dir': [false, true],
    'when-shared-or-iterate': [true, true], 'raw-count-or-iterate': [true, true],
  },
  'pipe (stream, no FMODE_ATOMIC_POS)': {
    'when-shared': [false, false], always: [false, false], 'when-shared-or-dir': [false, false],
    'when-shared-or-iterate': [false, false], 'raw-count-or-iterate': [false, false],
  },
};

describe('fdget_pos under the five fdgetPos rules (kernel-file.md §3.4)', () => {
  for (const rule of RULES) {
    for (const c of CASES) {
      it(`${rule}: ${c.what}`, () => {
        const k = newKernel({ policy: { fdgetPos: rule } });
        const p = k.spawnProcess();
        const fd = c.make(k, p);
        const f = p.fileOf(fd);
        const [alone, shared] = EXPECTED[c.what]![rule];
        // count 1: single-threaded, single fd
        let w = p.files.fdgetPos(fd);
        expect((w & FDPUT_POS_UNLOCK) !== 0, 'lock taken at count 1').toBe(alone);
        expect(f.posLocked).toBe(alone);
        p.files.fdputPos(w);
        expect(f.posLocked).toBe(false);
        // count 2: another reference exists (a dup in a fork child)
        const child = p.fork();
        expect(f.count).toBe(2);
        w = p.files.fdgetPos(fd);
        expect((w & FDPUT_POS_UNLOCK) !== 0, 'lock taken at count 2').toBe(shared);
        p.files.fdputPos(w);
        expect(f.posLocked).toBe(false);
        child.exit();
        expect(k.engine.violations).toEqual([]);
      });
    }
  }

  it('in a multithreaded process fdget clones, so even when-shared locks (count ≥ 2)', () => {
    const k = newKernel({ policy: { fdgetPos: 'when-shared' } });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    shareTable(p);
    const w = p.files.fdgetPos(fd);
    expect(w & (FDPUT_FPUT | FDPUT_POS_UNLOCK)).toBe(FDPUT_FPUT | FDPUT_POS_UNLOCK);
    expect(p.fileOf(fd).count).toBe(2);
    p.files.fdputPos(w);
    expect(p.fileOf(fd).count).toBe(1);
    expect(p.fileOf(fd).posLocked).toBe(false);
    k.run();
  });

  it('raw-count-or-iterate differs from when-shared-or-iterate only on an odd count (a dying file)', () => {
    const k = newKernel();
    const f: RefFile = k.vfs.openFile('/data/log', O_RDONLY);
    expect(f.put()).toBe(true); // count 0, __fput not yet run
    expect(fileNeedsPosLock('raw-count-or-iterate', f)).toBe(true);
    expect(fileNeedsPosLock('when-shared-or-iterate', f)).toBe(false);
    expect(fileNeedsPosLock('when-shared', f)).toBe(false);
    fputTeardown(f);
  });

  it('the decision is taken once: a reference that appears after fdget_pos does not add the lock', () => {
    const k = newKernel({ policy: { fdgetPos: 'when-shared' } });
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    const w = p.files.fdgetPos(fd);
    f.getFile(); // e.g. pidfd_getfd() from another process
    expect(w & FDPUT_POS_UNLOCK).toBe(0);
    expect(f.posLocked).toBe(false);
    p.files.fdputPos(w);
    f.fput();
  });
});
