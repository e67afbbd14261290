import { EMPTY_FD } from '../fdtable/fd-word.js';
import { fdgetSteps, fdputSteps } from '../fdtable/fget.js';
import { FMODE_PATH } from '../file/constants.js';
import { KernelError } from '../sim/kernel-error.js';
import type { KernelPath } from '../sim/step.js';
import type { Task } from '../task/task.js';
import { unixGcSteps } from './gc.js';
import type { RefFile } from '../file/ref-file.js';
import { unixSockOfFile, type UnixRegistry, type UnixSock, type UnixWorld } from './sock.js';

/** The AF_UNIX world of a task's kernel; registers the audit's owner source on first use. @internal */
export function unixWorld(t: Task): UnixWorld {
  const w = t.world as Partial<UnixWorld>;
  if (w.unix === undefined) throw new KernelError('ENOSYS', 'socket', 'this world has no AF_UNIX layer');
  return hookUnix(w as UnixWorld);
}

/** Registers the AF_UNIX owner source with the audit once. @internal */
export function hookUnix(w: UnixWorld): UnixWorld {
  const reg = w.unix;
  if (!reg.hooked) {
    reg.hooked = true;
    reg.collector = unixGcSteps;
    w.owners.add(() => inFlightFiles(reg));
  }
  return w;
}

/**
 * sockfd_lookup_light() as steps: fdget() the fd (EBADF), then ENOTSOCK for a file that
 * is not a socket. Returns the socket and the packed struct fd to put. @internal
 */
export function* sockfdLookup(t: Task, fd: number, call: string): KernelPath<[UnixSock, number]> {
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new KernelError('EBADF', call, `fd ${fd} is no descriptor`);
  const files = t.filesOrThrow(call);
  const word = yield* fdgetSteps(t, files, fd, FMODE_PATH);
  if (word === EMPTY_FD) throw new KernelError('EBADF', call, `fd ${fd} is not open`);
  const s = unixSockOfFile(files.fileOfWord(word));
  if (s === null) {
    yield* fdputSteps(t, files, word);
    throw new KernelError('ENOTSOCK', call, `fd ${fd} is not a socket`);
  }
  return [s, word];
}

/** fdput() of a sockfdLookup(). @internal */
export function* sockfdPut(t: Task, word: number): KernelPath {
  yield* fdputSteps(t, t.filesOrThrow('fdput'), word);
}
// Module-level, not a generator closure per kernel (docs/architecture.md, "Generator closures").
function* inFlightFiles(reg: UnixRegistry): Generator<readonly [RefFile, string]> {
  for (const s of reg.socks) {
    for (const skb of s.queue) for (const f of skb.files) yield [f, `skb#${skb.id} on ${s.name}`] as const;
  }
}
