/*
 * Exploring a race: two processes read one struct file. P2 receives its reference
 * while P1 reads (what pidfd_getfd() does), so P1's fdget_pos() may have seen
 * f_count == 1 and skipped f_pos_lock. Explore every interleaving under the v3.14–v6.4
 * rule and under the fix, and compare DPOR with naive search and with preemption
 * bounding.
 */
import { defineScenario, explore, O_RDWR, verdictOf } from 'fdlab';
import { receiveFdSteps } from 'fdlab/extend';

const steal = defineScenario({
  name: 'steal-while-reading',
  title: 'a reference received while the owner reads races on f_pos',
  source: '20ea1e7d13c1 "file: always lock position for FMODE_ATOMIC_POS"',
  before: { fdgetPos: 'when-shared' },
  after: { fdgetPos: 'always' },
  expected: { before: ['fpos-race'], after: 'clean' },
  setup(k) {
    const p1 = k.spawnProcess({ name: 'P1' });
    const fd = p1.open('/data/log', O_RDWR);
    const file = p1.fileOf(fd);
    const p2 = k.spawnProcess({ name: 'P2' });
    p1.thread(function* (sys) {
      return yield* sys.read(fd, 4);
    });
    p2.thread(function* (sys) {
      const mine = yield* receiveFdSteps(p2.main, file, 0);
      return yield* sys.read(mine, 4);
    });
    return { p1, fd };
  },
});

const before = explore(steal, { policy: 'before' });
console.log(`before (fdgetPos: ${before.policy.fdgetPos}): verdict ${JSON.stringify(verdictOf(before))}`);
console.log(`  ${before.runs} schedules (DPOR), exhaustive: ${before.exhaustive}`);
console.log(`  outcomes: ${before.outcomes.map((o) => `${o.outcome} x${o.count}`).join(', ')}`);
for (const v of before.violations) {
  console.log(`  !! ${v.kind} in ${v.location} by ${v.thread}: ${v.message}`);
  console.log(`     minimal schedule (${v.preemptions} preemption): ${v.minimalSchedule}`);
  console.log(`     found first in: ${v.schedule}`);
}

const after = explore(steal, { policy: 'after' });
console.log(`after (fdgetPos: ${after.policy.fdgetPos}): verdict ${JSON.stringify(verdictOf(after))}`);
console.log(`  clean in every interleaving: ${after.runs} schedules covered, exhaustive: ${after.exhaustive}`);

const quick = explore(steal, { policy: 'before', preemptionBound: 2, stopAtFirstViolation: true });
console.log(`preemption bounding: first violation after ${quick.runs} runs (bound ${quick.preemptionBound})`);

const naive = explore(steal, { policy: 'after', strategy: 'dfs', maxRuns: 200_000 });
console.log(`naive search under the fix: ${naive.runs} runs${naive.exhaustive ? '' : ' and not finished'} vs ${after.runs} with DPOR`);

if (verdictOf(before) === 'clean' || verdictOf(after) !== 'clean') process.exitCode = 1;
