import { EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../file/poll.js';
import { KernelError } from '../sim/kernel-error.js';
import { dynamicStep, type KernelPath } from '../sim/step.js';
import type { Task } from '../task/task.js';
import { RCV_SHUTDOWN, SEND_SHUTDOWN, SHUT_RDWR } from './constants.js';
import { SK_STATE } from './sock.js';
import { sockfdLookup, sockfdPut, unixWorld } from './world.js';

/**
 * shutdown(fd, how) as a kernel path: EINVAL for `how` beyond SHUT_RDWR; sets this
 * socket's shutdown bits and, for a connected stream or seqpacket peer, the mirrored bits
 * of the peer (its receive side ends when this side stops sending), waking both. Models
 * unix_shutdown(). @internal
 */
export function* shutdownSteps(t: Task, fd: number, how: number): KernelPath<number> {
  const w = unixWorld(t);
  const [s, word] = yield* sockfdLookup(t, fd, 'shutdown');
  try {
    if (!Number.isInteger(how) || how < 0 || how > SHUT_RDWR) throw new KernelError('EINVAL', 'shutdown', `bad how ${how}`);
    yield dynamicStep(w.engine, 'unix_shutdown', () => {
      const acc = [s.acc(SK_STATE, true), s.wq.writeAccess()];
      if (s.peer !== null) acc.push(s.peer.acc(SK_STATE, true), s.peer.wq.writeAccess());
      return acc;
    });
    w.engine.write(s.simId, SK_STATE);
    const mode = how + 1; // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN, SHUT_RDWR → both
    s.shutdown |= mode;
    s.wq.wakeUp(EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP, Infinity);
    const p = s.peer;
    if (p !== null && s.connOriented) {
      w.engine.write(p.simId, SK_STATE);
      let peerMode = 0;
      if (mode & RCV_SHUTDOWN) peerMode |= SEND_SHUTDOWN;
      if (mode & SEND_SHUTDOWN) peerMode |= RCV_SHUTDOWN;
      p.shutdown |= peerMode;
      p.wq.wakeUp(EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP, Infinity);
    }
    return 0;
  } finally {
    yield* sockfdPut(t, word);
  }
}
