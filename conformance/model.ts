import { readFileSync } from 'node:fs';
import { Epoll, FMODE_PATH, F_GETFL, F_GETLK, Kernel, KernelError, ModelError, MSG_CTRUNC, MSG_DONTWAIT, MSG_TRUNC, Unix, type Flock, type Process } from '../src/index.js';
import { KCMP_EPOLL_TFD, pidfd, type PidfdApi } from '../src/plugins/pidfd/index.js';
import { readExtra, writeData, type Call, type FdRow, type Obs } from './program.js';

/**
 * One program run on fdlab's plain API: a fresh Kernel, role 0 a spawned process, every
 * call a plain syscall. Each call returns what the harness compares, in the runner's form.
 */
/**
 * The capabilities the runner has on this host, among those the model knows (bit numbers
 * of include/uapi/linux/capability.h), from CapEff in /proc/self/status: root in a
 * container may lack some (CAP_SYS_RESOURCE, which F_SETPIPE_SZ past pipe-max-size needs).
 */
const HOST_CAPS: readonly string[] = (() => {
  const bits: Record<string, number> = { CAP_SYS_PTRACE: 19, CAP_SYS_ADMIN: 21, CAP_SYS_RESOURCE: 24, CAP_BLOCK_SUSPEND: 36 };
  let eff = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) eff = BigInt(`0x${m[1]!}`);
  } catch {
    // Not Linux: the harness skips before it runs anything.
  }
  return Object.keys(bits).filter((c) => (eff >> BigInt(bits[c]!)) & 1n);
})();

/** A socket address argument: "@name" is an abstract name ('\\0name'), anything else a path. */
function sunOf(a: string): string {
  return a.startsWith('@') ? `\0${a.slice(1)}` : a;
}

/** A model address as a program writes it, and the runner reports a sender's: "@name" for an abstract name ('\0name'), a path as is. */
export function addrArg(addr: string): string {
  return addr.startsWith('\0') ? `@${addr.slice(1)}` : addr;
}

export class ModelRun {
  readonly kernel = new Kernel();
  private readonly pf: PidfdApi = this.kernel.use(pidfd());
  /** Processes by role; a role stays after exit (a zombie until its parent reaps it). */
  readonly roles = new Map<number, Process>();
  /** Roles that have exited. */
  readonly exited = new Set<number>();
  /** Set once the AF_UNIX collector has freed a socket in this program (see the `unix-gc-async` exclusion). */
  private collected = false;

  constructor() {
    this.roles.set(0, this.kernel.spawnProcess({ creds: { uid: 0, caps: HOST_CAPS } }));
  }

  private pidOf(a: number | string): number {
    if (typeof a === 'string' && a.startsWith('%')) return this.roles.get(Number(a.slice(1)))?.pid ?? 0;
    return Number(a);
  }

  private roleOfPid(pid: number): number {
    for (const [r, p] of this.roles) if (p.pid === pid) return r;
    return -2;
  }

  /** Runs one call; a fork also reports the child's first table (the runner's `start`). */
  call(c: Call): Obs[] {
    const obs = this.callOnce(c);
    const gc = this.kernel.unixIfAny?.lastGc;
    if (gc !== undefined && gc !== null && gc.collected.length > 0) this.collected = true;
    return this.collected ? obs.map((o) => ({ ...o, collected: true })) : obs;
  }

  private callOnce(c: Call): Obs[] {
    const p = this.roles.get(c.role);
    if (p === undefined) throw new Error(`no process for role ${c.role}`);
    const n = (i: number): number => this.pidOf(c.args[i] ?? 0);
    let ret = 0;
    let x: unknown;
    let child: number | null = null;
    try {
      switch (c.op) {
        case 'open': ret = p.open(String(c.args[0]), n(1)); break;
        case 'close': p.close(n(0)); break;
        case 'dup': ret = p.dup(n(0)); break;
        case 'dup2': ret = p.dup2(n(0), n(1)); break;
        case 'dup3': ret = p.dup3(n(0), n(1), n(2)); break;
        case 'fcntl': ret = p.fcntl(n(0), n(1), n(2)); break;
        case 'lock': {
          const lock: Flock = { type: n(2), whence: 0, start: n(3), len: n(4) };
          if (n(1) === F_GETLK) {
            const l = p.fcntl(n(0), F_GETLK, lock);
            x = [l.type, l.start, l.len, l.type === 2 ? null : this.roleOfPid(l.pid ?? 0)];
          } else ret = p.fcntl(n(0), n(1) === 7 ? 7 : 6, lock);
          break;
        }
        case 'close_range': p.closeRange(n(0), n(1), n(2)); break;
        case 'pipe2': x = p.pipe(n(0)); break;
        case 'read': {
          const d = p.read(n(0), n(1));
          ret = d.length;
          x = readExtra(d);
          break;
        }
        case 'write': ret = p.write(n(0), writeData(n(1), n(2))); break;
        case 'pread': {
          const d = p.pread(n(0), n(1), n(2));
          ret = d.length;
          x = readExtra(d);
          break;
        }
        case 'pwrite': ret = p.pwrite(n(0), writeData(n(1), n(2)), n(3)); break;
        case 'sendfile': ret = p.sendfile(n(0), n(1), n(2) === -2 ? null : n(2), n(3)); break;
        case 'splice': ret = p.splice(n(0), n(1) === -2 ? null : n(1), n(2), n(3) === -2 ? null : n(3), n(4), n(5)); break;
        case 'copy_file_range': ret = p.copyFileRange(n(0), n(1) === -2 ? null : n(1), n(2), n(3) === -2 ? null : n(3), n(4), n(5)); break;
        case 'lseek': ret = p.lseek(n(0), n(1), n(2)); break;
        case 'getdents': {
          const names = p.getdents(n(0), 1 << 20);
          ret = names.length;
          x = [...names].sort();
          break;
        }
        case 'prlimit': p.prlimit(n(0)); break;
        case 'umount2': p.umount2(String(c.args[0]), n(1)); break;
        case 'fork': {
          const ch = p.fork();
          child = n(0);
          this.roles.set(child, ch);
          ret = child;
          break;
        }
        case 'exit':
          p.exit();
          this.exited.add(c.role);
          return [{ op: 'exit', ret: 0, err: null }];
        case 'wait': {
          const pid = p.wait4(n(0), n(1) ? 1 : 0);
          ret = pid === 0 ? 0 : this.roleOfPid(pid);
          break;
        }
        case 'exec': p.exec(); break;
        case 'pidfd_open': ret = this.pf.pidfdOpen(p, n(0), n(1)); break;
        case 'pidfd_getfd': ret = this.pf.pidfdGetfd(p, n(0), n(1), n(2)); break;
        case 'kcmp': {
          const r = this.pf.kcmp(p, n(0), n(1), n(2), n(3), n(2) === KCMP_EPOLL_TFD ? { efd: n(4), tfd: n(5), toff: n(6) } : n(4));
          // Only equality is portable: Linux orders unequal objects by obfuscated pointers.
          ret = r > 0 ? 1 : r;
          break;
        }
        case 'socketpair': x = Unix.socketpair(p, n(0)); break;
        case 'socket': ret = Unix.socket(p, n(0)); break;
        case 'bind': ret = Unix.bind(p, n(0), sunOf(String(c.args[1]))); break;
        case 'connect': ret = Unix.connect(p, n(0), sunOf(String(c.args[1]))); break;
        case 'listen': ret = Unix.listen(p, n(0), n(1)); break;
        case 'accept4': ret = Unix.accept(p, n(0), n(1)); break;
        case 'sendmsg': {
          const count = n(1);
          ret = Unix.sendmsg(p, n(0), 'm', c.args.slice(2, 2 + count).map(Number), MSG_DONTWAIT | 0x4000);
          break;
        }
        case 'sendto': {
          const count = n(2);
          ret = Unix.sendto(p, n(0), 'm', sunOf(String(c.args[1])), c.args.slice(3, 3 + count).map(Number), MSG_DONTWAIT | 0x4000);
          break;
        }
        case 'recvmsg': {
          const r = Unix.recvmsg(p, n(0), 1, n(1), n(2) | MSG_DONTWAIT);
          ret = r.data.length;
          x = [r.data, r.fds, r.flags & (MSG_CTRUNC | MSG_TRUNC), r.addr === undefined ? null : addrArg(r.addr)];
          break;
        }
        case 'shutdown': ret = Unix.shutdown(p, n(0), n(1)); break;
        case 'eventfd': ret = p.eventfd(n(0), n(1)); break;
        case 'efd_write':
          // The model's eventfd takes the value as a decimal string: a buffer under 8 bytes
          // (EINVAL on Linux) has no such form, so the generator writes 8 bytes only.
          ret = p.write(n(0), String(c.args[1]));
          break;
        case 'efd_read': {
          const d = p.read(n(0), n(1));
          ret = 8;
          x = d;
          break;
        }
        case 'poll': {
          const fds = Array.from({ length: n(0) }, (_, i) => ({ fd: n(1 + 2 * i), events: n(2 + 2 * i) & 0xffff }));
          const r = p.poll(fds, 0);
          ret = r.count;
          x = r.revents;
          break;
        }
        case 'select': {
          const sets = [n(1), n(2), n(3)].map((m) => Array.from({ length: 32 }, (_, fd) => fd).filter((fd) => ((m >>> 0) >>> fd) & 1));
          const r = p.select(n(0), sets[0]!, sets[1]!, sets[2]!, 0);
          ret = r.count;
          const mask = (fds: readonly number[]) => fds.reduce((m, fd) => (m | (1 << fd)) >>> 0, 0);
          x = [mask(r.readfds), mask(r.writefds), mask(r.exceptfds)];
          break;
        }
        case 'epoll_create1': ret = Epoll.create1(p, n(0)); break;
        case 'epoll_ctl': ret = Epoll.ctl(p, n(0), n(1), n(2), { events: n(3) >>> 0, data: n(2) }); break;
        case 'epoll_wait': x = Epoll.wait(p, n(0), n(1), 0).map((e) => [e.data, e.events >>> 0]); ret = (x as unknown[]).length; break;
        case 'table': break;
        default: throw new Error(`unknown op ${c.op}`);
      }
    } catch (e) {
      if (KernelError.is(e)) return [{ op: c.op, ret: -1, err: e.code, table: this.table(p) }];
      if (ModelError.is(e) && e.code === 'would-block') return [{ op: c.op, ret: -1, err: 'BLOCK', table: this.table(p) }];
      // Beyond the model (splicing to or from a socket): never sent to the host.
      if (ModelError.is(e) && e.code === 'model-limit') return [{ op: c.op, ret: -1, err: 'LIMIT', table: this.table(p) }];
      throw e;
    }
    const obs: Obs[] = [{ op: c.op, ret, err: null, ...(x === undefined ? {} : { x }), table: this.table(p) }];
    if (child !== null) obs.push({ op: 'start', ret: child, err: null, table: this.table(this.roles.get(child)!) });
    return obs;
  }

  /** The fd table as the runner reports it. */
  table(p: Process): FdRow[] {
    const files = p.main.files;
    if (files === null) return [];
    const rows: FdRow[] = [];
    const firstFd = new Map<object, number>();
    for (const fd of files.installedFds()) {
      const f = files.lookupRaw(fd)!;
      if (!firstFd.has(f)) firstFd.set(f, fd);
      const kind = f.inode.kind === 'anon' || f.inode.kind === 'sock' ? 'other' : f.inode.kind;
      rows.push([fd, files.getCloexec(fd) ? 1 : 0, firstFd.get(f)!, `m${f.inode.ino}`, kind, kind === 'reg' && !(f.mode & FMODE_PATH) ? f.pos : null, p.fcntl(fd, F_GETFL)]);
    }
    return rows;
  }
}
