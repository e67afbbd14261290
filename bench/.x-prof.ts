import { explore, type Scenario } from 'fdlab';
import { pidfdGetfdFpos } from 'fdlab/scenarios';
const s = pidfdGetfdFpos as Scenario<never>;
const o = { policy: 'after' as const, checked: false };
const r0 = explore(s, o);
console.log('runs/call', r0.runs, 'steps', r0.steps, 'exh', r0.exhaustive);
for (let t = performance.now(); performance.now() - t < 1000; ) explore(s, o);
const rates: number[] = [];
for (let k = 0; k < 7; k++) {
  let runs = 0; const t0 = performance.now();
  while (performance.now() - t0 < 500) runs += explore(s, o).runs;
  rates.push(runs / ((performance.now() - t0) / 1000));
}
rates.sort((a, b) => a - b);
console.log('runs/s median', rates[3].toFixed(0), rates.map((x) => x.toFixed(0)).join(' '));
if (process.argv[2] === 'prof') { const t0 = performance.now(); while (performance.now() - t0 < 5000) explore(s, o); }
