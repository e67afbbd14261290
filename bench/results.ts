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
  note?: string;
}

const FILE = fileURLToPath(new URL('./results.json', import.meta.url));

/** Merges entries into bench/results.json by name (other benches' entries are kept). */
export function record(entries: BenchEntry[]): void {
  const old: BenchEntry[] = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as BenchEntry[]) : [];
  const byName = new Map(old.map((e) => [e.name, e]));
  for (const e of entries) byName.set(e.name, e);
  const out = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  writeFileSync(FILE, `${JSON.stringify(out, null, 2)}\n`);
  for (const e of entries) console.log(`${e.name.padEnd(48)} ${String(Number(e.value.toPrecision(4))).padStart(12)} ${e.unit}${e.target ? `   (target ${e.target})` : ''}`);
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
