/*
 * Seed 002, "epoll: try to be a _bit_ better about file lifetimes" (CVE-2024-38580): explore
 * epoll_wait() re-polling a dma-buf while its last fd is closed, with the borrowed
 * pointer (before v6.9) and with epi_fget() (v6.9); print the verdicts, the minimal
 * failing schedule and its timeline, and write the Mermaid picture to out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render } from 'fdlab';
import { epollPollVsFput } from 'fdlab/scenarios';

console.log(`${epollPollVsFput.name}: ${epollPollVsFput.title}\nsource: ${epollPollVsFput.source}\n`);

const before = explore(epollPollVsFput, { policy: 'before' });
console.log(`before (epollItemPoll: ${before.policy.epollItemPoll}): ${before.runs} schedules, kinds ${[...new Set(before.violations.map((v) => v.kind))].join(', ')}`);
const v = before.violations.find((x) => x.kind === 'refcount-inc-on-zero');
if (v === undefined) throw new Error('expected get_file() on a zero count with the borrowed pointer');
console.log(`  !! ${v.message}\n  why: ${v.why}\n  minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace));
mkdirSync('out', { recursive: true });
writeFileSync('out/epoll-poll-vs-fput.mmd', render.mermaid(v.trace, { title: 'seed 002: epoll_wait polls a dying dma-buf' }));
console.log('wrote out/epoll-poll-vs-fput.mmd\n');

for (const policy of ['after', { epollItemPoll: 'epi-fget-nouser' as const }] as const) {
  const r = explore(epollPollVsFput, { policy });
  const ok = matchesVerdict(r, 'clean');
  console.log(`${r.policy.epollItemPoll}: ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${r.runs} schedules; outcomes ${r.outcomes.map((o) => `${o.outcome}×${o.count}`).join(', ')}`);
  if (!ok) process.exitCode = 1;
}
