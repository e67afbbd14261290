/*
 * Seed 004, "fixed files let you completely hide files": a file registered in a ring,
 * with every regular fd closed, keeps its filesystem busy. Print the umount outcomes while
 * the owner closes the ring (or unregisters), and draw the state with the hidden file: a
 * struct file with a reference and no fd pointing at it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { explore, Kernel, MNT_DETACH, O_RDONLY, render } from 'fdlab';
import { IORING_REGISTER_FILES, ioUring } from 'fdlab/io-uring';
import { uringHiddenPin, uringHiddenPinLazy, uringHiddenPinUnregister } from 'fdlab/scenarios';

console.log(`${uringHiddenPin.name}: ${uringHiddenPin.title}\nsource: ${uringHiddenPin.source}\n`);
for (const s of [uringHiddenPin, uringHiddenPinUnregister]) {
  const r = explore(s);
  console.log(`${s.name}: ${r.violations.length === 0 ? 'clean' : 'VIOLATION'} — ${r.outcomes.map((o) => `"${o.outcome}" ×${o.count}`).join(', ')}`);
  if (r.violations.length > 0 || !r.outcomes.some((o) => o.outcome.endsWith('EBUSY'))) process.exitCode = 1;
}
// The service manager's fallback, umount -l: it succeeds, and the filesystem may live on
// out of the namespace.
const lazy = explore(uringHiddenPinLazy);
console.log(`${uringHiddenPinLazy.name}: ${lazy.violations.length === 0 ? 'clean' : 'VIOLATION'} — ${lazy.outcomes.map((o) => `"${o.outcome}" ×${o.count}`).join(', ')}`);
if (lazy.violations.length > 0 || !lazy.outcomes.some((o) => o.outcome.includes('still pinned'))) process.exitCode = 1;

const k = new Kernel();
const u = k.use(ioUring());
k.vfs.mount('/mnt', 'tmpfs');
k.vfs.writeFile('/mnt/state', '1');
const p = k.spawnProcess({ name: 'P1' });
const ring = u.setup(p, 8);
const fd = p.open('/mnt/state', O_RDONLY);
u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
p.close(fd);
const hidden = k.audit().files.find((f) => f.owners.some((o) => o.startsWith('ring#1.file_table')));
console.log(`\n${hidden?.file} has f_count ${hidden?.count}, owned by ${hidden?.owners.join(', ')} — no fd refers to it`);
mkdirSync('out', { recursive: true });
writeFileSync('out/uring-hidden-pin.svg', render.svg(k, { title: 'a fixed file with no fd: /mnt stays busy' }));
console.log('wrote out/uring-hidden-pin.svg');
// The same state after `umount -l`: no path reaches /mnt, and the snapshot still shows it.
const sm = k.spawnProcess({ name: 'SM', creds: { uid: 0 } });
sm.umount2('/mnt', MNT_DETACH);
console.log(`after umount2("/mnt", MNT_DETACH): ${JSON.stringify(k.snapshot().mounts.filter((m) => m.path === '/mnt'))}`);
