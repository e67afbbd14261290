/**
 * Every picture of one race, written to out/: seed 000 ("fs/file.c: remove f_pos_lock
 * optimization"). P1, single-threaded, calls getdents() on a directory; under the
 * v3.14–v6.4 rule fdget_pos() sees f_count == 1 and skips f_pos_lock. P2 steals the fd
 * with pidfd_getfd() and calls getdents() on its copy: both threads iterate the same
 * directory position. For contrast, the same directory shared by fork() is read under
 * f_pos_lock (f_count is 2 from the start).
 *
 * Run: npx tsx examples/render-pictures.ts [out-dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Kernel, O_DIRECTORY, explainViolation, render, runEngine } from 'fdlab';
import { pidfd } from 'fdlab/pidfd';

const outDir = process.argv[2] ?? 'out';

/** Seed 000 under linux-6.4: P1 enters the f_pos update, then P2 steals the fd and reads. */
function stealRace(): Kernel {
  const k = new Kernel({ policy: 'linux-6.4' });
  const pf = k.use(pidfd());
  const p1 = k.spawnProcess({ name: 'P1' });
  const fd = p1.open('/srv', O_DIRECTORY);
  const p2 = k.spawnProcess({ name: 'P2', creds: { uid: 0 } });
  p1.thread(function* (sys) {
    return yield* sys.getdents(fd, 2);
  });
  p2.thread(function* (sys) {
    const s = pf.on(sys);
    const pidfdNum = yield* s.pidfdOpen(p1.pid, 0);
    const stolen = yield* s.pidfdGetfd(pidfdNum, fd, 0);
    return yield* sys.getdents(stolen, 2);
  });
  // P1 takes 4 steps (into f_pos:read without the lock), then P2 runs to the end, then P1.
  runEngine(k.engine, { kind: 'schedule', schedule: '0.0.0.0.1' });
  return k;
}

/** The same directory shared by fork(): both readers take f_pos_lock. */
function forkShare(): Kernel {
  const k = new Kernel({ policy: 'linux-6.4' });
  const p1 = k.spawnProcess({ name: 'P1' });
  const fd = p1.open('/srv', O_DIRECTORY);
  const p2 = p1.fork();
  p1.thread(function* (sys) {
    return yield* sys.getdents(fd, 2);
  });
  p2.thread(function* (sys) {
    return yield* sys.getdents(fd, 2);
  });
  runEngine(k.engine, { kind: 'round-robin' });
  return k;
}

function writeAll(name: string, title: string, k: Kernel): void {
  const events = k.engine.events;
  const schedule = k.engine.schedule.join('.');
  const violations = k.engine.violations;
  // The DOT picture at the step P2's stolen reference is taken (before it is installed), and at the end.
  const steal = events.find((e) => e.kind === 'effect' && e.fn === 'file_ref_get');
  const files: Array<[string, string]> = [
    [`${name}.txt`, render.text(events)],
    [`${name}.mmd`, render.mermaid(events, { title, plain: false })],
    [`${name}.dot`, render.dot(events, { title: `${title}: references at the end` })],
    [`${name}.json`, render.json(events, { title, schedule, policy: k.policy.fdgetPos, violations })],
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
const race = stealRace();
writeAll('seed000-pidfd-getfd', 'seed 000: pidfd_getfd() steals a directory fd from a getdents() without f_pos_lock', race);
if (race.engine.violations.length !== 1 || race.engine.violations[0]!.kind !== 'fpos-race') {
  throw new Error('expected exactly one fpos-race');
}
console.log('\nthe same directory shared by fork():');
const fork = forkShare();
writeAll('fork-share', 'a directory fd shared by fork(): both readers take f_pos_lock', fork);
if (fork.engine.violations.length !== 0) throw new Error('expected no violation with fork()');
console.log(`\nfirst lines of ${join(outDir, 'seed000-pidfd-getfd.txt')}:`);
console.log(render.text(race.engine.events, { plain: false }).split('\n').slice(0, 8).join('\n'));
