import { compare, describe, type Divergence } from './compare.js';
import { EXCLUSIONS } from './exclusions.js';
import { generate } from './generate.js';
import { ModelRun } from './model.js';
import { formatProgram, type Obs, type Program } from './program.js';
import { runHost, type Host } from './real.js';
import { shrink } from './shrink.js';

/** The model's observations for a whole program. */
export function runModel(p: Program): Obs[] {
  const m = new ModelRun();
  const out: Obs[] = [];
  for (const c of p) out.push(...m.call(c));
  return out;
}

/** One signature's tally and its shrunk reproducer. */
export interface SignatureReport {
  readonly signature: string;
  count: number;
  readonly example: string;
  readonly reproducer: string;
}

/** The figures of a conformance run. */
export interface ConformanceReport {
  programs: number;
  calls: number;
  readonly divergences: Map<string, SignatureReport>;
  readonly excluded: Map<string, number>;
}

export interface ConformanceOptions {
  readonly count: number;
  readonly seed?: number;
  readonly batch?: number;
  readonly length?: number;
  readonly shrink?: boolean;
  readonly onBatch?: (r: ConformanceReport) => void;
}

function firstDivergence(p: Program, m: readonly Obs[], h: readonly Obs[]): Divergence | null {
  return compare(p, m, h);
}

/** Generates `count` programs, runs each on the model and on the host, compares and tallies. */
export function runConformance(host: Host, opts: ConformanceOptions): ConformanceReport {
  const report: ConformanceReport = { programs: 0, calls: 0, divergences: new Map(), excluded: new Map() };
  const batch = opts.batch ?? 500;
  const seed0 = opts.seed ?? 1;
  for (let start = 0; start < opts.count; start += batch) {
    const programs: Program[] = [];
    for (let i = start; i < Math.min(opts.count, start + batch); i++) programs.push(generate(seed0 + i, opts.length));
    const hostObs = runHost(host, programs);
    programs.forEach((p, i) => {
      report.programs++;
      report.calls += p.length;
      const d = firstDivergence(p, runModel(p), hostObs[i]!);
      if (d === null) return;
      const ex = EXCLUSIONS.find((e) => e.matches(d));
      if (ex !== undefined) {
        report.excluded.set(ex.id, (report.excluded.get(ex.id) ?? 0) + 1);
        return;
      }
      const seen = report.divergences.get(d.signature);
      if (seen !== undefined) {
        seen.count++;
        return;
      }
      const small = opts.shrink === false ? p : shrinkProgram(host, p, d.signature);
      const md = firstDivergence(small, runModel(small), runHost(host, [small])[0]!) ?? d;
      report.divergences.set(d.signature, { signature: d.signature, count: 1, example: describe(md), reproducer: formatProgram(small) });
    });
    opts.onBatch?.(report);
  }
  return report;
}

function shrinkProgram(host: Host, p: Program, signature: string): Program {
  return shrink(p, (cands) => {
    if (cands.length === 0) return -1;
    const hs = runHost(host, cands);
    return cands.findIndex((c, i) => compare(c, runModel(c), hs[i]!)?.signature === signature);
  });
}

/** The report as text: figures, then each signature with its count and reproducer. */
export function formatReport(r: ConformanceReport): string {
  const lines = [`programs: ${r.programs}`, `calls: ${r.calls}`, `divergent programs: ${[...r.divergences.values()].reduce((a, s) => a + s.count, 0)}`];
  for (const [id, n] of r.excluded) lines.push(`excluded (${id}): ${n}`);
  const sigs = [...r.divergences.values()].sort((a, b) => b.count - a.count);
  for (const s of sigs) lines.push('', `${s.count}× ${s.signature}`, s.example, '  reproducer:', ...s.reproducer.split('\n').map((l) => `    ${l}`));
  return lines.join('\n');
}
