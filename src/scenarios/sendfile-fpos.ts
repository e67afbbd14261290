import { O_CREAT, O_RDONLY, O_WRONLY, type KernelPath, type Sys } from '../index.js';
import { defineScenario } from '../explore/scenario.js';

// Module-level generators called from arrows (docs/writing-a-scenario.md, "Writing cheap
// scenarios").
function* copyOut(sys: Sys, out: number, fd: number): KernelPath<number> {
  return yield* sys.sendfile(out, fd, null, 7);
}

/**
 * What f_pos_lock does not cover. Two threads of one process share an open file: one
 * read()s it — f_count is 2 at fdget_pos(), so it takes f_pos_lock under every rule since
 * v3.14 — while the other sendfile()s from it with a NULL offset. do_sendfile() looks the
 * file up with fdget(), reads f_pos, copies and writes f_pos back without the lock, so
 * both can start at offset 0 and copy the same line: the lost update FMODE_ATOMIC_POS
 * (9c225f2655e3) removed from read/write/lseek, still there for sendfile (and
 * copy_file_range) in the current kernel. POSIX does not define sendfile; the kernel
 * never promised it. `fdlab bisect sendfile-fpos` shows it in every version.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { sendfileFpos } from 'fdlab/scenarios';
 * explore(sendfileFpos, { policy: 'after' }).violations[0]?.kind; // 'fpos-race'
 * ```
 */
export const sendfileFpos = /* @__PURE__ */ defineScenario({
  name: 'sendfile-fpos',
  title: 'sendfile() updates f_pos without f_pos_lock while another thread read()s under it',
  source: 'do_sendfile() in fs/read_write.c (fdget(), not fdget_pos()); f_pos_lock since 9c225f2655e3',
  before: 'linux-3.14',
  after: 'current',
  expected: { before: ['fpos-race'], after: ['fpos-race'] },
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const fd = p.open('/data/log', O_RDONLY);
    const out = p.open('/tmp/copy', O_WRONLY | O_CREAT);
    p.thread((sys) => sys.read(fd, 7));
    p.thread((sys) => copyOut(sys, out, fd));
  },
});
