import { describe, expect, it } from 'vitest';
import {
  O_APPEND, O_CREAT, O_PATH, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, type FileOperations,
} from '../src/index.js';
import { errnoOf, newKernel, state } from './helpers.js';

describe('read / write / lseek / getdents through fdget_pos (kernel-file.md §3.4)', () => {
  it('read returns bytes at f_pos and advances it; a short read at the end; 0 bytes at EOF', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    expect(p.read(fd, 7)).toBe('line 1\n');
    expect(p.fileOf(fd).pos).toBe(7);
    expect(p.read(fd, 100)).toBe('line 2\nline 3\n');
    expect(p.read(fd, 10)).toBe('');
    expect(p.fileOf(fd).pos).toBe(21);
    expect(p.read(fd, 0)).toBe('');
    p.close(fd);
  });

  it('f_pos belongs to the open file description: shared by dup and fork, separate for another open', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.dup(a);
    const c = p.open('/data/log', O_RDONLY);
    expect(p.read(a, 5)).toBe('line ');
    expect(p.read(b, 2)).toBe('1\n');
    expect(p.read(c, 4)).toBe('line');
    const child = p.fork();
    expect(child.read(a, 4)).toBe('line');
    expect(p.read(b, 3)).toBe(' 2\n');
    child.exit();
    p.closeRange(0, 10);
  });

  it('write writes at f_pos, O_APPEND always at the end', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const w = p.open('/tmp/f', O_RDWR | O_CREAT);
    expect(p.write(w, 'abcdef')).toBe(6);
    p.lseek(w, 2, SEEK_SET);
    p.write(w, 'XY');
    expect(k.vfs.lookup('/tmp/f').inode.data).toBe('abXYef');
    expect(p.fileOf(w).pos).toBe(4);
    const a = p.open('/tmp/f', O_WRONLY | O_APPEND);
    p.write(a, '!');
    expect(p.fileOf(a).pos).toBe(7);
    p.lseek(a, 0, SEEK_SET);
    p.write(a, '?');
    expect(k.vfs.lookup('/tmp/f').inode.data).toBe('abXYef!?');
    p.closeRange(0, 10);
  });

  it('lseek: SEEK_SET, SEEK_CUR, SEEK_END; past the end is allowed; a negative result is EINVAL', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDONLY);
    expect(p.lseek(fd, 5, SEEK_SET)).toBe(5);
    expect(p.lseek(fd, 2, SEEK_CUR)).toBe(7);
    expect(p.lseek(fd, -3, SEEK_CUR)).toBe(4);
    expect(p.lseek(fd, 0, SEEK_END)).toBe(21);
    expect(p.lseek(fd, 10, SEEK_END)).toBe(31);
    expect(p.read(fd, 5)).toBe('');
    const before = state(k);
    expect(errnoOf(() => p.lseek(fd, -100, SEEK_CUR))).toBe('EINVAL');
    expect(errnoOf(() => p.lseek(fd, 0, 3))).toBe('EINVAL');
    expect(errnoOf(() => p.lseek(fd, 0.5, SEEK_SET))).toBe('EINVAL');
    expect(state(k)).toBe(before);
    p.close(fd);
  });

  it('pipes are streams: read consumes, write appends, lseek is ESPIPE, f_pos stays 0', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const [r, w] = p.pipe();
    expect(p.write(w, 'hello')).toBe(5);
    expect(p.read(r, 2)).toBe('he');
    expect(p.read(r, 10)).toBe('llo');
    // An empty pipe with a writer: a blocking read would sleep, which a plain call cannot.
    expect(() => p.read(r, 10)).toThrow(/would sleep on pipe/);
    expect(p.fileOf(r).pos).toBe(0);
    expect(errnoOf(() => p.lseek(r, 0, SEEK_SET))).toBe('ESPIPE');
    expect(errnoOf(() => p.lseek(w, 0, SEEK_CUR))).toBe('ESPIPE');
    expect(errnoOf(() => p.lseek(r, 0, 7))).toBe('EINVAL'); // whence is checked before ->llseek
    expect(errnoOf(() => p.read(w, 1))).toBe('EBADF');
    expect(errnoOf(() => p.write(r, 'x'))).toBe('EBADF');
    p.closeRange(0, 1);
  });

  it('getdents lists a directory from f_pos; lseek rewinds it; on a regular file it is ENOTDIR', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const d = p.open('/srv', O_RDONLY);
    expect(p.getdents(d, 3)).toEqual(['a', 'b', 'c']);
    expect(p.getdents(d)).toEqual(['d']);
    expect(p.getdents(d)).toEqual([]);
    expect(p.lseek(d, 0, SEEK_SET)).toBe(0);
    expect(p.getdents(d, 1)).toEqual(['a']);
    const f = p.open('/data/log', O_RDONLY);
    expect(errnoOf(() => p.getdents(f))).toBe('ENOTDIR');
    const [r] = p.pipe();
    expect(errnoOf(() => p.getdents(r))).toBe('ENOTDIR');
    p.closeRange(0, 10);
  });

  it('read on a directory is EISDIR', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const d = p.open('/srv', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.read(d, 1))).toBe('EISDIR');
    expect(errnoOf(() => p.write(d, 'x'))).toBe('EBADF'); // a directory is never open for writing
    expect(state(k)).toBe(before);
    p.close(d);
  });

  it('EBADF on mode: read of O_WRONLY, write of O_RDONLY, any I/O on O_PATH', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const wo = p.open('/data/log', O_WRONLY);
    const ro = p.open('/data/log', O_RDONLY);
    const path = p.open('/data/log', O_PATH);
    const dirPath = p.open('/srv', O_PATH);
    const before = state(k);
    expect(errnoOf(() => p.read(wo, 1))).toBe('EBADF');
    expect(errnoOf(() => p.write(ro, 'x'))).toBe('EBADF');
    expect(errnoOf(() => p.read(path, 1))).toBe('EBADF');
    expect(errnoOf(() => p.write(path, 'x'))).toBe('EBADF');
    expect(errnoOf(() => p.lseek(path, 0, SEEK_SET))).toBe('EBADF');
    expect(errnoOf(() => p.getdents(dirPath))).toBe('EBADF');
    expect(state(k)).toBe(before);
    expect(k.vfs.lookup('/data/log').inode.data).toBe('line 1\nline 2\nline 3\n');
    p.closeRange(0, 10);
  });

  it('EBADF on a free or reserved fd; EINVAL on a bad count; EFAULT on data that is not a string', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR);
    const r = p.files.allocFd(0, 1024, false);
    const dir = p.open('/srv', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => p.read(r, 1))).toBe('EBADF');
    expect(errnoOf(() => p.write(9, 'x'))).toBe('EBADF');
    expect(errnoOf(() => p.read(9, -1))).toBe('EBADF'); // the fd is looked up before the count is checked
    expect(errnoOf(() => p.read(fd, -1))).toBe('EINVAL');
    expect(errnoOf(() => p.read(fd, 1.5))).toBe('EINVAL');
    expect(errnoOf(() => p.getdents(dir, -1))).toBe('EINVAL');
    expect(errnoOf(() => p.write(fd, 42 as unknown as string))).toBe('EFAULT');
    expect(state(k)).toBe(before);
    p.files.putUnusedFd(r);
    p.close(fd);
    p.close(dir);
  });

  it('anonymous-inode files without I/O fail read and write with EINVAL', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.files.allocFd(0, 1024, false);
    p.files.fdInstall(fd, k.vfs.openAnon('[eventfd]'));
    expect(errnoOf(() => p.read(fd, 1))).toBe('EINVAL');
    expect(errnoOf(() => p.write(fd, 'x'))).toBe('EINVAL');
    expect(errnoOf(() => p.lseek(fd, 0, SEEK_SET))).toBe('ESPIPE');
    p.close(fd);
  });

  it('user file operations: ->read and ->llseek are called with f_pos handled by the syscall layer', () => {
    const k = newKernel();
    const calls: string[] = [];
    const ops: FileOperations = {
      name: 'counter',
      read: (_f, pos, count) => {
        calls.push(`read ${pos} ${count}`);
        return 'x'.repeat(count);
      },
      llseek: (_f, offset, whence) => {
        calls.push(`llseek ${offset} ${whence}`);
        return offset * 10;
      },
    };
    const p = k.spawnProcess();
    const fd = p.files.allocFd(0, 1024, false);
    p.files.fdInstall(fd, k.vfs.openAnon('counter', ops, O_RDONLY));
    expect(p.read(fd, 3)).toBe('xxx');
    expect(p.read(fd, 2)).toBe('xx');
    expect(p.lseek(fd, 4, SEEK_SET)).toBe(40);
    expect(p.read(fd, 1)).toBe('x');
    expect(calls).toEqual(['read 0 3', 'read 3 2', 'llseek 4 0', 'read 40 1']);
    p.close(fd);
  });
});
