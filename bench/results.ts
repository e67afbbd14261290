import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One benchmark figure in bench/results.json. */
export interface BenchEntry {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target?: string;
  /** False when the figure misses its target (computed by {@link record}). */
  met?: boolean;
  note?: string;
}

/** Whether a figure meets a target written `>= N` or `<= N` (undefined for other targets). */
export function meets(value: number, target: string | undefined): boolean | undefined {
  const m = /^(>=|<=)\s*([0-9.e+]+)$/.exec(target ?? '');
  if (m === null) return undefined;
  return m[1] === '>=' ? value >= Number(m[2]) : value <= Number(m[2]);
}

const FILE = fileURLToPath(new URL('./results.json', import.meta.url));

/** Merges entries into bench/results.json by name (other benches' entries are kept). */
export function record(entries: BenchEntry[]): void {
  const old: BenchEntry[] = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as BenchEntry[]) : [];
  const byName = new Map(old.map((e) => [e.name, e]));
  for (const e of entries) {
    const met = meets(e.value, e.target);
    if (met === undefined) delete e.met;
    else e.met = met;
    byName.set(e.name, e);
  }
  const out = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  writeFileSync(FILE, `${JSON.stringify(out, null, 2)}\n`);
  for (const e of entries) console.log(`${e.name.padEnd(48)} ${String(Number(e.value.toPrecision(4))).padStart(12)} ${e.unit}${e.target ? `   (target ${e.target}${e.met === false ? ': MISSED' : ''})` : ''}`);
}

/** Median of a list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nanoseconds per iteration of `fn(n)`, which must loop n times itself. */
export function nsPerOp(fn: (n: number) => unknown, n: number): number {
  const t0 = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t0) / n;
}
