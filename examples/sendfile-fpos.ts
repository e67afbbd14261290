/*
 * What f_pos_lock never covered: sendfile() with a NULL offset reads and writes back the
 * in-file's f_pos under fdget(), so a thread read()ing the same open file under
 * f_pos_lock can start at the same offset. Explore it under the current kernel, print the
 * minimal schedule and its timeline, then bisect it across every modelled version.
 */
import { bisect, explore, render } from 'fdlab';
import { sendfileFpos } from 'fdlab/scenarios';

console.log(`${sendfileFpos.name}: ${sendfileFpos.title}\nsource: ${sendfileFpos.source}\n`);

const r = explore(sendfileFpos, { policy: 'current' });
const v = r.violations.find((x) => x.kind === 'fpos-race');
if (v === undefined) throw new Error('expected the f_pos race under the current kernel');
console.log(`current: ${r.runs} schedules, exhaustive: ${r.exhaustive}`);
console.log(`  !! ${v.message}`);
console.log(`  minimal schedule (${v.preemptions} preemption): ${v.minimalSchedule}\n`);
console.log(render.text(v.trace));

const b = bisect(sendfileFpos);
for (const range of b.ranges) {
  console.log(`${range.kind}: ${range.first} .. ${range.last}, fixed in: ${range.fixedIn ?? 'no version modelled'}`);
}
if (b.ranges.length !== 1 || b.ranges[0]!.fixedIn !== null) process.exitCode = 1;
