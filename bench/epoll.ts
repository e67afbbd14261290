/*
 * The epoll benchmark group (issue 9): DPOR's reduction on seed 002's scenario — naive
 * runs ÷ DPOR runs, with the same distinct outcomes and violation kinds. Naive search does
 * not finish on this scenario (over 300,000 runs), so it is capped and the figure is a
 * lower bound, as for dpor.reduction.pidfd-getfd-fpos. Counts, not times: run under tsx.
 * Run as part of `npm run bench` (group `epoll`) or alone: `npx tsx bench/epoll.ts`.
 */
import { fileURLToPath } from 'node:url';
import { explore, type Scenario } from 'fdlab';
import { epollPollVsFput } from 'fdlab/scenarios';
import { record, type BenchEntry } from './results.js';

const CAP = 50_000;

/** Runs the epoll figures and merges them into bench/results.json. */
export function runEpoll(): void {
  const s = epollPollVsFput as Scenario<never>;
  const n = explore(s, { policy: 'before', strategy: 'dfs', maxRuns: CAP, stopAtFirstViolation: false, shrink: false });
  const d = explore(s, { policy: 'before', shrink: false });
  const outs = (r: typeof n) => JSON.stringify(r.outcomes.map((o) => o.outcome).sort());
  const kinds = (r: typeof n) => JSON.stringify([...new Set(r.violations.map((v) => v.kind))].sort());
  const same = outs(n) === outs(d) && kinds(n) === kinds(d);
  if (!same) throw new Error(`naive and DPOR disagree: ${outs(n)} ${kinds(n)} vs ${outs(d)} ${kinds(d)}`);
  const entries: BenchEntry[] = [{
    name: 'dpor.reduction.epoll-poll-vs-fput',
    value: n.runs / d.runs,
    unit: 'x',
    baseline: n.runs,
    ratio: n.runs / d.runs,
    target: '>= 50',
    note: `${n.exhaustive ? '' : 'lower bound: naive search stopped unfinished at '}${n.runs} naive runs / ${d.runs} DPOR runs (policy before; same outcomes ${outs(d)} and violation kinds ${kinds(d)})`,
  }];
  record(entries);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) runEpoll();
