/*
 * The io_uring benchmark group (issue 11): DPOR's reduction on seed 003's collector
 * use-after-free and seed 000's fixed-file scenario — naive runs ÷ DPOR runs, with the same distinct outcomes and violation kinds —
 * and the runs (and time) an exhaustive search needs to prove each io_uring scenario's
 * `after` policy clean. Checked mode off, as in every throughput figure. Run as part of
 * `npm run bench` (group `uring`) or alone: `npx tsx bench/uring.ts`.
 */
import { fileURLToPath } from 'node:url';
import { explore, type Scenario } from 'fdlab';
import { uringFixedFpos, uringFixedInstall, uringHiddenPin, uringRegisterErrorPath, uringScmGcUaf } from 'fdlab/scenarios';
import { record, type BenchEntry } from './results.js';

const CAP = 50_000;

function reduction(s: Scenario<never>, name: string): BenchEntry {
  const n = explore(s, { policy: 'before', strategy: 'dfs', maxRuns: CAP, stopAtFirstViolation: false, shrink: false, checked: false });
  const d = explore(s, { policy: 'before', shrink: false, checked: false });
  const outs = (r: typeof n) => JSON.stringify(r.outcomes.map((o) => o.outcome).sort());
  const kinds = (r: typeof n) => JSON.stringify([...new Set(r.violations.map((v) => v.kind))].sort());
  // A capped naive search sees a subset of the outcomes (DFS goes deep first): every one of
  // them must be among DPOR's; an exhaustive one must see the same.
  const dOuts = new Set(d.outcomes.map((o) => o.outcome));
  const covered = n.outcomes.every((o) => dOuts.has(o.outcome)) && (!n.exhaustive || outs(n) === outs(d));
  if (!covered || kinds(n) !== kinds(d)) throw new Error(`${name}: naive and DPOR disagree: ${outs(n)} ${kinds(n)} vs ${outs(d)} ${kinds(d)}`);
  return {
    name: `dpor.reduction.${name}`,
    value: n.runs / d.runs,
    unit: 'x',
    baseline: n.runs,
    ratio: n.runs / d.runs,
    target: '>= 50',
    note: `${n.exhaustive ? '' : 'lower bound: naive search stopped unfinished at '}${n.runs} naive runs / ${d.runs} DPOR runs (policy before; violation kinds ${kinds(d)} in both, naive outcomes among DPOR's)`,
  };
}

function proveClean(s: Scenario<never>): BenchEntry {
  const t0 = performance.now();
  const r = explore(s, { policy: 'after', shrink: false, checked: false });
  const ms = performance.now() - t0;
  if (!r.exhaustive || r.violations.length > 0) throw new Error(`${s.name}: 'after' is not proved clean (${r.runs} runs, ${r.violations.length} violations)`);
  return { name: `uring.after-clean.${s.name}`, value: r.runs, unit: 'runs', note: `exhaustive DPOR, no violation, ${ms.toFixed(0)} ms (checked mode off)` };
}

/** Runs the io_uring figures and merges them into bench/results.json. */
export function runUring(): void {
  const entries = [reduction(uringScmGcUaf as Scenario<never>, 'uring-scm-gc-uaf'), reduction(uringFixedFpos as Scenario<never>, 'uring-fixed-fpos')];
  for (const s of [uringScmGcUaf, uringFixedFpos, uringRegisterErrorPath, uringFixedInstall, uringHiddenPin] as Array<Scenario<never>>) entries.push(proveClean(s));
  for (const e of entries) console.log(`${e.name}: ${e.value.toFixed?.(1) ?? e.value} ${e.unit} — ${e.note}`);
  record(entries);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) runUring();
