/*
 * CVE-2021-4083: fget() racing close() of an in-flight AF_UNIX socket while the garbage
 * collector runs. Explore without the fget recheck (linux-5.11) and with it (linux-5.16,
 * 054aa8d439b9); print the verdicts, the minimal failing schedule and its timeline, and
 * write the Mermaid picture to out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render } from 'fdlab';
import { unixGcCloseRace } from 'fdlab/scenarios';

console.log(`${unixGcCloseRace.name}: ${unixGcCloseRace.title}\nsource: ${unixGcCloseRace.source}\n`);

const before = explore(unixGcCloseRace, { policy: 'before' });
console.log(`before (fgetRecheck: ${before.policy.fgetRecheck}, unixGc: ${before.policy.unixGc}): ${before.runs} schedules, kinds ${[...new Set(before.violations.map((v) => v.kind))].join(', ')}`);
const v = before.violations[0];
if (v === undefined || !matchesVerdict(before, ['use-after-free'])) throw new Error('expected the collector to purge a socket fget() handed back');
console.log(`  !! ${v.message}\n  why: ${v.why}\n  minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace));
mkdirSync('out', { recursive: true });
writeFileSync('out/unix-gc-close-race.mmd', render.mermaid(v.trace, { title: 'CVE-2021-4083: fget() vs close() vs unix_gc()' }));
console.log('wrote out/unix-gc-close-race.mmd\n');

const after = explore(unixGcCloseRace, { policy: 'after' });
const ok = matchesVerdict(after, 'clean');
console.log(`after (fgetRecheck: ${after.policy.fgetRecheck}): ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${after.runs} schedules; outcomes ${after.outcomes.map((o) => `${o.outcome}×${o.count}`).join(', ')}`);
if (!ok) process.exitCode = 1;
