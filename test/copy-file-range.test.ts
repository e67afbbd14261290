import { describe, expect, it } from 'vitest';
import {
  defineScenario, explore, O_APPEND, O_CREAT, O_DIRECTORY, O_PATH, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR, SOCK_STREAM, Unix,
  type KernelPath, type Sys,
} from '../src/index.js';
import { errnoOf, newKernel, state } from './helpers.js';

/** A kernel with /tmp/in ('0123456789') open for reading (fd i) and an empty /tmp/out open read-write (fd o). */
function inAndOut() {
  const k = newKernel();
  const p = k.spawnProcess();
  const seed = p.open('/tmp/in', O_WRONLY | O_CREAT);
  p.write(seed, '0123456789');
  p.close(seed);
  return { k, p, i: p.open('/tmp/in', O_RDONLY), o: p.open('/tmp/out', O_RDWR | O_CREAT | O_TRUNC) };
}

describe('copy_file_range (vfs_copy_file_range in fs/read_write.c)', () => {
  it('copies from and to f_pos, advancing each, or from and to offsets, leaving f_pos alone', () => {
    const { k, p, i, o } = inAndOut();
    expect(p.copyFileRange(i, null, o, null, 4)).toBe(4);
    expect([p.lseek(i, 0, SEEK_CUR), p.lseek(o, 0, SEEK_CUR)]).toEqual([4, 4]);
    expect(p.copyFileRange(i, 2, o, 0, 3)).toBe(3);
    expect([p.lseek(i, 0, SEEK_CUR), p.lseek(o, 0, SEEK_CUR)]).toEqual([4, 4]);
    expect(k.vfs.lookup('/tmp/out').inode.data).toBe('2343');
    // Cut at the end of the in-file; nothing past it.
    expect(p.copyFileRange(i, 8, o, 0, 5)).toBe(2);
    expect(p.copyFileRange(i, 100, o, 0, 5)).toBe(0);
    p.closeRange(0, 10);
  });

  it("answers the host's errno in the host's order", () => {
    // Each line was run on Linux 6.18 (Python's os.copy_file_range on ext4).
    const { k, p, i, o } = inAndOut();
    const dir = p.open('/tmp', O_RDONLY | O_DIRECTORY);
    const [r, w] = p.pipe();
    const efd = p.eventfd(0);
    const [s] = Unix.socketpair(p, SOCK_STREAM);
    const wo = p.open('/tmp/in', O_WRONLY);
    const ro = p.open('/tmp/out', O_RDONLY);
    const app = p.open('/tmp/out', O_WRONLY | O_APPEND);
    const path = p.open('/tmp/in', O_PATH);
    k.vfs.mount('/mnt');
    const other = p.open('/mnt/x', O_RDWR | O_CREAT);
    const self = p.open('/tmp/self', O_RDWR | O_CREAT);
    p.write(self, 'abcdefgh');
    const before = state(k);
    const cfr = (inFd: number, outFd: number, len: number, offIn: number | null = null, offOut: number | null = null, flags = 0) =>
      errnoOf(() => p.copyFileRange(inFd, offIn, outFd, offOut, len, flags));
    const cases: Array<[string, string]> = [
      [cfr(99, o, 1), 'EBADF'],
      [cfr(i, 99, 1), 'EBADF'],
      [cfr(dir, o, 1), 'EISDIR'],
      [cfr(i, dir, 1), 'EISDIR'],
      [cfr(dir, w, 1), 'EISDIR'], // a directory on either side before anything else
      [cfr(r, dir, 1), 'EISDIR'],
      [cfr(r, o, 1), 'EINVAL'],
      [cfr(i, w, 1), 'EINVAL'],
      [cfr(r, o, 1, 0, 0), 'EINVAL'], // not ESPIPE: the type is checked, not FMODE_PREAD
      [cfr(efd, o, 1), 'EINVAL'],
      [cfr(s!, o, 1), 'EINVAL'],
      [cfr(wo, o, 1), 'EBADF'],
      [cfr(wo, o, 0), 'EBADF'], // before the zero length
      [cfr(i, ro, 1), 'EBADF'],
      [cfr(i, app, 1), 'EBADF'],
      [cfr(path, o, 1), 'EBADF'],
      [cfr(i, o, 1, null, null, 1), 'EINVAL'],
      [cfr(i, o, 1, -1, 0), 'EOVERFLOW'],
      [cfr(i, o, 1, 0, -1), 'EOVERFLOW'],
      [cfr(i, other, 3), 'EXDEV'],
      [cfr(self, self, 3, 0, 2), 'EINVAL'], // overlapping ranges of one inode
      [cfr(self, self, 2, 0, 0), 'EINVAL'],
      [cfr(i, o, 1, 0, 2 ** 62), 'EFBIG'],
    ];
    for (const [got, want] of cases) expect(got).toBe(want);
    expect(p.copyFileRange(i, null, o, null, 0)).toBe(0);
    expect(p.copyFileRange(i, 2 ** 62, o, 0, 1)).toBe(0); // cut to nothing at the in-file's end
    expect(p.copyFileRange(self, null, self, null, 2)).toBe(0); // f_pos 8 is the end: nothing, no overlap
    expect(state(k)).toBe(before);
    expect(p.copyFileRange(self, 0, self, 4, 2)).toBe(2);
    expect(k.vfs.lookup('/tmp/self').inode.data).toBe('abcdabgh');
    p.closeRange(0, 100);
  });

  it('takes no f_pos_lock: with read() on the same open file it races on f_pos in the current kernel', () => {
    function* copier(sys: Sys, fd: number, out: number): KernelPath<number> {
      return yield* sys.copyFileRange(fd, null, out, 0, 2);
    }
    const s = defineScenario({
      name: 'copy-file-range-vs-read',
      title: 'copy_file_range and read share one open file',
      source: 'test',
      setup(k) {
        const p = k.spawnProcess();
        const fd = p.open('/data/log', O_RDONLY);
        const out = p.open('/tmp/out', O_WRONLY | O_CREAT);
        p.thread((sys) => sys.read(fd, 2));
        p.thread((sys) => copier(sys, fd, out));
      },
    });
    const r = explore(s, { policy: 'current' });
    expect(r.violations.map((v) => v.kind)).toEqual(['fpos-race']);
    expect(r.violations[0]!.message).toMatch(/takes no f_pos_lock \(copy_file_range\(\)/);
  });
});
