/*
 * Seed 000, first half: two io_uring GETDENTS requests (the op proposed in 2023, never
 * merged) on a fixed file whose f_count is 1. Explore under each uringPosLock rule, print
 * the verdicts and the minimal failing schedule, write its Mermaid diagram to out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render } from 'fdlab';
import { uringFixedFpos } from 'fdlab/scenarios';

console.log(`${uringFixedFpos.name}: ${uringFixedFpos.title}\nsource: ${uringFixedFpos.source}\n`);

const before = explore(uringFixedFpos, { policy: 'before' });
const v = before.violations.find((x) => x.kind === 'fpos-race');
if (v === undefined) throw new Error("expected the f_pos race under 'when-shared'");
console.log(`before (uringPosLock: ${before.policy.uringPosLock}): ${before.runs} schedules, verdict ${v.kind}`);
console.log(`  !! ${v.message}`);
console.log(`  minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace));
mkdirSync('out', { recursive: true });
writeFileSync('out/uring-fixed-fpos.mmd', render.mermaid(v.trace, { title: 'seed 000: two GETDENTS on a fixed file, f_count 1' }));
console.log('wrote out/uring-fixed-fpos.mmd\n');

const after = explore(uringFixedFpos, { policy: 'after' });
const ok = matchesVerdict(after, 'clean');
console.log(`after (uringPosLock: ${after.policy.uringPosLock}): ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${after.runs} schedules, exhaustive: ${after.exhaustive}`);
if (!ok) process.exitCode = 1;
