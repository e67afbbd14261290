/*
 * CVE-2021-0920: MSG_PEEK duplicating an in-flight socket while the classic AF_UNIX
 * collector runs. Explore without the GC-lock handshake in unix_peek_fds() (linux-5.11)
 * and with it (linux-5.16, cbcf01128d0a); print the verdicts and the minimal failing
 * schedule, and write the Mermaid picture to out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, matchesVerdict, render } from 'fdlab';
import { unixGcMsgPeek } from 'fdlab/scenarios';

console.log(`${unixGcMsgPeek.name}: ${unixGcMsgPeek.title}\nsource: ${unixGcMsgPeek.source}\n`);

const before = explore(unixGcMsgPeek, { policy: 'before' });
console.log(`before (unixPeekGcLock: ${before.policy.unixPeekGcLock}): ${before.runs} schedules, kinds ${[...new Set(before.violations.map((v) => v.kind))].join(', ')}`);
const v = before.violations[0];
if (v === undefined || !matchesVerdict(before, ['use-after-free'])) throw new Error('expected the collector to purge the peeked socket');
console.log(`  !! ${v.message}\n  minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace));
mkdirSync('out', { recursive: true });
writeFileSync('out/unix-gc-msg-peek.mmd', render.mermaid(v.trace, { title: 'CVE-2021-0920: MSG_PEEK vs the classic unix_gc()' }));
console.log('wrote out/unix-gc-msg-peek.mmd\n');

const after = explore(unixGcMsgPeek, { policy: 'after' });
const ok = matchesVerdict(after, 'clean');
console.log(`after (unixPeekGcLock: ${after.policy.unixPeekGcLock}): ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${after.runs} schedules`);
if (!ok) process.exitCode = 1;
