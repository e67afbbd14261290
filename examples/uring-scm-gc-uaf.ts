/*
 * Seed 003, Jann Horn's first objection: a ring and a unix socket in flight on each other;
 * the classic collector purges ring_sock's message while an io-wq worker still uses the
 * registered socket. Explore under the 2019 design and under v6.7's, print the verdicts and
 * the minimal trace, write its Mermaid diagram to out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render } from 'fdlab';
import { uringScmGcUaf } from 'fdlab/scenarios';

console.log(`${uringScmGcUaf.name}: ${uringScmGcUaf.title}\nsource: ${uringScmGcUaf.source}\n`);
const before = explore(uringScmGcUaf, { policy: 'before' });
const v = before.violations.find((x) => x.kind === 'use-after-free');
if (v === undefined) throw new Error("expected the use-after-free under 'scm' with the classic collector");
console.log(`before (uringFileRegistration: ${before.policy.uringFileRegistration}, unixGc: ${before.policy.unixGc}): ${before.runs} schedules`);
console.log(`  !! ${v.message}`);
console.log(`  minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace, { plain: false }));
mkdirSync('out', { recursive: true });
writeFileSync('out/uring-scm-gc-uaf.mmd', render.mermaid(v.trace, { title: 'seed 003: the collector frees a registered socket' }));
console.log('wrote out/uring-scm-gc-uaf.mmd\n');

const after = explore(uringScmGcUaf, { policy: 'after' });
const ok = matchesVerdict(after, 'clean');
console.log(`after (uringFileRegistration: ${after.policy.uringFileRegistration}): ${ok ? 'clean in every interleaving (the ring fd cannot be sent: EINVAL)' : 'VIOLATION'} — ${after.runs} schedules`);
if (!ok) process.exitCode = 1;
