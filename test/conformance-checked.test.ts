/**
 * The state the conformance fixes added — f_flags (F_SETFL), O_APPEND read by write, the
 * pipe's page ring, POSIX lock merging, close_range's private copy, reaping at exit —
 * changed from threads under checked mode: every interleaving runs without a ModelError
 * (an undeclared access would throw one), and the results hold in each.
 */
import { describe, expect, it } from 'vitest';
import {
  CLOSE_RANGE_UNSHARE, F_GETFL, F_SETFL, F_SETLK, F_WRLCK, O_APPEND, O_NONBLOCK, O_RDWR, defineScenario, explore,
} from '../src/index.js';

describe('conformance state under checked mode', () => {
  it('F_SETFL racing a pipe write and an O_APPEND write: every interleaving is declared', () => {
    const s = defineScenario({
      name: 'setfl-vs-write',
      title: 'F_SETFL(O_APPEND | O_NONBLOCK) against writes that read f_flags',
      source: 'fs/fcntl.c setfl, fs/read_write.c, fs/pipe.c',
      setup(k) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', O_RDWR);
        const [r, w] = p.pipe(O_NONBLOCK);
        const a = p.thread(function* (sys) {
          yield* sys.fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK);
          return yield* sys.fcntl(fd, F_GETFL);
        });
        const b = p.thread(function* (sys) {
          return yield* sys.write(fd, 'xy');
        });
        const c = p.thread(function* (sys) {
          yield* sys.write(w, 'z'.repeat(5000));
          return yield* sys.read(r, 4096);
        });
        return { p, a, b, c, fd };
      },
      check(_k, { p, a, b, c }) {
        expect(((a.sim.result as number) & O_APPEND) !== 0).toBe(true);
        expect(b.sim.result).toBe(2);
        expect((c.sim.result as string).length).toBe(4096);
        p.closeRange(0, ~0);
      },
    });
    const res = explore(s);
    expect(res.exhaustive).toBe(true);
    expect(res.violations).toEqual([]);
    expect(res.runs).toBeGreaterThan(1);
  });

  it('POSIX locks merge, close_range(UNSHARE) copies a shared table, and a child exits to be reaped', () => {
    const s = defineScenario({
      name: 'locks-unshare-exit',
      title: 'lock merge, close_range on a private copy, exit_notify',
      source: 'fs/locks.c posix_lock_inode, fs/file.c __close_range, kernel/exit.c exit_notify',
      setup(k) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', O_RDWR);
        const child = p.fork();
        const a = p.thread(function* (sys) {
          yield* sys.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: 0, start: 0, len: 2 });
          yield* sys.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: 0, start: 2, len: 2 });
        });
        const b = p.thread(function* (sys) {
          yield* sys.closeRange(fd + 1, ~0, CLOSE_RANGE_UNSHARE);
        });
        child.thread(function* (sys) {
          yield* sys.exit();
        });
        return { p, a, b, child, fd };
      },
      check(k, { p, child, fd }) {
        expect(k.engine.peek(() => p.fileOf(fd).inode.locks?.length)).toBe(1); // [0, 3] merged
        expect(child.reaped).toBe(false); // a zombie until its parent waits
        expect(p.wait4(child.pid)).toBe(child.pid);
        p.closeRange(0, ~0);
      },
    });
    const res = explore(s);
    expect(res.exhaustive).toBe(true);
    expect(res.violations.map((v) => v.message)).toEqual([]);
  });
});
