/*
 * epoll(7) Q6 with fork: the interest set belongs to the epoll file, which fork() shares.
 * Plain calls first (a child's DEL removes the parent's item; closing an fd while a dup
 * keeps the file leaves the item reporting for the old fd), then the scenario explored.
 */
import { Epoll, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLLIN, Kernel, KernelError, explore } from 'fdlab';
import { epollForkShared } from 'fdlab/scenarios';

const k = new Kernel();
const p = k.spawnProcess();
const ep = Epoll.create1(p, 0);
const [r, w] = p.pipe();
Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: r });
const child = p.fork();
Epoll.ctl(child, ep, EPOLL_CTL_DEL, r);
console.log(`after the child's DEL, the parent's epoll watches ${Epoll.of(p, ep).items.size} item(s)`);
Epoll.ctl(p, ep, EPOLL_CTL_ADD, r, { events: EPOLLIN, data: r });
const d = p.dup(r);
p.close(r);
p.write(w, 'x');
console.log(`fd ${r} closed, dup ${d} open: epoll_wait reports`, Epoll.wait(p, ep, 4));
try {
  Epoll.ctl(p, ep, EPOLL_CTL_DEL, r);
} catch (e) {
  if (!KernelError.is(e)) throw e;
  console.log(`EPOLL_CTL_DEL of the closed fd: ${e.code}`);
}
child.exit();

const res = explore(epollForkShared, { policy: 'after' });
console.log(`\n${epollForkShared.name}: ${res.runs} schedules, ${res.violations.length} violations, outcomes ${res.outcomes.map((o) => o.outcome).join(' ')}`);
if (res.violations.length > 0) process.exitCode = 1;
