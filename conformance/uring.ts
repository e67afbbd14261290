/*
 * The io_uring cases of the conformance harness: conformance/uring.c runs a fixed list of
 * registration and direct-descriptor calls on the host kernel; uringModelLines() runs the
 * same list on the model's plain API. Lines are `name result`, where an installed fd is
 * written `fd cloexec` / `fd nocloexec` (fd numbers differ: the host runner has stdio open).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRNO, FD_CLOEXEC, F_GETFD, F_SETFL, Kernel, KernelError, O_CLOEXEC, O_DIRECTORY, O_NONBLOCK, O_RDONLY, O_RDWR, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Unix, type Process } from '../src/index.js';
import {
  IORING_ENTER_GETEVENTS, IORING_FILE_INDEX_ALLOC, IORING_FIXED_FD_NO_CLOEXEC, IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_NOP,
  IORING_OP_OPENAT, IORING_REGISTER_FILE_ALLOC_RANGE, IORING_REGISTER_FILES, IORING_REGISTER_FILES2, IORING_REGISTER_FILES_SKIP,
  IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_FILES_UPDATE2, IORING_RSRC_REGISTER_SPARSE, IORING_UNREGISTER_FILES, IOSQE_FIXED_FILE, ioUring,
  IORING_OP_READ, IORING_OP_WRITE, type RegisterArg, type Sqe, type UringApi,
} from '../src/plugins/io-uring/index.js';
import { withHostProgram } from './host-program.js';

/** The host's lines, or why the host cannot run them (no Linux, no compiler, io_uring refused). */
export function uringHostLines(): { lines: string[] } | { skip: string } {
  return withHostProgram('uring', (exe, dir) => {
    mkdirSync(join(dir, 'data'));
    mkdirSync(join(dir, 'srv'));
    writeFileSync(join(dir, 'data/log'), 'line 1\nline 2\nline 3\n');
    const r = spawnSync(exe, [], { cwd: dir, encoding: 'utf8' });
    if (r.status === 2) return { skip: `io_uring_setup refused on this host: ${r.stderr.trim()}` };
    if (r.status !== 0) throw new Error(`uring runner failed (${r.status ?? r.signal}): ${r.stderr}`);
    return { lines: r.stdout.trim().split('\n') };
  });
}

/** The same cases on the model. */
export function uringModelLines(): string[] {
  const k = new Kernel({ rlimitNofile: 1024 });
  const u = k.use(ioUring());
  const p = k.spawnProcess();
  const out: string[] = [];
  const ring = u.setup(p, 8);
  const file = p.open('/data/log', O_RDWR);
  const dir = p.open('/srv', O_RDONLY | O_DIRECTORY);
  const bad = 999;
  const run = (name: string, f: () => number | string) => {
    try {
      out.push(`${name} ${f()}`);
    } catch (e) {
      if (!KernelError.is(e)) throw e;
      out.push(`${name} ${e.code}`);
    }
  };
  const reg = (name: string, fd: number, op: number, arg: RegisterArg, nr: number) => run(name, () => u.register(p, fd, op, arg, nr));
  const sub = (sqe: Sqe): number => u.enter(p, ring, [sqe], 1, IORING_ENTER_GETEVENTS).cqes[0]!.res;
  const errOf = (res: number): string => Object.entries(ERRNO).find(([, v]) => v === -res)?.[0] ?? `E${-res}`;
  const submit = (name: string, sqe: Sqe) => run(name, () => {
    const r = sub(sqe);
    return r < 0 ? errOf(r) : r;
  });
  const submitFd = (name: string, sqe: Sqe) => run(name, () => {
    const r = sub(sqe);
    if (r < 0) return errOf(r);
    const cloexec = (p.fcntl(r, F_GETFD) & FD_CLOEXEC) !== 0;
    p.close(r);
    return `fd ${cloexec ? 'cloexec' : 'nocloexec'}`;
  });

  reg('register-bad-fd', bad, IORING_REGISTER_FILES, [file], 1);
  reg('register-not-ring', file, IORING_REGISTER_FILES, [file], 1);
  reg('register-unknown-opcode', ring, 200, null, 0);
  reg('files-null-arg', ring, IORING_REGISTER_FILES, null, 1);
  reg('files-nr-0', ring, IORING_REGISTER_FILES, [file], 0);
  reg('files-over-rlimit', ring, IORING_REGISTER_FILES, new Array<number>(2000).fill(-1), 2000);
  reg('files-bad-fd', ring, IORING_REGISTER_FILES, [file, bad], 2);
  reg('files-ring-fd', ring, IORING_REGISTER_FILES, [file, ring], 2);
  reg('unregister-none', ring, IORING_UNREGISTER_FILES, null, 0);
  reg('update-none', ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [file] }, 1);
  reg('alloc-range-none', ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 0, len: 1 }, 0);
  reg('files-sparse-ok', ring, IORING_REGISTER_FILES, [file, -1, dir], 3);
  reg('files-twice', ring, IORING_REGISTER_FILES, [file, -1, dir], 3);
  reg('unregister-nr-1', ring, IORING_UNREGISTER_FILES, null, 1);
  reg('update-skip-set', ring, IORING_REGISTER_FILES_UPDATE, { offset: 1, data: [IORING_REGISTER_FILES_SKIP, file] }, 2);
  reg('update-past-end', ring, IORING_REGISTER_FILES_UPDATE, { offset: 2, data: [IORING_REGISTER_FILES_SKIP, file] }, 2);
  reg('update-bad-first', ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [bad, file] }, 2);
  reg('update-bad-second', ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [-1, bad] }, 2);
  reg('update-ring-fd', ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [ring] }, 1);
  reg('update-nr-0', ring, IORING_REGISTER_FILES_UPDATE, { offset: 0, data: [ring] }, 0);
  reg('alloc-range-nr-1', ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 1, len: 2 }, 1);
  reg('alloc-range-past-end', ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 1, len: 3 }, 0);
  reg('alloc-range-resv', ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 1, len: 2, resv: 1 }, 0);
  reg('alloc-range-ok', ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 2, len: 1 }, 0);
  const open = (fileIndex: number, openFlags = O_RDONLY): Sqe => ({ opcode: IORING_OP_OPENAT, addr: '/data/log', openFlags, fileIndex });
  submit('openat-alloc-full', open(IORING_FILE_INDEX_ALLOC));
  submit('openat-direct-cloexec', open(2, O_RDONLY | O_CLOEXEC));
  submit('openat-direct-past-end', open(9));
  submit('openat-direct-slot1', open(2));
  reg('alloc-range-all', ring, IORING_REGISTER_FILE_ALLOC_RANGE, { off: 0, len: 3 }, 0);
  submit('openat-alloc-full-again', open(IORING_FILE_INDEX_ALLOC));
  submit('close-fixed', { opcode: IORING_OP_CLOSE, fileIndex: 2 });
  submit('close-fixed-empty', { opcode: IORING_OP_CLOSE, fileIndex: 2 });
  submit('close-fixed-past-end', { opcode: IORING_OP_CLOSE, fileIndex: 10 });
  submit('openat-alloc', open(IORING_FILE_INDEX_ALLOC));
  const inst = (fd: number, extra: Partial<Sqe> = {}): Sqe => ({ opcode: IORING_OP_FIXED_FD_INSTALL, fd, flags: IOSQE_FIXED_FILE, ...extra });
  submitFd('install-default', inst(0));
  submitFd('install-no-cloexec', inst(0, { installFdFlags: IORING_FIXED_FD_NO_CLOEXEC }));
  submitFd('install-bad-flags', inst(0, { installFdFlags: 2 }));
  submitFd('install-not-fixed', inst(file, { flags: 0 }));
  submitFd('install-past-end', inst(7));
  submit('close-fixed-slot0', { opcode: IORING_OP_CLOSE, fileIndex: 1 });
  submitFd('install-empty-slot', inst(0));
  submitFd('install-off-set', inst(2, { off: 1 }));
  submit('nop', { opcode: IORING_OP_NOP });
  reg('unregister', ring, IORING_UNREGISTER_FILES, null, 0);
  reg('unregister-again', ring, IORING_UNREGISTER_FILES, null, 0);
  const rr = { nr: 4, flags: IORING_RSRC_REGISTER_SPARSE, data: null };
  reg('files2-bad-size', ring, IORING_REGISTER_FILES2, rr, 16);
  reg('files2-sparse-with-data', ring, IORING_REGISTER_FILES2, { ...rr, data: [file, -1, dir] }, 32);
  reg('files2-unknown-flag', ring, IORING_REGISTER_FILES2, { ...rr, flags: 2 }, 32);
  reg('files2-resv2', ring, IORING_REGISTER_FILES2, { ...rr, resv2: 1 }, 32);
  reg('files2-nr-0', ring, IORING_REGISTER_FILES2, { ...rr, nr: 0 }, 32);
  reg('files2-sparse', ring, IORING_REGISTER_FILES2, rr, 32);
  reg('update2-set', ring, IORING_REGISTER_FILES_UPDATE2, { offset: 3, data: [file], nr: 1 }, 32);
  reg('update2-bad-size', ring, IORING_REGISTER_FILES_UPDATE2, { offset: 3, data: [file], nr: 1 }, 8);
  reg('update2-past-end', ring, IORING_REGISTER_FILES_UPDATE2, { offset: 4, data: [file], nr: 1 }, 32);
  reg('unregister-files2', ring, IORING_UNREGISTER_FILES, null, 0);
  socketLines(k, u, p, ring, run, submit);
  pipeLines(k, u, p, ring, run, submit);
  cancelLines(k, u, p, ring, run);
  k.assertAudit();
  return out;
}

type Run = (name: string, f: () => number | string) => void;
type Submit = (name: string, sqe: Sqe) => void;
const rd = (fd: number, len: number, off = 0): Sqe => ({ opcode: IORING_OP_READ, fd, len, off });
const wr = (fd: number, addr: string, off = 0): Sqe => ({ opcode: IORING_OP_WRITE, fd, addr, off });

/** uring.c's read_waits(): a READ of an empty stream pending until a write to `peer`, blocking and then O_NONBLOCK. */
function readWaitsCases(k: Kernel, u: UringApi, p: Process, ring: number, run: Run): (kind: string, fd: number, peer: number, off: number) => void {
  // A request that may wait runs in an io-wq worker: the kernel's threads run, then the
  // CQ is reaped ('none' if nothing completed).
  const pending = (name: string) => run(name, () => {
    k.run();
    const c = u.enter(p, ring, [], 0, IORING_ENTER_GETEVENTS).cqes[0];
    if (c === undefined) return 'none';
    return c.res < 0 ? c.error! : c.res;
  });
  return (kind, fd, peer, off) => {
    for (const nonblock of [false, true]) {
      if (nonblock) p.fcntl(fd, F_SETFL, O_NONBLOCK);
      u.enter(p, ring, [rd(fd, 8, off)]);
      pending(`${kind}-read-${nonblock ? 'nonblock-' : ''}empty`);
      p.write(peer, nonblock ? 'yz' : 'later');
      pending(`${kind}-read-${nonblock ? 'nonblock-' : 'empty-'}then-write`);
    }
    p.fcntl(fd, F_SETFL, 0);
  };
}

/** The socket cases of uring.c's sockets(): READ and WRITE through sock_read_iter() / sock_write_iter(). */
function socketLines(k: Kernel, u: UringApi, p: Process, ring: number, run: Run, submit: Submit): void {
  const readWaits = readWaitsCases(k, u, p, ring, run);
  const [a, b] = Unix.socketpair(p, SOCK_STREAM);
  p.write(b, 'hello');
  submit('sock-read-ready', rd(a, 8));
  p.write(b, 'ab');
  submit('sock-read-offset-minus-1', rd(a, 8, -1));
  submit('sock-write', wr(a, 'xyz'));
  run('sock-peer-reads', () => p.read(b, 64).length);
  readWaits('sock', a, b, 0);
  submit('sock-read-zero', rd(a, 0));
  submit('sock-read-offset-5', rd(a, 8, 5));
  submit('sock-write-offset-5', wr(a, 'a', 5));
  const [d0, d1] = Unix.socketpair(p, SOCK_DGRAM);
  p.write(d1, 'abcdef');
  submit('dgram-read-truncates', rd(d0, 3));
  const [q0, q1] = Unix.socketpair(p, SOCK_SEQPACKET);
  p.write(q1, 'abcdef');
  submit('seqpacket-read-truncates', rd(q0, 3));
  const lone = Unix.socket(p, SOCK_STREAM);
  submit('sock-unconnected-read', rd(lone, 3));
  submit('sock-unconnected-write', wr(lone, 'a'));
  const l = Unix.socket(p, SOCK_STREAM);
  Unix.bind(p, l, '\0fdlab-uring');
  Unix.listen(p, l, 1);
  submit('sock-listening-read', rd(l, 3));
  const [t0, t1] = Unix.socketpair(p, SOCK_STREAM);
  const [pr, pw] = p.pipe();
  run('scm-sendmsg', () => Unix.sendmsg(p, t1, 'Z', [pw]));
  p.close(pw);
  submit('scm-read', rd(t0, 8));
  p.fcntl(pr, F_SETFL, O_NONBLOCK);
  run('scm-pipe-reads-eof', () => p.read(pr, 64).length);
  p.close(b);
  submit('sock-peer-closed-read', rd(a, 8));
  submit('sock-peer-closed-write', wr(a, 'a'));
}

/** Host lines with the installed fd's number replaced, as the model writes them. */
export function normaliseHostLine(l: string): string {
  return l.replace(/^(install-\S+) \d+ (cloexec|nocloexec)$/, '$1 fd $2');
}

/** The pipe cases of uring.c's pipes(). */
/** uring.c's cancels(): a READ of an empty pipe in flight when its submitter exits, or its ring goes. */
function cancelLines(k: Kernel, u: UringApi, p: Process, ring: number, run: Run): void {
  const [r, w] = p.pipe();
  p.fork().thread(function* (sys) {
    yield* u.on(sys).enter(ring, [rd(r, 1, -1)], 0, 0);
    yield* sys.exit();
  });
  k.run();
  run('cancel-submitter-exit-cqe', () => {
    const c = u.enter(p, ring, [], 0, IORING_ENTER_GETEVENTS).cqes[0];
    return c === undefined ? 'none' : c.res;
  });
  p.write(w, 'y');
  p.fcntl(r, F_SETFL, O_NONBLOCK);
  run('cancel-submitter-exit-pipe', () => p.read(r, 8).length);
  p.close(r);
  p.close(w);
  const ring2 = u.setup(p, 8);
  const [r2, w2] = p.pipe();
  u.enter(p, ring2, [rd(r2, 1, -1)], 0, 0);
  k.run();
  p.close(ring2);
  k.run();
  p.write(w2, 'x');
  p.fcntl(r2, F_SETFL, O_NONBLOCK);
  run('cancel-ring-close-pipe', () => p.read(r2, 8).length);
  p.close(r2);
  p.close(w2);
}

function pipeLines(k: Kernel, u: UringApi, p: Process, ring: number, run: Run, submit: Submit): void {
  const readWaits = readWaitsCases(k, u, p, ring, run);
  const [r, w] = p.pipe();
  p.write(w, 'hello');
  submit('pipe-read-offset-5', rd(r, 2, 5));
  submit('pipe-write-offset-7', wr(w, 'ab', 7));
  run('pipe-reads', () => p.read(r, 64).length);
  submit('pipe-read-zero', rd(r, 0));
  submit('pipe-read-write-end', rd(w, 2));
  submit('pipe-write-read-end', wr(r, 'a'));
  readWaits('pipe', r, w, -1);
  p.close(w);
  submit('pipe-read-no-writers', rd(r, 8));
  const big = 'a'.repeat(70000);
  const [r2, w2] = p.pipe();
  submit('pipe-write-past-capacity', wr(w2, big));
  run('pipe-drain', () => p.read(r2, 70000).length);
  p.write(w2, 'xyz');
  submit('pipe-write-after-3-bytes', wr(w2, big.slice(0, 65536)));
  run('pipe-drain-again', () => p.read(r2, 70000).length);
}
