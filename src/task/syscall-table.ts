import { KernelError } from '../sim/kernel-error.js';
import { ModelError } from '../sim/model-error.js';
import { describeValue } from '../sim/validate.js';
import { SYSCALL_TABLES, type SyscallTable, type TaskPolicy } from './policy.js';

/**
 * Throws KernelError ENOSYS unless the kernel's system call table (policy `syscalls`)
 * has `name`, which came with table `since`. Models the table lookup of the syscall entry
 * (x64_sys_call() and friends), whose slot for a number the running kernel does not know
 * is sys_ni_syscall(): ENOSYS before any argument is read. A plugin's system call calls
 * it first with the table its call belongs to.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { requireSyscall } from 'fdlab/extend';
 * requireSyscall(new Kernel({ policy: 'linux-3.14' }).policy, 'pidfd_open', 'v5.11'); // throws ENOSYS
 * ```
 */
export function requireSyscall(policy: Pick<TaskPolicy, 'syscalls'>, name: string, since: SyscallTable): void {
  if (typeof name !== 'string') throw new ModelError('bad-argument', `requireSyscall needs the system call's name, got ${describeValue(name)}`);
  if (!hasSyscalls(policy, since)) throw new KernelError('ENOSYS', name, `not in this kernel's system calls (policy syscalls '${policy.syscalls}'; needs '${since}')`);
}

/**
 * True if the kernel's table (policy `syscalls`) is `since` or later: for what a kernel
 * of an older table answers otherwise (an fcntl command it does not know is EINVAL).
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import { hasSyscalls } from 'fdlab/extend';
 * hasSyscalls(new Kernel({ policy: 'linux-6.9' }).policy, 'v6.10'); // false: no F_DUPFD_QUERY
 * ```
 */
export function hasSyscalls(policy: Pick<TaskPolicy, 'syscalls'>, since: SyscallTable): boolean {
  const have = typeof policy === 'object' && policy !== null ? SYSCALL_TABLES.indexOf(policy.syscalls) : -1;
  const need = SYSCALL_TABLES.indexOf(since);
  // Model misuse, not a kernel's answer: no policy, or a table no kernel has.
  if (have < 0) throw new ModelError('bad-argument', `a policy with syscalls one of ${SYSCALL_TABLES.join(', ')} is needed, got ${describeValue(policy)}`);
  if (need < 0) throw new ModelError('bad-argument', `a system call table is one of ${SYSCALL_TABLES.join(', ')}, got ${describeValue(since)}`);
  return have >= need;
}
