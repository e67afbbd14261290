import type { Divergence } from './compare.js';

/**
 * Divergences the model keeps on purpose, each with its reason (docs/conformance.md
 * repeats them). A divergence that matches one is counted under its id, not as a failure.
 */
export interface Exclusion {
  readonly id: string;
  readonly reason: string;
  matches(d: Divergence): boolean;
}

export const EXCLUSIONS: readonly Exclusion[] = [
  {
    id: 'dir-eof-cookie',
    reason:
      'read(2) on a directory whose f_pos is past the end: ext4 leaves f_pos at its EOF hash cookie (2^63 - 1) after '
      + 'getdents64, so rw_verify_area() sees pos + count overflow and answers EINVAL before ->read says EISDIR; '
      + 'tmpfs and the model keep small offsets and say EISDIR.',
    matches: (d) => d.call.op === 'read' && d.model.err === 'EISDIR' && d.host.err === 'EINVAL',
  },
  {
    id: 'pidfd-inode',
    reason:
      'POSIX locks on pidfds: since v6.9 every pid has its own pidfs inode, while the model gives every '
      + 'anonymous file one shared anon inode (as anon_inode_getfile() did before), so locks taken through '
      + 'pidfds of different processes conflict in the model only.',
    matches: (d) => d.call.op === 'lock' && d.model.table?.some((r) => r[0] === d.call.args[0] && r[4] === 'other') === true,
  },
  {
    id: 'unix-gc-async',
    reason:
      'The AF_UNIX collector after a release: from v6.9 unix_release_sock() queues unix_gc() on a workqueue, '
      + 'where the model runs it in the releasing thread (docs/architecture.md). The host runner\'s next call comes '
      + 'before the kworker has run, so garbage the model has already freed (a peer kept only by its own in-flight '
      + 'message) is still alive on the host: a send to it succeeds there and is EPIPE in the model. Counted here '
      + 'once the model\'s collector has freed a socket in the program.',
    matches: (d) => d.model.collected === true,
  },
];
