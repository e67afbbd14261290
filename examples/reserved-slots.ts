/**
 * Reserved ("larval") fd slots (kernel-file.md §1.2, §9.6), driven by an explicit
 * schedule. Thread T1 of P1 calls open(): get_unused_fd_flags() reserves fd 1 and T1 is
 * preempted before fd_install(). Meanwhile thread T2:
 *   dup2(0, 1) → EBUSY   (do_dup2 refuses to install over a slot an open is filling)
 *   fork()     → the child's table has fd 1 FREE (dup_fd clears reserved bits)
 *   close(1)   → EBADF   (nothing is installed yet)
 * Then T1 finishes: fd_install puts the new file in P1's table only.
 *
 * Run: npx tsx examples/reserved-slots.ts
 */
import { Kernel, KernelError, O_RDONLY, renderText, type KernelPath, type Process } from 'fdlab';

const k = new Kernel({ trace: true }); // record the event log: this example prints it
const p = k.spawnProcess();
p.open('/data/log', O_RDONLY); // fd 0

function* attempt(label: string, call: KernelPath<unknown>): KernelPath<void> {
  try {
    const r: unknown = yield* call;
    console.log(`  T2: ${label} = ${typeof r === 'object' && r !== null ? (r as Process).name : String(r)}`);
  } catch (e) {
    if (!KernelError.is(e)) throw e;
    console.log(`  T2: ${label} failed with ${e.code}`);
  }
}

let child: Process | undefined;
p.thread(function* (sys) {
  const fd = yield* sys.open('/srv', O_RDONLY);
  console.log(`  T1: open('/srv') = ${fd}`);
});
p.thread(function* (sys) {
  yield* attempt('dup2(0, 1)', sys.dup2(0, 1));
  const c = yield* sys.fork();
  child = c;
  const [inChild, inP1] = k.engine.peek(() => [c.files.slotState(1), p.files.slotState(1)]); // assertions peek
  console.log(`  T2: fork() = ${c.name}; fd 1 in the child is ${inChild}, in P1 ${inP1}`);
  yield* attempt('close(1)', sys.close(1));
});

// One step of T1 (thread 0), three of T2 (thread 1), then the rest without preemption.
const schedule = '0.1.1.1';
console.log(`schedule ${schedule}:`);
k.run(schedule);
console.log();
console.log(renderText(k.engine.events, { plain: false }));
console.log(`\nP1 fd 1: ${p.files.slotState(1)} (${p.fileOf(1).inode.path}); ${child!.name} fd 1: ${child!.files.slotState(1)}`);
if (p.files.slotState(1) !== 'installed' || child!.files.slotState(1) !== 'free' || !k.audit().ok) throw new Error('unexpected state');
