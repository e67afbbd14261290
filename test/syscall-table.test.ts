/*
 * Policy `syscalls`: a kernel answers ENOSYS for a system call its release did not have
 * (an fcntl command it does not know, EINVAL), before reading any argument, and the
 * failed call changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, F_DUPFD_QUERY, ModelError, O_PATH, O_RDONLY, O_RDWR, POLICY_PRESETS, type PresetName } from '../src/index.js';
import { hasSyscalls, requireSyscall } from '../src/extend.js';
import { ioUring } from '../src/plugins/io-uring/index.js';
import { pidfd } from '../src/plugins/pidfd/index.js';
import { catching, errnoOf, newKernel, state, stepToEnd } from './helpers.js';

describe('the system call table of a kernel version', () => {
  it('every preset names its table: linux-3.14 the oldest, linux-6.15 and current the newest', () => {
    const tables = Object.fromEntries(Object.entries(POLICY_PRESETS).map(([name, p]) => [name, p.syscalls ?? DEFAULT_POLICY.syscalls]));
    expect(tables['linux-3.14']).toBe('v3.14');
    for (const name of ['linux-5.11', 'linux-5.16', 'linux-6.4', 'linux-6.5-rc', 'linux-6.5', 'linux-6.6', 'linux-6.7', 'linux-6.9'] as PresetName[]) expect(tables[name]).toBe('v5.11');
    expect(tables['linux-6.15']).toBe('v6.10');
    expect(tables.current).toBe('v6.10');
    expect(hasSyscalls({ syscalls: 'v5.11' }, 'v3.14')).toBe(true);
    expect(hasSyscalls({ syscalls: 'v5.11' }, 'v6.10')).toBe(false);
    expect(() => requireSyscall({ syscalls: 'v3.14' }, 'pidfd_open', 'v5.11')).toThrow(/pidfd_open: ENOSYS/);
    // Misuse is a ModelError, not a kernel's answer.
    for (const bad of [null, 42, {}, { syscalls: 'v4.0' }]) expect(() => hasSyscalls(bad as never, 'v3.14')).toThrow(ModelError);
    expect(() => hasSyscalls({ syscalls: 'v5.11' }, 'toString' as never)).toThrow(ModelError);
    expect(() => requireSyscall({ syscalls: 'v5.11' }, 42 as never, 'v3.14')).toThrow(ModelError);
  });

  it('linux-3.14 has no close_range() or copy_file_range(): ENOSYS before the arguments are read, nothing changes', () => {
    const k = newKernel({ policy: 'linux-3.14' });
    const p = k.spawnProcess();
    const a = p.open('/data/log', O_RDWR);
    const before = state(k);
    expect(errnoOf(() => p.closeRange(0, 10, 0))).toBe('ENOSYS');
    expect(errnoOf(() => p.closeRange(5, 1, 0xffff))).toBe('ENOSYS'); // EINVAL on a kernel that has it
    expect(errnoOf(() => p.copyFileRange(a, null, a, null, 1))).toBe('ENOSYS');
    expect(state(k)).toBe(before);
    const q = newKernel({ policy: 'linux-5.11' }).spawnProcess();
    expect(errnoOf(() => q.closeRange(5, 1, 0))).toBe('EINVAL');
  });

  it('a thread gets ENOSYS without taking a step', () => {
    const k = newKernel({ policy: 'linux-3.14' });
    const p = k.spawnProcess();
    const t = p.thread((sys) => catching(sys.closeRange(0, 3, 0)));
    stepToEnd(k, t);
    expect(t.sim.result).toBe('ENOSYS');
    expect(k.engine.stepCount).toBe(0);
  });

  it('fcntl F_DUPFD_QUERY came in v6.10: EINVAL before it (EBADF on an O_PATH fd, which check_fcntl_cmd() did not list)', () => {
    for (const [policy, plain, path] of [['linux-6.9', 'EINVAL', 'EBADF'], ['current', 1, 1]] as const) {
      const k = newKernel({ policy });
      const p = k.spawnProcess();
      const a = p.open('/data/log', O_RDONLY);
      const o = p.open('/data/log', O_PATH);
      const run = (fd: number) => { try { return p.fcntl(fd, F_DUPFD_QUERY, fd); } catch (e) { return (e as { code: string }).code; } };
      expect(run(a)).toBe(plain);
      expect(run(o)).toBe(path);
      // The stepped fcntl answers the same.
      const t = p.thread((sys) => catching(sys.fcntl(a, F_DUPFD_QUERY, a)));
      stepToEnd(k, t);
      expect(t.sim.result).toBe(plain);
    }
  });

  it('the pidfd and io_uring plugins: ENOSYS on linux-3.14, present from linux-5.11', () => {
    for (const [policy, expected] of [['linux-3.14', 'ENOSYS'], ['linux-5.11', null]] as const) {
      const k = newKernel({ policy });
      const pf = k.use(pidfd());
      const u = k.use(ioUring());
      const p = k.spawnProcess();
      const fd = p.open('/data/log', O_RDONLY);
      const before = state(k);
      const calls = [() => pf.pidfdOpen(p, p.pid, 0), () => pf.pidfdGetfd(p, 0, fd, 0), () => u.setup(p, 4), () => u.register(p, 0, 0, null, 0), () => u.enter(p, 0, [])];
      for (const c of calls.slice(0, expected === null ? 1 : calls.length)) {
        if (expected === null) expect(typeof c()).toBe('number');
        else expect(errnoOf(c)).toBe(expected);
      }
      if (expected !== null) expect(state(k)).toBe(before);
    }
  });
});
