/*
 * Custom file types at paths (vfs.mknod) and receive_fd from a Process.
 */
import { describe, expect, it } from 'vitest';
import {
  EPOLLIN, Kernel, ModelError, O_CLOEXEC, O_DIRECTORY, O_RDONLY, O_RDWR, explore, type FileOperations, type RefFile,
} from 'fdlab';
import { errnoOf, newKernel } from './helpers.js';

/** A device whose reads return how many times it has been read through this open file. */
function counterOps(): FileOperations {
  const reads = new WeakMap<RefFile, number>();
  return {
    name: 'counter',
    stream: true,
    read: (file) => {
      const n = (reads.get(file) ?? 0) + 1;
      reads.set(file, n);
      return String(n);
    },
    poll: () => EPOLLIN,
  };
}

describe('vfs.mknod', () => {
  it('open() of the node returns a file of the given type; dup and fork share it, close releases it', () => {
    const k = newKernel();
    k.vfs.mknod('/tmp/counter', counterOps());
    const p = k.spawnProcess();
    const fd = p.open('/tmp/counter', O_RDWR);
    const f = p.fileOf(fd);
    expect(f.ops.name).toBe('counter');
    expect(f.inode.kind).toBe('chr');
    expect(p.read(fd, 8)).toBe('1');
    const d = p.dup(fd);
    expect(p.read(d, 8)).toBe('2'); // the same open file description
    const c = p.fork();
    expect(c.read(fd, 8)).toBe('3');
    expect(f.count).toBe(4); // fd and its dup, in both tables
    const other = p.open('/tmp/counter', O_RDONLY);
    expect(p.read(other, 8)).toBe('1'); // a second open is a new description
    expect(errnoOf(() => p.lseek(fd, 0, 0))).toBe('ESPIPE'); // a stream without ->llseek
    expect(p.poll([{ fd, events: EPOLLIN }], 0).revents).toEqual([EPOLLIN]);
    c.exit();
    p.closeRange(0, 10);
    expect(f.live).toBe(false);
  });

  // Checked on the host (Linux 6.18): mkfifo() of an existing path EEXIST, under a missing
  // directory ENOENT, under a regular file ENOTDIR; open(O_DIRECTORY) of the node ENOTDIR.
  it('reports EEXIST, ENOENT and ENOTDIR as mknod(2) does, and O_DIRECTORY on the node is ENOTDIR', () => {
    const k = newKernel();
    k.vfs.mknod('/tmp/dev', counterOps());
    expect(errnoOf(() => k.vfs.mknod('/tmp/dev', counterOps()))).toBe('EEXIST');
    expect(errnoOf(() => k.vfs.mknod('/nonexistent/dev', counterOps()))).toBe('ENOENT');
    expect(errnoOf(() => k.vfs.mknod('/data/log/dev', counterOps()))).toBe('ENOTDIR');
    expect(errnoOf(() => k.spawnProcess().open('/tmp/dev', O_DIRECTORY))).toBe('ENOTDIR');
    expect(() => k.vfs.mknod('/tmp/x', null as unknown as FileOperations)).toThrow(ModelError);
  });

  it('threads open the node with sys.open, and the explorer runs over it', () => {
    const r = explore({
      name: 'counter-open',
      title: 'two threads open and read a device node',
      source: 'test',
      setup: (k) => {
        k.vfs.mknod('/tmp/counter', counterOps());
        const p = k.spawnProcess();
        for (let i = 0; i < 2; i++) {
          p.thread(function* (sys) {
            const fd = yield* sys.open('/tmp/counter', O_RDONLY);
            yield* sys.read(fd, 8);
            yield* sys.close(fd);
          });
        }
      },
    });
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
  });
});

describe('Process.receiveFd', () => {
  it('installs its own reference at the lowest free fd, with O_CLOEXEC if asked', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY); // fd 0
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    expect(p.receiveFd(f, O_CLOEXEC)).toBe(1);
    expect(p.main.files!.getCloexec(1)).toBe(true);
    expect(f.count).toBe(2);
    expect(p.receiveFdReplace(5, f)).toBe(5);
    expect(f.count).toBe(3);
    f.fput();
    p.closeRange(0, 10);
    expect(f.live).toBe(false);
  });

  it('refuses a file of another Kernel and a released file (model misuse)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const foreign = new Kernel().vfs.openFile('/data/log', O_RDONLY);
    expect(() => p.receiveFd(foreign)).toThrow(/another Kernel/);
    foreign.fput();
    const f = k.vfs.openFile('/data/log', O_RDONLY);
    f.fput();
    expect(() => p.receiveFd(f)).toThrow(ModelError);
  });
});
