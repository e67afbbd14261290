import { describe, expect, it } from 'vitest';
import { EPOLLIN, unixSockOfFile, F_GETFD, FD_CLOEXEC, O_CLOEXEC, O_DIRECTORY, O_RDONLY, O_RDWR, type Kernel, type KernelPath, type Process, type Sys } from '../src/index.js';
import {
  IORING_ENTER_GETEVENTS, IORING_FILE_INDEX_ALLOC, IORING_FIXED_FD_NO_CLOEXEC, IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_GETDENTS,
  IORING_OP_NOP, IORING_OP_OPENAT, IORING_OP_POLL_ADD, IORING_OP_READ, IORING_OP_WRITE, IORING_REGISTER_FILE_ALLOC_RANGE, IORING_REGISTER_FILES,
  IORING_REGISTER_FILES2, IORING_REGISTER_FILES_SKIP, IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_FILES_UPDATE2, IORING_RSRC_REGISTER_SPARSE,
  IORING_UNREGISTER_FILES, IOSQE_ASYNC, IOSQE_FIXED_FILE, ioUring, isUringFile, type UringApi,
} from '../src/plugins/io-uring/index.js';
import { errnoOf, expectLeak, finish, newKernel, state, stepToEnd, stepUntil } from './helpers.js';

function world(policy?: Parameters<typeof newKernel>[0]) {
  const k = newKernel(policy);
  const u = k.use(ioUring());
  const p = k.spawnProcess({ name: 'P1' });
  const ring = u.setup(p, 8);
  return { k, u, p, ring };
}

const owners = (k: Kernel, name: string) => k.audit().files.find((e) => e.file === name)?.owners;

describe('io_uring_setup', () => {
  it('returns an O_CLOEXEC ring fd whose file is the ring', () => {
    const { u, p, ring } = world();
    expect(p.fcntl(ring, F_GETFD)).toBe(FD_CLOEXEC);
    expect(isUringFile(p.fileOf(ring))).toBe(true);
    expect(u.ring(p, ring).name).toBe('ring#1');
    expect(u.rings.length).toBe(1);
  });

  it.each([[0, 0], [32769, 0], [4, 1]])('entries %d flags %d is EINVAL and changes nothing', (entries, flags) => {
    const { k, u, p } = world();
    const before = state(k);
    expect(errnoOf(() => u.setup(p, entries, flags))).toBe('EINVAL');
    expect(state(k)).toBe(before);
  });

  it('is EMFILE without a free fd', () => {
    const k = newKernel();
    const u = k.use(ioUring());
    const p = k.spawnProcess({ rlimitNofile: 1 });
    p.open('/data/log', O_RDONLY);
    expect(errnoOf(() => u.setup(p, 4))).toBe('EMFILE');
  });

  it('a ring and a plain file are told apart by ring() (EBADF, EOPNOTSUPP)', () => {
    const { u, p } = world();
    const fd = p.open('/data/log', O_RDONLY);
    expect(errnoOf(() => u.ring(p, 9))).toBe('EBADF');
    expect(errnoOf(() => u.ring(p, fd))).toBe('EOPNOTSUPP');
  });
});

describe('registration', () => {
  it('a registered file survives the close of its fd: the slot owns the one reference', () => {
    const { k, u, p, ring } = world();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    expect(u.register(p, ring, IORING_REGISTER_FILES, [fd], 1)).toBe(0);
    expect(f.count).toBe(2);
    p.close(fd);
    expect(f.count).toBe(1);
    expect(owners(k, f.name)).toEqual(['ring#1.file_table[0]']);
  });

  it('sparse slots (-1, FILES2 with IORING_RSRC_REGISTER_SPARSE) and skip updates (-2)', () => {
    const { u, p, ring } = world();
    const a = p.open('/data/log', O_RDONLY);
    const b = p.open('/srv', O_RDONLY | O_DIRECTORY);
    const r = u.ring(p, ring);
    u.register(p, ring, IORING_REGISTER_FILES2, { nr: 4, flags: IORING_RSRC_REGISTER_SPARSE, data: null }, 32);
    expect(r.table.size).toBe(4);
    expect(r.table.occupied).toBe(0);
    expect(u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 1, data: [a, IORING_REGISTER_FILES_SKIP, b] }, 3)).toBe(3);
    expect([0, 1, 2, 3].map((i) => r.table.lookup(i)?.file ?? null)).toEqual([null, p.fileOf(a), null, p.fileOf(b)]);
    // -1 empties a slot; a tag on a skip entry is EINVAL (and nothing was done).
    expect(u.register(p, ring, IORING_REGISTER_FILES_UPDATE2, { offset: 1, data: [-1], nr: 1 }, 32)).toBe(1);
    expect(r.table.lookup(1)).toBeNull();
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES_UPDATE2, { offset: 0, data: [IORING_REGISTER_FILES_SKIP], tags: [5], nr: 1 }, 32))).toBe('EINVAL');
  });

  it('an update resets the slot before it looks the new fd up, and returns the entries done', () => {
    const { u, p, ring } = world();
    const a = p.open('/data/log', O_RDONLY);
    const r = u.ring(p, ring);
    u.register(p, ring, IORING_REGISTER_FILES, [a, a], 2);
    expect(u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [-1, 77] }, 2)).toBe(1);
    expect(r.table.lookup(0)).toBeNull();
    expect(r.table.lookup(1)).toBeNull(); // reset before fget(77) failed
    expect(p.fileOf(a).count).toBe(1);
  });

  it('registration is all or nothing: a bad fd after good ones drops their references', () => {
    const { k, u, p, ring } = world();
    const a = p.open('/data/log', O_RDONLY);
    const before = state(k);
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES, [a, a, 42], 3))).toBe('EBADF');
    expect(state(k)).toBe(before);
    expect(u.ring(p, ring).table.size).toBe(0);
  });

  it('limits: EMFILE above RLIMIT_NOFILE, EBUSY when registered twice, ENXIO when none', () => {
    const k = newKernel();
    const u = k.use(ioUring());
    const p = k.spawnProcess({ rlimitNofile: 8 });
    const ring = u.setup(p, 4);
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES, new Array<number>(9).fill(-1), 9))).toBe('EMFILE');
    expect(u.register(p, ring, IORING_REGISTER_FILES, new Array<number>(8).fill(-1), 8)).toBe(0);
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES, [-1], 1))).toBe('EBUSY');
    expect(u.register(p, ring, IORING_UNREGISTER_FILES, null, 0)).toBe(0);
    expect(errnoOf(() => u.register(p, ring, IORING_UNREGISTER_FILES, null, 0))).toBe('ENXIO');
  });

  it('limits: IORING_MAX_FIXED_FILES (1 << 20) is EMFILE even under a higher RLIMIT_NOFILE; offsets that overflow u32 are EOVERFLOW', () => {
    const k = newKernel({ nrOpen: 2 ** 21, rlimitNofile: 2 ** 21 });
    const u = k.use(ioUring());
    const p = k.spawnProcess();
    const ring = u.setup(p, 4);
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES2, { nr: (1 << 20) + 1, flags: IORING_RSRC_REGISTER_SPARSE, data: null }, 32))).toBe('EMFILE');
    expect(u.register(p, ring, IORING_REGISTER_FILES2, { nr: 4, flags: IORING_RSRC_REGISTER_SPARSE, data: null }, 32)).toBe(0);
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 0xffffffff, data: [-1, -1] }, 2))).toBe('EOVERFLOW');
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 0xffffffff, len: 2 }, 0))).toBe('EOVERFLOW');
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [] }, 1))).toBe('EFAULT');
    expect(u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [-1] }, 2)).toBe(1); // faults on the second entry: one done
    expect(errnoOf(() => u.register(p, ring, 30, null, 0))).toBe('EINVAL');
  });

  it('a ring cannot be registered in a ring (EBADF)', () => {
    const { u, p, ring } = world();
    const other = u.setup(p, 4);
    expect(errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES, [other], 1))).toBe('EBADF');
  });

  it('tags: freeing a tagged node posts a CQE with the tag', () => {
    const { u, p, ring } = world();
    const a = p.open('/data/log', O_RDONLY);
    u.register(p, ring, IORING_REGISTER_FILES2, { nr: 2, flags: 0, data: [a, -1], tags: [99, 0] }, 32);
    u.register(p, ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [-1] }, 1);
    expect(u.enter(p, ring, [], 0, IORING_ENTER_GETEVENTS).cqes).toEqual([{ userData: 99, res: 0 }]);
  });
});

describe('direct descriptors', () => {
  it('OPENAT into a slot (1-based), into an allocated slot (0-based result), ENFILE when the range is full', () => {
    const { u, p, ring } = world();
    const r = u.ring(p, ring);
    u.register(p, ring, IORING_REGISTER_FILES2, { nr: 3, flags: IORING_RSRC_REGISTER_SPARSE, data: null }, 32);
    const open = (fileIndex: number) => u.enter(p, ring, [{ opcode: IORING_OP_OPENAT, addr: '/data/log', fileIndex, userData: fileIndex }], 1).cqes[0]!.res;
    expect(open(3)).toBe(0);
    expect(r.table.lookup(2)?.file.count).toBe(1);
    u.register(p, ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 1, len: 2 }, 0);
    expect(open(IORING_FILE_INDEX_ALLOC)).toBe(1);
    expect(open(IORING_FILE_INDEX_ALLOC)).toBe(-23); // ENFILE
    // The file opened for the failed install was put again.
    expect(p.files.installedFds()).toEqual([ring]);
  });

  it('a direct open with O_CLOEXEC is EINVAL; IOSQE_FIXED_FILE on an open is EBADF', () => {
    const { u, p, ring } = world();
    u.register(p, ring, IORING_REGISTER_FILES, [-1], 1);
    const res = (sqe: object) => u.enter(p, ring, [{ opcode: IORING_OP_OPENAT, addr: '/data/log', ...sqe }], 1).cqes[0]!.error;
    expect(res({ fileIndex: 1, openFlags: O_CLOEXEC })).toBe('EINVAL');
    expect(res({ fileIndex: 1, flags: IOSQE_FIXED_FILE })).toBe('EBADF');
  });

  it('CLOSE of a fixed slot releases its file; of an empty slot is EBADF; OPENAT without file_index is a normal fd', () => {
    const { u, p, ring } = world();
    u.register(p, ring, IORING_REGISTER_FILES, [-1, -1], 2);
    const go = (sqe: object) => u.enter(p, ring, [{ userData: 0, ...sqe } as never], 1).cqes[0]!;
    go({ opcode: IORING_OP_OPENAT, addr: '/srv', openFlags: O_DIRECTORY, fileIndex: 2 });
    const f = u.ring(p, ring).table.lookup(1)!.file;
    expect(go({ opcode: IORING_OP_CLOSE, fileIndex: 2 }).res).toBe(0);
    expect(f.live).toBe(false);
    expect(go({ opcode: IORING_OP_CLOSE, fileIndex: 2 }).error).toBe('EBADF');
    const fd = go({ opcode: IORING_OP_OPENAT, addr: '/data/log', openFlags: O_RDONLY }).res;
    expect(p.fileOf(fd).count).toBe(1);
    expect(go({ opcode: IORING_OP_CLOSE, fd }).res).toBe(0);
    expect(errnoOf(() => p.fileOf(fd))).toBe('EBADF');
    expect(go({ opcode: IORING_OP_CLOSE, fd: ring }).error).toBe('EBADF');
  });

  it('FIXED_FD_INSTALL: O_CLOEXEC by default, not with IORING_FIXED_FD_NO_CLOEXEC; its own reference', () => {
    const { k, u, p, ring } = world();
    u.register(p, ring, IORING_REGISTER_FILES, [-1], 1);
    u.enter(p, ring, [{ opcode: IORING_OP_OPENAT, addr: '/data/log', fileIndex: 1 }], 1);
    const install = (flags: number) => u.enter(p, ring, [{ opcode: IORING_OP_FIXED_FD_INSTALL, flags: IOSQE_FIXED_FILE, fd: 0, installFdFlags: flags }], 1).cqes[0]!.res;
    const a = install(0);
    const b = install(IORING_FIXED_FD_NO_CLOEXEC);
    expect(p.fcntl(a, F_GETFD)).toBe(FD_CLOEXEC);
    expect(p.fcntl(b, F_GETFD)).toBe(0);
    const f = p.fileOf(a);
    expect(f.count).toBe(3);
    expect(owners(k, f.name)).toEqual(['P1.files fd 1', 'P1.files fd 2', 'ring#1.file_table[0]']);
    expect(install(2)).toBe(-22);
  });
});

/** A ring whose slot 0 holds /data/log, every regular fd of it closed: `f` is the file. */
function hiddenFile() {
  const w = world();
  const fd = w.p.open('/data/log', O_RDONLY);
  const f = w.p.fileOf(fd);
  w.u.register(w.p, w.ring, IORING_REGISTER_FILES, [fd], 1);
  w.p.close(fd);
  return { ...w, f };
}

function* readFixed(sys: Sys, u: UringApi, ring: number, flags: number): KernelPath<unknown> {
  const r = yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE | flags, fd: 0, off: -1, len: 4, userData: 1 }], 1);
  return r.cqes.map((c) => c.data ?? c.res);
}

describe('requests', () => {
  it('READ at offset -1 reads at f_pos and advances it; WRITE at an offset leaves f_pos alone', () => {
    const { u, p, ring } = world();
    const fd = p.open('/data/log', O_RDWR);
    u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
    const t = p.thread((sys) => readFixed(sys, u, ring, 0));
    const k = t.world as Kernel;
    finish(k);
    expect(t.sim.result).toEqual(['line']);
    expect(p.fileOf(fd).pos).toBe(4);
    const w = u.enter(p, ring, [{ opcode: IORING_OP_WRITE, flags: IOSQE_FIXED_FILE, fd: 0, off: 0, addr: 'LINE', userData: 2 }], 1).cqes[0]!;
    expect(w.res).toBe(4);
    expect(p.fileOf(fd).pos).toBe(4);
    expect(p.read(fd, 3)).toBe(' 1\n');
  });

  it('IOSQE_ASYNC runs the request on an io-wq worker thread sharing the table', () => {
    const { k, u, p, ring } = world();
    const fd = p.open('/data/log', O_RDONLY);
    u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
    const t = p.thread((sys) => readFixed(sys, u, ring, IOSQE_ASYNC));
    finish(k);
    expect(t.sim.result).toEqual(['line']);
    expect(k.engine.threads.map((th) => th.name)).toContain('P1.iou-wrk-2');
    expect(p.files.count).toBe(1); // the worker exited and dropped its use of the table
  });

  it('releases a replaced file only when the in-flight request using it completes', () => {
    const { k, u, p, ring, f } = hiddenFile();
    const sub = p.thread((sys) => u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, off: 0, len: 2, userData: 1 }]));
    stepToEnd(k, sub);
    const worker = k.engine.threads.find((th) => th.name.includes('iou-wrk'))!;
    stepUntil(k, worker, 'io_read: ->read_iter');
    // The slot is cleared while the request holds the node: the file stays.
    u.register(p, ring, IORING_UNREGISTER_FILES, null, 0);
    expect(f.live).toBe(true);
    expect(owners(k, f.name)).toEqual([expect.stringMatching(/ring#1\.file_table node of old slot 0 \(1 in-flight/)]);
    stepToEnd(k, worker);
    expect(f.live).toBe(false);
    expect(u.ring(p, ring).cq.map((c) => c.data)).toEqual(['li']);
  });

  it('a READ of an empty pipe goes to io-wq and completes when data arrives; POLL_ADD completes on readiness', () => {
    const { k, u, p, ring } = world();
    const [r, w] = p.pipe(0);
    const t = p.thread(function* (sys) {
      const a = yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, fd: r, len: 2, userData: 1 }, { opcode: IORING_OP_POLL_ADD, fd: r, pollEvents: EPOLLIN, userData: 2 }]);
      yield* sys.write(w, 'hi');
      const b = yield* u.on(sys).enter(ring, [], 2, IORING_ENTER_GETEVENTS);
      return [a.submitted, b.cqes.map((c) => [c.userData, c.res]).sort()];
    });
    finish(k);
    expect(t.sim.result).toEqual([2, [[1, 2], [2, EPOLLIN]]]);
  });

  it('GETDENTS (never merged) uses f_pos; NOP completes with 0; unknown ops are EINVAL', () => {
    const { u, p, ring } = world();
    const d = p.open('/srv', O_RDONLY | O_DIRECTORY);
    u.register(p, ring, IORING_REGISTER_FILES, [d], 1);
    const c = u.enter(p, ring, [
      { opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE, fd: 0, len: 2, userData: 1 },
      { opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE, fd: 0, len: 2, userData: 2 },
      { opcode: IORING_OP_NOP, userData: 3 },
      { opcode: 77, userData: 4 },
    ], 4).cqes;
    expect(c.map((x) => [x.userData, x.data ?? x.error ?? x.res])).toEqual([[1, ['a', 'b']], [2, ['c', 'd']], [3, 0], [4, 'EINVAL']]);
  });

  it('closing the ring fd releases the registered files (after the requests in flight)', () => {
    const { k, u, p, ring } = world();
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
    p.close(fd);
    p.close(ring);
    expect(f.live).toBe(false);
    expect(k.audit().ok).toBe(true);
  });

  it('checked mode holds every step of the ring calls to its declaration', () => {
    const { k, u, p, ring } = world();
    const fd = p.open('/data/log', O_RDWR);
    p.thread(function* (sys) {
      const s = u.on(sys);
      yield* s.register(ring, IORING_REGISTER_FILES, [fd, -1], 2);
      yield* s.register(ring, IORING_REGISTER_FILES_UPDATE, { offset: 1, data: [fd] }, 1);
      yield* s.enter(ring, [
        { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 1, off: -1, len: 1 },
        { opcode: IORING_OP_WRITE, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, off: -1, addr: 'x' },
        { opcode: IORING_OP_OPENAT, addr: '/srv', openFlags: O_DIRECTORY, fileIndex: 1 },
        { opcode: IORING_OP_GETDENTS, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, len: 1 },
        { opcode: IORING_OP_FIXED_FD_INSTALL, flags: IOSQE_FIXED_FILE, fd: 1 },
        { opcode: IORING_OP_CLOSE, fileIndex: 2 },
      ], 6);
      yield* s.register(ring, IORING_UNREGISTER_FILES, null, 0);
      yield* sys.close(ring);
    });
    finish(k);
    expect(k.engine.violations).toEqual([]);
  });
});

describe('recorded accesses of the fixed-file table', () => {
  it('a request on a high slot records a read of that slot, within its declaration (checked mode)', () => {
    const { k, u, p, ring } = world();
    const fd = p.open('/data/log', O_RDONLY);
    u.register(p, ring, IORING_REGISTER_FILES, [fd, fd, fd, fd], 4);
    const t = p.thread((sys) => readSlot(sys, u, ring, 3));
    finish(k);
    expect(k.engine.violations).toEqual([]);
    expect(t.sim.result).toEqual(['line']);
  });
});

function* readSlot(sys: Sys, u: UringApi, ring: number, slot: number): KernelPath<unknown> {
  const r = yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: slot, off: 0, len: 4, userData: 1 }], 1);
  return r.cqes.map((c) => c.data ?? c.res);
}

describe('registration designs (uringFileRegistration)', () => {
  function failing(p: Process, u: UringApi, ring: number, fd: number) {
    return errnoOf(() => u.register(p, ring, IORING_REGISTER_FILES, [fd, fd, 99], 3));
  }

  it("'scm': ring_sock skbs own the registered files; a failed registration drops what it took", () => {
    const { k, u, p, ring } = world({ policy: { uringFileRegistration: 'scm' } });
    const fd = p.open('/data/log', O_RDONLY);
    const f = p.fileOf(fd);
    expect(failing(p, u, ring, fd)).toBe('EBADF');
    expect(f.count).toBe(1);
    u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
    // The ring's ring_sock is an AF_UNIX socket attached to the ring file: its message owns the file.
    expect(owners(k, f.name)).toEqual(['P1.files fd 1', 'skb#1 on unix#1']);
    expect(unixSockOfFile(p.fileOf(ring))).toBe(u.ring(p, ring).sock);
    expect(u.ring(p, ring).nrUserFiles).toBe(1);
    u.register(p, ring, IORING_UNREGISTER_FILES, null, 0);
    expect(u.ring(p, ring).nrUserFiles).toBe(0);
    expect(f.count).toBe(1);
  });

  it("'scm-as-posted': the error path leaks the references it took, named after their holder", () => {
    const { k, u, p, ring } = world({ policy: { uringFileRegistration: 'scm-as-posted' } });
    const fd = p.open('/data/log', O_RDONLY);
    expect(failing(p, u, ring, fd)).toBe('EBADF');
    expect(p.fileOf(fd).count).toBe(3);
    expect(u.ring(p, ring).nrUserFiles).toBe(2);
    expectLeak(k, /reference taken for ring#1\.user_files\[0\] was never put/);
  });

  it("'scm-as-posted': nr_user_files grows with register/unregister, so a lookup reads past the table", () => {
    const { k, u, p, ring } = world({ policy: { uringFileRegistration: 'scm-as-posted' } });
    const fd = p.open('/data/log', O_RDONLY);
    u.register(p, ring, IORING_REGISTER_FILES, [fd, fd], 2);
    u.register(p, ring, IORING_UNREGISTER_FILES, null, 0);
    u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
    expect(u.ring(p, ring).nrUserFiles).toBe(3);
    const c = u.enter(p, ring, [{ opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 2, off: 0, len: 1 }], 1).cqes[0]!;
    expect(c.error).toBe('EBADF');
    expect(k.engine.violations.map((v) => v.kind)).toEqual(['out-of-bounds']);
  });
});

describe('ring teardown', () => {
  it('the last fput of a ring with a request in flight leaves the files to the last completion (io_ring_exit_work)', () => {
    const { k, u, p, ring, f } = hiddenFile();
    const sub = p.thread(function* (sys) {
      yield* u.on(sys).enter(ring, [{ opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE | IOSQE_ASYNC, fd: 0, off: 0, len: 1 }]);
      yield* sys.close(ring);
    });
    stepToEnd(k, sub);
    expect(u.rings[0]!.exiting).toBe(true);
    expect(f.live).toBe(true);
    finish(k);
    expect(f.live).toBe(false);
  });
});
