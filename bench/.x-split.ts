import { explore, type Scenario } from 'fdlab';
import { pidfdGetfdFpos } from 'fdlab/scenarios';
import { scenarioSource } from '../src/explore/world.js';
import { scenarioPolicy } from '../src/explore/policy.js';
const s = pidfdGetfdFpos as Scenario<never>;
function rate(f: () => unknown, ms = 500): number {
  for (let t = performance.now(); performance.now() - t < 300; ) f();
  const xs: number[] = [];
  for (let k = 0; k < 5; k++) { let n = 0; const t0 = performance.now(); while (performance.now() - t0 < ms) { f(); n++; } xs.push((performance.now() - t0) * 1000 / n); }
  xs.sort((a, b) => a - b); return xs[2];
}
const full = rate(() => explore(s, { policy: 'after', checked: false }));
const one = rate(() => explore(s, { policy: 'after', checked: false, maxRuns: 1 }));
const src = scenarioSource(s, scenarioPolicy(s, 'after'), false);
const start = rate(() => src.start(false));
console.log(`full call ${full.toFixed(1)} us (8 runs), maxRuns1 ${one.toFixed(1)} us, world start (setup) ${start.toFixed(1)} us`);
