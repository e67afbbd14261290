/**
 * open(2)'s flags and path checks, F_GETFL and F_SETFL, as Linux 6.18 answers them
 * (each case run on the host by conformance/; the C checks are in docs/conformance.md).
 */
import { describe, expect, it } from 'vitest';
import { F_GETFL, F_SETFL, ModelError, O_APPEND, O_ASYNC, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY } from '../src/index.js';
import { buildOpenFlags } from '../src/extend.js';
import { errnoOf, newKernel, state } from './helpers.js';

describe('open(2) flags', () => {
  it('drops unknown bits and accepts access mode 3 (neither read nor write)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR | 0o4 | 0o40000000 | (1 << 30));
    expect(p.fcntl(fd, F_GETFL)).toBe(O_RDWR | O_LARGEFILE);
    const m3 = p.open('/data/log', 3);
    expect(p.fcntl(m3, F_GETFL)).toBe(3 | O_LARGEFILE);
    expect(errnoOf(() => p.read(m3, 1))).toBe('EBADF');
    expect(errnoOf(() => p.write(m3, 'x'))).toBe('EBADF');
    expect(errnoOf(() => p.open('/srv', 3))).toBe('EISDIR'); // mode 3 asks for MAY_WRITE
    p.closeRange(0, 10);
  });

  it('F_GETFL: O_LARGEFILE added; O_CREAT, O_EXCL, O_TRUNC, O_NOCTTY, O_CLOEXEC gone; O_SYNC is __O_SYNC | O_DSYNC', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/tmp/x', O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC | O_APPEND | O_SYNC | O_ASYNC);
    expect(p.fcntl(fd, F_GETFL)).toBe(O_WRONLY | O_APPEND | O_SYNC | O_ASYNC | O_LARGEFILE);
    p.close(fd);
  });

  it('O_PATH keeps only O_PATH, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC: no O_CREAT, no truncation, no access mode', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_PATH | O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_APPEND);
    expect(p.fcntl(fd, F_GETFL)).toBe(O_PATH | O_NOFOLLOW);
    expect(p.files.getCloexec(fd)).toBe(true);
    expect(k.vfs.lookup('/data/log').inode.data).toBe('line 1\nline 2\nline 3\n');
    expect(errnoOf(() => p.open('/tmp/new', O_PATH | O_CREAT))).toBe('ENOENT'); // O_CREAT dropped
    expect(p.fcntl(p.open('/srv', O_PATH | O_CREAT | O_DIRECTORY), F_GETFL)).toBe(O_PATH | O_DIRECTORY); // no EINVAL: O_CREAT went first
    expect(errnoOf(() => p.fcntl(fd, F_SETFL, O_NONBLOCK))).toBe('EBADF');
    p.closeRange(0, 10);
  });

  it('O_CREAT | O_DIRECTORY is EINVAL whatever the path (v6.4+); O_TMPFILE without write access is EINVAL', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    for (const path of ['/srv', '/data/log', '/tmp/none']) expect(errnoOf(() => p.open(path, O_RDWR | O_CREAT | O_DIRECTORY))).toBe('EINVAL');
    expect(errnoOf(() => p.open('/tmp', O_RDONLY | O_TMPFILE))).toBe('EINVAL');
    expect(errnoOf(() => p.open('/tmp', O_RDWR | O_TMPFILE))).toBe('EOPNOTSUPP'); // not modelled
    expect(buildOpenFlags(O_RDONLY)).toBe(O_LARGEFILE);
  });

  it('O_DIRECT: regular files take it, directories are EINVAL', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    expect(p.fcntl(p.open('/data/log', O_RDONLY | O_DIRECT), F_GETFL)).toBe(O_DIRECT | O_LARGEFILE);
    expect(errnoOf(() => p.open('/srv', O_RDONLY | O_DIRECT))).toBe('EINVAL');
    p.close(0);
  });
});

describe('open(2) paths and errno order', () => {
  it('a trailing slash: ENOTDIR on a file, EISDIR with O_CREAT, fine on a directory', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    expect(errnoOf(() => p.open('/data/log/', O_RDONLY))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/tmp/new/', O_RDWR | O_CREAT))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/data/log/', O_RDWR | O_CREAT))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/nonexistent/', O_RDONLY))).toBe('ENOENT');
    expect(p.open('/srv/', O_RDONLY)).toBe(0);
    p.close(0);
  });

  it('walks component by component: ENOTDIR through a file even when deeper parts are missing', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    expect(errnoOf(() => p.open('/data/log/x', O_RDONLY))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/data/log/x/y', O_RDWR | O_CREAT))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/none/x/y', O_RDONLY))).toBe('ENOENT');
    expect(errnoOf(() => p.open('/data/log/.', O_RDONLY))).toBe('ENOTDIR');
  });

  it('ENAMETOOLONG: a component over NAME_MAX, a path of PATH_MAX bytes or more', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    expect(errnoOf(() => p.open(`/tmp/${'n'.repeat(256)}`, O_RDWR | O_CREAT))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => p.open(`/tmp/${'n'.repeat(256)}/x`, O_RDONLY))).toBe('ENAMETOOLONG');
    expect(p.open(`/tmp/${'n'.repeat(255)}`, O_RDWR | O_CREAT)).toBe(0);
    expect(errnoOf(() => p.open(`/tmp/${'d/'.repeat(2100)}x`, O_RDONLY))).toBe('ENAMETOOLONG');
    p.close(0);
  });

  it('O_CREAT on a directory: EEXIST with O_EXCL, else EISDIR; "/" and "." are directories too', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    expect(errnoOf(() => p.open('/srv', O_RDONLY | O_CREAT))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/srv', O_RDONLY | O_CREAT | O_EXCL))).toBe('EEXIST');
    expect(errnoOf(() => p.open('/', O_RDONLY | O_CREAT))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/tmp/.', O_RDONLY | O_CREAT | O_EXCL))).toBe('EEXIST');
    expect(errnoOf(() => p.open('/srv', O_WRONLY))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/srv', O_RDONLY | O_TRUNC))).toBe('EISDIR');
  });

  it('flag and path errors come before EMFILE, lookup errors after it', () => {
    const k = newKernel({ rlimitNofile: 1 });
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    expect(errnoOf(() => p.open('/data/log', O_CREAT | O_DIRECTORY))).toBe('EINVAL');
    expect(errnoOf(() => p.open('', O_RDONLY))).toBe('ENOENT');
    expect(errnoOf(() => p.open(`/${'x'.repeat(4096)}`, O_RDONLY))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => p.open('/nonexistent', O_RDONLY))).toBe('EMFILE');
    p.close(0);
  });

  it('a NUL in a path is a ModelError: C would see the path cut short', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const before = state(k);
    expect(() => p.open('/data/log\0x', O_RDONLY)).toThrow(ModelError);
    expect(state(k)).toBe(before);
  });
});

describe('F_SETFL', () => {
  it('changes O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME only; FASYNC only where ->fasync exists (pipes)', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    const fd = p.open('/data/log', O_RDWR | O_SYNC | O_APPEND);
    expect(p.fcntl(fd, F_SETFL, O_NOATIME | O_ASYNC | O_NONBLOCK | O_DIRECT | O_TRUNC | O_WRONLY)).toBe(0);
    expect(p.fcntl(fd, F_GETFL)).toBe(O_RDWR | O_SYNC | O_NOATIME | O_NONBLOCK | O_DIRECT | O_LARGEFILE);
    expect(p.fcntl(fd, F_SETFL, -1)).toBe(0); // an unsigned int: every settable bit
    expect(p.fcntl(fd, F_GETFL)).toBe(O_RDWR | O_SYNC | O_NOATIME | O_NONBLOCK | O_DIRECT | O_APPEND | O_LARGEFILE);
    const d = p.open('/srv', O_RDONLY);
    expect(errnoOf(() => p.fcntl(d, F_SETFL, O_DIRECT))).toBe('EINVAL');
    const [r] = p.pipe();
    p.fcntl(r, F_SETFL, O_ASYNC);
    expect(p.fcntl(r, F_GETFL)).toBe(O_ASYNC);
    p.closeRange(0, 10);
  });
});
