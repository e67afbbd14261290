/*
 * Seed 004, FIXED_FD_INSTALL: a direct descriptor is used on io-wq while the same thread
 * turns it into a regular fd and reads the directory through it. Print the verdicts under
 * the old `f_count > 1` fdget_pos rule and the current one, and a picture of one run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render, replay } from 'fdlab';
import { uringFixedInstall } from 'fdlab/scenarios';

console.log(`${uringFixedInstall.name}: ${uringFixedInstall.title}\nsource: ${uringFixedInstall.source}\n`);
for (const policy of ['before', 'after'] as const) {
  const r = explore(uringFixedInstall, { policy });
  const ok = matchesVerdict(r, 'clean');
  console.log(`${policy} (fdgetPos: ${r.policy.fdgetPos}): ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${r.runs} schedules; outcomes ${r.outcomes.map((o) => `${o.outcome}×${o.count}`).join(', ')}`);
  if (!ok) process.exitCode = 1;
}
const run = replay(uringFixedInstall, '', { policy: 'after' });
console.log(`\none run (no preemption): ${run.outcome}\n`);
console.log(render.text(run.trace, { plain: false }));
mkdirSync('out', { recursive: true });
writeFileSync('out/uring-fixed-install.mmd', render.mermaid(run.trace, { title: 'seed 004: FIXED_FD_INSTALL' }));
console.log('wrote out/uring-fixed-install.mmd');
