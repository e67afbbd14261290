/**
 * Zombies and reaping (wait4), and RLIMIT_NOFILE as a syscall (prlimit64), checked against
 * Linux 6.18 by conformance/.
 */
import { describe, expect, it } from 'vitest';
import { ModelError, O_RDONLY } from '../src/index.js';
import { pidfd } from '../src/plugins/pidfd/index.js';
import { errnoOf, newKernel, state } from './helpers.js';

describe('wait4 and zombies', () => {
  it('an exited child is a zombie until its parent reaps it; pidfd_open works on the zombie, not after', () => {
    const k = newKernel();
    const pf = k.use(pidfd());
    const parent = k.spawnProcess({ creds: { uid: 0 } });
    const child = parent.fork();
    expect(parent.wait4(child.pid, 1)).toBe(0); // WNOHANG: still running
    expect(() => parent.wait4(child.pid, 0)).toThrow(ModelError); // would sleep
    child.exit();
    expect(child.exited && !child.reaped).toBe(true);
    const pfd = pf.pidfdOpen(parent, child.pid, 0);
    expect(errnoOf(() => pf.pidfdGetfd(parent, pfd, 0, 0))).toBe('ESRCH'); // PF_EXITING, files gone
    expect(parent.wait4(-1, 0)).toBe(child.pid);
    expect(child.reaped).toBe(true);
    expect(errnoOf(() => pf.pidfdOpen(parent, child.pid, 0))).toBe('ESRCH');
    expect(errnoOf(() => parent.wait4(child.pid, 1))).toBe('ECHILD');
    expect(errnoOf(() => parent.wait4(-1, 1))).toBe('ECHILD');
    parent.close(pfd);
  });

  it('ECHILD for a process that is not a child; EINVAL for process-group forms the model leaves out', () => {
    const k = newKernel();
    const a = k.spawnProcess();
    const b = k.spawnProcess();
    expect(errnoOf(() => a.wait4(b.pid, 1))).toBe('ECHILD');
    expect(errnoOf(() => a.wait4(0, 1))).toBe('EINVAL');
    expect(errnoOf(() => a.wait4(-1, 1 << 5))).toBe('EINVAL');
  });

  it('nobody waits for a parentless process, a child of an exited parent, or a child whose parent ignores SIGCHLD', () => {
    const k = newKernel();
    const lone = k.spawnProcess();
    lone.exit();
    expect(lone.reaped).toBe(true); // init reaps it
    const parent = k.spawnProcess();
    const c1 = parent.fork();
    c1.exit();
    expect(c1.reaped).toBe(false);
    parent.ignoreSigchld = true;
    const c2 = parent.fork();
    c2.exit();
    expect(c2.reaped).toBe(true);
    expect(errnoOf(() => parent.wait4(c2.pid, 0))).toBe('ECHILD');
    parent.exit();
    expect(c1.reaped).toBe(true); // reparented to init
  });
});

describe('prlimit64(RLIMIT_NOFILE)', () => {
  it('sets the soft limit below the hard one (4096 by default); lowering closes nothing', () => {
    const k = newKernel();
    const p = k.spawnProcess();
    p.open('/data/log', O_RDONLY);
    p.open('/data/log', O_RDONLY);
    expect(p.prlimit(1)).toEqual([1024, 4096]);
    expect(p.files.installedFds()).toEqual([0, 1]);
    expect(errnoOf(() => p.open('/data/log', O_RDONLY))).toBe('EMFILE');
    expect(p.prlimit(4096)).toEqual([1, 4096]);
    const before = state(k);
    expect(errnoOf(() => p.prlimit(4097))).toBe('EINVAL'); // soft above hard
    expect(errnoOf(() => p.prlimit(-1))).toBe('EINVAL'); // RLIM_INFINITY soft above a finite hard
    expect(state(k)).toBe(before);
    expect(p.fork().rlimitNofile).toBe(4096); // inherited
    p.closeRange(0, 10);
  });

  it('raising the hard limit needs CAP_SYS_RESOURCE; never above fs.nr_open', () => {
    const k = newKernel({ nrOpen: 8192 });
    const user = k.spawnProcess({ creds: { uid: 1000 } });
    expect(errnoOf(() => user.prlimit(2048, 5000))).toBe('EPERM');
    expect(user.prlimit(100, 200)).toEqual([1024, 4096]); // lowering is allowed
    const root = k.spawnProcess({ creds: { uid: 0 } });
    expect(root.prlimit(5000, 5000)).toEqual([1024, 4096]);
    expect(errnoOf(() => root.prlimit(5000, 9000))).toBe('EPERM');
  });
});
