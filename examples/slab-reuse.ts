/**
 * SLAB_TYPESAFE_BY_RCU (v6.7, 0ede61d8589c): a freed struct file goes straight back to
 * the filp cache, and the next open may get the very same object as a new file. A
 * lookup that loaded the pointer before the free and takes its reference after the reuse
 * holds somebody else's file — unless it rechecks the slot (054aa8d439b9, CVE-2021-4083).
 *
 * P1 has two threads. A: dup(0), which runs fget's RCU path. B: close(0). P2: open('/srv').
 * The schedule stops A between loading fdt->fd[0] and file_ref_get, runs B's close (the
 * file is freed) and P2's open (which gets the freed object), then lets A continue.
 *
 * Run: npx tsx examples/slab-reuse.ts
 */
import { Kernel, KernelError, O_RDONLY, O_RDWR, explainViolation, renderText, type FgetRecheck } from 'fdlab';

const SCHEDULE = '0.0.0.2.2.2.2.2.2.2.2.2.1.1.1';

function run(fgetRecheck: FgetRecheck): Kernel {
  const k = new Kernel({ policy: { fgetRecheck }, trace: true });
  const p1 = k.spawnProcess();
  const p2 = k.spawnProcess();
  const fd = p1.open('/data/log', O_RDWR);
  const before = k.engine.peek(() => p1.fileOf(fd));
  p1.thread(function* (sys) {
    try {
      const d = yield* sys.dup(fd);
      console.log(`  A: dup(${fd}) = ${d} -> ${k.engine.peek(() => p1.fileOf(d)).name} (${k.engine.peek(() => p1.fileOf(d)).inode.path})`);
    } catch (e) {
      if (!KernelError.is(e)) throw e;
      console.log(`  A: dup(${fd}) failed with ${e.code}`);
    }
  });
  p1.thread(function* (sys) {
    yield* sys.close(fd);
  });
  p2.thread(function* (sys) {
    const n = yield* sys.open('/srv', O_RDONLY);
    const f = k.engine.peek(() => p2.fileOf(n)); // an assertion: peek, not a step
    console.log(`  P2: open('/srv') = ${n} -> ${f.name}, the same object as P1's old file: ${f === before}`);
  });
  k.run(SCHEDULE);
  return k;
}

for (const recheck of ['none', 'slot+fdt'] as const) {
  console.log(`== fgetRecheck: '${recheck}', schedule ${SCHEDULE}`);
  const k = run(recheck);
  console.log(renderText(k.engine.events, { plain: false }));
  for (const v of k.engine.violations) console.log(`!! ${explainViolation(v)}`);
  if (k.engine.violations.length === 0) console.log('no violation: the recheck saw the slot change, dropped its reference and found the fd closed');
  const expected = recheck === 'none' ? 1 : 0;
  if (k.engine.violations.filter((v) => v.kind === 'stale-file').length !== expected || !k.audit().ok) throw new Error('unexpected outcome');
  console.log();
}
