/**
 * A conformance program: system calls by numbered processes (roles). Role 0 is the first
 * process; `fork` names the role of the child. Arguments of the form `%N` stand for the
 * pid of role N (each side substitutes its own pids).
 */
export interface Call {
  /** The calling process. */
  readonly role: number;
  /** The syscall: open, close, dup, dup2, dup3, fcntl, lock, close_range, pipe2, read, write, pread, pwrite, sendfile, copy_file_range, splice, lseek, getdents, prlimit, fork, exit, wait, exec, pidfd_open, pidfd_getfd, kcmp, poll, select, eventfd, efd_write, efd_read, epoll_create1, epoll_ctl, epoll_wait, socketpair, socket, bind, listen, connect, accept4, sendmsg, sendto, recvmsg, shutdown. */
  readonly op: string;
  /** Arguments, as the runner reads them. */
  readonly args: readonly (number | string)[];
}

/** A program: the calls in order. */
export type Program = readonly Call[];

/** The observable fd-table entry: [fd, cloexec, group, inode, kind, pos, flags]. */
export type FdRow = readonly [number, number, number, string, string, number | null, number];

/** What one call did, normalised: the same shape for the model and the host. */
export interface Obs {
  readonly op: string;
  /** The result (fds, counts, positions; a role for fork/wait), or -1 with `err`. */
  readonly ret: number;
  /** The errno name, `BLOCK` for a call that would block, or null. */
  readonly err: string | null;
  /** The call's extra output: bytes read, names listed, the pipe's fds, the conflicting lock. */
  readonly x?: unknown;
  /** The caller's fd table after the call (absent after exit). */
  readonly table?: readonly FdRow[];
  /** Model only, not compared: the AF_UNIX collector has freed a socket in this program by the end of this call. */
  readonly collected?: boolean;
}

/** The runner's line for a call. */
export function formatCall(c: Call): string {
  return `${c.role} ${c.op}${c.args.map((a) => ` ${a}`).join('')}`;
}

/** A program as readable text (one call per line), for reports and reproducers. */
export function formatProgram(p: Program): string {
  return p.map(formatCall).join('\n');
}

/** Roles created by the program's forks, for dropping calls whose process no longer exists. */
export function validRoles(p: Program): Program {
  const alive = new Set([0]);
  const out: Call[] = [];
  for (const c of p) {
    if (!alive.has(c.role)) continue;
    if (c.op === 'fork') alive.add(Number(c.args[0]));
    if (c.op === 'exit') alive.delete(c.role);
    if (c.args.some((a) => typeof a === 'string' && a.startsWith('%') && !knownRole(out, Number(a.slice(1))))) continue;
    out.push(c);
  }
  return out;
}

function knownRole(p: Program, role: number): boolean {
  return role === 0 || p.some((c) => c.op === 'fork' && Number(c.args[0]) === role);
}

/** FNV-1a over a byte string, as the runner hashes long reads. */
export function fnv(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ (s.charCodeAt(i) & 0xff), 16777619) >>> 0;
  return h;
}

/** The bytes a `write fd n c` call writes: 'a' + (c + i) % 26. */
export function writeData(n: number, c: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + ((c + i) % 26));
  return s;
}

/** A read's data as both sides report it: literal up to 64 bytes, else `#hash`. */
export function readExtra(data: string): string | undefined {
  if (data.length === 0) return undefined;
  return data.length <= 64 ? data : `#${fnv(data)}`;
}
