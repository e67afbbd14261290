import type { Call, FdRow, Obs, Program } from './program.js';

/** The first place a program's model run and host run differ. */
export interface Divergence {
  /** Index of the call (in the program) where they first differ. */
  readonly index: number;
  readonly call: Call;
  /** Grouping key: the syscall and the kind of mismatch, e.g. `open errno EINVAL/0`. */
  readonly signature: string;
  readonly model: Obs;
  readonly host: Obs;
}

/**
 * Maps inode identities to names by first appearance (`i0`, `i1`, ...) so that the
 * model's inode numbers and the host's dev:ino pairs compare; anonymous inodes (pidfd)
 * are all `anon`, since the host's pidfs gives each pid its own inode and the model
 * does not.
 */
class InodeNames {
  private readonly names = new Map<string, string>();
  name(key: string, kind: string): string {
    if (kind === 'other') return 'anon';
    let n = this.names.get(key);
    if (n === undefined) this.names.set(key, (n = `i${this.names.size}`));
    return n;
  }
}

function rows(t: readonly FdRow[] | undefined, names: InodeNames): string {
  if (t === undefined) return '-';
  return t.map(([fd, cloexec, group, ino, kind, pos, flags]) => `${fd}${cloexec ? 'c' : ''}=${group}:${names.name(ino, kind)}:${kind}@${pos ?? '-'}/${flags.toString(8)}`).join(' ');
}

function diffKind(c: Call, m: Obs, h: Obs, mt: string, ht: string): string | null {
  if (m.err !== h.err) return `errno ${m.err ?? 'ok'}/${h.err ?? 'ok'}`;
  if (m.ret !== h.ret) return 'result';
  if (JSON.stringify(m.x ?? null) !== JSON.stringify(h.x ?? null)) return c.op === 'fcntl' ? 'flags' : 'data';
  if (mt !== ht) return tableKind(mt, ht);
  return null;
}

function tableKind(mt: string, ht: string): string {
  const m = mt.split(' '), h = ht.split(' ');
  if (m.length !== h.length || m.some((r, i) => r.split('=')[0] !== h[i]!.split('=')[0])) return 'table fds';
  for (let i = 0; i < m.length; i++) {
    const [ma, mb] = [m[i]!, h[i]!];
    if (ma === mb) continue;
    const mf = ma.split('/').pop(), hf = mb.split('/').pop();
    if (mf !== hf) return 'table flags';
    if (ma.split('@')[1]?.split('/')[0] !== mb.split('@')[1]?.split('/')[0]) return 'table offset';
    return 'table sharing';
  }
  return 'table';
}

/** Compares a program's two runs call by call; null when they agree. */
export function compare(p: Program, model: readonly Obs[], host: readonly Obs[]): Divergence | null {
  const mn = new InodeNames(), hn = new InodeNames();
  let ci = 0;
  for (let i = 0; i < Math.max(model.length, host.length); i++) {
    const m = model[i], h = host[i];
    const call = p[Math.min(ci, p.length - 1)]!;
    if (m === undefined || h === undefined) {
      return { index: ci, call, signature: `${call.op} length`, model: m ?? { op: '-', ret: 0, err: null }, host: h ?? { op: '-', ret: 0, err: null } };
    }
    const mt = rows(m.table, mn), ht = rows(h.table, hn);
    const kind = diffKind(call, m, h, mt, ht);
    if (kind !== null) return { index: ci, call, signature: `${m.op === 'start' ? 'fork(child)' : call.op} ${kind}`, model: m, host: h };
    if (m.op !== 'start') ci++;
  }
  return null;
}

/** A divergence as text: the call, both observations with normalised tables. */
export function describe(d: Divergence): string {
  const mn = new InodeNames(), hn = new InodeNames();
  const show = (o: Obs, n: InodeNames) => `ret=${o.ret} err=${o.err ?? '-'}${o.x === undefined ? '' : ` x=${JSON.stringify(o.x)}`}\n      table: ${rows(o.table, n)}`;
  return `  at call ${d.index}: ${d.call.role} ${d.call.op} ${d.call.args.join(' ')}\n    model: ${show(d.model, mn)}\n    host:  ${show(d.host, hn)}`;
}
