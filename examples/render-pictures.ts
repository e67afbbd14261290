/**
 * Every picture of one race, written to out/: seed 000 ("fs/file.c: remove f_pos_lock
 * optimization"). P1, single-threaded, calls getdents() on a directory; under the
 * v3.14–v6.4 rule fdget_pos() sees f_count == 1 and skips f_pos_lock. P2 steals the fd
 * with pidfd_getfd() and calls getdents() on its copy: both threads iterate the same
 * directory position. For contrast, the same directory shared by fork() and a sibling
 * thread is read under f_pos_lock (f_count is above one from the start). Both runs are
 * replays of the shipped scenarios.
 *
 * Run: npx tsx examples/render-pictures.ts [out-dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { explainViolation, render, replay, type ReplayResult } from 'fdlab';
import { coreStealFpos, pidfdGetfdFpos } from 'fdlab/scenarios';

const outDir = process.argv[2] ?? 'out';

function writeAll(name: string, title: string, run: ReplayResult, policy: string): void {
  const events = run.trace;
  const schedule = run.schedule;
  const violations = run.violations;
  // The DOT picture at the step P2's stolen reference is taken (before it is installed), and at the end.
  const steal = events.find((e) => e.kind === 'effect' && e.fn === 'file_ref_get');
  const files: Array<[string, string]> = [
    [`${name}.txt`, render.text(events)],
    [`${name}.mmd`, render.mermaid(events, { title, plain: false })],
    [`${name}.dot`, render.dot(events, { title: `${title}: references at the end` })],
    [`${name}.json`, render.json(events, { title, schedule, policy, violations })],
    [`${name}.html`, render.html(events, { title, schedule, violations })],
  ];
  if (steal !== undefined) files.splice(3, 0, [`${name}.step${steal.step}.dot`, render.dot(events, { atStep: steal.step })]);
  for (const [file, text] of files) {
    const path = join(outDir, file);
    writeFileSync(path, text);
    const rel = relative(process.cwd(), path);
    console.log(`  ${rel === '' || rel.startsWith('..') ? path : rel}  (${text.length} bytes)`);
  }
  if (violations.length === 0) console.log('  no violations');
  for (const v of violations) console.log(`  !! ${explainViolation(v)}`);
}

mkdirSync(outDir, { recursive: true });
console.log(`schedule-driven race, seed 000 (pidfd_getfd vs getdents), pictures in ${outDir}/:`);
// P1 takes 4 steps (into f_pos:read without the lock), then P2 runs to the end, then P1.
const race = replay(pidfdGetfdFpos, '0.0.0.0.1', { policy: 'before' });
writeAll('seed000-pidfd-getfd', 'seed 000: pidfd_getfd() steals a directory fd from a getdents() without f_pos_lock', race, 'linux-6.4');
if (race.violations.length !== 1 || race.violations[0]!.kind !== 'fpos-race') {
  throw new Error('expected exactly one fpos-race');
}
console.log('\nthe same directory shared by fork() and a sibling thread (core syscalls only):');
const shared = replay(coreStealFpos, '0.1.2.0.1.2.0.1.2', { policy: 'before' });
writeAll('core-share', 'a directory fd shared by fork() and a thread: every reader takes f_pos_lock', shared, 'linux-6.4');
if (shared.violations.length !== 0) throw new Error('expected no violation with core syscalls');
console.log(`\nfirst lines of ${join(outDir, 'seed000-pidfd-getfd.txt')}:`);
console.log(render.text(race.trace, { plain: false }).split('\n').slice(0, 8).join('\n'));
