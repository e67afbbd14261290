import { explore, verdictOf } from '../src/index.ts';
import { scenarios } from '../src/scenarios/index.ts';
for (const name of process.argv.slice(2)) {
  const s = scenarios[name]!;
  for (const policy of ['before', 'after'] as const) {
    const t0 = Date.now();
    const r = explore(s, { policy });
    console.log(name, policy, r.runs, r.exhaustive, JSON.stringify(verdictOf(r)), Date.now() - t0, 'ms', r.outcomes.map(o=>o.outcome+':'+o.count).join(' | ').slice(0,300));
    for (const v of r.violations) console.log('   ', v.kind, v.message.slice(0, 300));
  }
}
