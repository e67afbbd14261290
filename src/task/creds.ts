/**
 * A task's credentials, as far as permission checks on other tasks need them.
 * Models the parts of `struct cred` (include/linux/cred.h) and `mm->dumpable` that
 * ptrace_may_access() reads.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const root = new Kernel().spawnProcess({ creds: { uid: 0 } });
 * root.creds.caps.includes('CAP_SYS_PTRACE'); // true
 * ```
 */
export interface Creds {
  /** Real, effective and saved user id (kept equal in the model). */
  readonly uid: number;
  /** Real, effective and saved group id. */
  readonly gid: number;
  /** Effective capabilities, e.g. `'CAP_SYS_PTRACE'`. uid 0 gets all by default. */
  readonly caps: readonly string[];
  /** SUID_DUMP_USER (true) or SUID_DUMP_DISABLE (false) — after a setuid exec, say. */
  readonly dumpable: boolean;
}

/**
 * Fills in defaults: uid/gid 1000, dumpable, and every capability for uid 0.
 *
 * @example
 * ```ts
 * import { makeCreds } from 'fdlab';
 * makeCreds({ uid: 0 }).caps; // ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', ...]
 * ```
 */
export function makeCreds(c: Partial<Creds> = {}): Creds {
  const uid = c.uid ?? 1000;
  return {
    uid,
    gid: c.gid ?? uid,
    caps: c.caps ?? (uid === 0 ? ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_RESOURCE', 'CAP_BLOCK_SUSPEND'] : []),
    dumpable: c.dumpable ?? true,
  };
}
