import { KernelError } from '../../sim/kernel-error.js';
import { ModelError } from '../../sim/model-error.js';
import type { Process } from '../process.js';
import type { Task } from '../task.js';

/** wait4() option: return 0 at once if no child has exited (WNOHANG). @internal */
export const WNOHANG = 1;

/**
 * wait4(pid, NULL, options, NULL) for the calling process: reaps one exited child.
 * Models do_wait() / wait_task_zombie() in kernel/exit.c, for `pid > 0` (that child) and
 * `pid == -1` (any child); other pid forms are EINVAL here (process groups are not
 * modelled). ECHILD when there is no such unreaped child; with WNOHANG, 0 while the
 * child still runs; without it the call would sleep, which a plain call cannot do (a
 * ModelError). Reaping ends the zombie: its pid is gone for pidfd_open() and kill().
 *
 * @returns the reaped child's pid, or 0 (WNOHANG, nothing exited yet)
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const parent = new Kernel().spawnProcess();
 * const child = parent.fork();
 * child.exit();                    // a zombie until reaped
 * parent.wait4(child.pid, 0);      // child.pid
 * ```
 * @internal
 */
export function wait4(t: Task, pid: number, options: number): number {
  if (!Number.isInteger(options) || (options & ~WNOHANG) !== 0) throw new KernelError('EINVAL', 'wait4', `options ${options} not modelled`);
  if (!Number.isInteger(pid) || (pid <= 0 && pid !== -1)) throw new KernelError('EINVAL', 'wait4', `pid ${pid}: process groups are not modelled`);
  const me = t.process;
  const children: Process[] = [];
  for (const p of t.world.processes.values()) {
    if (p.parent === me && !p.reaped && (pid === -1 || p.pid === pid)) children.push(p);
  }
  if (children.length === 0) throw new KernelError('ECHILD', 'wait4', pid === -1 ? `${me.name} has no unreaped children` : `${pid} is not an unreaped child of ${me.name}`);
  const zombie = children.find((p) => p.exited);
  if (zombie !== undefined) {
    zombie.reap();
    return zombie.pid;
  }
  if (options & WNOHANG) return 0;
  throw new ModelError('would-block', `wait4(${pid}) in ${me.name} would sleep until a child exits; run it in a thread`);
}
