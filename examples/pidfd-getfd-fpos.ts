/*
 * Seed 000, "fs/file.c: remove f_pos_lock optimization": explore the pidfd_getfd() steal
 * under the v3.14–v6.4 rule and under each later rule, print the verdicts, the minimal
 * failing schedule and its timeline, and write the Mermaid diagram to out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render, type FdgetPosRule } from 'fdlab';
import { pidfdGetfdFpos } from 'fdlab/scenarios';

console.log(`${pidfdGetfdFpos.name}: ${pidfdGetfdFpos.title}\nsource: ${pidfdGetfdFpos.source}\n`);

const before = explore(pidfdGetfdFpos, { policy: 'before' });
console.log(`before (${before.policy.fdgetPos}): ${before.runs} schedules, ${before.violations.length} violation(s)`);
const v = before.violations.find((x) => x.kind === 'fpos-race');
if (v === undefined) throw new Error('expected the f_pos race under the old rule');
console.log(`  !! ${v.message}`);
console.log(`  why: ${v.why}`);
console.log(`  minimal schedule (${v.preemptions} preemption): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace));

mkdirSync('out', { recursive: true });
writeFileSync('out/pidfd-getfd-fpos.mmd', render.mermaid(v.trace, { title: 'seed 000: pidfd_getfd vs fdget_pos' }));
console.log('wrote out/pidfd-getfd-fpos.mmd\n');

const rules: FdgetPosRule[] = ['always', 'when-shared-or-dir', 'when-shared-or-iterate', 'raw-count-or-iterate'];
for (const rule of rules) {
  const r = explore(pidfdGetfdFpos, { policy: { fdgetPos: rule } });
  const ok = matchesVerdict(r, 'clean');
  console.log(`after (${rule}): ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${r.runs} schedules, exhaustive: ${r.exhaustive}`);
  if (!ok) process.exitCode = 1;
}
