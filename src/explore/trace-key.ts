import { accessesConflict } from './conflict.js';

/**
 * The canonical key of the Mazurkiewicz trace of an execution: its lexicographic
 * (Foata-style) normal form — repeatedly emit the lowest thread whose next event has
 * all its happens-before predecessors emitted — as a schedule string. Two executions
 * have the same key iff they differ only by swapping adjacent independent steps.
 * Dependence is the explorer's: same thread, or same location with a write.
 *
 * @param tids - the thread of each step, in execution order
 * @param accs - the declared accesses of each step
 * @internal
 */
export function traceKey(tids: readonly number[], accs: ReadonlyArray<number | readonly number[]>): string {
  const n = tids.length;
  const list = (a: number | readonly number[]): readonly number[] => (typeof a === 'number' ? [a] : a);
  const preds: number[][] = [];
  for (let k = 0; k < n; k++) {
    const pk: number[] = [];
    const ak = list(accs[k]!);
    for (let i = 0; i < k; i++) {
      if (tids[i] === tids[k]) {
        pk.push(i);
        continue;
      }
      const ai = list(accs[i]!);
      let dep = false;
      for (let x = 0; x < ai.length && !dep; x++) for (let y = 0; y < ak.length && !dep; y++) dep = accessesConflict(ai[x]!, ak[y]!);
      if (dep) pk.push(i);
    }
    preds.push(pk);
  }
  const byThread = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    let l = byThread.get(tids[k]!);
    if (l === undefined) byThread.set(tids[k]!, (l = []));
    l.push(k);
  }
  const threads = [...byThread.keys()].sort((a, b) => a - b);
  const next = new Map<number, number>(threads.map((t) => [t, 0]));
  const done = new Uint8Array(n);
  const out: number[] = [];
  for (let emitted = 0; emitted < n; emitted++) {
    for (const t of threads) {
      const l = byThread.get(t)!;
      const pos = next.get(t)!;
      if (pos >= l.length) continue;
      const k = l[pos]!;
      if (preds[k]!.every((i) => done[i] === 1)) {
        done[k] = 1;
        next.set(t, pos + 1);
        out.push(t);
        break;
      }
    }
  }
  return out.join('.');
}
