/*
 * Every public entry point validates its inputs (issue 13). The table below crosses each
 * argument and option with hostile values — negative, fractional, NaN, ±Infinity, ±2^32,
 * 2^53, bigint, Symbol, null, undefined, strings, plain and foreign objects — and
 * requires a typed error: KernelError with the kernel's errno for a number that is no
 * valid C value of the argument, ModelError for a JavaScript value no C caller could
 * pass, and for options. The whole serialised state (kernel.snapshot()) must be
 * unchanged.
 */
import { describe, expect, it } from 'vitest';
import { explore, MODEL_FILE_MAX, F_DUPFD, F_GETLK, F_SETFD, F_SETLK, F_WRLCK, Kernel, KernelError, ModelError, MSG_DONTWAIT, O_CLOEXEC, O_PATH, O_RDONLY, O_RDWR, replay, SEEK_CUR, SEEK_SET, shrinkSchedule, SOCK_DGRAM, Unix, type ErrnoName, type Kernel as KernelT, type KernelPath, type Process, type Sys } from '../src/index.js';
import { describeValue } from '../src/extend.js';
import { pidfd, type PidfdApi } from '../src/plugins/pidfd/index.js';
import { IORING_OP_NOP, IORING_REGISTER_FILES, ioUring, type UringApi } from '../src/plugins/io-uring/index.js';
import { counter3, fposRace } from './explore-fixtures.js';
import { newKernel, state } from './helpers.js';

const other = new Kernel();
const foreignProcess = other.spawnProcess();

/** Hostile numbers: each is no valid value of most C arguments. */
const NUMBERS: Record<string, number> = {
  negative: -1,
  fractional: 1.5,
  NaN,
  Infinity,
  '-Infinity': -Infinity,
  '2^32': 2 ** 32,
  '-2^32': -(2 ** 32),
  '2^32+1': 2 ** 32 + 1,
  '2^53': 2 ** 53,
  '1e300': 1e300,
};

/** Values no C caller could pass where a number goes. */
const NON_NUMBERS: Record<string, unknown> = {
  bigint: 3n,
  'huge bigint': 2n ** 64n,
  Symbol: Symbol('fd'),
  null: null,
  undefined,
  string: '3',
  object: {},
  array: [3],
  'foreign process': foreignProcess,
};

/** An argument slot: what the kernel answers for each hostile number (undefined: a valid C value, skipped). */
type NumberAnswer = (v: number) => ErrnoName | undefined;
const always = (e: ErrnoName): NumberAnswer => () => e;
/** size_t count: 2^32, 2^53 and 1e300 are valid (the kernel clamps to MAX_RW_COUNT). */
const sizeT: NumberAnswer = (v) => (Number.isInteger(v) && v >= 0 ? undefined : 'EINVAL');
/** pread64/pwrite64 loff_t pos: any integer from 0 below 2^63 (a larger one is negative in C). */
const loffPos: NumberAnswer = (v) => (Number.isInteger(v) && v >= 0 && v < 2 ** 63 ? undefined : 'EINVAL');
/**
 * A C int flag word: a negative int is a real flag word (-1 sets every bit) whose answer
 * the conformance harness checks against the host; anything no int holds is EINVAL.
 */
const intFlags: NumberAnswer = (v) => (Number.isInteger(v) && v >= -0x80000000 && v < 0 ? undefined : 'EINVAL');
/** unsigned int max_fd: -1 is ~0U ("to the end"), as C converts it; beyond 32 bits EINVAL. */
const uintLast: NumberAnswer = (v) => (Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff ? undefined : 'EINVAL');
/** loff_t offset with SEEK_SET: valid up to the model's s_maxbytes (2^53 - 1). */
const offset: NumberAnswer = (v) => (Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER ? undefined : 'EINVAL');

interface Slot {
  readonly call: string;
  readonly arg: string;
  readonly numbers: NumberAnswer;
  /** Undefined means the default (a valid call). */
  readonly optional?: boolean;
  /** Null is a valid value (sendfile's offset: use f_pos). */
  readonly nullable?: boolean;
  readonly plain: (p: Process, v: number) => unknown;
  readonly sys: (s: Sys, v: number) => KernelPath<unknown>;
}

const LOCK = { type: F_WRLCK, start: 0, len: 1 };

/** Fixture: fd 0 /data/log O_RDWR, fd 1 a directory, fds 2/3 a pipe, fd 4 O_PATH, fds 5/6 a datagram socket pair, RLIMIT_NOFILE 64. */
function fixture(): { k: KernelT; p: Process } {
  const k = newKernel({ rlimitNofile: 64 });
  const p = k.spawnProcess();
  p.open('/data/log', O_RDWR);
  p.open('/srv', O_RDONLY);
  p.pipe();
  p.open('/data/log', O_PATH);
  p.read(0, 2);
  Unix.socketpair(p, SOCK_DGRAM);
  return { k, p };
}

const SLOTS: Slot[] = [
  { call: 'open', arg: 'flags', numbers: intFlags, plain: (p, v) => p.open('/data/log', v), sys: (s, v) => s.open('/data/log', v) },
  { call: 'close', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.close(v), sys: (s, v) => s.close(v) },
  { call: 'dup', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.dup(v), sys: (s, v) => s.dup(v) },
  { call: 'dup2', arg: 'oldfd', numbers: always('EBADF'), plain: (p, v) => p.dup2(v, 9), sys: (s, v) => s.dup2(v, 9) },
  { call: 'dup2', arg: 'newfd', numbers: always('EBADF'), plain: (p, v) => p.dup2(0, v), sys: (s, v) => s.dup2(0, v) },
  { call: 'dup3', arg: 'oldfd', numbers: always('EBADF'), plain: (p, v) => p.dup3(v, 9, 0), sys: (s, v) => s.dup3(v, 9, 0) },
  { call: 'dup3', arg: 'newfd', numbers: always('EBADF'), plain: (p, v) => p.dup3(0, v, 0), sys: (s, v) => s.dup3(0, v, 0) },
  { call: 'dup3', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.dup3(0, 9, v), sys: (s, v) => s.dup3(0, 9, v) },
  { call: 'fcntl', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.fcntl(v, F_SETFD, 1), sys: (s, v) => s.fcntl(v, F_SETFD, 1) },
  { call: 'fcntl', arg: 'cmd', numbers: always('EINVAL'), plain: (p, v) => p.fcntl(0, v), sys: (s, v) => s.fcntl(0, v) },
  { call: 'fcntl F_DUPFD', arg: 'from', numbers: always('EINVAL'), plain: (p, v) => p.fcntl(0, F_DUPFD, v), sys: (s, v) => s.fcntl(0, F_DUPFD, v), optional: true },
  {
    call: 'fcntl F_SETLK', arg: 'flock.start', numbers: (v) => (Number.isInteger(v) && v >= 0 ? undefined : 'EINVAL'),
    plain: (p, v) => p.fcntl(0, F_SETLK, { ...LOCK, start: v }), sys: (s, v) => s.fcntl(0, F_SETLK, { ...LOCK, start: v }),
  },
  { call: 'fcntl F_SETLK', arg: 'flock.type', numbers: always('EINVAL'), plain: (p, v) => p.fcntl(0, F_SETLK, { ...LOCK, type: v }), sys: (s, v) => s.fcntl(0, F_SETLK, { ...LOCK, type: v }) },
  { call: 'close_range', arg: 'first', numbers: always('EINVAL'), plain: (p, v) => p.closeRange(v, 10), sys: (s, v) => s.closeRange(v, 10) },
  { call: 'close_range', arg: 'last', numbers: uintLast, plain: (p, v) => p.closeRange(20, v), sys: (s, v) => s.closeRange(20, v) },
  { call: 'close_range', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.closeRange(20, 30, v), sys: (s, v) => s.closeRange(20, 30, v), optional: true },
  { call: 'read', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.read(v, 1), sys: (s, v) => s.read(v, 1) },
  { call: 'read', arg: 'count', numbers: sizeT, plain: (p, v) => p.read(0, v), sys: (s, v) => s.read(0, v) },
  { call: 'write', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.write(v, 'x'), sys: (s, v) => s.write(v, 'x') },
  { call: 'lseek', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.lseek(v, 0, SEEK_SET), sys: (s, v) => s.lseek(v, 0, SEEK_SET) },
  { call: 'lseek', arg: 'offset', numbers: offset, plain: (p, v) => p.lseek(0, v, SEEK_SET), sys: (s, v) => s.lseek(0, v, SEEK_SET) },
  { call: 'lseek', arg: 'whence', numbers: always('EINVAL'), plain: (p, v) => p.lseek(0, 0, v), sys: (s, v) => s.lseek(0, 0, v) },
  { call: 'pread64', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.pread(v, 1, 0), sys: (s, v) => s.pread(v, 1, 0) },
  { call: 'pread64', arg: 'count', numbers: sizeT, plain: (p, v) => p.pread(0, v, 0), sys: (s, v) => s.pread(0, v, 0) },
  { call: 'pread64', arg: 'pos', numbers: loffPos, plain: (p, v) => p.pread(0, 1, v), sys: (s, v) => s.pread(0, 1, v) },
  { call: 'pwrite64', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.pwrite(v, 'x', 0), sys: (s, v) => s.pwrite(v, 'x', 0) },
  { call: 'pwrite64', arg: 'pos', numbers: loffPos, plain: (p, v) => p.pwrite(0, 'x', v), sys: (s, v) => s.pwrite(0, 'x', v) },
  { call: 'sendfile', arg: 'out_fd', numbers: always('EBADF'), plain: (p, v) => p.sendfile(v, 0, 0, 1), sys: (s, v) => s.sendfile(v, 0, 0, 1) },
  { call: 'sendfile', arg: 'in_fd', numbers: always('EBADF'), plain: (p, v) => p.sendfile(0, v, 0, 1), sys: (s, v) => s.sendfile(0, v, 0, 1) },
  { call: 'sendfile', arg: 'offset', numbers: loffPos, plain: (p, v) => p.sendfile(0, 0, v, 1), sys: (s, v) => s.sendfile(0, 0, v, 1), nullable: true },
  { call: 'sendfile', arg: 'count', numbers: sizeT, plain: (p, v) => p.sendfile(0, 0, 0, v), sys: (s, v) => s.sendfile(0, 0, 0, v) },
  { call: 'copy_file_range', arg: 'fd_in', numbers: always('EBADF'), plain: (p, v) => p.copyFileRange(v, 0, 0, 5, 1), sys: (s, v) => s.copyFileRange(v, 0, 0, 5, 1) },
  { call: 'copy_file_range', arg: 'fd_out', numbers: always('EBADF'), plain: (p, v) => p.copyFileRange(0, 0, v, 5, 1), sys: (s, v) => s.copyFileRange(0, 0, v, 5, 1) },
  {
    call: 'copy_file_range', arg: 'len', numbers: (v) => (Number.isInteger(v) && v >= 0 && v < 2 ** 64 ? undefined : 'EINVAL'),
    plain: (p, v) => p.copyFileRange(0, 0, 0, 5, v), sys: (s, v) => s.copyFileRange(0, 0, 0, 5, v),
  },
  { call: 'copy_file_range', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.copyFileRange(0, 0, 0, 5, 1, v), sys: (s, v) => s.copyFileRange(0, 0, 0, 5, 1, v), optional: true },
  { call: 'getdents64', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => p.getdents(v), sys: (s, v) => s.getdents(v) },
  { call: 'getdents64', arg: 'count', numbers: sizeT, plain: (p, v) => p.getdents(1, v), sys: (s, v) => s.getdents(1, v), optional: true },
  { call: 'pipe2', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.pipe(v), sys: (s, v) => s.pipe(v), optional: true },
  { call: 'eventfd2', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.eventfd(0, v), sys: (s, v) => s.eventfd(0, v), optional: true },
  // poll() answers a bad fd with POLLNVAL in revents and select() ignores fds at or above
  // nfds, not with an errno: only non-numbers are checked here.
  { call: 'poll', arg: 'pollfd.fd', numbers: () => undefined, plain: (p, v) => p.poll([{ fd: v, events: 1 }], 0), sys: (s, v) => s.poll([{ fd: v, events: 1 }], 0) },
  { call: 'select', arg: 'fd', numbers: () => undefined, plain: (p, v) => p.select(64, [v], [], [], 0), sys: (s, v) => s.select(64, [v], [], [], 0) },
  { call: 'socketpair', arg: 'type', numbers: always('EINVAL'), plain: (p, v) => Unix.socketpair(p, v), sys: (s, v) => Unix.on(s).socketpair(v) },
  { call: 'socket', arg: 'type', numbers: always('EINVAL'), plain: (p, v) => Unix.socket(p, v), sys: (s, v) => Unix.on(s).socket(v) },
  { call: 'sendmsg', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => Unix.sendmsg(p, v, 'x'), sys: (s, v) => Unix.on(s).sendmsg(v, 'x', []) },
  { call: 'sendmsg', arg: 'SCM_RIGHTS fd', numbers: always('EBADF'), plain: (p, v) => Unix.sendmsg(p, 5, 'x', [v]), sys: (s, v) => Unix.on(s).sendmsg(5, 'x', [v]) },
  { call: 'recvmsg', arg: 'fd', numbers: always('EBADF'), plain: (p, v) => Unix.recvmsg(p, v, 1), sys: (s, v) => Unix.on(s).recvmsg(v, 1) },
  { call: 'recvmsg', arg: 'count', numbers: sizeT, plain: (p, v) => Unix.recvmsg(p, 6, v, 1, MSG_DONTWAIT), sys: (s, v) => Unix.on(s).recvmsg(6, v, 1, MSG_DONTWAIT), optional: true },
  { call: 'shutdown', arg: 'how', numbers: always('EINVAL'), plain: (p, v) => Unix.shutdown(p, 5, v), sys: (s, v) => Unix.on(s).shutdown(5, v) },
  { call: 'accept4', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => Unix.accept(p, 5, v), sys: (s, v) => Unix.on(s).accept(5, v), optional: true },
  { call: 'unshare', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.unshare(v), sys: (s, v) => s.unshare(v) },
  // The flags are checked before the path and the caller's capabilities (EPERM here).
  { call: 'umount2', arg: 'flags', numbers: always('EINVAL'), plain: (p, v) => p.umount2('/mnt', v), sys: (s, v) => s.umount2('/mnt', v), optional: true },
];

type Got = { kind: 'ok' } | { kind: 'kernel'; code: string } | { kind: 'model'; code: string } | { kind: 'other'; text: string };

function classify(e: unknown): Got {
  if (KernelError.is(e)) return { kind: 'kernel', code: e.code };
  if (ModelError.is(e)) return { kind: 'model', code: e.code };
  return { kind: 'other', text: e instanceof Error ? `${e.name}: ${e.message}` : describeValue(e) };
}

function runPlain(fn: () => unknown): Got {
  try {
    fn();
    return { kind: 'ok' };
  } catch (e) {
    return classify(e);
  }
}

function runThread(k: KernelT, p: Process, body: (s: Sys) => KernelPath<unknown>): Got {
  let got: Got = { kind: 'ok' };
  p.thread(function* (sys) {
    try {
      yield* body(sys);
    } catch (e) {
      got = classify(e);
    }
  });
  expect(k.run().completed).toBe(true);
  return got;
}

function expected(slot: Slot, v: unknown): Got | null {
  if (typeof v === 'number') {
    const e = slot.numbers(v);
    return e === undefined ? null : { kind: 'kernel', code: e };
  }
  if (v === undefined && slot.optional) return null;
  if (v === null && slot.nullable) return null;
  return { kind: 'model', code: 'bad-argument' };
}

const VALUES = { ...NUMBERS, ...NON_NUMBERS };
const CASES = SLOTS.flatMap((slot) =>
  Object.entries(VALUES).flatMap(([name, v]) => {
    const want = expected(slot, v);
    return want === null ? [] : [{ title: `${slot.call} ${slot.arg} = ${name}`, slot, v, want }];
  }),
);

describe('syscall arguments: a typed error and no state change', () => {
  it('covers every slot with every hostile value', () => {
    expect(CASES.length).toBeGreaterThan(SLOTS.length * 12);
  });

  it.each(CASES.map((c) => [c.title, c] as const))('plain %s', (_t, c) => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => c.slot.plain(p, c.v as number))).toEqual(c.want);
    expect(state(k)).toBe(before);
  });

  it.each(CASES.map((c) => [c.title, c] as const))('stepped %s', (_t, c) => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runThread(k, p, (s) => c.slot.sys(s, c.v as number))).toEqual(c.want);
    expect(state(k)).toBe(before);
  });
});

describe('argument errors the issue found', () => {
  it('open flags 2^32 + 1 is EINVAL, not a writable open (no silent truncation)', () => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.open('/data/log', 2 ** 32 + 1))).toEqual({ kind: 'kernel', code: 'EINVAL' });
    expect(runPlain(() => p.dup3(0, 9, 2 ** 32 + O_CLOEXEC))).toEqual({ kind: 'kernel', code: 'EINVAL' });
    expect(state(k)).toBe(before);
  });

  it('lseek beyond the maximum file size is EINVAL (SEEK_SET and SEEK_CUR)', () => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.lseek(0, 1e300, SEEK_SET))).toEqual({ kind: 'kernel', code: 'EINVAL' });
    expect(runPlain(() => p.lseek(0, Number.MAX_SAFE_INTEGER, SEEK_CUR))).toEqual({ kind: 'kernel', code: 'EINVAL' });
    expect(state(k)).toBe(before);
    expect(p.lseek(0, Number.MAX_SAFE_INTEGER, SEEK_SET)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('a write past what the model holds is ModelError model-limit, at or past s_maxbytes EFBIG, and changes nothing', () => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.pwrite(0, 'x', MODEL_FILE_MAX))).toEqual({ kind: 'model', code: 'model-limit' });
    expect(runPlain(() => p.pwrite(0, 'x', Number.MAX_SAFE_INTEGER))).toEqual({ kind: 'kernel', code: 'EFBIG' });
    expect(runPlain(() => p.pwrite(0, 'x', 2 ** 62))).toEqual({ kind: 'kernel', code: 'EFBIG' });
    expect(state(k)).toBe(before);
    // write(2) at an f_pos moved there by lseek: the same limit, f_pos left where it was.
    p.lseek(0, 1e12, SEEK_SET);
    const moved = state(k);
    expect(runPlain(() => p.write(0, 'x'))).toEqual({ kind: 'model', code: 'model-limit' });
    expect(runThread(k, p, (s) => s.write(0, 'x'))).toEqual({ kind: 'model', code: 'model-limit' });
    expect(state(k)).toBe(moved);
    // Up to the limit the file grows, with NULs where the kernel would leave a hole.
    expect(p.pwrite(0, 'y', 99)).toBe(1);
    expect(p.pread(0, 3, 97)).toBe('\0\0y');
  });

  it.each([null, undefined, 0, 3n, Symbol('l'), 'lock'])('fcntl lock commands with no struct flock (%s) are EFAULT', (arg) => {
    const { k, p } = fixture();
    const before = state(k);
    for (const cmd of [F_SETLK, F_GETLK]) {
      expect(runPlain(() => p.fcntl(0, cmd as typeof F_SETLK, arg as never))).toEqual({ kind: 'kernel', code: 'EFAULT' });
    }
    // A bad fd is still EBADF first, as on Linux.
    expect(runPlain(() => p.fcntl(40, F_SETLK, null as never))).toEqual({ kind: 'kernel', code: 'EBADF' });
    expect(state(k)).toBe(before);
  });

  it('a struct flock field that is no number is ModelError, and a Symbol never breaks a message', () => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.fcntl(0, F_SETLK, { ...LOCK, len: Symbol('n') as never }))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(runPlain(() => p.fcntl(0, F_SETFD, Symbol('x') as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(new KernelError('EBADF', Symbol('call') as never, Symbol('d') as never).message).toBe('Symbol(call): EBADF (Symbol(d))');
    expect(state(k)).toBe(before);
  });

  it.each([undefined, null, 42, Symbol('p'), {}])('open and umount2 path %s is ModelError', (path) => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.open(path as never, O_RDONLY))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(runPlain(() => p.umount2(path as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(state(k)).toBe(before);
  });

  it.each([undefined, null, 42, 3n, Symbol('d')])('write data %s is EFAULT (not a buffer)', (data) => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.write(0, data as never))).toEqual({ kind: 'kernel', code: 'EFAULT' });
    expect(state(k)).toBe(before);
  });

  it('thread bodies and clone options are checked', () => {
    const { k, p } = fixture();
    const before = state(k);
    expect(runPlain(() => p.thread(42 as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(runPlain(() => p.thread(function* () {}, { shareFiles: 'yes' as never }))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(runPlain(() => p.thread(function* () {}, null as never))).toEqual({ kind: 'model', code: 'bad-option' });
    expect(runPlain(() => p.fileOf(Symbol('fd') as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(state(k)).toBe(before);
    expect(runThread(k, p, (s) => s.clone(null as never))).toEqual({ kind: 'model', code: 'bad-argument' });
  });

  it('an exited process may not unshare', () => {
    const { k, p } = fixture();
    const child = p.fork();
    child.exit();
    const before = state(k);
    for (const flags of [0, 0x400]) expect(runPlain(() => child.unshare(flags))).toEqual({ kind: 'kernel', code: 'EBADF' });
    expect(state(k)).toBe(before);
  });
});

describe('Kernel options', () => {
  const entries = (skip: readonly string[] = []) => Object.entries(VALUES).filter(([n, v]) => v !== undefined && !skip.includes(n));
  const BAD: Array<[string, unknown]> = [
    ['options 42', 42], ['options null', null], ['options string', 'linux-6.4'], ['options array', []], ['unknown key', { nrOpem: 64 }],
    ...entries().map(([n, v]): [string, unknown] => [`trace ${n}`, { trace: v }]),
    ...entries(['2^32', '2^32+1']).map(([n, v]): [string, unknown] => [`rlimitNofile ${n}`, { rlimitNofile: v }]),
    ...entries().map(([n, v]): [string, unknown] => [`nrOpen ${n}`, { nrOpen: v }]),
    ['nrOpen 10 (below sysctl_nr_open_min)', { nrOpen: 10 }],
    ['nrOpen 2^21 + 1 (beyond the access encoding)', { nrOpen: 2 ** 21 + 1 }],
    ...['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf', 'linux-0.01', ''].map((n): [string, unknown] => [`preset ${n}`, { policy: n }]),
    ...['toString', 'constructor', 'hasOwnProperty', 'valueOf', 'nope'].map((n): [string, unknown] => [`policy key ${n}`, { policy: { [n]: 1 } }]),
    ['policy 42', { policy: 42 }], ['policy null', { policy: null }], ['policy Symbol', { policy: Symbol('p') }], ['policy bigint', { policy: 1n }],
    ['policy [null]', { policy: [null] }], ['policy [42]', { policy: [42] }], ['policy [[preset]]', { policy: [['linux-6.4']] }],
    ['policy function', { policy: () => 'linux-6.4' }],
    ...entries(['2^32', '2^32+1']).map(([n, v]): [string, unknown] => [`fileRefMax ${n}`, { policy: { fileRefMax: v } }]),
    ['fileRefMax 0', { policy: { fileRefMax: 0 } }],
    ['fdgetPos Symbol', { policy: { fdgetPos: Symbol('x') } }], ['fgetRecheck 42', { policy: { fgetRecheck: 42 } }],
    ['slabTypesafeByRcu 1', { policy: { slabTypesafeByRcu: 1 } }], ['execUnshare bigint', { policy: { execUnshare: 1n } }],
  ];
  it.each(BAD)('%s is ModelError bad-option', (_n, opts) => {
    expect(runPlain(() => new Kernel(opts as never))).toEqual({ kind: 'model', code: 'bad-option' });
  });

  it('valid limits are accepted, including RLIMIT_NOFILE above fs.nr_open', () => {
    const k = newKernel({ nrOpen: 64, rlimitNofile: 2 ** 32, policy: ['linux-6.4', { fileRefMax: 2 }], trace: false });
    expect([k.nrOpen, k.rlimitNofile, k.policy.fileRefMax]).toEqual([64, 2 ** 32, 2]);
  });
});

describe('options are read once: the value validated is the value used', () => {
  // Each getter answers a valid value to its first read and an invalid one after.
  const flaky = <T>(good: T, bad: unknown): { get(): T; reads: number } => {
    const g = { reads: 0, get: (): T => (g.reads++ === 0 ? good : (bad as T)) };
    return g;
  };

  it('kernel options', () => {
    const r = flaky(16, -1);
    const k = new Kernel({ get rlimitNofile() { return r.get(); } });
    expect(r.reads).toBe(1);
    expect(k.rlimitNofile).toBe(16);
  });

  it('spawn options and creds', () => {
    const k = newKernel();
    const n = flaky('P9', 42);
    const u = flaky(7, -1);
    const p = k.spawnProcess({ get name() { return n.get(); }, creds: { get uid() { return u.get(); } } });
    expect([n.reads, u.reads]).toEqual([1, 1]);
    expect(p.name).toBe('P9');
    expect(p.creds.uid).toBe(7);
  });
});

describe('spawn options, run, use', () => {
  const BAD: Array<[string, unknown]> = [
    ['options 42', 42], ['unknown key', { nmae: 'x' }], ['creds null', { creds: null }], ['creds 42', { creds: 42 }],
    ['creds unknown key', { creds: { euid: 0 } }], ['uid -1', { creds: { uid: -1 } }], ['uid 2^32', { creds: { uid: 2 ** 32 } }],
    ['uid 1.5', { creds: { uid: 1.5 } }], ['uid NaN', { creds: { uid: NaN } }], ['uid bigint', { creds: { uid: 0n } }],
    ['gid Symbol', { creds: { gid: Symbol('g') } }], ['caps string', { creds: { caps: 'CAP_SYS_ADMIN' } }], ['caps [1]', { creds: { caps: [1] } }],
    ['dumpable 1', { creds: { dumpable: 1 } }], ['rlimitNofile NaN', { rlimitNofile: NaN }], ['rlimitNofile -1', { rlimitNofile: -1 }],
    ['rlimitNofile 1.5', { rlimitNofile: 1.5 }], ['name Symbol', { name: Symbol('n') }], ['files 42', { files: 42 }],
  ];
  it.each(BAD)('spawnProcess %s is ModelError', (_n, opts) => {
    const { k } = fixture();
    const before = state(k);
    expect(runPlain(() => k.spawnProcess(opts as never)).kind).toBe('model');
    expect(state(k)).toBe(before);
  });

  it('a parent from another kernel is foreign-object', () => {
    const { k } = fixture();
    const before = state(k);
    expect(runPlain(() => k.spawnProcess({ parent: foreignProcess }))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(state(k)).toBe(before);
  });

  it.each([
    ['strategy 42', 42], ['strategy null', null], ['kind bfs', { kind: 'bfs' }], ['random seed NaN', { kind: 'random', seed: NaN }],
    ['random without seed', { kind: 'random' }], ['schedule 42', { kind: 'schedule', schedule: 42 }], ['schedule [-1]', { kind: 'schedule', schedule: [-1] }],
  ])('kernel.run(%s) is ModelError', (_n, s) => {
    const { k } = fixture();
    expect(runPlain(() => k.run(s as never)).kind).toBe('model');
  });

  it.each([0, -5, 1.5, NaN, 3n, Symbol('s')])('kernel.run maxSteps %s is ModelError', (n) => {
    const { k } = fixture();
    expect(runPlain(() => k.run(undefined, n as never))).toEqual({ kind: 'model', code: 'bad-option' });
  });

  it.each([42, null, {}, { name: 'x' }, { install: () => 0 }])('kernel.use(%s) is ModelError', (pl) => {
    const { k } = fixture();
    expect(runPlain(() => k.use(pl as never))).toEqual({ kind: 'model', code: 'bad-argument' });
  });
});

describe('the pidfd plugin', () => {
  function world(): { k: KernelT; pf: PidfdApi; target: Process; me: Process } {
    const k = newKernel();
    const pf = k.use(pidfd());
    const target = k.spawnProcess({ name: 'T' });
    target.open('/data/log', O_RDWR);
    const me = k.spawnProcess({ name: 'S', creds: { uid: 0 } });
    return { k, pf, target, me };
  }

  it('rejects a Process of another Kernel (the audit would fail otherwise)', () => {
    const { k, pf, target } = world();
    const before = state(k);
    expect(runPlain(() => pf.pidfdOpen(foreignProcess, target.pid, 0))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(runPlain(() => pf.pidfdGetfd(foreignProcess, 0, 0, 0))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(runPlain(() => pf.seccompListen(foreignProcess, target))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(runPlain(() => pf.seccompListen(target, foreignProcess))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(runPlain(() => pf.listener(foreignProcess, 0))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(runPlain(() => pf.on(foreignProcess.main.sys))).toEqual({ kind: 'model', code: 'foreign-object' });
    expect(runPlain(() => pf.pidfdOpen(null as never, target.pid, 0))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(state(k)).toBe(before);
    expect(k.audit().ok).toBe(true);
  });

  it('an exited process cannot be given to seccomp', () => {
    const { k, pf, target, me } = world();
    target.exit();
    const before = state(k);
    expect(runPlain(() => pf.seccompListen(me, target))).toEqual({ kind: 'kernel', code: 'ESRCH' });
    expect(state(k)).toBe(before);
  });

  const ALL = Object.entries(VALUES).map(([n, v]) => [n, v] as const);
  it.each(ALL)('pidfd_open pid / flags %s', (_n, v) => {
    const { k, pf, me } = world();
    const before = state(k);
    const want = typeof v === 'number' ? { kind: 'kernel', code: 'EINVAL' } : { kind: 'model', code: 'bad-argument' };
    expect(runPlain(() => pf.pidfdOpen(me, v as number, 0))).toEqual(want);
    expect(runPlain(() => pf.pidfdOpen(me, 1, v as number))).toEqual(want);
    expect(state(k)).toBe(before);
  });

  it.each(ALL)('pidfd_getfd pidfd / targetfd / flags %s', (_n, v) => {
    const { k, pf, me, target } = world();
    const pfd = pf.pidfdOpen(me, target.pid, 0);
    const before = state(k);
    const num = typeof v === 'number';
    const model = { kind: 'model', code: 'bad-argument' };
    expect(runPlain(() => pf.pidfdGetfd(me, v as number, 0, 0))).toEqual(num ? { kind: 'kernel', code: 'EBADF' } : model);
    expect(runPlain(() => pf.pidfdGetfd(me, pfd, v as number, 0))).toEqual(num ? { kind: 'kernel', code: 'EBADF' } : model);
    expect(runPlain(() => pf.pidfdGetfd(me, pfd, 0, v as number))).toEqual(num ? { kind: 'kernel', code: 'EINVAL' } : model);
    expect(state(k)).toBe(before);
  });

  it.each([42, null, { uapi: 'v7' }, { exitingErrno: 'EPERM' }, { bogus: 1 }])('pidfd(%s) options are ModelError', (o) => {
    expect(runPlain(() => pidfd(o as never))).toEqual({ kind: 'model', code: 'bad-option' });
  });
});

describe('the io_uring plugin', () => {
  function world(): { k: KernelT; u: UringApi; me: Process; ring: number } {
    const k = newKernel();
    const u = k.use(ioUring());
    const me = k.spawnProcess({ name: 'P' });
    me.open('/data/log', O_RDWR);
    const ring = u.setup(me, 4);
    return { k, u, me, ring };
  }
  const foreignRing = (() => {
    const u = other.use(ioUring());
    return u.setup(foreignProcess, 4);
  })();

  it('rejects a Process, a Sys or a ring owner of another Kernel', () => {
    const { k, u, ring } = world();
    const before = state(k);
    const foreign = { kind: 'model', code: 'foreign-object' };
    expect(runPlain(() => u.setup(foreignProcess, 4))).toEqual(foreign);
    expect(runPlain(() => u.register(foreignProcess, foreignRing, IORING_REGISTER_FILES, [0], 1))).toEqual(foreign);
    expect(runPlain(() => u.enter(foreignProcess, foreignRing, [{ opcode: IORING_OP_NOP }]))).toEqual(foreign);
    expect(runPlain(() => u.ring(foreignProcess, foreignRing))).toEqual(foreign);
    expect(runPlain(() => u.on(foreignProcess.main.sys))).toEqual(foreign);
    expect(runPlain(() => u.on(null as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(runPlain(() => u.enter(null as never, ring, []))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(state(k)).toBe(before);
  });

  it.each([42, null, 'x', [1], [{ op: 0 }], [{ opcode: 0, fd: '3' }], [{ opcode: 18, addr: 5 }], [{ opcode: 0, userData: 1n }]])('io_uring_enter with SQEs %s is ModelError', (sqes) => {
    const { k, u, me, ring } = world();
    const before = state(k);
    expect(runPlain(() => u.enter(me, ring, sqes as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(state(k)).toBe(before);
  });

  const ALL = Object.entries(VALUES).map(([n, v]) => [n, v] as const);
  it.each(ALL)('io_uring_setup / register / enter arguments %s', (_n, v) => {
    const { k, u, me, ring } = world();
    const before = state(k);
    const num = typeof v === 'number';
    const model = { kind: 'model', code: 'bad-argument' };
    const kernel = (code: string) => (num ? { kind: 'kernel', code } : model);
    expect(runPlain(() => u.setup(me, v as number))).toEqual(kernel('EINVAL'));
    // flags are optional: undefined is their default.
    if (v !== undefined) expect(runPlain(() => u.setup(me, 4, v as number))).toEqual(kernel('EINVAL'));
    expect(runPlain(() => u.register(me, v as number, IORING_REGISTER_FILES, [0], 1))).toEqual(kernel('EBADF'));
    expect(runPlain(() => u.register(me, ring, v as number, [0], 1))).toEqual(kernel('EINVAL'));
    expect(runPlain(() => u.enter(me, v as number, []))).toEqual(kernel('EBADF'));
    if (v !== undefined) expect(runPlain(() => u.enter(me, ring, [], 0, v as number))).toEqual(kernel('EINVAL'));
    expect(state(k)).toBe(before);
  });
});

describe('explore, replay and shrink options', () => {
  const s = counter3();
  const bad = (key: string, values: readonly unknown[]) => values.map((v): [string, Record<string, unknown>] => [`${key} ${describeValue(v)}`, { [key]: v }]);
  const HOSTILE = [3n, Symbol('o'), null, 'x', {}, NaN];
  const EXPLORE: Array<[string, Record<string, unknown>]> = [
    ...bad('maxRuns', [0, -1, 1.5, -Infinity, ...HOSTILE]),
    ...bad('maxSteps', [0, -5, 1.5, Infinity, ...HOSTILE]),
    ...bad('pctDepth', [0, -3, 1.5, Infinity, ...HOSTILE]),
    ...bad('seed', [-1, 1.5, Infinity, 2 ** 32, 2 ** 53, ...HOSTILE]),
    ...bad('preemptionBound', [-1, 1.5, ...HOSTILE]),
    ...bad('maxTimeMs', [-1, ...HOSTILE]),
    ...bad('shrinkRuns', [-1, 1.5, Infinity, ...HOSTILE]),
    ...bad('progressEveryMs', [-1, Infinity, ...HOSTILE]),
    ...bad('strategy', ['bfs', 'toString', ...HOSTILE]),
    ...bad('shard', [42, { index: 2, count: 2 }, { index: -1, count: 2 }, { index: 0, count: 0 }, { index: 0.5, count: 2 }, { index: 0 }, ...HOSTILE]),
    ...bad('stopAtFirstViolation', [1, ...HOSTILE]),
    ...bad('portfolio', [1, ...HOSTILE]),
    ...bad('shrink', ['yes', ...HOSTILE]),
    ...bad('now', [42, ...HOSTILE]),
    ...bad('onProgress', [42, ...HOSTILE]),
    ...bad('policy', [42, null, 'toString', 'constructor', { toString: 1 }, Symbol('p'), 'nope']),
    ['unknown key', { maxRun: 5 }],
  ];
  it.each(EXPLORE)('explore %s is ModelError', (_n, o) => {
    expect(runPlain(() => explore(s, o as never))).toEqual({ kind: 'model', code: 'bad-option' });
  });

  it.each([42, 'dpor', null, []])('explore options %s is ModelError', (o) => {
    expect(runPlain(() => explore(s, o as never))).toEqual({ kind: 'model', code: 'bad-option' });
  });

  it.each([42, {}, null, undefined, 3n, Symbol('s'), [0, -1], [0.5], [NaN]])('replay(s, %s) is ModelError, not an empty schedule', (sch) => {
    expect(runPlain(() => replay(s, sch as never))).toEqual({ kind: 'model', code: 'bad-argument' });
    expect(runPlain(() => shrinkSchedule(fposRace({ lock: false }), sch as never))).toEqual({ kind: 'model', code: 'bad-argument' });
  });

  it.each([
    ...bad('maxSteps', [0, -1, 1.5, NaN, 3n, Symbol('m')]), ...bad('policy', [42, null, 'toString']), ['unknown key', { maxStep: 3 }] as [string, Record<string, unknown>],
  ])('replay options %s is ModelError', (_n, o) => {
    expect(runPlain(() => replay(s, '', o as never))).toEqual({ kind: 'model', code: 'bad-option' });
  });

  it.each([...bad('maxRuns', [0, NaN, 1.5]), ...bad('kind', [42, Symbol('k')]), ['unknown key', { runs: 3 }] as [string, Record<string, unknown>]])(
    'shrink options %s is ModelError',
    (_n, o) => {
      expect(runPlain(() => shrinkSchedule(fposRace({ lock: false }), '0.1', o as never))).toEqual({ kind: 'model', code: 'bad-option' });
    },
  );

  it('valid options still run', () => {
    expect(explore(s, { maxRuns: 3, seed: 2 ** 32 - 1, strategy: 'random', pctDepth: 1, maxSteps: 100 }).runs).toBe(3);
    expect(explore(s, { maxRuns: Infinity, preemptionBound: Infinity, maxTimeMs: Infinity }).exhaustive).toBe(true);
    expect(replay(s, [0, 0], { maxSteps: 1000 }).completed).toBe(true);
  });

  it('zero milliseconds is a valid time budget and progress interval (the bound is inclusive)', () => {
    let calls = 0;
    expect(explore(s, { maxRuns: 3, progressEveryMs: 0, onProgress: () => calls++ }).runs).toBe(3);
    expect(calls).toBeGreaterThan(0);
    expect(() => explore(s, { maxTimeMs: 0 })).not.toThrow();
  });

  it('reads each option once: the value validated is the value used', () => {
    // A getter that answers a valid value to the first read and an invalid one after:
    // validation and the search must see the same (the first) value.
    let reads = 0;
    const o = { strategy: 'random' as const, get maxRuns(): number { return reads++ === 0 ? 2 : -1; } };
    expect(explore(s, o).runs).toBe(2);
    expect(reads).toBe(1);
    // Options built by spreading (often a slow dictionary object in V8) behave as literals.
    const base = { strategy: 'random' as const, preemptionBound: Infinity };
    expect(explore(s, { ...base, maxRuns: 3 }).runs).toBe(3);
    expect(() => explore(s, { ...base, maxRuns: 3, bogus: 1 } as never)).toThrow(/unknown explore options key "bogus"/);
  });

  it('describes objects by their class in error messages', () => {
    expect(describeValue(new Kernel())).toBe('a Kernel');
    expect(describeValue({ a: 1 })).toBe('an object');
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(describeValue([1, 2])).toBe('array(2)');
  });
});
