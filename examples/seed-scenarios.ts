/*
 * Every shipped scenario under its `before` and `after` policies: the verdict of an
 * exhaustive search against the expected one. Exits non-zero if any differs.
 */
import { explore, matchesVerdict, type Scenario } from 'fdlab';
import { scenarios } from 'fdlab/scenarios';

const show = (v: unknown) => (v === 'clean' ? 'clean' : (v as string[]).join('+'));
for (const s of Object.values(scenarios) as Array<Scenario<unknown>>) {
  console.log(`${s.name}: ${s.title}\n  from ${s.source}`);
  for (const policy of ['before', 'after'] as const) {
    const expected = s.expected?.[policy];
    if (expected === undefined) continue;
    const r = explore(s, { policy });
    const found = r.violations.length === 0 ? 'clean' : [...new Set(r.violations.map((v) => v.kind))].join('+');
    const ok = matchesVerdict(r, expected);
    console.log(`  ${policy.padEnd(6)} expected ${show(expected).padEnd(12)} found ${found.padEnd(12)} ${r.runs} schedules${r.exhaustive ? '' : ' (not exhaustive)'} ${ok ? 'ok' : 'MISMATCH'}`);
    for (const v of r.violations) console.log(`         ${v.kind}: ${v.message}\n         replay: ${v.minimalSchedule || '(no preemption)'}`);
    if (!ok) process.exitCode = 1;
  }
}
