import { KernelError } from '../../sim/kernel-error.js';
import type { Task } from '../task.js';

/**
 * prlimit64(0, RLIMIT_NOFILE, new, old) / setrlimit(RLIMIT_NOFILE) for the calling
 * process. Models do_prlimit() in kernel/sys.c for RLIMIT_NOFILE: the new soft limit
 * must not exceed the new hard limit (EINVAL), the hard limit not exceed fs.nr_open
 * (EPERM), and raising the hard limit needs CAP_SYS_RESOURCE (EPERM). Lowering a limit
 * closes nothing: fds at or above it stay open, only new allocations are refused.
 * Arguments are `rlim64_t` (unsigned 64-bit); negative numbers are RLIM64_INFINITY-like
 * huge values and fail the checks as they would in C.
 *
 * @returns the previous [soft, hard]
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * p.prlimit(8);          // [1024, 4096]
 * p.rlimitNofile;        // 8
 * ```
 * @internal
 */
export function prlimitNofile(t: Task, soft: number, hard: number): [number, number] {
  const p = t.process;
  const s = soft < 0 ? Number.MAX_SAFE_INTEGER : soft;
  const h = hard < 0 ? Number.MAX_SAFE_INTEGER : hard;
  if (!Number.isInteger(s) || !Number.isInteger(h)) throw new KernelError('EINVAL', 'prlimit64', 'limits must be integers');
  if (s > h) throw new KernelError('EINVAL', 'prlimit64', `soft limit ${soft} above hard limit ${hard}`);
  if (h > t.world.nrOpen) throw new KernelError('EPERM', 'prlimit64', `hard limit ${hard} above fs.nr_open ${t.world.nrOpen}`);
  if (h > p.rlimitNofileMax && !p.creds.caps.includes('CAP_SYS_RESOURCE')) {
    throw new KernelError('EPERM', 'prlimit64', `raising the hard limit needs CAP_SYS_RESOURCE`);
  }
  const old: [number, number] = [p.rlimitNofile, p.rlimitNofileMax];
  // The limits live in signal_struct (signal->rlim): the process's field 0.
  t.world.engine.write(p.simId, 0);
  p.rlimitNofile = s;
  p.rlimitNofileMax = h;
  return old;
}
