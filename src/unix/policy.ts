/**
 * Which AF_UNIX garbage collector runs (net/unix/garbage.c):
 *
 * - `'classic'`: Miklos Szeredi's 2007 cycle collector (until v6.9): sockets whose file
 *   count equals their in-flight count are candidates; in-flight counts are subtracted
 *   over the candidates' queues; candidates still counted from outside, and what they
 *   reach, are restored; the rest is purged after dropping the lock.
 * - `'scc'`: Kuniyuki Iwashima's graph collector (v6.10+, "af_unix: Rework GC.", merged
 *   2024-03-29): vertices and edges maintained on send and receive, an iterative Tarjan
 *   over in-flight sockets, and a component is dead when no edge leaves it and every
 *   socket's file count equals its out-degree.
 *
 * @example
 * ```ts
 * import type { UnixGcKind } from 'fdlab';
 * const v: UnixGcKind = 'scc';
 * ```
 */
export type UnixGcKind = 'classic' | 'scc';

/**
 * Whether unix_peek_fds() (MSG_PEEK with SCM_RIGHTS) serialises with a running collector:
 *
 * - `'none'`: it duplicates the in-flight files and installs them with no handshake
 *   (until v5.14; CVE-2021-0920; and again under the graph collector from v6.10,
 *   118f457da9ed "af_unix: Remove lock dance in unix_peek_fds()").
 * - `'lock-unlock'`: `spin_lock(&unix_gc_lock); spin_unlock(&unix_gc_lock);` between
 *   duplicating the files and installing them (cbcf01128d0a "af_unix: fix garbage
 *   collect vs MSG_PEEK", v5.14).
 *
 * @example
 * ```ts
 * import type { UnixPeekGcLock } from 'fdlab';
 * const v: UnixPeekGcLock = 'lock-unlock';
 * ```
 */
export type UnixPeekGcLock = 'none' | 'lock-unlock';

/**
 * The behaviour switches of the AF_UNIX layer.
 *
 * @example
 * ```ts
 * import type { UnixPolicy } from 'fdlab';
 * const p: UnixPolicy = { unixGc: 'classic', unixPeekGcLock: 'lock-unlock' };
 * ```
 */
export interface UnixPolicy {
  /** Which collector runs (see {@link UnixGcKind}). */
  readonly unixGc: UnixGcKind;
  /** The MSG_PEEK handshake with the collector (see {@link UnixPeekGcLock}). */
  readonly unixPeekGcLock: UnixPeekGcLock;
}
