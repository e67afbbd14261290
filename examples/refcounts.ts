/**
 * How open, dup, fork and close move a struct file's reference count, and how the last
 * put runs __fput (eventpoll, locks, ->release, mntput, file_free).
 *
 * Every call is a plain, synchronous syscall; after each one we print the effect events
 * it wrote (kernel.engine.events) and the count of the file.
 *
 * Run: npx tsx examples/refcounts.ts
 */
import { Kernel, O_RDWR, type Process } from 'fdlab';
import { formatEffect } from 'fdlab/extend';

const k = new Kernel({ trace: true }); // record the event log: this example prints it
const events = k.engine.events;
let seen = events.length;

/** Prints one call and the effects it wrote since the previous one. */
function step(label: string, call: () => unknown): void {
  const result = call();
  console.log(`${label}${result === undefined ? '' : ` = ${typeof result === 'object' ? (result as Process).name : String(result)}`}`);
  for (const e of events.slice(seen)) if (e.kind === 'effect') console.log(`    ${formatEffect(e, { objects: k.engine })}`);
  seen = events.length;
}

const p = k.spawnProcess();
seen = events.length;
let fd = -1;
let copy = -1;
let child: Process | undefined;

step("P1: fd = open('/data/log', O_RDWR)", () => (fd = p.open('/data/log', O_RDWR)));
const file = p.fileOf(fd);
console.log(`  -> ${file.name}.f_count = ${file.count} (the fd slot)\n`);

step('P1: copy = dup(fd)', () => (copy = p.dup(fd)));
console.log(`  -> ${file.name}.f_count = ${file.count} (two slots, one struct file)\n`);

step('P1: fork()', () => (child = p.fork()));
console.log(`  -> ${file.name}.f_count = ${file.count} (dup_fd: each slot copied into the child takes a reference)\n`);

step(`${child!.name}: exit()`, () => child!.exit());
console.log(`  -> ${file.name}.f_count = ${file.count} (the child's table died: close_files dropped its two)\n`);

step('P1: close(fd)', () => p.close(fd));
console.log(`  -> ${file.name}.f_count = ${file.count} (the number is free; the file lives on through copy)\n`);

step('P1: close(copy)', () => p.close(copy));
console.log(`  -> ${file.name} live: ${file.live} (the last put ran __fput; the memory went back to the slab)\n`);

const audit = k.audit();
console.log(`audit: ${audit.ok ? 'ok — every reference had an owner' : audit.problems.join('; ')}`);
if (!audit.ok || file.live || k.vfs.root.count !== 0) throw new Error('unexpected state');
