import type { Process } from '../../index.js';

/**
 * Whether `caller` may "attach" to `target` with real credentials: the check
 * pidfd_getfd() makes. Models ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS) in
 * kernel/ptrace.c (__ptrace_may_access): same thread group → allowed; otherwise the
 * caller's real uid and gid must match the target's and the target must be dumpable,
 * unless the caller has CAP_SYS_PTRACE. (LSMs such as Yama are not modelled.)
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { ptraceMayAccess } from 'fdlab/pidfd';
 * const k = new Kernel();
 * const a = k.spawnProcess({ creds: { uid: 1000 } });
 * const b = k.spawnProcess({ creds: { uid: 1001 } });
 * ptraceMayAccess(a, b); // false: different uid, no CAP_SYS_PTRACE
 * ```
 */
export function ptraceMayAccess(caller: Process, target: Process): boolean {
  if (caller === target) return true;
  const c = caller.creds;
  const t = target.creds;
  if (c.caps.includes('CAP_SYS_PTRACE')) return true;
  return c.uid === t.uid && c.gid === t.gid && t.dumpable;
}
