import type { RefFile } from '../file/ref-file.js';

/**
 * One live file in an audit: its count and the owners found for its references.
 *
 * @example
 * ```ts
 * import type { AuditEntry } from 'fdlab';
 * const e: AuditEntry = { file: 'file#1', count: 1, owners: ['P1.files fd 0'] };
 * ```
 */
export interface AuditEntry {
  /** File name. */
  readonly file: string;
  /** Its f_count. */
  readonly count: number;
  /** Who holds its references, one entry per reference. */
  readonly owners: readonly string[];
}

/**
 * The result of `kernel.audit()`.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const r = new Kernel().audit();
 * r.ok; // true
 * ```
 */
export interface AuditReport {
  /** True when every count equals its owners and every mount count its files. */
  readonly ok: boolean;
  /** What is wrong, in words naming the owners. */
  readonly problems: readonly string[];
  /** Every live file with its owners. */
  readonly files: readonly AuditEntry[];
}

/**
 * A source of reference owners for the audit: yields `[file, owner name]` once per
 * reference it holds. Subsystems and plugins register one for the references they keep
 * (io_uring slots, in-flight SCM_RIGHTS, epoll checks ...).
 *
 * @example
 * ```ts
 * import { Kernel, type OwnerSource } from 'fdlab';
 * const k = new Kernel();
 * const src: OwnerSource = function* () {};
 * k.owners.add(src);
 * ```
 */
export type OwnerSource = () => Iterable<readonly [RefFile, string]>;
