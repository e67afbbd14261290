/*
 * Replaying a schedule: the interleaving is the only input, so a schedule string found
 * by explore() — or written by hand — reproduces the same trace, byte for byte. Here two
 * threads of one process race a close() against a dup() of the same fd.
 */
import { defineScenario, explore, O_RDWR, render, replay, traceObjectsOf } from 'fdlab';
import { formatEffect, traceName } from 'fdlab/extend';

const closeVsDup = defineScenario({
  name: 'close-vs-dup',
  title: 'close and dup of one fd in two threads sharing the table',
  source: 'fs/file.c: file_close_fd() and dup()',
  setup(k) {
    const p = k.spawnProcess({ name: 'P1' });
    const fd = p.open('/data/log', O_RDWR);
    p.thread(function* (sys) {
      yield* sys.close(fd);
      return 'closed';
    });
    p.thread(function* (sys) {
      return yield* sys.dup(fd);
    });
  },
});

const all = explore(closeVsDup);
console.log(`${all.runs} schedules, outcomes: ${all.outcomes.map((o) => o.outcome).join('  ')}`);

// Thread 1 (the dup) runs first for two steps, then thread 0 closes, then the rest.
const r = replay(closeVsDup, '1.1.0');
console.log(`\nreplay of '1.1.0' ran the full schedule ${r.schedule} (${r.preemptions} preemption)`);
console.log(`outcome: ${r.outcome}, completed: ${r.completed}, violations: ${r.violations.length}\n`);
// Events carry object ids; names are built from the trace's object table when shown.
const objects = traceObjectsOf(r.trace)!;
for (const e of r.trace) {
  if (e.kind === 'step') console.log(`#${String(e.step).padStart(2)} ${e.thread.padEnd(6)} ${e.fn}  ${(e.objs ?? []).map((o) => `${o.write ? 'w' : 'r'}:${traceName(objects, o.objId, o.field)}`).join(' ')}`);
  else if (e.kind === 'effect') console.log(`    ${e.thread.padEnd(6)}   effect ${formatEffect(e, { objects, ascii: true })}`);
  else console.log(`    ${e.thread.padEnd(6)}   ${e.kind} ${e.fn} ${e.obj ?? ''} (${e.note ?? ''})`);
}

const again = replay(closeVsDup, '1.1.0');
console.log(`\nsame schedule, same trace: ${JSON.stringify(again) === JSON.stringify(r)}`);
console.log('\n' + render.text(r.trace));
