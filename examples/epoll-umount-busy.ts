/*
 * Christian Brauner's objection in seed 002: with epi_fget() an epoll_wait() that pins a
 * watched file across its owner's close() makes the following umount() fail with EBUSY.
 * Count those schedules under each epollItemPoll policy.
 */
import { explore } from 'fdlab';
import { epollUmountBusy } from 'fdlab/scenarios';

console.log(`${epollUmountBusy.name}: ${epollUmountBusy.title}\n`);
for (const item of ['borrow', 'epi-fget', 'epi-fget-nouser'] as const) {
  const r = explore(epollUmountBusy, { policy: { epollItemPoll: item } });
  const busy = r.outcomes.filter((o) => o.outcome.includes('EBUSY')).reduce((n, o) => n + o.count, 0);
  console.log(`${item.padEnd(16)} ${r.runs} schedules, ${busy} end with umount EBUSY${r.exhaustive ? ' (exhaustive)' : ''}`);
  if ((item === 'epi-fget') !== busy > 0) process.exitCode = 1;
}
