/**
 * fdget() borrows or clones (kernel-file.md §3.3). When files_struct.count is 1 only the
 * calling thread can change the table, so fdget() takes no reference ("borrowed"). In a
 * multithreaded process (clone(CLONE_FILES): count 2) another thread could close the fd
 * at any moment, so fdget() takes a reference ("cloned", FDPUT_FPUT) that fdput() drops.
 *
 * The same distinction decides f_pos_lock under the v3.14–v6.4 rule: a cloned fdget
 * makes the count ≥ 2, so fdget_pos() locks.
 *
 * Run: npx tsx examples/borrowed-vs-cloned.ts
 */
import { Kernel, O_RDONLY, renderText } from 'fdlab';
import { FDPUT_FPUT, FDPUT_POS_UNLOCK } from 'fdlab/extend';

function show(title: string, threads: number): void {
  const k = new Kernel({ policy: 'linux-6.4', trace: true });
  const p = k.spawnProcess();
  const fd = p.open('/data/log', O_RDONLY);
  const file = p.fileOf(fd);
  for (let i = 0; i < threads; i++) {
    p.thread(function* (sys) {
      return yield* sys.read(fd, 7);
    });
  }
  console.log(`== ${title}: files_struct.count = ${p.files.count}`);

  // The plain class API: fdget returns a packed struct fd (a number, no allocation).
  const w = p.files.fdget(fd);
  const cloned = (w & FDPUT_FPUT) !== 0;
  console.log(`fdget(${fd}): ${cloned ? 'CLONED (FDPUT_FPUT set)' : 'BORROWED (no reference)'}; ${file.name}.f_count = ${file.count}`);
  p.files.fdput(w);
  console.log(`fdput: ${file.name}.f_count = ${file.count}`);
  const wp = p.files.fdgetPos(fd);
  console.log(`fdget_pos(${fd}) under 'when-shared': f_pos_lock ${(wp & FDPUT_POS_UNLOCK) !== 0 ? 'taken' : 'skipped'}`);
  p.files.fdputPos(wp);

  // The same lookups as steps of a read(2) in each thread.
  k.run({ kind: 'round-robin' });
  console.log(renderText(k.engine.events, { plain: false }));
  if (k.engine.violations.length > 0 || !k.audit().ok) throw new Error('unexpected violation');
  if (cloned !== threads > 1) throw new Error('fdget should clone exactly when the table is shared');
  console.log();
}

show('single-threaded process', 1);
show('multithreaded process (two threads share the table)', 2);
