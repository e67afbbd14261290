/*
 * Two AF_UNIX sockets in flight in each other's queue: kept while a user holds one,
 * collected once the last fd is closed — by the classic collector (≤ v6.9) and by the
 * graph (Tarjan SCC) collector (v6.10+). Explores the scenario under both, then draws the
 * in-flight graph before and after a collector run as Graphviz DOT in out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, Kernel, matchesVerdict, renderDot, SOCK_DGRAM, Unix, UnixGc } from 'fdlab';
import { unixGcCycle } from 'fdlab/scenarios';

for (const policy of ['before', 'after'] as const) {
  const r = explore(unixGcCycle, { policy });
  const ok = matchesVerdict(r, 'clean');
  console.log(`${unixGcCycle.name} (unixGc: ${r.policy.unixGc}): ${ok ? 'clean in every interleaving' : 'VIOLATION'} — ${r.runs} schedules; outcomes ${r.outcomes.map((o) => `${o.outcome}×${o.count}`).join(', ')}`);
  if (!ok) process.exitCode = 1;
}

mkdirSync('out', { recursive: true });
for (const unixGc of ['classic', 'scc'] as const) {
  const k = new Kernel({ trace: true, policy: { unixGc } });
  const p = k.spawnProcess({ name: 'P1' });
  const [a, a2] = Unix.socketpair(p, SOCK_DGRAM);
  const [b, b2] = Unix.socketpair(p, SOCK_DGRAM);
  Unix.sendmsg(p, b2, 'x', [a]);
  Unix.sendmsg(p, a2, 'y', [b]);
  p.close(b);
  console.log(`${unixGc}: while fd ${a} is open the collector frees ${JSON.stringify(k.unixGc().collected)}`);
  p.close(a);
  writeFileSync(`out/unix-gc-cycle-${unixGc}-before.dot`, renderDot(k.engine.events, { unix: UnixGc.graph(k), title: `unix-gc-cycle (${unixGc}): before the collector` }));
  const run = k.unixGc();
  console.log(`${unixGc}: after close(${a}) it frees ${JSON.stringify(run.collected)} (components ${JSON.stringify(run.components)})`);
  writeFileSync(`out/unix-gc-cycle-${unixGc}-after.dot`, renderDot(k.engine.events, { unix: UnixGc.graph(k), title: `unix-gc-cycle (${unixGc}): after the collector` }));
  if (run.collected.length !== 2 || !k.audit().ok) process.exitCode = 1;
}
console.log('wrote out/unix-gc-cycle-{classic,scc}-{before,after}.dot');
